"""Predict, then reveal: questions generated from the current network and input, each
answered by what the app computes (the stages' shapes and values, NNC's statistics).

Every question has four choices, one right. Generation is seeded: the same (network,
input, seed) gives the same questions in the same order, so a link hands a class the same
ones. Each kind draws from its own generator ([seed, kind's number]), so choosing fewer
kinds does not change the others. No Streamlit import.

Kinds (KINDS):
  output_size      a layer's output shape (C x H x W); the working is its size arithmetic,
                   out = floor((in + 2*Padding - Dilation*(k - 1) - 1) / Strides) + 1
  parameters       a Convolution's CostParameter: OutMaps * C/Group * kh * kw (+ OutMaps biases)
  multiply_adds    a Convolution's CostMultiplyAdd: OutMaps * Ho * Wo * C/Group * kh * kw
  pixel            a Convolution output pixel from its patch and kernel: sum(patch * kernel) + bias
  max_window       which of four MaxPooling windows gives the largest output
  edge             what a classic 3x3 kernel does to a step edge (EFFECTS)
  receptive_field  the receptive field (H x W) of one pixel after the first k layers:
                   r_0 = 1, j_0 = 1; r_l = r_(l-1) + (k_eff_l - 1) * j_(l-1); j_l = j_(l-1) * s_l
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cnnlab import explain
from cnnlab import functions as F
from cnnlab.classic_filters import classic_kernel
from cnnlab.layers import ActivationSpec, ConvolutionSpec, PoolingSpec
from cnnlab.pipeline import Stage
from cnnlab.shapes import effective_kernel

KINDS = ("output_size", "parameters", "multiply_adds", "pixel", "max_window", "edge", "receptive_field")
LETTERS = ("A", "B", "C", "D")
EFFECTS = ("unchanged", "blurred", "overshoot", "positive", "negative", "both", "zero")
"""What a kernel does to a 0/1 step edge: the image kept; a soft ramp (values within
0..1); sharpened (below 0 and above 1 beside the edge); a line of positive values along
the edge and 0 on the flat parts; negative; both signs along the edge; 0 everywhere."""
EDGE_FILTERS = ("identity", "box blur", "Gaussian", "sharpen", "Sobel x", "Sobel y", "Prewitt x", "Laplacian")
EDGES = ("left_dark", "left_bright", "top_dark", "top_bright")  # vertical or horizontal step, which side is 0
EDGE_SIZE = 8


@dataclass(frozen=True, eq=False)
class Question:
    """One question. `options`: four choices as the page lists them (numbers and shapes
    as text, LETTERS for max_window, EFFECTS codes for edge); `answer`: the index of the
    right one. `facts`: the prompt's fields (numbers and NNC's names, in no language);
    `grids`: named arrays the prompt shows; `working`: the lines shown after answering."""

    kind: str
    options: tuple[str, ...]
    answer: int
    facts: dict[str, object] = field(default_factory=dict)
    grids: dict[str, np.ndarray] = field(default_factory=dict)
    working: tuple[str, ...] = ()

    @property
    def right(self) -> str:
        return self.options[self.answer]

    def check(self, choice: str) -> bool:
        """Whether `choice` (one of options) is the right answer."""
        return choice == self.right

    @property
    def ident(self) -> str:
        """A short name of this question's content (a new network or input gives a new one)."""
        import hashlib
        text = repr((self.kind, self.options, self.answer, sorted((k, str(v)) for k, v in self.facts.items())))
        return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def shape_text(shape: Sequence[int]) -> str:
    return " x ".join(str(int(n)) for n in shape)


def _choices(rng: np.random.Generator, right: str, wrongs: Sequence[str], more: Callable[[int], str]) -> tuple[tuple[str, ...], int]:
    """Four distinct options: `right`, the first distinct `wrongs`, then more(n) for n = 1, 2,
    ... until there are four; shuffled by rng. Returns (options, index of right)."""
    picked = [right]
    for w in wrongs:
        if w not in picked and len(picked) < 4:
            picked.append(w)
    n = 1
    while len(picked) < 4:
        w = more(n)
        if w not in picked:
            picked.append(w)
        n += 1
    order = rng.permutation(4)
    options = tuple(picked[i] for i in order)
    return options, options.index(right)


def _ok(stages: Sequence[Stage]) -> list[Stage]:
    return [s for s in stages[1:] if s.error is None and s.output is not None]


# --- the kinds ---------------------------------------------------------------------


