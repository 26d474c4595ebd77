"""Layer engine speed: cnnlab (NumPy) side by side with PyTorch's CPU conv2d / max_pool2d.

torch is a benchmark-only peer, never a dependency of cnnlab: when it is not
installed its columns are skipped. Torch is timed with its default threads and
with one thread. Medians over repeats, cnnlab and torch timed in interleaved blocks (the
machine's speed drifts); all cases in one run.

    python benchmarks/bench_layers.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnlab import functions as F  # noqa: E402
from cnnlab.data import load_mnist  # noqa: E402
from cnnlab.pipeline import forward_batch, init_params  # noqa: E402
from cnnlab.layers import BLOG_NETWORK  # noqa: E402

try:
    import torch
except ImportError:  # the torch columns are optional
    torch = None


def median_time(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compare(ours, peer, repeats: int, blocks: int = 10, warmup: int = 3) -> tuple[float, dict[str, float]]:
    """Median seconds of `ours` and of the torch `peer` (default threads, then 1 thread),
    timed in interleaved blocks so that the machine's drifting speed hits all alike."""
    for _ in range(warmup):
        ours()
    if torch is None:
        return median_time(ours, repeats, warmup=0), {}
    default_threads = torch.get_num_threads()
    labels = {threads: f"torch x{threads} thread{'s' if threads > 1 else ''}" for threads in (default_threads, 1)}
    times: dict[str, list[float]] = {"ours": [], **{label: [] for label in labels.values()}}
    per_block = max(1, repeats // blocks)
    with torch.inference_mode():
        for threads in labels:
            torch.set_num_threads(threads)
            for _ in range(warmup):
                peer()
        for _ in range(blocks):
            times["ours"] += [_timed(ours) for _ in range(per_block)]
            for threads, label in labels.items():
                torch.set_num_threads(threads)
                peer()  # untimed: the first call after a thread-count change pays for the change
                times[label] += [_timed(peer) for _ in range(per_block)]
    torch.set_num_threads(default_threads)
    return statistics.median(times.pop("ours")), {label: statistics.median(t) for label, t in times.items()}


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def report(name: str, ours: float, peers: dict[str, float], extra: str = "") -> None:
    cells = [f"cnnlab {ours * 1e3:9.3f} ms"]
    for label, t in peers.items():
        cells.append(f"{label} {t * 1e3:9.3f} ms (ratio {ours / t:5.2f}x)")
    print(f"{name:<44} " + " | ".join(cells) + (f" | {extra}" if extra else ""))


def case_single_mnist(repeats: int) -> None:
    x = load_mnist().image(4)[None, None]
    w = np.random.default_rng(0).standard_normal((16, 1, 5, 5)).astype(np.float32) * 0.2
    b = np.zeros(16, np.float32)
    ours = lambda: F.max_pooling(F.convolution(x, w, b), (2, 2), (2, 2))  # noqa: E731
    peer = None
    if torch is not None:
        tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        peer = lambda: torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(tx, tw, tb), 2, 2)  # noqa: E731
        np.testing.assert_allclose(
            F.max_pooling(F.convolution(x, w, b), 2, 2),
            torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(tx, tw, tb), 2, 2).numpy(), atol=1e-5)
    report("1 x 28x28, conv 16@5x5 + maxpool 2x2/2", *compare(ours, peer, repeats * 20, blocks=20))


def case_all_mnist(repeats: int, chunk: int) -> None:
    images = load_mnist().images
    x = (images.astype(np.float32) / 255)[:, None]
    params = init_params(BLOG_NETWORK, (1, 28, 28), seed=0)
    run = lambda: forward_batch(x, BLOG_NETWORK, params, chunk=chunk)  # noqa: E731
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peer = None
    if torch is not None:
        tx = torch.from_numpy(x)
        tw, tb = torch.from_numpy(params[0]["W"]), torch.from_numpy(params[0]["b"])
        peer = lambda: torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(tx, tw, tb), 2, 2)  # noqa: E731
    ours, peers = compare(run, peer, repeats, blocks=repeats, warmup=1)
    report(f"10,000 x 28x28 (chunks of {chunk})", ours, peers, f"peak extra memory {peak / 1e6:.0f} MB")


def case_large_rgb(repeats: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.random((1, 3, 512, 512), dtype=np.float32)
    w = rng.standard_normal((64, 3, 7, 7)).astype(np.float32) * 0.1
    peer = None
    if torch is not None:
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        peer = lambda: torch.nn.functional.conv2d(tx, tw)  # noqa: E731
        np.testing.assert_allclose(F.convolution(x, w), torch.nn.functional.conv2d(tx, tw).numpy(),
                                   atol=2e-4, rtol=1e-4)
    report("1 x 3x512x512, conv 64@7x7", *compare(lambda: F.convolution(x, w), peer, repeats, blocks=repeats,
                                                   warmup=1))


def case_load_mnist(repeats: int) -> None:
    """Decompressing the shipped test set (the uncached loader, each time from disk)."""
    t = median_time(lambda: load_mnist.__wrapped__(), repeats, warmup=1)
    print(f"{'load the bundled MNIST test set (10,000 images)':<44} cnnlab {t * 1e3:9.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--chunk", type=int, default=256)
    args = parser.parse_args()
    print(f"numpy {np.__version__}; torch {torch.__version__ if torch else 'absent: torch columns skipped'}")
    case_load_mnist(max(3, args.repeats // 3))
    case_single_mnist(args.repeats)
    case_all_mnist(max(3, args.repeats // 3), args.chunk)
    case_large_rgb(max(3, args.repeats // 3))
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
