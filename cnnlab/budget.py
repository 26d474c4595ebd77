"""The work budget: every network is priced before anything is computed.

The app is shared from one link on a small host where every visitor shares one server
process, so no setting may make one page or one training take minutes or gigabytes.
A page is priced in two numbers, a training in two more; each has one limit here:

* work: multiply-adds (Convolution), window reads (pooling) or function values
  (activation) for one image through the whole network;
* values: the numbers the page holds and draws: every layer's output plus its weights
  (the browser receives about 7 bytes a value);
* training time: predicted from its work (per-image work x 3, for the forward and
  the backward's two products, x images x epochs) and the values it keeps and reads
  back, on the 2-core reference machine;
* training memory: what one batch of 64 keeps for the backward pass (every layer's
  input and output, a Convolution's patch matrix), float32.

A network over a limit is refused at the first layer that crosses it, with a message
naming the layer and the numbers; the layers before it still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnnlab.shapes import LayerShapeError
from cnnlab.layers import LayerSpec, Shape3

MAX_WORK = 1_000_000_000  # one image through the network: ~0.05-0.25 s of NumPy on 2 cores
MAX_VALUES = 1_500_000  # outputs + weights on one page: ~10 MB to the browser at most
MAX_TRAINING_SECONDS = 60  # predicted by TrainingCost.seconds
SECONDS_PER_WORK = 1.5e-11
SECONDS_PER_VALUE = 2.4e-9  # a value kept for the backward pass is written and read a few times
MAX_TRAINING_BATCH_BYTES = 256 * 2**20
BATCH = 64
BACKWARD_FACTOR = 3  # forward + the backward's input and weight gradients


class BudgetError(LayerShapeError):
    """A network (or training) over the work budget; the message names the layer and numbers."""


@dataclass(frozen=True)
class LayerCost:
    """One layer for one image: its work, output values and parameters."""

    work: int
    values: int
    parameters: int


def layer_cost(spec: LayerSpec, in_shape: Shape3) -> LayerCost:
    """The cost of `spec` on an input (C, H, W); LayerShapeError if it cannot run."""
    out = spec.output_shape(in_shape)
    return LayerCost(spec.work(in_shape), out[0] * out[1] * out[2], spec.parameter_count(in_shape[0]))


def _million(n: int) -> str:
    return f"{n / 1e6:,.0f} million" if n >= 10_000_000 else f"{n:,}"


class PageBudget:
    """Adds up layer costs as a network is run and refuses the layer that crosses a limit."""

    def __init__(self, in_shape: Shape3, max_work: int = MAX_WORK, max_values: int = MAX_VALUES) -> None:
        self.max_work, self.max_values = max_work, max_values
        self.work = 0
        self.values = in_shape[0] * in_shape[1] * in_shape[2]
        if self.values > max_values:
            raise BudgetError(f"The input holds {self.values:,} values; at most {max_values:,} fit on a page.")

    def charge(self, index: int, spec: LayerSpec, in_shape: Shape3) -> LayerCost:
        """Price layer `index` (1-based); BudgetError before anything is computed if the
        network up to it crosses a limit."""
        cost = layer_cost(spec, in_shape)
        work, values = self.work + cost.work, self.values + cost.values + cost.parameters
        name = f"Layer {index} ({spec.kind})"
        if work > self.max_work:
            raise BudgetError(
                f"{name} is over this app's work budget: the network up to it needs {_million(work)} "
                f"{spec.WORK_UNIT} for one image "
                f"(this layer {_million(cost.work)}); the limit is {_million(self.max_work)}. "
                "Use fewer OutMaps, a smaller KernelShape, less Padding or larger Strides."
            )
        if values > self.max_values:
            raise BudgetError(
                f"{name} is over this app's budget of values to draw: the network up to it holds "
                f"{values:,} values (maps and weights; this layer {cost.values + cost.parameters:,}); "
                f"the limit is {self.max_values:,}. Use fewer OutMaps, less Padding or larger Strides."
            )
        self.work, self.values = work, values
        return cost


@dataclass(frozen=True)
class TrainingCost:
    """A whole training: its work, the values it moves, the memory one batch keeps for the
    backward pass, and the seconds that predicts on the 2-core reference machine."""

    work: int
    values: int
    batch_bytes: int

    @property
    def seconds(self) -> float:
        """SECONDS_PER_WORK * work + SECONDS_PER_VALUE * values, fitted on this app's
        own trainings (benchmarks/bench_budget.py prints the fit's error per network)."""
        return SECONDS_PER_WORK * self.work + SECONDS_PER_VALUE * self.values


def training_cost(specs: Sequence[LayerSpec], in_shape: Shape3, images: int, epochs: int) -> TrainingCost:
    """Price a training of `specs` + Affine(10) on `images` images for `epochs` epochs."""
    shape, per_image, kept = in_shape, 0, 0
    for spec in specs:
        out = spec.output_shape(shape)
        per_image += spec.work(shape)
        kept += spec.training_values(shape)
        shape = out
    per_image += shape[0] * shape[1] * shape[2] * 10  # the Affine(10) head
    seen = images * epochs
    return TrainingCost(per_image * BACKWARD_FACTOR * seen, kept * seen, kept * BATCH * 4)


def check_training(specs: Sequence[LayerSpec], in_shape: Shape3, images: int, epochs: int) -> TrainingCost:
    """TrainingCost, or BudgetError saying which number is over and what to lower."""
    cost = training_cost(specs, in_shape, images, epochs)
    if cost.seconds > MAX_TRAINING_SECONDS:
        raise BudgetError(
            f"This training is over the app's budget: {images:,} images x {epochs} epochs would take "
            f"about {cost.seconds:,.0f} s on this server (limit {MAX_TRAINING_SECONDS} s). Lower Max Epoch "
            "or the number of training images, or make the network smaller."
        )
    if cost.batch_bytes > MAX_TRAINING_BATCH_BYTES:
        raise BudgetError(
            f"This network is too large to train here: one batch of {BATCH} images would keep "
            f"{cost.batch_bytes / 2**20:,.0f} MB for the backward pass; the limit is "
            f"{MAX_TRAINING_BATCH_BYTES / 2**20:,.0f} MB. Use fewer OutMaps or a smaller KernelShape."
        )
    return cost
