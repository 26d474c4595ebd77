"""Why every number is what it is: output-size arithmetic with the current values, and
any output pixel's computation (the patch x kernel sum, the pooling window, the
activation), plus its receptive field traced back to the input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Union

import numpy as np

Shape3 = tuple[int, int, int]


def size_arithmetic(spec, in_shape: Shape3) -> list[tuple[str, str]]:
    """[(axis, arithmetic)] for H and W of a layer taking in_shape (C, H, W), from the
    layer's own size rule; one entry 'H, W' when both axes compute alike. [] when the
    layer keeps the shape."""
    lines = spec.size_arithmetic(in_shape)
    if not lines:
        return []
    if lines[0] == lines[1]:
        return [("H, W", lines[0])]
    return [("H", lines[0]), ("W", lines[1])]


# --- One output pixel, explained -----------------------------------------------------


@dataclass(frozen=True)
class ConvolutionStep:
    """How y[m, i, j] of a Convolution is computed.

    rows (kh,), cols (kw,): input positions each kernel row/column reads (i*sh - ph + u*dh);
    outside 0..H-1 / 0..W-1 they read padding (0). channels (Cg,): the input channels
    of m's group. patch, kernel, products: (Cg, kh, kw). value = products.sum() + bias.
    """

    out: tuple[int, int, int]
    channels: tuple[int, ...]
    rows: np.ndarray
    cols: np.ndarray
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    bias: float | None
    value: float

    def padded(self, in_hw: tuple[int, int]) -> np.ndarray:
        """(kh, kw) bool: True where the kernel reads padding."""
        row_out = (self.rows < 0) | (self.rows >= in_hw[0])
        col_out = (self.cols < 0) | (self.cols >= in_hw[1])
        return row_out[:, None] | col_out[None, :]


@dataclass(frozen=True)
class PoolingStep:
    """How y[c, i, j] of a pooling layer is computed.

    rows (kh,), cols (kw,): input positions of the window (i*sh - ph + u); values (kh, kw)
    the input there, NaN where the window lies on padding or past the border.
    reduce: "max" (`chosen` is the (u, v) of the maximum), "sum", or "mean" (the sum /
    `divisor`). kind: the layer's name. note: the catalogue key of the sentence the
    inspector writes under it (formatted with `divisor`), from the layer's own kind.
    """

    kind: str
    out: tuple[int, int, int]
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    divisor: int
    chosen: tuple[int, int] | None
    value: float
    reduce: str = "max"
    note: str = "insp.pool.MaxPooling"


@dataclass(frozen=True)
class ActivationStep:
    """y = f(x) for one value; formula says f with its numbers ('max(0, x)')."""

    kind: str
    formula: str
    out: tuple[int, int, int]
    x: float
    value: float


PixelStep = Union[ConvolutionStep, PoolingStep, ActivationStep]


def explain_pixel(spec, params, x: np.ndarray, out: tuple[int, int, int], y: np.ndarray | None = None) -> PixelStep:
    """Explain output pixel out = (map, row, column) of `spec` applied to x (C, H, W).
    With y, the layer's own output (M, Ho, Wo), the step's value is y[out]: the value the
    map holds (float32), not the explanation's float64 sum of the same terms, so the
    heading, the sum line, the hover and the worksheet write one value."""
    step = spec.explain(params, x, out)
    return step if y is None else replace(step, value=float(y[out]))


def weighted_sum(x: np.ndarray, out: tuple[int, int, int], channels: tuple[int, ...], rows: np.ndarray,
                 cols: np.ndarray, kernel: np.ndarray, bias: float | None) -> ConvolutionStep:
    """The ConvolutionStep of a pixel that sums x[channels] at rows x cols (0 where they
    fall outside x) times kernel (len(channels), len(rows), len(cols)), plus bias."""
    patch = gather(x[list(channels)], rows, cols, fill=0.0)
    kernel = kernel.astype(np.float64)
    products = patch * kernel
    return ConvolutionStep(out, channels, rows, cols, patch, kernel, products, bias,
                           float(products.sum() + (bias or 0.0)))


def gather(x: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float) -> np.ndarray:
    """x[:, rows][:, :, cols] as float64, `fill` where an index falls outside x (C, H, W)."""
    h, w = x.shape[1:]
    inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    out = np.full((x.shape[0], len(rows), len(cols)), fill, dtype=np.float64)
    rr, cc = np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)
    out[:, inside] = x[:, rr][:, :, cc][:, inside]
    return out


def receptive_field(specs: Sequence, shapes: Sequence[tuple[int, int, int]],
                    stage: int, out: tuple[int, int, int]) -> np.ndarray:
    """Input cells (C, H, W bool) that feed output pixel `out` of layer `stage` (1-based),
    traced back through every layer before it. shapes[k] is the input shape of layer k+1
    (shapes[0] the image's)."""
    mask = np.zeros(specs[stage - 1].output_shape(shapes[stage - 1]), dtype=bool)
    mask[out] = True
    for k in range(stage, 0, -1):
        mask = back_one(specs[k - 1], shapes[k - 1], mask)
    return mask


def back_one(spec, in_shape: Shape3, mask: np.ndarray) -> np.ndarray:
    """The input cells (C, H, W bool) feeding the True cells of an output mask, for one layer."""
    return spec.input_cells(mask, in_shape)


def spread_windows(mask: np.ndarray, in_shape: Shape3, kernel: tuple[int, int], pad: tuple[int, int],
                   stride: tuple[int, int], dilation: tuple[int, int], groups: int) -> np.ndarray:
    """Input cells (C, H, W bool) read by the windows of the True cells of an output mask
    (M, Ho, Wo), for a layer whose output map m reads the input channels of its group
    (m // (M / groups)) at rows i*s - p + u*d, u < kh (likewise columns). Vectorised: one
    strided slice update per kernel offset, whatever the mask holds."""
    c_in, h, w = in_shape
    (ph, pw), (sh, sw), (dh, dw) = pad, stride, dilation
    _, ho, wo = mask.shape
    reached = mask.reshape(groups, -1, ho, wo).any(axis=1)  # (groups, Ho, Wo)
    spread = np.zeros((groups, h, w), dtype=bool)
    for u in range(kernel[0]):
        outs_r, ins_r = _inside(ho, sh, u * dh - ph, h)
        for v in range(kernel[1]):
            outs_c, ins_c = _inside(wo, sw, v * dw - pw, w)
            if outs_r is not None and outs_c is not None:
                spread[:, ins_r, ins_c] |= reached[:, outs_r, outs_c]
    return np.repeat(spread, c_in // groups, axis=0)


def _inside(n_out: int, stride: int, offset: int, size: int) -> tuple[slice | None, slice | None]:
    """(output positions i, input positions i*stride + offset) as slices, over the i < n_out
    whose input position lies in [0, size); (None, None) when none does."""
    first = max(0, -(offset // stride))  # the smallest i with i*stride + offset >= 0
    last = min(n_out - 1, (size - 1 - offset) // stride) if size - 1 - offset >= 0 else -1
    if last < first:
        return None, None
    start = first * stride + offset
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def format_number(v: float) -> str:
    """The inspector's one number format, in its formulas and its grids alike: 3
    significant digits (84, 0.5, -0.0312, 0.000447, 1.23e-05; never '-0')."""
    v = float(v) + 0.0  # -0.0 -> 0.0
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}"


def _short_decimal(v: float) -> bool:
    """format_number writes v exactly, with at most 3 decimals (0.125, -2, 84; not 0.0625, 0.111)."""
    text = format_number(v)
    return "e" not in text and len(text.partition(".")[2]) <= 3 and np.float32(text) == np.float32(v)


def common_denominator(values: np.ndarray, most: int = 1024) -> int | None:
    """The smallest q <= `most` such that every value is p/q for a whole p (as float32, within
    4 units in the last place: a classic filter divided among channels is rounded twice),
    or None."""
    candidates = np.arange(1, most + 1)
    for v in np.unique(np.asarray(values, dtype=np.float64)):
        p = np.rint(v * candidates)
        candidates = candidates[np.abs(p / candidates - v) <= 4 * np.spacing(np.float32(abs(v)))]
        if not candidates.size:
            return None
    return int(candidates[0])


def kernel_fractions(kernel: np.ndarray) -> np.ndarray | None:
    """A kernel's cells (kh, kw) as exact fractions over its smallest common denominator q
    (up to 1024), when some cell's decimal (format_number) would be rounded or longer than 3
    decimals: a box blur reads 1/9 (not 0.111, whose nine add up to 0.999), a Gaussian
    1/16, 2/16, 4/16; a whole cell is a whole number ('0'). None when the decimals are
    exact and short, or no such q exists (random weights)."""
    values = np.asarray(kernel, dtype=np.float32)
    if all(_short_decimal(v) for v in values.ravel()):
        return None
    q = common_denominator(values.ravel())
    if q is None or q == 1:
        return None
    numerators = np.rint(values.astype(np.float64) * q).astype(np.int64).ravel()
    texts = [str(p // q) if p % q == 0 else f"{p}/{q}" for p in numerators]
    return np.array(texts, dtype=object).reshape(values.shape)


def kernel_texts(kernel: np.ndarray) -> np.ndarray:
    """A kernel's cells (kh, kw) as the page writes a kernel: kernel_fractions where it has
    them, else format_number's decimals."""
    fractions = kernel_fractions(kernel)
    if fractions is not None:
        return fractions
    values = np.asarray(kernel, dtype=np.float32)
    return np.array([format_number(v) for v in values.ravel()], dtype=object).reshape(values.shape)


def signed_sum(terms: list[str]) -> str:
    """Terms joined as a sum is written: '0.736 + 0.0745 - 0.564' (a negative term after
    the first is subtracted, never '+ -0.564')."""
    text = terms[0] if terms else ""
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def sum_lines(step: ConvolutionStep, max_terms: int = 30, head: int = 12, tail: int = 3,
              channel_word: str = "channel {channel}: ", more_word: str = "... ({hidden} more)") -> list[str]:
    """The blog post's line, per input channel: '0*8 + 1*7 + ... + 8*0 = 84', each named
    by channel_word when there are several. A channel with more than max_terms terms is
    folded: the first `head`, more_word, the last `tail`. The words in the UI's language."""
    lines = []
    multi = len(step.channels) > 1
    for k, channel in enumerate(step.channels):
        weights = [f"({w})" if "/" in w or w.startswith("-") else w for w in kernel_texts(step.kernel[k]).ravel()]
        terms = [f"{format_number(p)}*{w}" for p, w in zip(step.patch[k].ravel(), weights)]
        if len(terms) > max_terms:
            hidden = len(terms) - head - tail
            terms = terms[:head] + [more_word.format(hidden=hidden)] + terms[-tail:]
        prefix = channel_word.format(channel=channel) if multi else ""
        lines.append(f"{prefix}{signed_sum(terms)} = {format_number(step.products[k].sum())}")
    return lines


def pooling_line(step: PoolingStep) -> str:
    """'max(1, 2, 7, 8) = 8', '1 + 2 + 7 + 8 = 18' or '(1 + 2 + 7 + 8) / 4 = 4.5' (cells off
    the input left out)."""
    cells = [format_number(v) for v in step.values.ravel() if not np.isnan(v)]
    value = format_number(step.value)
    if step.reduce == "max":
        return f"max({', '.join(cells)}) = {value}"
    if step.reduce == "sum":
        return f"{signed_sum(cells)} = {value}"
    return f"({signed_sum(cells)}) / {step.divisor} = {value}"


def total_line(step: ConvolutionStep, bias_word: str = "bias") -> str:
    """'0.412 + bias 0 = 0.412': each channel's sum, then the bias (only when WithBias),
    named by `bias_word` (the UI's language), = the step's value; every number in
    format_number's one format."""
    parts = [format_number(step.products[k].sum()) for k in range(len(step.channels))]
    text = signed_sum(parts)
    if step.bias is not None:
        bias = format_number(step.bias)
        text += f" - {bias_word} {bias[1:]}" if bias.startswith("-") else f" + {bias_word} {bias}"
    return f"{text} = {format_number(step.value)}"
