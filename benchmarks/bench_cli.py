"""`python -m cnnlab --all-test-images` against the batch forward it is built on: the
10,000 MNIST test images through the blog post's network, medians of --repeats runs,
side by side in one process; and the whole command in a fresh interpreter.

    python benchmarks/bench_cli.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnlab import cli  # noqa: E402
from cnnlab.data import load_mnist  # noqa: E402
from cnnlab.layers import BLOG_NETWORK  # noqa: E402
from cnnlab.pipeline import forward_batch, init_params  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    mnist = load_mnist()
    x = mnist.images[:, None].astype(np.float32) / np.float32(255)
    params = init_params(BLOG_NETWORK, (1, 28, 28), 0)
    batch, work, whole = [], [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            forward_batch(x, BLOG_NETWORK, params)
            batch.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli.main(["--all-test-images", "--out", out])
            work.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cnnlab", "--all-test-images", "--out", out], cwd=ROOT,
                           check=True, capture_output=True)
            whole.append(time.perf_counter() - t0)
    b, w, c = (statistics.median(v) * 1e3 for v in (batch, work, whole))
    print(f"batch forward, 10,000 test images: {b:.0f} ms; the CLI's --all-test-images in-process (forward in "
          f"chunks and 92 MB streamed into the NPZ): {w:.0f} ms ({w / b:.2f}x); the whole command in a new "
          f"interpreter: {c:.0f} ms ({c / b:.2f}x)")


if __name__ == "__main__":
    main()
