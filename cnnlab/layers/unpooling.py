"""NNC's Unpooling (nnabla's F.unpooling), all in one place: nearest-neighbour upsampling,
every input value copied into a KernelShape block of the output.

    y[c, i, j] = x[c, i // kh, j // kw];  output (C, H * kh, W * kw)
    backward: dx[c, i', j'] = sum of dy over the block (i' * kh .. + kh - 1, j' * kw .. + kw - 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import explain
from cnnlab.layers import text
from cnnlab.layers.base import LayerKind, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range

LIMITS: dict[str, Range] = {"kernel_shape": Range("KernelShape", 1, 8)}  # each step multiplies the output's size


def unpooling(x: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H * kh, W * kw): each value repeated over its kh x kw block."""
    return np.repeat(np.repeat(x, kernel[0], axis=2), kernel[1], axis=3)


def unpooling_backward(dy: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    """dy (N, C, H * kh, W * kw) -> dx (N, C, H, W): each block's gradients summed."""
    n, c, ho, wo = dy.shape
    kh, kw = kernel
    return dy.reshape(n, c, ho // kh, kh, wo // kw, kw).sum(axis=(3, 5))


@dataclass(frozen=True)
class UnpoolingSpec(LayerKind):
    """NNC's Unpooling: KernelShape is how many times each value is repeated down and across."""

    kernel_shape: tuple[int, int] = (2, 2)

    kind = "Unpooling"
    HEADS = ("unpool",)
    WORK_UNIT = "values written"
    LIMITS = LIMITS
    FIELDS = (Field("kernel_shape", "pair", "unpool_kernel"),)
    EXPLANATION = "explain.Unpooling"
    WORDS = {
        "en": {
            "unpool_kernel_h.label": "KernelShape (height)",
            "unpool_kernel_h.help": "How many times each value is repeated downwards.",
            "unpool_kernel_w.label": "KernelShape (width)",
            "unpool_kernel_w.help": "How many times each value is repeated across.",
            "explain.Unpooling": ("Each value is copied into a KernelShape block: the map grows, nothing new is "
                                  "computed (nearest-neighbour upsampling)."),
            "slide.Unpooling": "A copy of the input value = {value}",
            "insp.pool.Unpooling": ("This pixel is a copy of the one input value above: its row and column divided by "
                                    "KernelShape, rounded down."),
        },
        "ja": {
            "unpool_kernel_h.label": "KernelShape（高さ）",
            "unpool_kernel_h.help": "各値を縦に何回繰り返すか。",
            "unpool_kernel_w.label": "KernelShape（幅）",
            "unpool_kernel_w.help": "各値を横に何回繰り返すか。",
            "explain.Unpooling": ("各値を KernelShape の大きさのブロックに写します。マップは大きくなりますが、"
                                  "新しい計算はありません（最近傍の拡大）。"),
            "slide.Unpooling": "入力の値の写し = {value}",
            "insp.pool.Unpooling": "このピクセルは、上の入力の値 1 つの写しです。その行と列は KernelShape で割って切り捨てた位置です。",
        },
    }

    def output_shape(self, in_shape: Shape3) -> Shape3:
        c, h, w = in_shape
        return (c, h * self.kernel_shape[0], w * self.kernel_shape[1])

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        """['12 * 2 = 24', ...] for H and W."""
        return [f"{n} * {k} = {n * k}" for n, k in zip(in_shape[1:], self.kernel_shape)]

    def forward(self, x: np.ndarray, params: None = None) -> np.ndarray:
        return unpooling(x, self.kernel_shape)

    def backward(self, dy: np.ndarray, x: np.ndarray, params: None, y: np.ndarray, kept: None,
                 need_dx: bool = True) -> tuple[np.ndarray, dict]:
        return unpooling_backward(dy, self.kernel_shape), {}

    def explain(self, params: None, x: np.ndarray, out: tuple[int, int, int]) -> "UnpoolingStep":
        """Output (map, row, column): a window of the one input cell it copies."""
        c, i, j = out
        rows, cols = np.array([i // self.kernel_shape[0]]), np.array([j // self.kernel_shape[1]])
        values = explain.gather(x[c:c + 1], rows, cols, fill=np.nan)[0]
        return UnpoolingStep(self.kind, out, rows, cols, values, 1, None, float(values[0, 0]), "sum",
                             "insp.pool.Unpooling")

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        """Input (c, i', j') feeds its whole block: any True cell there."""
        c, h, w = in_shape
        kh, kw = self.kernel_shape
        return mask.reshape(c, h, kh, w, kw).any(axis=(2, 4))

    def torch_code(self, in_shape: Shape3) -> str:
        return f"nn.Upsample(scale_factor={tuple(float(k) for k in self.kernel_shape)}, mode='nearest')"

    def nnabla_code(self, var: str, name: str) -> tuple[str, None]:
        return f"F.unpooling({var}, {self.kernel_shape})", None

    def token(self) -> str:
        """unpool-KhxKw"""
        return "unpool-%dx%d" % self.kernel_shape

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "UnpoolingSpec":
        kernel = text.read(fields, 0, text.pair, "kernel_shape")
        if len(fields) > 1:
            raise text.TokenError("ends", fields[1], at=(2, 0))
        return cls(kernel)

    def work(self, in_shape: Shape3) -> int:
        """Every output value is written once."""
        return int(np.prod(self.output_shape(in_shape)))

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """No arithmetic: only copies (NNC counts none)."""
        return {}


@dataclass(frozen=True)
class UnpoolingStep(explain.PoolingStep):
    """An Unpooling pixel: the window of the one input cell it copies; the player says it
    is a copy (not "the sum of 1 values")."""

    def player(self, spec, params, x: np.ndarray, size: tuple[int, int]) -> dict:
        return {**super().player(spec, params, x, size), "lines": ["slide.Unpooling"]}