def output_size(stages: Sequence[Stage], rng: np.random.Generator) -> Question | None:
    """A windowed layer's (Convolution, pooling, ...) output shape."""
    layers = [s for s in _ok(stages) if hasattr(s.spec, "kernel_shape")]
    if not layers:
        return None
    stage = layers[rng.integers(len(layers))]
    c, h, w = stage.shape
    cin, hin, win = stage.input_shape
    kh, kw = stage.spec.kernel_shape
    wrongs = [(c, hin - kh + 1, win - kw + 1), (cin, h, w), (c, hin, win), (c, h - 1, w - 1),
              (c, hin - kh, win - kw), (c, h + 1, w + 1)]
    wrongs = [shape_text(s) for s in wrongs if min(s) >= 1]
    options, answer = _choices(rng, shape_text(stage.shape), wrongs, lambda n: shape_text((c, h + n + 1, w + n + 1)))
    working = tuple(f"{axis}: {line}" for axis, line in explain.size_arithmetic(stage.spec, stage.input_shape))
    return Question("output_size", options, answer,
                    facts={"layer": stage.index, "kind": stage.spec.kind, "layer_code": stage.spec.token(),
                           "in_shape": shape_text(stage.input_shape)},
                    working=working + (f"{shape_text(stage.shape)}",))


def _convolutions(stages: Sequence[Stage]) -> list[Stage]:
    return [s for s in _ok(stages) if isinstance(s.spec, ConvolutionSpec) and s.params is not None]


def parameters(stages: Sequence[Stage], rng: np.random.Generator) -> Question | None:
    """A Convolution's CostParameter: W's M * C/g * kh * kw weights plus M biases."""
    layers = _convolutions(stages)
    if not layers:
        return None
    stage = layers[rng.integers(len(layers))]
    spec, cin = stage.spec, stage.input_shape[0]
    m, cg, kh, kw = spec.weight_shape(cin)
    weights, biases = m * cg * kh * kw, m if spec.with_bias else 0
    right = spec.statistics(stage.input_shape)["CostParameter"]  # what the page shows
    if right != weights + biases:  # a kind counted otherwise: no working to show for it
        return None
    wrongs = [weights if biases else weights + m, m * kh * kw + biases if cg != 1 else weights + biases + 1,
              m * cin * kh * kw + biases, kh * kw + 1, right + m]
    options, answer = _choices(rng, f"{right:,}", [f"{v:,}" for v in wrongs], lambda n: f"{right + n * kh:,}")
    line = f"{m} x {cg} x {kh} x {kw} = {weights:,}" + (f"; {weights:,} + {m} = {right:,}" if biases else "")
    return Question("parameters", options, answer,
                    facts={"layer": stage.index, "layer_code": spec.token(), "in_shape": shape_text(stage.input_shape),
                           "bias": spec.with_bias},
                    working=(line,))


def multiply_adds(stages: Sequence[Stage], rng: np.random.Generator) -> Question | None:
    """A Convolution's CostMultiplyAdd: every output value (M * Ho * Wo) takes C/g * kh * kw."""
    layers = _convolutions(stages)
    if not layers:
        return None
    stage = layers[rng.integers(len(layers))]
    spec = stage.spec
    m, ho, wo = stage.shape
    _, cg, kh, kw = spec.weight_shape(stage.input_shape[0])
    right = spec.statistics(stage.input_shape)["CostMultiplyAdd"]  # what the page shows
    if right != m * ho * wo * cg * kh * kw:
        return None
    hin, win = stage.input_shape[1:]
    wrongs = [m * cg * kh * kw, m * hin * win * cg * kh * kw, m * ho * wo, ho * wo * cg * kh * kw, right * 2]
    options, answer = _choices(rng, f"{right:,}", [f"{v:,}" for v in wrongs], lambda n: f"{right + n * m:,}")
    line = f"({m} x {ho} x {wo}) x ({cg} x {kh} x {kw}) = {m * ho * wo:,} x {cg * kh * kw} = {right:,}"
    return Question("multiply_adds", options, answer,
                    facts={"layer": stage.index, "layer_code": spec.token(), "in_shape": shape_text(stage.input_shape),
                           "out_shape": shape_text(stage.shape)},
                    working=(line,))


