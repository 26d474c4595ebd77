"""NNC's MaxPooling, AveragePooling and SumPooling, all in one place: spec and defaults,
limits, forward, backward, size arithmetic, the window one output pixel reads, its
explanation, its stack-text token and its costs.

    IgnoreBorder=True:  out = floor((L + 2p - k) / s) + 1
    IgnoreBorder=False: out = floor((L + p - 1) / s) + 1  (nnabla's runtime)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from cnnlab import backward as B
from cnnlab import explain
from cnnlab import functions as F
from cnnlab.layers import text
from cnnlab.layers.base import LayerKind, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range
from cnnlab.shapes import LayerShapeError, pool_output_shape, pool_output_size

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
            return F.max_pooling(*self._args(x))
        if self.kind == "SumPooling":
            return F.sum_pooling(*self._args(x))
        if self.kind == "AveragePooling":
            return F.average_pooling(*self._args(x), including_pad=self.including_pad)
        raise LayerShapeError(f"Unknown pooling {self.kind!r}.")

    def backward(self, dy: np.ndarray, x: np.ndarray, params: None, y: np.ndarray, kept: None,
                 need_dx: bool = True) -> tuple[np.ndarray, dict]:
        """(dx, []): MaxPooling's gradient goes to each window's maximum, the others' to every cell."""
        args = (dy, *self._args(x))
        if self.kind == "MaxPooling":
            return B.max_pooling_backward(*args, y=y), {}
        if self.kind == "SumPooling":
            return B.sum_pooling_backward(*args), {}
        return B.average_pooling_backward(*args, including_pad=self.including_pad), {}

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
        div_h = F.pool_divisors(h, kh, sh, ph, i + 1, self.including_pad)[i]
        div_w = F.pool_divisors(w, kw, sw, pw, j + 1, self.including_pad)[j]
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
        """(H', W') of the copy functions.pad_for_pooling makes (padded so every window lies
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
        return F.FLOAT_BYTES * floats + F.BUFFER_BYTES

    def seconds(self, in_shape: Shape3, batch: int = 1) -> float:
        """CPU seconds the forward is priced at for `batch` images: its window reads, its output,
        its padded copy and its passes over the map (kh + kw for MaxPooling, kh * kw else)."""
        padded_hw = self._padded_hw(in_shape)
        values = int(np.prod(self.output_shape(in_shape))) + (0 if padded_hw is None else
                                                              in_shape[0] * padded_hw[0] * padded_hw[1])
        kh, kw = self.kernel_shape
        calls = kh + kw if self.kind == "MaxPooling" else kh * kw + 4  # passes over the map
        return (batch * (F.SECONDS_PER_WINDOW_READ * self.work(in_shape) + F.SECONDS_PER_OUTPUT_VALUE * values)
                + F.SECONDS_PER_CALL * calls)

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
        backward = F.FLOAT_BYTES * (y + padded + grad + y + y // 2 + 3 * ho * wo)
        return max(self.working_bytes(in_shape, batch), backward) + F.BUFFER_BYTES

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
