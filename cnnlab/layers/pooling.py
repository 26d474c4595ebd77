"""NNC's MaxPooling, AveragePooling and SumPooling, all in one place: spec and defaults,
limits, forward, backward, size arithmetic, the window one output pixel reads, its
explanation, its stack-text token and its costs.

    IgnoreBorder=True:  out = floor((L + 2p - k) / s) + 1
    IgnoreBorder=False: out = floor((L + p - 1) / s) + 1  (nnabla's runtime)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from cnnlab import explain
from cnnlab.layers import arrays, text
from cnnlab.layers.arrays import IntPair, as_float, as_nchw
from cnnlab.layers.base import LayerKind, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range
from cnnlab.shapes import LayerShapeError, pair, pool_output_shape, pool_output_size


def window_slices(
    xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
):
    """Yield the kh*kw strided views xp[..., u::sh, v::sw] cut to out_hw (one per offset)."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    for u in range(kh):
        for v in range(kw):
            yield xp[..., u:u + (ho - 1) * sh + 1:sh, v:v + (wo - 1) * sw + 1:sw]


def pad_for_pooling(
    x: np.ndarray, kernel, stride, pad, ignore_border: bool, fill: float
) -> tuple[np.ndarray, tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Check shapes; pad x with `fill` so every window lies inside. Returns xp, k, s, p, out_hw."""
    x = as_nchw(x)
    k = pair(kernel, "KernelShape")
    s = k if stride is None else pair(stride, "Strides")
    p = (0, 0) if pad is None else pair(pad, "Padding")
    out_hw = pool_output_shape(x.shape[2:], k, s, p, ignore_border)
    if ignore_border and p == (0, 0):
        return x, k, s, p, out_hw  # whole windows only, no padding: every window already lies inside
    # Windows start at i*s - p; the last one ends at (out - 1)*s - p + k.
    after = [max(0, (o - 1) * st - pp + kk - n) for o, st, pp, kk, n in zip(out_hw, s, p, k, x.shape[2:])]
    if p[0] or p[1] or after[0] or after[1]:
        x = np.pad(x, ((0, 0), (0, 0), (p[0], after[0]), (p[1], after[1])), constant_values=fill)
    return x, k, s, p, out_hw


def fold(op: Callable, views) -> np.ndarray:
    """op(op(v0, v1), v2)... over equally shaped views, in place in a fresh array."""
    views = iter(views)
    first = next(views)
    second = next(views, None)
    if second is None:
        return np.array(first)
    out = op(first, second)
    for view in views:
        op(out, view, out=out)
    return out


def max_pooling(
    x: np.ndarray,
    kernel: IntPair,
    stride: IntPair | None = None,
    ignore_border: bool = True,
    pad: IntPair | None = None,
) -> np.ndarray:
    """y[n, c, i, j] = max of x[n, c, i*sh - ph + u, j*sw - pw + v] over the window's cells
    that lie inside the input (padding never wins, as in nnabla). (N, C, H, W) -> (N, C, Ho, Wo);
    sizes from :func:`cnnlab.shapes.pool_output_size`. Stride defaults to the kernel.

    Computed separably on the input padded with -inf (xp): rows[n, c, i, q] = max_u xp[n, c, i*sh + u, q],
    then y[n, c, i, j] = max_v rows[n, c, i, j*sw + v], i.e. (kh - 1) + (kw - 1) np.maximum passes
    instead of kh*kw - 1, with the same values (a maximum does not round)."""
    xp, (kh, kw), (sh, sw), _, (ho, wo) = pad_for_pooling(x, kernel, stride, pad, ignore_border, -np.inf)
    rows_end, width, cols_end = (ho - 1) * sh + 1, (wo - 1) * sw + kw, (wo - 1) * sw + 1
    rows = xp[..., 0:rows_end:sh, :width]
    for u in range(1, kh):
        row = xp[..., u:u + rows_end:sh, :width]
        rows = np.maximum(rows, row) if u == 1 else np.maximum(rows, row, out=rows)
    if kw == 1:
        return np.array(rows[..., 0:cols_end:sw])  # a fresh array, as from a fold
    y = np.maximum(rows[..., 0:cols_end:sw], rows[..., 1:1 + cols_end:sw])
    for v in range(2, kw):
        np.maximum(y, rows[..., v:v + cols_end:sw], out=y)
    return y


def sum_pooling(
    x: np.ndarray,
    kernel: IntPair,
    stride: IntPair | None = None,
    ignore_border: bool = True,
    pad: IntPair | None = None,
) -> np.ndarray:
    """y[n, c, i, j] = sum of the window's cells inside the input. (N, C, H, W) -> (N, C, Ho, Wo)."""
    xp, k, s, _, out_hw = pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    return fold(np.add, window_slices(xp, k, s, out_hw))


def pool_divisors(
    length: int, k: int, stride: int, pad: int, out: int, including_pad: bool
) -> np.ndarray:
    """Per-window divisor of AveragePooling along one axis (nnabla's rule).

    Window i covers [i*s - p, i*s - p + k). including_pad: the part inside the padded
    input [-p, L + p); otherwise the part inside the input [0, L).
    """
    start = np.arange(out) * stride - pad
    end = start + k
    if including_pad:
        return np.minimum(end, length + pad) - start
    return np.minimum(end, length) - np.maximum(start, 0)


def average_pooling(
    x: np.ndarray,
    kernel: IntPair,
    stride: IntPair | None = None,
    ignore_border: bool = True,
    pad: IntPair | None = None,
    including_pad: bool = True,
) -> np.ndarray:
    """y[n, c, i, j] = (sum of the window's input cells) / divisor[i, j], the divisor counting
    padding cells too when including_pad (see :func:`pool_divisors`). (N, C, H, W) -> (N, C, Ho, Wo)."""
    xp, k, s, p, out_hw = pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    total = fold(np.add, window_slices(xp, k, s, out_hw))
    h, w = np.shape(x)[2:]
    div_h = pool_divisors(h, k[0], s[0], p[0], out_hw[0], including_pad)
    div_w = pool_divisors(w, k[1], s[1], p[1], out_hw[1], including_pad)
    total /= np.outer(div_h, div_w).astype(total.dtype)
    return total


def _crop(dxp: np.ndarray, p, hw) -> np.ndarray:
    return dxp[..., p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]]


