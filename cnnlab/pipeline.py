"""Run one image (or a batch) through a sequence of layer specs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnlab.budget import PageBudget
from cnnlab.kernel_edits import KernelEdit, apply_edits
from cnnlab.shapes import LayerShapeError
from cnnlab.layers import LayerSpec, Params


@dataclass(frozen=True)
class Stage:
    """One layer's result for one image: output (C, H, W), or error when it cannot run."""

    index: int  # 0 is the input; layer i is stage i
    name: str
    spec: LayerSpec | None
    input_shape: tuple[int, ...] | None
    params: Params | None
    output: np.ndarray | None
    error: str | None = None
    error_detail: tuple[str, dict] | None = None  # (catalogue key, fields) of a common refusal, for the page's language

    @property
    def shape(self) -> tuple[int, ...] | None:
        return None if self.output is None else tuple(self.output.shape)


def layer_rng(seed: int, index: int) -> np.random.Generator:
    """The generator for layer `index`: the same (seed, index) gives the same weights."""
    return np.random.default_rng([int(seed), int(index)])


def fresh_params(spec: LayerSpec, in_shape: tuple[int, int, int], seed: int, index: int) -> Params | None:
    """Untrained parameters of layer `index` (1-based) by nnabla's names ({"W": ..., "b": ...}),
    or None for a layer without any."""
    return spec.init_params(tuple(in_shape), layer_rng(seed, index))


def init_params(specs: Sequence[LayerSpec], in_shape: tuple[int, int, int], seed: int) -> list[Params | None]:
    """Fresh parameters for every layer (None for parameter-free layers).

    Raises LayerShapeError where a layer cannot take its input.
    """
    params: list[Params | None] = []
    shape = in_shape
    for i, spec in enumerate(specs, start=1):
        new_shape = spec.output_shape(shape)
        params.append(fresh_params(spec, shape, seed, i))
        shape = new_shape
    return params


def run(image: np.ndarray, specs: Sequence[LayerSpec], seed: int = 0,
        params: Sequence[Params | None] | None = None, budget: bool = True,
        edits: tuple[KernelEdit, ...] = ()) -> list[Stage]:
    """image (H, W) or (C, H, W) -> [input stage, one stage per layer].

    Weights are drawn fresh per layer from (seed, layer index), i.e. untrained
    ("Max Epoch 0"), unless `params` (one entry per layer, e.g. trained) is given;
    `edits` (hand-edited kernel cells, cnnlab.kernel_edits) are laid over them.
    A layer that cannot take its input, has a setting outside cnnlab.limits, or (with
    `budget`) would take the network over cnnlab.budget's limits ends the list with a
    stage whose `error` says why, before anything of it is computed; the stages before
    it are kept.
    """
    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 2:
        x = x[None]
    stages = [Stage(0, "Input", None, None, None, x)]
    page = PageBudget(x.shape) if budget else None
    for i, spec in enumerate(specs, start=1):
        try:
            spec.check_limits()
            if page is not None:
                page.charge(i, spec, x.shape)  # also checks that the layer fits its input
            else:
                spec.output_shape(x.shape)
            p = params[i - 1] if params is not None else fresh_params(spec, x.shape, seed, i)
            if edits:
                p, _ = apply_edits(spec, p, edits, i)
            y = spec.forward(x[None], p)[0]
        except LayerShapeError as err:
            stages.append(Stage(i, spec.kind, spec, tuple(x.shape), None, None, str(err), err.detail))
            break
        stages.append(Stage(i, spec.kind, spec, tuple(x.shape), p, y))
        x = y
    return stages


def forward_batch(
    x: np.ndarray, specs: Sequence[LayerSpec], params: Sequence[Params | None], chunk: int = 256
) -> np.ndarray:
    """x (N, C, H, W) through every layer, `chunk` images at a time -> last output (N, ...).

    Only the final output is kept whole, so memory stays bounded for any N.
    """
    out: np.ndarray | None = None
    for start in range(0, len(x), chunk):
        y = np.asarray(x[start:start + chunk], dtype=np.float32)
        for spec, p in zip(specs, params):
            y = spec.forward(y, p)
        if out is None:
            out = np.empty((len(x), *y.shape[1:]), dtype=np.float32)
        out[start:start + len(y)] = y
    if out is None:
        raise LayerShapeError("The batch is empty.")
    return out
