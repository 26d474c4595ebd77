"""The work budget against the clock: every kind's priced seconds for one image beside the
measured CPU seconds, a page's work (one image) and a training's predicted seconds,
beside the measured ones, for networks from tiny to the limits.

    python benchmarks/bench_budget.py [--images 3000] [--kinds-only]

Prints first, per kind and setting: the forward's priced CPU seconds (the layer's seconds(),
constants in cnnlab.layers.arrays), the measured CPU seconds (process time, all threads; median
of 5) and measured / priced (above 1 the price is optimistic: it must stay under ~2), then
the worst ratio per kind. Then, per network: page work (multiply-adds etc.), the seconds `pipeline.run` takes
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

import numpy as np  # noqa: E402

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


KIND_CASES = [  # (layer token, input (C, H, W)): small to the page's limits, digits, photos and wide maps
    ("conv-16-5x5", (1, 28, 28)), ("conv-64-3x3-same", (64, 28, 28)), ("conv-256-5x5", (1, 28, 28)),
    ("conv-8-15x15-full", (1, 28, 28)), ("conv-16-5x5", (3, 256, 256)), ("conv-64-1x1", (64, 56, 56)),
    ("conv-1-15x15-same", (256, 36, 160)), ("conv-16-3x3-s2x2-same-g4", (16, 96, 96)),
    ("conv-256-15x15-full-d8x8", (1, 28, 28)),
    ("dwconv-15x15-d8x8-full", (1, 28, 28)), ("dwconv-15x15-d8x8-full", (1, 140, 140)),
    ("dwconv-3x3-same", (64, 28, 28)), ("dwconv-5x5-x16", (16, 28, 28)), ("dwconv-15x15-same", (3, 256, 256)),
    ("dwconv-3x3-s2x2-same", (256, 64, 64)),
    ("deconv-16-15x15", (3, 256, 256)), ("deconv-256-13x13", (1, 62, 62)), ("deconv-1-8x8-s2x2", (1, 28, 28)),
    ("deconv-8-4x4-s2x2-p1x1", (16, 28, 28)), ("deconv-16-5x5-s3x3", (3, 128, 128)), ("deconv-64-3x3-s2x2-g4", (64, 32, 32)),
    ("max-2x2", (16, 28, 28)), ("max-3x3-s1x1-p1x1", (64, 64, 64)), ("max-15x15-s1x1", (3, 256, 256)),
    ("avg-2x2", (16, 28, 28)), ("avg-7x7-s1x1-p3x3", (16, 128, 128)), ("sum-15x15-s1x1", (16, 56, 56)),
    ("relu", (64, 128, 128)), ("leaky", (64, 128, 128)), ("tanh", (64, 128, 128)), ("sigmoid", (64, 128, 128)),
]


def cpu_seconds(compute, repeats: int = 5) -> float:
    """Median CPU seconds (this process, every thread) of compute()."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        compute()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def bench_kinds() -> None:
    """Every kind's seconds() against the measured CPU seconds of its forward on one image."""
    worst: dict[str, float] = {}
    for text, in_shape in KIND_CASES:
        spec = parse_stack(text)[0]
        x = np.random.default_rng(0).standard_normal((1, *in_shape)).astype(np.float32)
        params = spec.init_params(in_shape, np.random.default_rng(0))
        spec.forward(x, params)
        measured, priced = cpu_seconds(lambda: spec.forward(x, params)), spec.seconds(in_shape)
        ratio = measured / priced if priced else float("inf")
        worst[spec.kind] = max(worst.get(spec.kind, 0.0), ratio)
        print(f"{text:28s} {str(in_shape):16s} work {spec.work(in_shape) / 1e6:9.1f} M  priced {priced * 1e3:8.1f} ms"
              f"  measured {measured * 1e3:8.1f} CPU-ms  measured/priced {ratio:5.2f}", flush=True)
    for kind, ratio in worst.items():
        print(f"worst measured/priced {kind:22s} {ratio:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--kinds-only", action="store_true", help="only the per-kind table")
    args = parser.parse_args()
    bench_kinds()
    if args.kinds_only:
        return
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
