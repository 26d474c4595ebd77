"""The work budget: every network is priced before anything is computed.

The app is shared from one link on a small host where every visitor shares one server
process, so no setting may make one page or one training take minutes or gigabytes.
A page is priced in two numbers, a training in two more; each has one limit here:

* work: multiply-adds (Convolution), window reads (pooling) or function values
  (activation) for one image through the whole network;
* time: the CPU seconds each kind's seconds() prices one image at (its GEMMs, the patch
  floats it copies, its outputs and its NumPy calls: what makes a DepthwiseConvolution or
  a strided Deconvolution cost more per multiply-add than a dense Convolution), summed over
  the network;
* values: the numbers the page holds and draws: every layer's output plus its weights
  (the browser receives about 7 bytes a value);
* working memory: the bytes a layer allocates at once while it computes one image (its
  padded input, patch-matrix blocks, output, temporaries: each kind's working_bytes, checked
  against tracemalloc in the tests);
* training time: predicted from its work (per-image work x 3, for the forward and
  the backward's two products, x images x epochs) and the values it keeps and reads
  back, on the 2-core reference machine;
* training memory: what one batch of 64 keeps for the backward pass (every layer's
  input and output, a Convolution's patch matrix), float32, plus the largest working
  memory of one layer's forward and backward on that batch (each kind's training_bytes).

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
MAX_PAGE_SECONDS = 0.25  # priced CPU seconds of one image through the network (prices are ~1-2x measured)
MAX_WORKING_BYTES = 40 * 2**20  # one layer computing one image; blocked layers stay near 16-30 MB
MAX_TRAINING_SECONDS = 60  # predicted by TrainingCost.seconds
SECONDS_PER_WORK = 1.5e-11
SECONDS_PER_VALUE = 2.4e-9  # a value kept for the backward pass is written and read a few times
MAX_TRAINING_BATCH_BYTES = 128 * 2**20  # priced; a child peaks below its base + this (bench_training_memory.py)
BATCH = 64
BACKWARD_FACTOR = 3  # forward + the backward's input and weight gradients


MESSAGES = {  # the English messages; a page shows its catalogue's "budget.KEY" with the same fields
    "input": "The input holds {values:,} values; at most {limit:,} fit on a page.",
    "work": ("Layer {index} ({kind}) is over this app's work budget: the network up to it needs "
             "{work_millions:,} million {unit} for one image (this layer {layer_millions:,} million); the limit is "
             "{limit_millions:,} million. Use fewer OutMaps, a smaller KernelShape, less Padding or larger Strides."),
    "values": ("Layer {index} ({kind}) is over this app's budget of values to draw: the network up to it holds "
               "{values:,} values (maps and weights; this layer {layer_values:,}); the limit is {limit:,}. "
               "Use fewer OutMaps, less Padding or larger Strides."),
    "time": ("Layer {index} ({kind}) is over this app's time budget: the network up to it is priced at "
             "{milliseconds:,} ms of computing for one image (this layer {layer_milliseconds:,} ms); the limit is "
             "{limit_milliseconds:,} ms. Use fewer OutMaps, a smaller KernelShape, less Padding or larger Strides."),
    "memory": ("Layer {index} ({kind}) is over this app's memory budget: computing it for one image needs "
               "{megabytes:,} MB of working memory at once; the limit is {limit:,} MB. Use fewer OutMaps, "
               "a smaller KernelShape, less Padding or larger Strides."),
    "training_time": ("This training is over the app's budget: {images:,} images x {epochs} epochs would take "
                      "about {seconds:,} s on this server (limit {limit} s). Lower Max Epoch or the number of "
                      "training images, or make the network smaller."),
    "training_memory": ("This network is too large to train here: one batch of {batch} images would keep "
                        "{megabytes:,} MB for the backward pass and a layer's working memory; the limit is "
                        "{limit:,} MB. Use fewer OutMaps or a smaller KernelShape."),
    "attribution_work": ("This view is over the app's work budget: its images through the network need "
                         "{work_millions:,} million operations; the limit is {limit_millions:,} million. Use a larger "
                         "patch stride, fewer steps or a smaller network."),
    "attribution_memory": ("This occlusion is over the app's memory budget: its batch would hold {values:,} values; "
                           "the limit is {limit:,}. Use a larger patch stride or a smaller network."),
}


class BudgetError(LayerShapeError):
    """A network (or training) over the work budget: a key naming the limit, and the
    numbers (whole numbers, and the layer's index and kind) as fields; see LayerShapeError."""

    MESSAGES = MESSAGES
    NAMESPACE = "budget"

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key=key, **fields)


