"""A training child's peak memory against its price: for each network, the training
budget's priced batch memory (`cnnlab.budget.training_cost(...).batch_bytes`) and the
peak resident memory of a real training child (`python -m cnnlab.training_process` in
the environment the server gives it: one OpenBLAS thread, one malloc arena), sampled every --every seconds, over one
epoch on --images images (the per-epoch test-set accuracy included).

    python benchmarks/bench_training_memory.py [--images 640] [--every 0.02] [NET ...]

Prints per network: priced MB, whether the budget allows it, the child's peak MB, and
its peak less the base (the peak of a child training the Affine head alone: Python,
NumPy and the data) as a multiple of the price. The server's memory plan (README, "One public link") adds the
largest allowed child's peak to the server's own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browsertools import rss_mb  # noqa: E402
from cnnlab import budget  # noqa: E402
from cnnlab.presets import parse_stack  # noqa: E402
from cnnlab.training_process import child_environment  # noqa: E402

NETWORKS = (
    "conv-16-5x5_relu_max-2x2",
    "conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2",
    "conv-32-5x5_bn_relu_max-2x2_conv-64-5x5_bn_relu_max-2x2_gap_affine-10",
    "conv-64-5x5-same_relu_max-2x2",
    "conv-128-3x3-same_relu",
    "conv-32-3x3-same_relu_conv-64-3x3-same_relu",
    "conv-96-3x3-same_relu_max-2x2",
    "dwconv-3x3-same-m16_relu_conv-32-1x1_relu",
)


def child_peak(net: str, images: int, every: float) -> float:
    """Peak RSS MB of one training child."""
    request = json.dumps({"stack": net, "images": images, "epochs": 1, "seed": 1, "nice": 0})
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen([sys.executable, "-m", "cnnlab.training_process", request, f"{tmp}/m.npz"],
                                 env=child_environment(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True)
        samples: list[float] = []
        threading.Thread(target=child.stdout.read, daemon=True).start()
        while child.poll() is None:
            samples.append(rss_mb(child.pid, children=False))
            time.sleep(every)
    return max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("networks", nargs="*", default=NETWORKS)
    parser.add_argument("--images", type=int, default=640)
    parser.add_argument("--every", type=float, default=0.02)
    args = parser.parse_args()
    limit = budget.MAX_TRAINING_BATCH_BYTES / 2**20
    print(f"training batch memory limit {limit:.0f} MB; {args.images} images, 1 epoch, one BLAS thread")
    base = child_peak("", args.images, args.every)
    print(f"base (the Affine head alone): {base:.0f} MB")
    print(f"{'network':72s} {'priced':>7s} {'peak':>6s} {'(peak-base)/priced':>18s}")
    for net in args.networks:
        priced = budget.training_cost(parse_stack(net), (1, 28, 28), args.images, 1).batch_bytes / 2**20
        allowed = "" if priced <= limit else " (over the limit)"
        peak = child_peak(net, args.images, args.every)
        print(f"{net:72s} {priced:6.0f}M {peak:5.0f}M {(peak - base) / priced:17.2f}x{allowed}")


if __name__ == "__main__":
    main()