def pixel(stages: Sequence[Stage], rng: np.random.Generator) -> Question | None:
    """One Convolution output value from its patch and kernel (a layer reading at most
    3 channels, so the grids stay readable); a pixel whose patch is not all 0 preferred."""
    layers = [s for s in _convolutions(stages) if s.spec.weight_shape(s.input_shape[0])[1] <= 3]
    if not layers:
        return None
    stage = layers[rng.integers(len(layers))]
    x = stages[stage.index - 1].output
    m_count, ho, wo = stage.shape
    step = None
    for _ in range(40):
        out = (int(rng.integers(m_count)), int(rng.integers(ho)), int(rng.integers(wo)))
        step = stage.spec.explain(stage.params, x, out)
        if np.count_nonzero(step.patch) >= 3:
            break
    value = float(stage.output[step.out])
    fmt = explain.format_number
    right = fmt(value)
    bias = step.bias or 0.0
    wrongs = [fmt(value - bias) if bias else fmt(value + 1), fmt(-value), fmt(float(step.patch.sum())),
              fmt(2 * value), fmt(float(step.kernel.sum())), fmt(value + 0.5)]
    options, answer = _choices(rng, right, wrongs, lambda n: fmt(value + n))
    grids = {}
    for k, channel in enumerate(step.channels):
        suffix = f" {channel}" if len(step.channels) > 1 else ""
        grids[f"patch{suffix}"] = step.patch[k]
        grids[f"kernel{suffix}"] = step.kernel[k]
    working = tuple(explain.sum_lines(step)) + (explain.total_line(step),)
    m, i, j = step.out
    return Question("pixel", options, answer,
                    facts={"layer": stage.index, "layer_code": stage.spec.token(), "map": m, "row": i, "col": j,
                           "bias": fmt(bias) if step.bias is not None else None},
                    grids=grids, working=working)


