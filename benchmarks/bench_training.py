"""Training speed and accuracy of the LeNet-like stack.

1. Accuracy: trained on all 20,000 shipped MNIST training images for the budget
   (5 epochs, Adam 2e-3, batches of 64), tested on the 10,000 test images.
2. Speed: one epoch over 10,000 training images, cnnlab (NumPy) side by side with the
   same model, data, batch size (64) and Adam 1e-3 in PyTorch on the CPU (a benchmark-
   only peer; skipped if absent), default threads and one thread; medians of 3 epochs.

    python benchmarks/bench_training.py [--epochs 3]

It runs itself in the environment the app's training child has (CHILD_ENVIRONMENT: one
OpenBLAS thread, glibc keeping freed memory), so cnnlab trains here as it does in the app.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnlab.data import MNIST_TRAIN_PATH, load_mnist  # noqa: E402
from cnnlab.presets import PRESETS  # noqa: E402
from cnnlab.training import accuracy, train  # noqa: E402
from cnnlab.training_process import CHILD_ENVIRONMENT  # noqa: E402

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


def cnnlab_epoch_seconds(specs, images: np.ndarray, labels: np.ndarray, epochs: int) -> float:
    """Median epoch time of cnnlab's training (lr 1e-3 like torch's run)."""
    stamps = [time.perf_counter()]
    train(specs, images, labels, epochs, seed=0, lr=1e-3,
          report=lambda p: stamps.append(time.perf_counter()) if p.batch == p.batches else None)
    return statistics.median(np.diff(stamps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="the accuracy run's budget")
    parser.add_argument("--lr", type=float, default=2e-3, help="the accuracy run's Adam step")
    parser.add_argument("--speed-images", type=int, default=10_000)
    parser.add_argument("--speed-epochs", type=int, default=3)
    args = parser.parse_args()
    train_set, test_set = load_mnist(MNIST_TRAIN_PATH), load_mnist()
    specs = PRESETS["lenet"]

    # 1. Accuracy after the training budget, on every shipped training image.
    t0 = time.perf_counter()
    model = train(specs, train_set.images, train_set.labels, args.epochs, seed=0, lr=args.lr,
                  report=lambda p: print(f"  epoch {p.epoch}: loss {p.loss:.4f}, train accuracy {p.accuracy:.4f}")
                  if p.batch == p.batches else None)
    total = time.perf_counter() - t0
    acc = accuracy(model, test_set.images, test_set.labels)
    print(f"cnnlab LeNet-like, {args.epochs} epochs over {len(train_set):,} images (Adam {args.lr:g}): "
          f"{total:.1f} s; test accuracy {acc:.4f} on {len(test_set):,} test images")

    # 2. Epoch time side by side, same images, batch size and optimiser step.
    images, labels = train_set.images[:args.speed_images], train_set.labels[:args.speed_images]
    ours = cnnlab_epoch_seconds(specs, images, labels, args.speed_epochs)
    print(f"one epoch over {len(images):,} images (median of {args.speed_epochs}): cnnlab {ours:.2f} s")
    if torch is None:
        print("torch absent: its column is skipped")
        return
    for threads in (torch.get_num_threads(), 1):
        t = torch_epoch_seconds(images, labels, threads, args.speed_epochs)
        print(f"  torch ({threads} thread{'s' if threads > 1 else ''}): {t:.2f} s; cnnlab / torch = {ours / t:.2f}x")


if __name__ == "__main__":
    if any(os.environ.get(k) != v for k, v in CHILD_ENVIRONMENT.items()):  # read at start: start again with it
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **CHILD_ENVIRONMENT})
    main()