def max_pooling_backward(dy, x, kernel, stride=None, ignore_border=True, pad=None,
                         y: np.ndarray | None = None) -> np.ndarray:
    """dy (N, C, Ho, Wo), x (N, C, H, W) -> dx (N, C, H, W): each window's gradient goes to its
    maximum (the first one in scan order on ties), summed where windows overlap. y, the
    forward's output, is recomputed when not given."""
    x = as_float(x)
    dy = as_float(dy)
    xp, k, s, p, out_hw = pad_for_pooling(x, kernel, stride, pad, ignore_border, -np.inf)
    if y is None:
        y = fold(np.maximum, window_slices(xp, k, s, out_hw))
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    taken = np.zeros(y.shape, dtype=bool)
    winner = np.empty(y.shape, dtype=bool)
    overlap = s[0] < k[0] or s[1] < k[1]
    for window, grad in zip(window_slices(xp, k, s, out_hw), window_slices(dxp, k, s, out_hw)):
        np.equal(window, y, out=winner)
        np.greater(winner, taken, out=winner)  # a maximum not taken by an earlier cell
        taken |= winner
        if overlap:
            grad += dy * winner
        else:  # each cell belongs to one window at most: assign
            np.multiply(dy, winner, out=grad)
    return _crop(dxp, p, x.shape[2:])


def sum_pooling_backward(dy, x, kernel, stride=None, ignore_border=True, pad=None) -> np.ndarray:
    """dy (N, C, Ho, Wo), x (N, C, H, W) -> dx (N, C, H, W): every cell of a window receives the
    window's gradient, dx[n, c, p, q] = sum of dy over the windows that hold (p, q)."""
    x = as_float(x)
    xp, k, s, p, out_hw = pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    for grad in window_slices(dxp, k, s, out_hw):
        grad += dy
    return _crop(dxp, p, x.shape[2:])


def average_pooling_backward(dy, x, kernel, stride=None, ignore_border=True, pad=None,
                             including_pad=True) -> np.ndarray:
    """dy (N, C, Ho, Wo), x (N, C, H, W) -> dx (N, C, H, W): every cell of a window receives the
    window's gradient / its divisor (pool_divisors)."""
    x = as_float(x)
    _, k, s, p, out_hw = pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    h, w = x.shape[2:]
    div = np.outer(pool_divisors(h, k[0], s[0], p[0], out_hw[0], including_pad),
                   pool_divisors(w, k[1], s[1], p[1], out_hw[1], including_pad)).astype(x.dtype)
    return sum_pooling_backward(as_float(dy) / div, x, kernel, stride, ignore_border, pad)