def max_window(stages: Sequence[Stage], rng: np.random.Generator) -> Question | None:
    """Four windows of a MaxPooling layer's input (four of its output cells, one map):
    which gives the largest output. Only windows whose maxima differ are asked about."""
    layers = [s for s in _ok(stages) if isinstance(s.spec, PoolingSpec) and s.spec.kind == "MaxPooling"
              and s.shape[1] * s.shape[2] >= 4]
    if not layers:
        return None
    stage = layers[rng.integers(len(layers))]
    x = stages[stage.index - 1].output
    c_count, ho, wo = stage.shape
    cells = []
    for c in rng.permutation(c_count):  # the first map (in a seeded order) with four distinct outputs
        seen: set[float] = set()
        cells = []
        for f in rng.permutation(ho * wo):
            value = float(stage.output[c, f // wo, f % wo])
            if value not in seen:
                seen.add(value)
                cells.append((int(c), int(f) // wo, int(f) % wo))
                if len(cells) == 4:
                    break
        if len(cells) == 4:
            break
    if len(cells) < 4:
        return None
    c = cells[0][0]
    values = [float(stage.output[cell]) for cell in cells]
    steps = [stage.spec.explain(None, x, cell) for cell in cells]
    best = int(np.argmax(values))
    grids = {LETTERS[k]: steps[k].values for k in range(4)}
    working = tuple(f"{LETTERS[k]}: {explain.pooling_line(steps[k])}" for k in range(4))
    return Question("max_window", LETTERS, best,
                    facts={"layer": stage.index, "layer_code": stage.spec.token(), "map": c,
                           "cells": tuple(cells[k][1:] for k in range(4))},
                    grids=grids, working=working)


def step_edge(edge: str, size: int = EDGE_SIZE) -> np.ndarray:
    """(size, size) of 0 and 1: a vertical step (left half dark: 0, or bright: 1) or a
    horizontal one (top half dark or bright)."""
    image = np.zeros((size, size), dtype=np.float32)
    half = size // 2
    if edge.startswith("left"):
        image[:, half:] = 1
    else:
        image[half:, :] = 1
    return image if edge.endswith("dark") else 1 - image


def edge_effect(image: np.ndarray, response: np.ndarray, eps: float = 1e-5) -> str:
    """The EFFECTS code of a valid-mode response (H - k + 1, W - k + 1) of a kernel of odd
    size k to a 0/1 step `image`, compared with the image cells under each output."""
    k = image.shape[0] - response.shape[0] + 1
    inner = image[k // 2: k // 2 + response.shape[0], k // 2: k // 2 + response.shape[1]]
    lo, hi = float(response.min()), float(response.max())
    if max(abs(lo), abs(hi)) < eps:
        return "zero"
    if np.allclose(response, inner, atol=eps):
        return "unchanged"
    # the flat parts: outputs whose whole window lies on one side of the step
    windows = np.lib.stride_tricks.sliding_window_view(image, (k, k))
    flat = windows.min(axis=(2, 3)) == windows.max(axis=(2, 3))
    if np.allclose(response[flat], 0, atol=eps):
        if lo >= -eps:
            return "positive"
        if hi <= eps:
            return "negative"
        return "both"
    if lo >= -eps and hi <= 1 + eps:
        return "blurred"
    return "overshoot"


def edge(stages: Sequence[Stage], rng: np.random.Generator) -> Question:
    """What a classic 3x3 kernel does to a step edge (network-independent: its 8x8 image)."""
    name = EDGE_FILTERS[rng.integers(len(EDGE_FILTERS))]
    which = EDGES[rng.integers(len(EDGES))]
    image, kernel = step_edge(which), classic_kernel(name, 3)
    response = F.convolution(image[None, None], kernel[None, None].astype(np.float32), None, 0, 1)[0, 0]
    right = edge_effect(image, response)
    others = [e for e in EFFECTS if e != right]
    wrongs = [others[i] for i in rng.permutation(len(others))]
    options, answer = _choices(rng, right, wrongs, lambda n: "")
    return Question("edge", options, answer, facts={"filter": name, "edge": which},
                    grids={"image": image, "kernel": kernel, "response": response},
                    working=())


def receptive_field_size(specs: Sequence) -> tuple[tuple[int, int], list[str]]:
    """((rh, rw), working lines): one output pixel's receptive field after `specs`
    (windowed layers and activations), r += (k_eff - 1) * jump, jump *= stride, per axis."""
    size, jump, lines = [1, 1], [1, 1], []
    for spec in specs:
        if isinstance(spec, ActivationSpec):
            lines.append(f"{spec.kind}: {size[0]} x {size[1]}")
            continue
        kernel = spec.kernel_shape
        dilation = getattr(spec, "dilation", (1, 1))
        stride = spec.stride() if isinstance(spec, PoolingSpec) else spec.strides
        parts = []
        for a in range(2):
            k_eff = effective_kernel(kernel[a], dilation[a])
            new = size[a] + (k_eff - 1) * jump[a]
            parts.append(f"{size[a]} + ({k_eff} - 1) x {jump[a]} = {new}")
            size[a], jump[a] = new, jump[a] * stride[a]
        text = parts[0] if parts[0] == parts[1] else f"{parts[0]}; {parts[1]}"
        lines.append(f"{spec.kind} {spec.token()}: {text}")
    return (size[0], size[1]), lines


def receptive_field(stages: Sequence[Stage], rng: np.random.Generator) -> Question | None:
    """The receptive field after the first k layers (k >= 2 when the network has two)."""
    specs = []
    for s in _ok(stages):
        if not (isinstance(s.spec, (ConvolutionSpec, PoolingSpec, ActivationSpec))):
            break
        specs.append(s.spec)
    if not specs:
        return None
    k = int(rng.integers(min(2, len(specs)), len(specs) + 1))
    (rh, rw), lines = receptive_field_size(specs[:k])
    kernels = [s.kernel_shape for s in specs[:k] if not isinstance(s, ActivationSpec)]
    naive = (sum(kk[0] for kk in kernels) - len(kernels) + 1, sum(kk[1] for kk in kernels) - len(kernels) + 1)
    largest = (max(kk[0] for kk in kernels), max(kk[1] for kk in kernels))
    wrongs = [shape_text(naive), shape_text(largest), shape_text((rh - 1, rw - 1)), shape_text((rh + 2, rw + 2)),
              shape_text((sum(kk[0] for kk in kernels), sum(kk[1] for kk in kernels)))]
    options, answer = _choices(rng, shape_text((rh, rw)), [w for w in wrongs if not w.startswith("0")],
                               lambda n: shape_text((rh + 2 * n + 2, rw + 2 * n + 2)))
    return Question("receptive_field", options, answer,
                    facts={"layers": k, "layers_code": "_".join(s.token() for s in specs[:k])},
                    working=tuple(lines))


MAKERS: dict[str, Callable[[Sequence[Stage], np.random.Generator], Question | None]] = {
    "output_size": output_size, "parameters": parameters, "multiply_adds": multiply_adds, "pixel": pixel,
    "max_window": max_window, "edge": edge, "receptive_field": receptive_field,
}


def generate(stages: Sequence[Stage], seed: int, kinds: Sequence[str] = KINDS) -> list[Question]:
    """One question of each of `kinds` (in KINDS' order) that the network can answer; the
    same stages and seed give the same questions."""
    questions = []
    for number, kind in enumerate(KINDS):
        if kind in kinds:
            question = MAKERS[kind](stages, np.random.default_rng([int(seed), number]))
            if question is not None:
                questions.append(question)
    return questions


def parse_kinds(text: str) -> tuple[str, ...]:
    """'output_size.pixel' -> the kinds named (dot-separated, each once, from KINDS);
    '' -> every kind. ValueError for any other name."""
    if not text:
        return KINDS
    names = text.split(".")
    if len(set(names)) != len(names) or any(n not in KINDS for n in names):
        raise ValueError(f"not a list of question kinds: {text[:40]!r}")
    return tuple(k for k in KINDS if k in names)