@dataclass(frozen=True)
class LayerCost:
    """One layer for one image: its work, output values, parameters, peak working bytes and
    priced CPU seconds."""

    work: int
    values: int
    parameters: int
    working_bytes: int = 0
    seconds: float = 0.0


def layer_cost(spec: LayerSpec, in_shape: Shape3) -> LayerCost:
    """The cost of `spec` on an input (C, H, W); LayerShapeError if it cannot run."""
    out = spec.output_shape(in_shape)
    return LayerCost(spec.work(in_shape), out[0] * out[1] * out[2], spec.parameter_count(in_shape),
                     spec.working_bytes(in_shape), spec.seconds(in_shape))


class PageBudget:
    """Adds up layer costs as a network is run and refuses the layer that crosses a limit."""

    def __init__(self, in_shape: Shape3, max_work: int = MAX_WORK, max_values: int = MAX_VALUES,
                 max_working_bytes: int = MAX_WORKING_BYTES, max_seconds: float = MAX_PAGE_SECONDS) -> None:
        self.max_work, self.max_values, self.max_working_bytes = max_work, max_values, max_working_bytes
        self.max_seconds = max_seconds
        self.work, self.seconds = 0, 0.0
        self.values = in_shape[0] * in_shape[1] * in_shape[2]
        if self.values > max_values:
            raise BudgetError("input", values=self.values, limit=max_values)

    def charge(self, index: int, spec: LayerSpec, in_shape: Shape3) -> LayerCost:
        """Price layer `index` (1-based); BudgetError before anything is computed if the
        network up to it crosses a limit."""
        cost = layer_cost(spec, in_shape)
        work, values = self.work + cost.work, self.values + cost.values + cost.parameters
        if work > self.max_work:
            raise BudgetError("work", index=index, kind=spec.kind, unit=spec.WORK_UNIT,
                              work_millions=round(work / 1e6), layer_millions=round(cost.work / 1e6),
                              limit_millions=round(self.max_work / 1e6))
        if values > self.max_values:
            raise BudgetError("values", index=index, kind=spec.kind, values=values,
                              layer_values=cost.values + cost.parameters, limit=self.max_values)
        seconds = self.seconds + cost.seconds
        if seconds > self.max_seconds:
            raise BudgetError("time", index=index, kind=spec.kind, milliseconds=round(seconds * 1e3),
                              layer_milliseconds=round(cost.seconds * 1e3),
                              limit_milliseconds=round(self.max_seconds * 1e3))
        if cost.working_bytes > self.max_working_bytes:
            raise BudgetError("memory", index=index, kind=spec.kind, megabytes=-(-cost.working_bytes // 2**20),
                              limit=self.max_working_bytes // 2**20)
        self.work, self.values, self.seconds = work, values, seconds
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
    shape, per_image, kept, working = in_shape, 0, 0, 0
    for spec in specs:
        out = spec.output_shape(shape)
        per_image += spec.work(shape)
        kept += spec.training_values(shape)
        working = max(working, spec.training_bytes(shape, BATCH))
        shape = out
    per_image += shape[0] * shape[1] * shape[2] * 10  # the Affine(10) head
    seen = images * epochs
    return TrainingCost(per_image * BACKWARD_FACTOR * seen, kept * seen, kept * BATCH * 4 + working)


def check_training(specs: Sequence[LayerSpec], in_shape: Shape3, images: int, epochs: int) -> TrainingCost:
    """TrainingCost, or BudgetError saying which number is over and what to lower."""
    cost = training_cost(specs, in_shape, images, epochs)
    if cost.seconds > MAX_TRAINING_SECONDS:
        raise BudgetError("training_time", images=images, epochs=epochs, seconds=round(cost.seconds),
                          limit=MAX_TRAINING_SECONDS)
    if cost.batch_bytes > MAX_TRAINING_BATCH_BYTES:
        raise BudgetError("training_memory", batch=BATCH, megabytes=round(cost.batch_bytes / 2**20),
                          limit=MAX_TRAINING_BATCH_BYTES // 2**20)
    return cost
