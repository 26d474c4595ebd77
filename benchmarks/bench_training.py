"""Training speed and accuracy: the LeNet-like stack on the shipped 20,000 MNIST training
images, cnnlab (NumPy) side by side with the same model, data, optimiser (Adam) and
batch size (64) in PyTorch on the CPU (a benchmark-only peer; skipped if absent).
Epoch times are medians over the epochs run, for both.

    python benchmarks/bench_training.py [--epochs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnlab.data import MNIST_TRAIN_PATH, load_mnist  # noqa: E402
from cnnlab.presets import PRESETS  # noqa: E402
from cnnlab.training import accuracy, train  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def torch_epoch_seconds(images: np.ndarray, labels: np.ndarray, threads: int, epochs: int) -> float:
    """Median epoch time of the same LeNet-like model in torch (its own default initialisation)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.from_numpy(images.astype(np.float32)[:, None] / 255)
    y = torch.from_numpy(labels.astype(np.int64))
    gen = torch.Generator().manual_seed(0)
    times = []
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        t0 = time.perf_counter()
        for start in range(0, len(x), 64):
            idx = order[start:start + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam step size for cnnlab's run (torch's timing uses 1e-3)")
    args = parser.parse_args()
    train_set, test_set = load_mnist(MNIST_TRAIN_PATH), load_mnist()
    specs = PRESETS["lenet"]
    times = []
    t0 = time.perf_counter()

    def report(p):
        if p.batch == p.batches:
            times.append(time.perf_counter())
            print(f"  cnnlab epoch {p.epoch}: loss {p.loss:.4f}, train accuracy {p.accuracy:.4f}, "
                  f"{times[-1] - (times[-2] if len(times) > 1 else t0):.1f} s")

    model = train(specs, train_set.images, train_set.labels, args.epochs, seed=0, lr=args.lr, report=report)
    total = time.perf_counter() - t0
    epoch = statistics.median(np.diff([t0] + times))
    acc = accuracy(model, test_set.images, test_set.labels)
    print(f"cnnlab LeNet-like, {args.epochs} epochs over {len(train_set)} images: {total:.1f} s "
          f"(median epoch {epoch:.1f} s); test accuracy {acc:.4f} on {len(test_set)} images")
    if torch is None:
        print("torch absent: its column is skipped")
        return
    for threads in (torch.get_num_threads(), 1):
        t = torch_epoch_seconds(train_set.images, train_set.labels, threads, args.epochs)
        print(f"torch ({threads} thread{'s' if threads > 1 else ''}) median epoch: {t:.1f} s; "
              f"cnnlab / torch = {epoch / t:.2f}x")


if __name__ == "__main__":
    main()
