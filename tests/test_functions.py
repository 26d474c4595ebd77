"""cnnlab.functions, the nnabla-style F facade: each name is its kind module's own function
(the math and its tests live with the kind: tests/test_convolution.py, test_pooling.py, ...)."""

import importlib

import numpy as np

from cnnlab import functions as F

KIND_OF = {"convolution": "convolution", "deconvolution": "deconvolution",
           "depthwise_convolution": "depthwise_convolution", "max_pooling": "pooling", "average_pooling": "pooling",
           "sum_pooling": "pooling", "identity": "activation", "relu": "activation", "leaky_relu": "activation",
           "tanh": "activation", "sigmoid": "activation"}


def test_every_function_is_its_kind_module_s_own():
    assert sorted(F.__all__) == sorted(KIND_OF)
    for name, module in KIND_OF.items():
        assert getattr(F, name) is getattr(importlib.import_module(f"cnnlab.layers.{module}"), name)


def test_the_facade_calls_as_nnabla_s_f():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    y = F.max_pooling(F.relu(F.convolution(x, np.ones((1, 1, 2, 2), np.float32))), (2, 2))
    assert y.shape == (1, 1, 1, 1) and y[0, 0, 0, 0] == 5 + 6 + 9 + 10  # the 3x3 map's (1, 1): x[1:3, 1:3]
