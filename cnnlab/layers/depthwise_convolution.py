"""NNC's DepthwiseConvolution, all in one place: each input channel has its own Multiplier
kernels (nnabla's F.depthwise_convolution; W (C x Multiplier, kh, kw)).

    y[m, i, j] = b[m] + sum_{u, v} W[m, u, v] * x_pad[m // Multiplier, i*sh + u*dh, j*sw + v*dw]
    OutMaps = C x Multiplier;  out = floor((L + 2p - d(k - 1) - 1) / s) + 1
It is a Convolution with Group = C, and is computed, trained and explained as one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import backward as B
from cnnlab import explain
from cnnlab import functions as F
from cnnlab.initializers import InitializerName, initialize_weight
from cnnlab.layers import text
from cnnlab.layers import convolution
from cnnlab.layers.convolution import option_tokens, padding_per_side, read_options, size_lines
from cnnlab.limits import Range, check_fields
from cnnlab.shapes import BorderMode, conv_output_shape

Shape3 = tuple[int, int, int]
Params = tuple[np.ndarray, np.ndarray | None]

LIMITS: dict[str, Range] = {
    **{field: convolution.LIMITS[field] for field in
       ("kernel_shape", "padding", "strides", "dilation", "initializer_multiplier")},
    "multiplier": Range("Multiplier", 1, 16),
}


@dataclass(frozen=True)
class DepthwiseConvolutionSpec:
    """NNC's DepthwiseConvolution. Padding, when given, overrides BorderMode."""

    kernel_shape: tuple[int, int] = (5, 5)
    multiplier: int = 1
    border_mode: BorderMode = "valid"
    padding: tuple[int, int] | None = None
    strides: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    with_bias: bool = True
    w_initializer: InitializerName = "NormalConvolutionGlorot"
    initializer_multiplier: float = 1.0

    kind = "DepthwiseConvolution"
    HEADS = ("dwconv",)
    WORK_UNIT = "multiply-adds"
    LIMITS = LIMITS
    EDITOR = ("kernel", "strides", "border_mode")

    def check_limits(self) -> None:
        check_fields(self, LIMITS)

    def pad(self) -> tuple[int, int]:
        return padding_per_side(self.padding, self.border_mode, self.kernel_shape, self.dilation)

    def output_shape(self, in_shape: Shape3) -> Shape3:
        """(C x Multiplier, Ho, Wo); LayerShapeError if the kernel does not fit."""
        c = in_shape[0]
        return conv_output_shape(in_shape[1:], c, c * self.multiplier, self.kernel_shape, self.pad(),
                                 self.strides, self.dilation, c)

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        return size_lines(in_shape, self.kernel_shape, self.pad(), self.strides, self.dilation)

    def init_params(self, in_channels: int, rng: np.random.Generator) -> Params:
        """W (C x Multiplier, kh, kw) from W.Initializer (one input channel per kernel), b = 0."""
        m = in_channels * self.multiplier
        weight = initialize_weight(self.w_initializer, (m, 1, *self.kernel_shape), self.initializer_multiplier, rng)
        return weight[:, 0], (np.zeros(m, dtype=np.float32) if self.with_bias else None)

    def forward(self, x: np.ndarray, params: Params) -> np.ndarray:
        return F.depthwise_convolution(x, params[0], params[1], self.pad(), self.strides, self.dilation,
                                       self.multiplier)

    def train_forward(self, x: np.ndarray, params: Params) -> tuple[np.ndarray, object]:
        return B.convolution_with_columns(x, params[0][:, None], params[1], self.pad(), self.strides,
                                          self.dilation, x.shape[1])

    def backward(self, dy: np.ndarray, x: np.ndarray, params: Params, y: np.ndarray, kept: object,
                 need_dx: bool = True) -> tuple[np.ndarray | None, list[np.ndarray]]:
        dx, dw, db = B.convolution_backward(dy, x, params[0][:, None], params[1] is not None, self.pad(),
                                            self.strides, self.dilation, x.shape[1], kept, need_dx=need_dx)
        return dx, [dw[:, 0]] + ([db] if db is not None else [])

    def swaps_with_next(self, following: object) -> bool:
        return False

    def kernels(self, params: Params | None) -> np.ndarray | None:
        """W as kernels of one channel each: (C x Multiplier, 1, kh, kw)."""
        return None if params is None else params[0][:, None]

    def window(self, in_channels: int, out: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
        m, i, j = out
        (ph, pw), (sh, sw), (dh, dw) = self.pad(), self.strides, self.dilation
        rows = i * sh - ph + np.arange(self.kernel_shape[0]) * dh
        cols = j * sw - pw + np.arange(self.kernel_shape[1]) * dw
        return rows, cols, (m // self.multiplier,)

    def explain(self, params: Params, x: np.ndarray, out: tuple[int, int, int]) -> explain.ConvolutionStep:
        """Output pixel (map, row, column): channel map // Multiplier's patch x kernel map, summed, + bias."""
        weight, bias = params
        rows, cols, channels = self.window(x.shape[0], out)
        return explain.weighted_sum(x, out, channels, rows, cols, weight[out[0]][None],
                                    None if bias is None else float(bias[out[0]]))

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        return explain.spread_windows(mask, in_shape, self.kernel_shape, self.pad(), self.strides, self.dilation,
                                      in_shape[0])

    def token(self) -> str:
        """dwconv-KhxKw[-xMULTIPLIER][-sSHxSW][-pPHxPW | -same | -full][-dDHxDW][-nobias][-iINIT][-mMULT]"""
        times = [f"x{self.multiplier}"] if self.multiplier != 1 else []
        return "-".join(["dwconv", "%dx%d" % self.kernel_shape, *times, *option_tokens(self)])

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "DepthwiseConvolutionSpec":
        def multiplier(option: str, spec: dict) -> bool:
            if option[:1] != "x":
                return False
            spec["multiplier"] = text.integer(option[1:])
            return True

        return cls(**read_options(dict(kernel_shape=text.pair(fields[0])), fields[1:], multiplier))

    def parameter_count(self, in_channels: int) -> int:
        m = in_channels * self.multiplier
        return m * self.kernel_shape[0] * self.kernel_shape[1] + (m if self.with_bias else 0)

    def multiply_adds(self, in_shape: Shape3) -> int:
        m, ho, wo = self.output_shape(in_shape)
        return m * ho * wo * self.kernel_shape[0] * self.kernel_shape[1]

    def work(self, in_shape: Shape3) -> int:
        return self.multiply_adds(in_shape)

    def training_values(self, in_shape: Shape3) -> int:
        out = self.output_shape(in_shape)
        patches = in_shape[0] * self.kernel_shape[0] * self.kernel_shape[1] * out[1] * out[2]
        return int(np.prod(in_shape)) + int(np.prod(out)) + patches

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs: CostParameter, CostAdd (bias adds with WithBias), CostMultiplyAdd."""
        m, ho, wo = self.output_shape(in_shape)
        return {"CostParameter": self.parameter_count(in_shape[0]),
                "CostAdd": m * ho * wo if self.with_bias else 0,
                "CostMultiplyAdd": self.multiply_adds(in_shape)}
