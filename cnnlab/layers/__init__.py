"""The layer kinds and their registry. Each kind lives in one module (its spec, limits,
forward, backward, size arithmetic, window, explanation, stack-text token, code and costs);
adding a kind is a new module and one line in KINDS. The contract every kind keeps, and
its defaults, are cnnlab.layers.base.LayerKind.
"""

from __future__ import annotations

from cnnlab.layers.activation import ACTIVATION_KINDS, ActivationSpec
from cnnlab.layers.affine import AffineSpec
from cnnlab.layers import text
from cnnlab.layers.base import LayerKind, Params, Shape3
from cnnlab.layers.batch_normalization import BatchNormalizationSpec
from cnnlab.layers.convolution import ConvolutionSpec
from cnnlab.layers.deconvolution import DeconvolutionSpec
from cnnlab.layers.depthwise_convolution import DepthwiseConvolutionSpec
from cnnlab.layers.dropout import DropoutSpec
from cnnlab.layers.global_average_pooling import GlobalAveragePoolingSpec
from cnnlab.layers.pooling import POOLING_KINDS, PoolingSpec
from cnnlab.layers.unpooling import UnpoolingSpec

LayerSpec = LayerKind  # any registered kind
KINDS: tuple[type, ...] = (ConvolutionSpec, DepthwiseConvolutionSpec, DeconvolutionSpec, PoolingSpec, ActivationSpec,
                           BatchNormalizationSpec, GlobalAveragePoolingSpec, AffineSpec, UnpoolingSpec, DropoutSpec)
BY_HEAD: dict[str, type] = {head: kind for kind in KINDS for head in kind.HEADS}
for _kind in KINDS:  # what each kind's own token fields expect, for the grammar's messages
    text.EXPECTED.update(_kind.EXPECTED)

ADDABLE: tuple[LayerSpec, ...] = tuple(spec for kind in KINDS for spec in kind.addable())
"""What the network editor's "Add a layer" offers, kind by kind."""

GRAMMAR: tuple[str, ...] = tuple(kind.token.__doc__.strip() for kind in KINDS)
"""Each kind's stack-text token, as its token() docstring spells it."""

BLOG_NETWORK: tuple[LayerSpec, ...] = (ConvolutionSpec(), PoolingSpec())
"""The blog post's network: Input -> Convolution (16, 5x5) -> MaxPooling (2x2 / 2)."""

__all__ = ["ACTIVATION_KINDS", "ADDABLE", "BY_HEAD", "GRAMMAR", "KINDS", "POOLING_KINDS", "BLOG_NETWORK", "ActivationSpec",
           "AffineSpec", "BatchNormalizationSpec", "GlobalAveragePoolingSpec",
           "ConvolutionSpec", "DeconvolutionSpec", "DepthwiseConvolutionSpec", "LayerKind", "LayerSpec", "Params",
           "PoolingSpec", "Shape3", "UnpoolingSpec"]
