"""NNC's DepthwiseConvolution, all in one place: each input channel has its own Multiplier
kernels (nnabla's F.depthwise_convolution; W (C x Multiplier, kh, kw)).

    y[m, i, j] = b[m] + sum_{u, v} W[m, u, v] * x_pad[m // Multiplier, i*sh + u*dh, j*sw + v*dw]
    OutMaps = C x Multiplier;  out = floor((L + 2p - d(k - 1) - 1) / s) + 1
It is a Convolution with Group = C (as_convolution), and is sized, trained, explained and
priced as that one; only its weight's shape and its token are its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab.explain import ConvolutionStep
from cnnlab.initializers import InitializerName
from cnnlab.layers import text
from cnnlab.layers.arrays import IntPair, as_nchw
from cnnlab.layers import convolution
from cnnlab.layers.base import LayerKind, Params, Shape3
from cnnlab.layers.fields import Field
from cnnlab.layers.convolution import ConvolutionSpec, padding_per_side
from cnnlab.limits import Range
from cnnlab.shapes import BorderMode, LayerShapeError


def depthwise_convolution(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    pad: IntPair | None = None,
    stride: IntPair | None = None,
    dilation: IntPair | None = None,
    multiplier: int = 1,
) -> np.ndarray:
    """Depthwise convolution (nnabla's F.depthwise_convolution): each input channel has
    its own `multiplier` kernels.

    x (N, C, H, W), weight (C * multiplier, kh, kw), bias (C * multiplier,) -> y (N, C * multiplier, Ho, Wo):
        y[n, m, i, j] = b[m] + sum_{u, v} w[m, u, v] * x_pad[n, m // multiplier, i*sh + u*dh, j*sw + v*dw]
    Ho as for convolution. It is a convolution with Group = C and W (C * multiplier, 1, kh, kw).
    """
    x = as_nchw(x)
    weight = np.asarray(weight, dtype=x.dtype)
    if weight.ndim != 3 or weight.shape[0] != x.shape[1] * multiplier:
        raise LayerShapeError(
            f"weight must be (C x Multiplier, kh, kw) = ({x.shape[1] * multiplier}, kh, kw); got {weight.shape}."
        )
    return convolution.convolution(x, weight[:, None], bias, pad, stride, dilation, group=x.shape[1])


LIMITS: dict[str, Range] = {
    **{field: convolution.LIMITS[field] for field in
       ("kernel_shape", "padding", "strides", "dilation", "initializer_multiplier")},
    "multiplier": Range("Multiplier", 1, 16),
}


@dataclass(frozen=True)
class DepthwiseConvolutionSpec(LayerKind):
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
    SCOPE = "depthwise_conv"
    FEATURE_MAPS = True
    TRAINED = ("W", "b")
    FIELDS = (Field("kernel_shape", "pair", "kernel"), Field("multiplier", "int", "dw_multiplier"),
              Field("strides", "pair", "stride"), convolution.BORDER_MODE, convolution.EXPLICIT_PADDING,
              Field("dilation", "pair", "dilation", main=False), *convolution.WEIGHT_FIELDS)
    EXPLANATION = "explain.DepthwiseConvolution"
    WORDS = {
        "en": {
            "dw_multiplier.label": "Multiplier",
            "dw_multiplier.help": "Output maps per input map: each input map gets this many kernels of its own.",
            "explain.DepthwiseConvolution": (
                "Each input channel has its own {multiplier:kernel|{multiplier} kernels}: output map m = the patch of input "
                "channel {multiplier:m|m // {multiplier}} under kernel m, multiplied element by element and summed (plus the bias)."
            ),
        },
        "ja": {
            "dw_multiplier.label": "Multiplier",
            "dw_multiplier.help": "入力マップ 1 枚あたりの出力マップ数。入力マップごとに自分のカーネルをこの数だけ持ちます。",
            "explain.DepthwiseConvolution": (
                "入力チャネルごとに {multiplier} 個のカーネルがあります: 出力マップ m = 入力チャネル {multiplier:m|m // {multiplier}} の"
                "窓とカーネル m を要素ごとに掛けて足したもの（＋バイアス）。"
            ),
            "stack.what.multiplier": "Multiplier（2 のような整数）",
        },
    }

    @classmethod
    def addable(cls) -> tuple["DepthwiseConvolutionSpec", ...]:
        """The layers the editor's "Add a layer" offers of this kind."""
        return (cls((3, 3), border_mode="same"),)

    def as_convolution(self, in_channels: int) -> ConvolutionSpec:
        """The same layer as a Convolution with Group = C and OutMaps = C x Multiplier, whose
        W (C x Multiplier, 1, kh, kw) is this layer's W with a channel axis: everything but
        the weight's shape and the token is that Convolution's."""
        return ConvolutionSpec(in_channels * self.multiplier, self.kernel_shape, self.border_mode, self.padding,
                               self.strides, self.dilation, in_channels, self.with_bias, self.w_initializer,
                               self.initializer_multiplier)

    def pad(self) -> tuple[int, int]:
        return padding_per_side(self.padding, self.border_mode, self.kernel_shape, self.dilation)

    @staticmethod
    def _as_convolution_params(params: Params) -> Params:
        return {**params, "W": params["W"][:, None]}

    def output_shape(self, in_shape: Shape3) -> Shape3:
        """(C x Multiplier, Ho, Wo); LayerShapeError if the kernel does not fit."""
        return self.as_convolution(in_shape[0]).output_shape(in_shape)

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        return self.as_convolution(in_shape[0]).size_arithmetic(in_shape)

    def init_params(self, in_shape: Shape3, rng: np.random.Generator) -> Params:
        """W (C x Multiplier, kh, kw) from W.Initializer (one input channel per kernel), b = 0."""
        params = self.as_convolution(in_shape[0]).init_params(in_shape, rng)
        return {**params, "W": params["W"][:, 0]}

    def forward(self, x: np.ndarray, params: Params) -> np.ndarray:
        return depthwise_convolution(x, params["W"], params.get("b"), self.pad(), self.strides,
                                       self.dilation, self.multiplier)

    def train_forward(self, x: np.ndarray, params: Params,
                      rng: np.random.Generator | None = None) -> tuple[np.ndarray, object]:
        return self.as_convolution(x.shape[1]).train_forward(x, self._as_convolution_params(params))

    def backward(self, dy: np.ndarray, x: np.ndarray, params: Params, y: np.ndarray, kept: object,
                 need_dx: bool = True) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        dx, grads = self.as_convolution(x.shape[1]).backward(dy, x, self._as_convolution_params(params), y, kept,
                                                             need_dx)
        return dx, {**grads, "W": grads["W"][:, 0]}

    def kernels(self, params: Params | None) -> np.ndarray | None:
        """W as kernels of one channel each: (C x Multiplier, 1, kh, kw)."""
        return None if params is None else params["W"][:, None]

    def explain(self, params: Params, x: np.ndarray, out: tuple[int, int, int]) -> ConvolutionStep:
        """Output pixel (map, row, column): channel map // Multiplier's patch x kernel map, summed, + bias."""
        return self.as_convolution(x.shape[0]).explain(self._as_convolution_params(params), x, out)

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        return self.as_convolution(in_shape[0]).input_cells(mask, in_shape)

    def torch_code(self, in_shape: Shape3) -> str:
        """The same layer as a torch.nn module: a Conv2d with groups = C."""
        c = in_shape[0]
        return (f"nn.Conv2d({c}, {c * self.multiplier}, {self.kernel_shape}, stride={self.strides}, "
                f"padding={self.pad()}, dilation={self.dilation}, groups={c}, bias={self.with_bias})")

    def nnabla_code(self, var: str, name: str) -> tuple[str, str]:
        """(nnabla's call on `var` in scope `name`, its parameters' scope)."""
        return (f"PF.depthwise_convolution({var}, {self.kernel_shape}, pad={self.pad()}, stride={self.strides}, "
                f"dilation={self.dilation}, multiplier={self.multiplier}, with_bias={self.with_bias}, name={name!r})",
                f"{name}/depthwise_conv")

    def token(self) -> str:
        """dwconv-KhxKw[-xMULTIPLIER][-sSHxSW][-pPHxPW | -same | -full][-dDHxDW][-nobias][-iINIT][-mMULT]"""
        return "-".join(["dwconv", "%dx%d" % self.kernel_shape, *text.option_tokens(self)])

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "DepthwiseConvolutionSpec":
        return text.read_options(cls, fields, 1, kernel_shape=text.read(fields, 0, text.pair, "kernel_shape"))

    def parameter_count(self, in_shape: Shape3) -> int:
        return self.as_convolution(in_shape[0]).parameter_count(in_shape)

    def work(self, in_shape: Shape3) -> int:
        return self.as_convolution(in_shape[0]).work(in_shape)

    def working_bytes(self, in_shape: Shape3, batch: int = 1) -> int:
        return self.as_convolution(in_shape[0]).working_bytes(in_shape, batch)

    def seconds(self, in_shape: Shape3, batch: int = 1) -> float:
        return self.as_convolution(in_shape[0]).seconds(in_shape, batch)

    def training_bytes(self, in_shape: Shape3, batch: int) -> int:
        return self.as_convolution(in_shape[0]).training_bytes(in_shape, batch)

    def training_values(self, in_shape: Shape3) -> int:
        return self.as_convolution(in_shape[0]).training_values(in_shape)

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs: CostParameter, CostAdd (bias adds with WithBias), CostMultiplyAdd."""
        return self.as_convolution(in_shape[0]).statistics(in_shape)
