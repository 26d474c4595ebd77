"""nnabla's stateless layer functions by nnabla's names and arguments, ``from cnnlab import
functions as F`` (F.convolution, F.max_pooling, F.relu, ...), NCHW float32: what the app's
lessons, the attribution and the benchmarks call.

Only a facade: each function, with its backward beside it, lives in its kind's module
(cnnlab.layers.convolution, .deconvolution, .depthwise_convolution, .pooling, .activation;
a new kind keeps its own there too and needs no line here).
"""

from __future__ import annotations

from cnnlab.layers.activation import identity, leaky_relu, relu, sigmoid, tanh
from cnnlab.layers.convolution import convolution
from cnnlab.layers.deconvolution import deconvolution
from cnnlab.layers.depthwise_convolution import depthwise_convolution
from cnnlab.layers.pooling import average_pooling, max_pooling, sum_pooling

__all__ = ["average_pooling", "convolution", "deconvolution", "depthwise_convolution", "identity", "leaky_relu",
           "max_pooling", "relu", "sigmoid", "sum_pooling", "tanh"]