PoolingKind = Literal["MaxPooling", "AveragePooling", "SumPooling"]
POOLING_KINDS: tuple[PoolingKind, ...] = get_args(PoolingKind)
SHORT = {"MaxPooling": "max", "AveragePooling": "avg", "SumPooling": "sum"}
NOTES = {"MaxPooling": "insp.pool.MaxPooling", "AveragePooling": "insp.pool.AveragePooling",
         "SumPooling": "insp.pool.SumPooling"}  # the inspector's sentence under the window
EXPLANATIONS = {"MaxPooling": "explain.MaxPooling", "AveragePooling": "explain.AveragePooling",
                "SumPooling": "explain.SumPooling"}  # the Maps tab's sentence (LayerKind.explanation_key)

LIMITS: dict[str, Range] = {
    "kernel_shape": Range("KernelShape", 1, 15),
    "strides": Range("Strides", 1, 15),
    "padding": Range("Padding", 0, 14),
}


@dataclass(frozen=True)
class PoolingSpec(LayerKind):
    """NNC's MaxPooling / AveragePooling / SumPooling. Strides None means = KernelShape."""

    kind: PoolingKind = "MaxPooling"
    kernel_shape: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = (2, 2)
    padding: tuple[int, int] = (0, 0)
    ignore_border: bool = True
    including_pad: bool = True

    HEADS = tuple(SHORT.values())
    WORK_UNIT = "window reads"
    LIMITS = LIMITS
    FIELDS = (Field("kind", "choice", "pooling", options=POOLING_KINDS),
              Field("kernel_shape", "pair", "pool_kernel"),
              Field("strides", "pair", "pool_stride", read=lambda spec: spec.stride()),
              Field("padding", "pair", "pool_pad", main=False),
              Field("ignore_border", "bool", "ignore_border", main=False),
              Field("including_pad", "bool", "including_pad", main=False,
                    shown=lambda spec: spec.kind == "AveragePooling"))
    WORDS = {
        "en": {
            "pooling.label": "Pooling",
            "pooling.help": "MaxPooling keeps each window's largest value; AveragePooling its mean; SumPooling its sum.",
            "pool_kernel_h.label": "KernelShape (height)",
            "pool_kernel_h.help": "Pooling window height.",
            "pool_kernel_w.label": "KernelShape (width)",
            "pool_kernel_w.help": "Pooling window width.",
            "pool_stride_h.label": "Strides (height)",
            "pool_stride_h.help": "How many rows the window moves. Equal to KernelShape: windows do not overlap.",
            "pool_stride_w.label": "Strides (width)",
            "pool_stride_w.help": "How many columns the window moves.",
            "pool_pad_h.label": "Padding (height)",
            "pool_pad_h.help": "Rows added above and below; padding never wins a max. Must be smaller than KernelShape.",
            "pool_pad_w.label": "Padding (width)",
            "pool_pad_w.help": "Columns added left and right. Must be smaller than KernelShape.",
            "ignore_border.label": "IgnoreBorder",
            "ignore_border.help": "On: only whole windows. Off: windows that run past the edge are kept too (nnabla's rule).",
            "including_pad.label": "IncludingPad",
            "including_pad.help": "AveragePooling: count padding cells in the divisor.",
            "explain.MaxPooling": "Each output value is the largest value in its window: the strongest response nearby.",
            "explain.AveragePooling": "Each output value is the mean of its window.",
            "explain.SumPooling": "Each output value is the sum of its window.",
            "insp.pool.MaxPooling": "The largest value in the window wins (boxed); padding never wins.",
            "insp.pool.AveragePooling": "The mean: the sum divided by {divisor}.",
            "insp.pool.SumPooling": "The sum of the window.",
        },
        "ja": {
            "pooling.label": "Pooling",
            "pooling.help": "MaxPooling は窓の最大値、AveragePooling は平均、SumPooling は合計を残します。",
            "pool_kernel_h.label": "KernelShape（高さ）",
            "pool_kernel_h.help": "Pooling の窓の高さ。",
            "pool_kernel_w.label": "KernelShape（幅）",
            "pool_kernel_w.help": "Pooling の窓の幅。",
            "pool_stride_h.label": "Strides（高さ）",
            "pool_stride_h.help": "窓が縦に動く行数。KernelShape と同じなら窓は重なりません。",
            "pool_stride_w.label": "Strides（幅）",
            "pool_stride_w.help": "窓が横に動く列数。",
            "pool_pad_h.label": "Padding（高さ）",
            "pool_pad_h.help": "上下に加える行数。パディングが最大値になることはありません。KernelShape より小さくします。",
            "pool_pad_w.label": "Padding（幅）",
            "pool_pad_w.help": "左右に加える列数。KernelShape より小さくします。",
            "ignore_border.label": "IgnoreBorder",
            "ignore_border.help": "オン: 完全な窓だけ。オフ: 端からはみ出す窓も残します（nnabla の規則）。",
            "including_pad.label": "IncludingPad",
            "including_pad.help": "AveragePooling: 割る数にパディングのセルも数えます。",
            "explain.MaxPooling": "出力の値はそれぞれ、窓の中で一番大きい値です。その領域の特徴を一番強く表す値です。",
            "explain.AveragePooling": "出力の値はそれぞれ、窓の平均です。",
            "explain.SumPooling": "出力の値はそれぞれ、窓の合計です。",
            "insp.pool.MaxPooling": "窓の中で一番大きい値が残ります（枠で囲んだ値）。パディングが選ばれることはありません。",
            "insp.pool.AveragePooling": "平均: 合計を {divisor} で割ります。",
            "insp.pool.SumPooling": "窓の合計です。",
        },
    }

    def explanation_key(self) -> str:
        return EXPLANATIONS[self.kind]

    @classmethod
    def addable(cls) -> tuple["PoolingSpec", ...]:
        """The layers the editor's "Add a layer" offers of this kind."""
        return tuple(cls(kind) for kind in POOLING_KINDS)

    # --- settings and shapes -----------------------------------------------------------

    def stride(self) -> tuple[int, int]:
        return self.kernel_shape if self.strides is None else self.strides

    def output_shape(self, in_shape: Shape3) -> Shape3:
        ho, wo = pool_output_shape(in_shape[1:], self.kernel_shape, self.stride(), self.padding, self.ignore_border)
        return (in_shape[0], ho, wo)

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        """'floor((24 + 2*0 - 2) / 2) + 1 = 12' (IgnoreBorder) or 'floor((5 + 0 - 1) / 2) + 1 = 3', for H and W."""
        lines = []
        for n, k, p, s in zip(in_shape[1:], self.kernel_shape, self.padding, self.stride()):
            out = pool_output_size(n, k, p, s, self.ignore_border)
            lines.append(f"floor(({n} + 2*{p} - {k}) / {s}) + 1 = {out}" if self.ignore_border
                         else f"floor(({n} + {p} - 1) / {s}) + 1 = {out}")
        return lines

    # --- parameters and compute --------------------------------------------------------

    def _args(self, x: np.ndarray) -> tuple:
        return (x, self.kernel_shape, self.stride(), self.ignore_border, self.padding)

    def forward(self, x: np.ndarray, params: None = None) -> np.ndarray:
        """(N, C, H, W) -> (N, C, Ho, Wo)."""
        if self.kind == "MaxPooling":
            return max_pooling(*self._args(x))
        if self.kind == "SumPooling":
            return sum_pooling(*self._args(x))
        if self.kind == "AveragePooling":
            return average_pooling(*self._args(x), including_pad=self.including_pad)
        raise LayerShapeError(f"Unknown pooling {self.kind!r}.")

    def backward(self, dy: np.ndarray, x: np.ndarray, params: None, y: np.ndarray, kept: None,
                 need_dx: bool = True) -> tuple[np.ndarray, dict]:
        """(dx, []): MaxPooling's gradient goes to each window's maximum, the others' to every cell."""
        args = (dy, *self._args(x))
        if self.kind == "MaxPooling":
            return max_pooling_backward(*args, y=y), {}
        if self.kind == "SumPooling":
            return sum_pooling_backward(*args), {}
        return average_pooling_backward(*args, including_pad=self.including_pad), {}

    # --- explanation -------------------------------------------------------------------

    def window(self, in_channels: int, out: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
        """(rows, cols, (map,)) of the window output pixel (map, row, column) reads: i*sh - ph + u."""
        m, i, j = out
        (ph, pw), (sh, sw) = self.padding, self.stride()
        return (i * sh - ph + np.arange(self.kernel_shape[0]), j * sw - pw + np.arange(self.kernel_shape[1]), (m,))

    def explain(self, params: None, x: np.ndarray, out: tuple[int, int, int]) -> explain.PoolingStep:
        """Output pixel out = (map, row, column) on x (C, H, W): the window, its max or sum / divisor."""
        m, i, j = out
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_shape, self.stride(), self.padding
        rows, cols, _ = self.window(x.shape[0], out)
        values = explain.gather(x[m:m + 1], rows, cols, fill=np.nan)[0]
        h, w = x.shape[1:]
        if self.kind == "MaxPooling":
            u, v = np.unravel_index(np.nanargmax(values), values.shape)
            return explain.PoolingStep(self.kind, out, rows, cols, values, 1, (int(u), int(v)), float(values[u, v]),
                                       "max", NOTES[self.kind])
        total = float(np.nansum(values))
        if self.kind == "SumPooling":
            return explain.PoolingStep(self.kind, out, rows, cols, values, 1, None, total, "sum", NOTES[self.kind])
        div_h = pool_divisors(h, kh, sh, ph, i + 1, self.including_pad)[i]
        div_w = pool_divisors(w, kw, sw, pw, j + 1, self.including_pad)[j]
        divisor = int(div_h * div_w)
        return explain.PoolingStep(self.kind, out, rows, cols, values, divisor, None, total / divisor, "mean", NOTES[self.kind])

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        """The input cells (C, H, W bool) feeding the True cells of an output mask."""
        return explain.spread_windows(mask, in_shape, self.kernel_shape, self.padding, self.stride(), (1, 1),
                                      in_shape[0])

    # --- stack text --------------------------------------------------------------------

    def torch_code(self, in_shape: Shape3) -> str | None:
        """The same layer as a torch.nn module, or None where torch's pooling differs from
        nnabla's (IgnoreBorder off keeps windows torch would not; Padding over half the
        KernelShape torch refuses)."""
        if not self.ignore_border or any(2 * p > k for p, k in zip(self.padding, self.kernel_shape)):
            return None
        k, s, p = self.kernel_shape, self.stride(), self.padding
        if self.kind == "MaxPooling":
            return f"nn.MaxPool2d({k}, stride={s}, padding={p})"
        if self.kind == "AveragePooling":
            return f"nn.AvgPool2d({k}, stride={s}, padding={p}, count_include_pad={self.including_pad})"
        return f"nn.AvgPool2d({k}, stride={s}, padding={p}, divisor_override=1)"  # the sum of each window

    def nnabla_code(self, var: str, name: str) -> tuple[str, None]:
        """(nnabla's call on `var`, None: no parameters)."""
        args = f"{var}, {self.kernel_shape}, stride={self.stride()}, ignore_border={self.ignore_border}, pad={self.padding}"
        if self.kind == "AveragePooling":
            return f"F.average_pooling({args}, including_pad={self.including_pad})", None
        return f"F.{'max' if self.kind == 'MaxPooling' else 'sum'}_pooling({args})", None

    def token(self) -> str:
        """max|avg|sum-KhxKw[-sSHxSW][-pPHxPW][-keep (IgnoreBorder off)][-nopad (IncludingPad off)]"""
        parts = [SHORT[self.kind], "%dx%d" % self.kernel_shape]
        if self.strides is not None and self.strides != self.kernel_shape:
            parts.append("s%dx%d" % self.strides)
        if self.padding != (0, 0):
            parts.append("p%dx%d" % self.padding)
        if not self.ignore_border:
            parts.append("keep")
        if not self.including_pad:
            parts.append("nopad")
        return "-".join(parts)

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "PoolingSpec":
        kernel = text.read(fields, 0, text.pair, "kernel_shape")
        spec: dict = dict(kind={v: k for k, v in SHORT.items()}[head], kernel_shape=kernel, strides=kernel)
        for i, o in enumerate(fields[1:], start=1):
            if o == "keep":
                spec["ignore_border"] = False
            elif o == "nopad":
                spec["including_pad"] = False
            elif o[:1] in ("s", "p"):
                field = "strides" if o[0] == "s" else "padding"
                spec[field] = text.read(fields, i, text.pair, field, skip=1)
            else:
                raise text.unknown(fields, i, "sSHxSW, pPHxPW, keep, nopad")
        return cls(**spec)

    # --- costs -------------------------------------------------------------------------

    def work(self, in_shape: Shape3) -> int:
        """What one image costs to compute here: every window reads kh * kw values."""
        c, ho, wo = self.output_shape(in_shape)
        return c * ho * wo * self.kernel_shape[0] * self.kernel_shape[1]

    def _padded_hw(self, in_shape: Shape3) -> tuple[int, int] | None:
        """(H', W') of the copy pad_for_pooling makes (padded so every window lies
        inside), or None when it pads nothing and the input is used as it is."""
        out = self.output_shape(in_shape)[1:]
        if self.ignore_border and self.padding == (0, 0):
            return None
        after = [max(0, (o - 1) * s - p + k - n) for o, s, p, k, n in
                 zip(out, self.stride(), self.padding, self.kernel_shape, in_shape[1:])]
        if not (self.padding[0] or self.padding[1] or after[0] or after[1]):
            return None
        return (self.padding[0] + in_shape[1] + after[0], self.padding[1] + in_shape[2] + after[1])

    def working_bytes(self, in_shape: Shape3, batch: int = 1) -> int:
        """Peak bytes the forward allocates for `batch` images, float32 (input not counted): the
        padded copy (n*C*H'*W', if any), the output n*C*Ho*Wo and, for MaxPooling, the rows'
        maxima n*C*Ho*((Wo - 1)*sw + kw); AveragePooling's divisors (Ho*Wo, float64 and float32)."""
        n, (c, ho, wo) = batch, self.output_shape(in_shape)
        padded_hw = self._padded_hw(in_shape)
        floats = (0 if padded_hw is None else n * c * padded_hw[0] * padded_hw[1]) + n * c * ho * wo + 3 * ho * wo
        if self.kind == "MaxPooling" and self.kernel_shape[0] > 1:
            floats += n * c * ho * ((wo - 1) * self.stride()[1] + self.kernel_shape[1])
        return arrays.FLOAT_BYTES * floats + arrays.BUFFER_BYTES

    def seconds(self, in_shape: Shape3, batch: int = 1) -> float:
        """CPU seconds the forward is priced at for `batch` images: its window reads, its output,
        its padded copy and its passes over the map (kh + kw for MaxPooling, kh * kw else)."""
        padded_hw = self._padded_hw(in_shape)
        values = int(np.prod(self.output_shape(in_shape))) + (0 if padded_hw is None else
                                                              in_shape[0] * padded_hw[0] * padded_hw[1])
        kh, kw = self.kernel_shape
        calls = kh + kw if self.kind == "MaxPooling" else kh * kw + 4  # passes over the map
        return (batch * (arrays.SECONDS_PER_WINDOW_READ * self.work(in_shape) + arrays.SECONDS_PER_OUTPUT_VALUE * values)
                + arrays.SECONDS_PER_CALL * calls)

    def training_bytes(self, in_shape: Shape3, batch: int) -> int:
        """Peak bytes of train_forward then backward on a batch, float32, input and dy not
        counted: the forward's, or its output kept + the padded copy again + the padded input's
        gradient (n*C*H'*W', or n*C*H*W) + a gradient-sized temporary and (MaxPooling) two
        boolean masks of the output's shape."""
        n, (c, ho, wo) = batch, self.output_shape(in_shape)
        padded_hw = self._padded_hw(in_shape)
        padded = 0 if padded_hw is None else n * c * padded_hw[0] * padded_hw[1]
        grad = padded or n * int(np.prod(in_shape))
        y = n * c * ho * wo
        backward = arrays.FLOAT_BYTES * (y + padded + grad + y + y // 2 + 3 * ho * wo)
        return max(self.working_bytes(in_shape, batch), backward) + arrays.BUFFER_BYTES

    def training_values(self, in_shape: Shape3) -> int:
        """Values one image keeps for the backward pass: input and output."""
        return int(np.prod(in_shape)) + int(np.prod(self.output_shape(in_shape)))

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs for one image: MaxPooling one CostIf per input value; Average- and
        SumPooling one CostAdd per input value and one CostMultiply per output value."""
        inputs = in_shape[0] * in_shape[1] * in_shape[2]
        if self.kind == "MaxPooling":
            return {"CostIf": inputs}
        c, ho, wo = self.output_shape(in_shape)
        return {"CostAdd": inputs, "CostMultiply": c * ho * wo}
