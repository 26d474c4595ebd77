"""Layer specs: frozen dataclasses with NNC's parameter names and defaults.

The defaults are the seed's experiment: Convolution (OutMaps 16, KernelShape 5,5,
BorderMode valid, Strides 1,1) then MaxPooling (KernelShape 2,2, Strides 2,2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union, get_args

import numpy as np

from cnnlab import functions as F
from cnnlab import limits
from cnnlab.initializers import InitializerName, initialize_weight
from cnnlab.shapes import (
    BorderMode,
    LayerShapeError,
    border_mode_padding,
    conv_output_shape,
    pool_output_shape,
)

Shape3 = tuple[int, int, int]  # (C, H, W)
Params = tuple[np.ndarray, np.ndarray | None]  # (W (M, C/group, kh, kw), b (M,) or None)

PoolingKind = Literal["MaxPooling", "AveragePooling", "SumPooling"]
POOLING_KINDS: tuple[PoolingKind, ...] = get_args(PoolingKind)
ActivationKind = Literal["Identity", "ReLU", "LeakyReLU", "Tanh", "Sigmoid"]
ACTIVATION_KINDS: tuple[ActivationKind, ...] = get_args(ActivationKind)


@dataclass(frozen=True)
class ConvolutionSpec:
    """NNC's Convolution layer. Padding, when given, overrides BorderMode."""

    out_maps: int = 16
    kernel_shape: tuple[int, int] = (5, 5)
    border_mode: BorderMode = "valid"
    padding: tuple[int, int] | None = None
    strides: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    group: int = 1
    with_bias: bool = True
    w_initializer: InitializerName = "NormalConvolutionGlorot"
    initializer_multiplier: float = 1.0

    kind = "Convolution"

    def pad(self) -> tuple[int, int]:
        """Padding per side (ph, pw): the explicit Padding, else BorderMode's rule."""
        if self.padding is not None:
            return self.padding
        return (
            border_mode_padding(self.border_mode, self.kernel_shape[0], self.dilation[0]),
            border_mode_padding(self.border_mode, self.kernel_shape[1], self.dilation[1]),
        )

    def output_shape(self, in_shape: Shape3) -> Shape3:
        """(OutMaps, Ho, Wo) for an input (C, H, W); LayerShapeError if impossible."""
        return conv_output_shape(
            in_shape[1:], in_shape[0], self.out_maps, self.kernel_shape,
            self.pad(), self.strides, self.dilation, self.group,
        )

    def check_limits(self) -> None:
        """LayerShapeError naming the first setting outside the table of limits."""
        limits.check_fields(self, limits.CONVOLUTION)

    def parameter_count(self, in_channels: int) -> int:
        """NNC's CostParameter: weights M * C/group * kh * kw, plus M biases with WithBias."""
        m, cg, kh, kw = self.weight_shape(in_channels)
        return m * cg * kh * kw + (m if self.with_bias else 0)

    def multiply_adds(self, in_shape: Shape3) -> int:
        """NNC's CostMultiplyAdd: every output value is C/group * kh * kw multiply-adds."""
        m, ho, wo = self.output_shape(in_shape)
        return m * ho * wo * (in_shape[0] // self.group) * self.kernel_shape[0] * self.kernel_shape[1]

    def work(self, in_shape: Shape3) -> int:
        """What one image costs to compute here: its multiply-adds."""
        return self.multiply_adds(in_shape)

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs for one image: CostParameter, CostAdd (a bias add per output value
        with WithBias) and CostMultiplyAdd."""
        m, ho, wo = self.output_shape(in_shape)
        return {"CostParameter": self.parameter_count(in_shape[0]),
                "CostAdd": m * ho * wo if self.with_bias else 0,
                "CostMultiplyAdd": self.multiply_adds(in_shape)}

    def weight_shape(self, in_channels: int) -> tuple[int, int, int, int]:
        """W's shape (OutMaps, C/group, kh, kw)."""
        return (self.out_maps, in_channels // self.group, *self.kernel_shape)

    def init_params(self, in_channels: int, rng: np.random.Generator) -> Params:
        """Fresh (untrained, "Max Epoch 0") W and b: W from W.Initializer, b = 0."""
        weight = initialize_weight(
            self.w_initializer, self.weight_shape(in_channels), self.initializer_multiplier, rng
        )
        bias = np.zeros(self.out_maps, dtype=np.float32) if self.with_bias else None
        return weight, bias

    def forward(self, x: np.ndarray, params: Params) -> np.ndarray:
        """(N, C, H, W) -> (N, OutMaps, Ho, Wo)."""
        weight, bias = params
        return F.convolution(x, weight, bias, self.pad(), self.strides, self.dilation, self.group)


@dataclass(frozen=True)
class PoolingSpec:
    """NNC's MaxPooling / AveragePooling / SumPooling. Strides None means = KernelShape."""

    kind: PoolingKind = "MaxPooling"
    kernel_shape: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = (2, 2)
    padding: tuple[int, int] = (0, 0)
    ignore_border: bool = True
    including_pad: bool = True

    def stride(self) -> tuple[int, int]:
        return self.kernel_shape if self.strides is None else self.strides

    def check_limits(self) -> None:
        """LayerShapeError naming the first setting outside the table of limits."""
        limits.check_fields(self, limits.POOLING)

    def parameter_count(self, in_channels: int) -> int:
        return 0

    def work(self, in_shape: Shape3) -> int:
        """What one image costs to compute here: every window reads kh * kw values."""
        c, ho, wo = self.output_shape(in_shape)
        return c * ho * wo * self.kernel_shape[0] * self.kernel_shape[1]

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs for one image: MaxPooling one CostIf per input value; Average- and
        SumPooling one CostAdd per input value and one CostMultiply per output value."""
        inputs = in_shape[0] * in_shape[1] * in_shape[2]
        if self.kind == "MaxPooling":
            return {"CostIf": inputs}
        c, ho, wo = self.output_shape(in_shape)
        return {"CostAdd": inputs, "CostMultiply": c * ho * wo}

    def output_shape(self, in_shape: Shape3) -> Shape3:
        ho, wo = pool_output_shape(
            in_shape[1:], self.kernel_shape, self.stride(), self.padding, self.ignore_border
        )
        return (in_shape[0], ho, wo)

    def forward(self, x: np.ndarray, params: Params | None = None) -> np.ndarray:
        """(N, C, H, W) -> (N, C, Ho, Wo)."""
        args = (x, self.kernel_shape, self.stride(), self.ignore_border, self.padding)
        if self.kind == "MaxPooling":
            return F.max_pooling(*args)
        if self.kind == "SumPooling":
            return F.sum_pooling(*args)
        if self.kind == "AveragePooling":
            return F.average_pooling(*args, including_pad=self.including_pad)
        raise LayerShapeError(f"Unknown pooling {self.kind!r}.")


@dataclass(frozen=True)
class ActivationSpec:
    """An element-wise activation; alpha is LeakyReLU's slope for x < 0."""

    kind: ActivationKind = "ReLU"
    alpha: float = 0.1

    def output_shape(self, in_shape: Shape3) -> Shape3:
        return in_shape

    def check_limits(self) -> None:
        """LayerShapeError naming the first setting outside the table of limits."""
        limits.check_fields(self, limits.ACTIVATION)

    def parameter_count(self, in_channels: int) -> int:
        return 0

    def work(self, in_shape: Shape3) -> int:
        """What one image costs to compute here: one function value per input value."""
        return in_shape[0] * in_shape[1] * in_shape[2]

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs for one image, per input value: ReLU one CostIf; LeakyReLU a CostIf
        and a CostMultiply; Tanh two CostAdd, a CostDivision and a CostExp; Sigmoid one of each."""
        n = in_shape[0] * in_shape[1] * in_shape[2]
        return {
            "Identity": {},
            "ReLU": {"CostIf": n},
            "LeakyReLU": {"CostIf": n, "CostMultiply": n},
            "Tanh": {"CostAdd": 2 * n, "CostDivision": n, "CostExp": n},
            "Sigmoid": {"CostAdd": n, "CostDivision": n, "CostExp": n},
        }[self.kind]

    def forward(self, x: np.ndarray, params: Params | None = None) -> np.ndarray:
        if self.kind == "LeakyReLU":
            return F.leaky_relu(x, self.alpha)
        functions = {"Identity": F.identity, "ReLU": F.relu, "Tanh": F.tanh, "Sigmoid": F.sigmoid}
        if self.kind not in functions:
            raise LayerShapeError(f"Unknown activation {self.kind!r}.")
        return functions[self.kind](x)


LayerSpec = Union[ConvolutionSpec, PoolingSpec, ActivationSpec]

SEED_EXPERIMENT: tuple[LayerSpec, ...] = (ConvolutionSpec(), PoolingSpec())
"""The blog post's network: Input -> Convolution (16, 5x5) -> MaxPooling (2x2 / 2)."""
