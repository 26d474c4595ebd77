"""The work budget against the clock: a page's work (one image) and a training's
predicted seconds, beside the measured ones, for networks from tiny to the limits.

    python benchmarks/bench_budget.py [--images 3000]

Prints, per network: page work (multiply-adds etc.), the seconds `pipeline.run` takes
for one image (median of 5), and for one training epoch on --images images the seconds
`budget.TrainingCost.seconds` predicts and the seconds it took (predicted / measured:
above 1 the budget is cautious, below 1 it is optimistic).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnlab import training  # noqa: E402
from cnnlab.budget import layer_cost, training_cost  # noqa: E402
from cnnlab.data import MNIST_TRAIN_PATH, load_mnist  # noqa: E402
from cnnlab.pipeline import run  # noqa: E402
from cnnlab.presets import parse_stack  # noqa: E402

NETWORKS = [
    "conv-16-5x5_max-2x2", "conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2", "conv-4-1x1",
    "conv-16-3x3-s2x2-same_relu_conv-16-3x3-s2x2-same_relu_avg-7x7", "max-2x2-s1x1_max-2x2-s1x1_max-2x2-s1x1",
    "conv-64-3x3-same_relu_conv-64-3x3-same", "conv-256-5x5", "conv-8-15x15-full_max-2x2", "conv-64-1x1-p15x15",
    "conv-256-5x5_conv-256-5x5",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3000)
    args = parser.parse_args()
    image, data = load_mnist().image(4), load_mnist(MNIST_TRAIN_PATH)
    ratios = []
    for text in NETWORKS:
        specs = parse_stack(text)
        stages = run(image, specs, 0)
        work = sum(layer_cost(s.spec, s.input_shape).work for s in stages[1:] if s.error is None)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            run(image, specs, 0)
            times.append(time.perf_counter() - t0)
        predicted = training_cost(specs, (1, 28, 28), args.images, 1).seconds
        t0 = time.perf_counter()
        training.train(specs, data.images[:args.images], data.labels[:args.images], 1, 0)
        measured = time.perf_counter() - t0
        ratios.append(predicted / measured)
        print(f"{text:62s} page {work / 1e6:8.1f} M work, {statistics.median(times) * 1e3:6.1f} ms | "
              f"training predicted {predicted:5.2f} s, took {measured:5.2f} s ({predicted / measured:.2f}x)")
    print(f"predicted / measured: {min(ratios):.2f}x to {max(ratios):.2f}x")


if __name__ == "__main__":
    main()
