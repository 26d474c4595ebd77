"""CPU time of each view of cnnlab.attribution at the app's defaults, on a network trained
for one epoch (the blog network, and the LeNet-like preset): process CPU seconds (both
cores count), median of --repeats runs, uncached.

    python benchmarks/bench_attribution.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnlab import attribution as A  # noqa: E402
from cnnlab.data import MNIST_TRAIN_PATH, load_mnist  # noqa: E402
from cnnlab.presets import parse_stack  # noqa: E402
from cnnlab.training import train  # noqa: E402

NETWORKS = {"blog": "conv-16-5x5_max-2x2", "lenet-like": "conv-6-5x5_relu_max-2x2_conv-16-5x5_relu_max-2x2"}


def cpu(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data, image = load_mnist(MNIST_TRAIN_PATH), load_mnist().image(4)[None]
    for name, stack in NETWORKS.items():
        specs = parse_stack(stack)
        model = train(specs, data.images[:2000], data.labels[:2000], 1, seed=0)
        views = {"saliency": lambda: A.saliency(model, image),
                 "occlusion 5/2": lambda: A.occlusion(model, image, None, 5, 2),
                 "occlusion 1/1": lambda: A.occlusion(model, image, None, 1, 1),
                 "ascent layer 1, 40 steps": lambda: A.ascent(model, (1, 28, 28), 1, 0, 40),
                 "ascent class, 40 steps": lambda: A.ascent(model, (1, 28, 28), None, 0, 40),
                 "grad-cam": lambda: A.grad_cam(model, image)}
        for view, fn in views.items():
            print(f"{name:10s} {view:26s} {cpu(fn, args.repeats) * 1000:8.1f} ms CPU")


if __name__ == "__main__":
    main()
