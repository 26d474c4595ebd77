"""The activations' math (cnnlab.layers.activation): each follows its formula, and its
backward matches numerical differentiation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.layers.activation import activation_backward, identity, leaky_relu, relu, sigmoid, tanh
from reference import assert_gradient_close, numerical_grad



@given(st.floats(-50, 50, width=32), st.floats(0.0, 1.0))
def test_activations_follow_their_formulas(v, alpha):
    x = np.array([[[[v]]]], dtype=np.float32)
    assert relu(x)[0, 0, 0, 0] == max(0.0, v)
    assert leaky_relu(x, alpha)[0, 0, 0, 0] == pytest.approx(v if v > 0 else alpha * v, rel=1e-6, abs=1e-7)
    assert tanh(x)[0, 0, 0, 0] == pytest.approx(np.tanh(v), abs=1e-6)
    assert sigmoid(x)[0, 0, 0, 0] == pytest.approx(1 / (1 + np.exp(-np.float64(v))), abs=1e-6)
    assert identity(x)[0, 0, 0, 0] == v


def test_leaky_relu_default_alpha_is_nnc_s_0_1():
    assert leaky_relu(np.array([[[[-2.0]]]]))[0, 0, 0, 0] == pytest.approx(-0.2)


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        y = sigmoid(np.array([[[[-1e4, 1e4]]]], dtype=np.float32))
    np.testing.assert_array_equal(y, [[[[0.0, 1.0]]]])


# Backward against numerical differentiation in float64 ---------------------------------


@pytest.mark.parametrize("kind, fn", [("ReLU", relu), ("LeakyReLU", lambda x: leaky_relu(x, 0.3)),
                                      ("Tanh", tanh), ("Sigmoid", sigmoid), ("Identity", identity)])
def test_activation_gradients(kind, fn):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from ReLU's kink
    r = rng.standard_normal(x.shape)
    assert_gradient_close(activation_backward(kind, r, x, alpha=0.3), numerical_grad(lambda: float((fn(x) * r).sum()), x))
