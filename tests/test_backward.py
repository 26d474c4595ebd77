"""Every backward pass against numerical differentiation in float64."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlab import backward as B
from cnnlab import functions as F
from cnnlab.shapes import LayerShapeError
from reference import numerical_grad

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731


def close(analytic, numeric):
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@given(st.integers(1, 2), st.integers(1, 2), pairs(3, 7), pairs(1, 3), pairs(0, 2), pairs(1, 2), pairs(1, 2),
       st.booleans(), st.integers(0, 999))
def test_convolution_gradients(n, group, hw, kernel, pad, stride, dilation, with_bias, seed):
    rng = np.random.default_rng(seed)
    c, m = group * rng.integers(1, 3), group * rng.integers(1, 3)
    x = rng.standard_normal((n, c, *hw))
    w = rng.standard_normal((m, c // group, *kernel))
    b = rng.standard_normal(m) if with_bias else None
    try:
        y = F.convolution(x, w, b, pad, stride, dilation, group)
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    loss = lambda: float((F.convolution(x, w, b, pad, stride, dilation, group) * r).sum())  # noqa: E731
    dx, dw, db = B.convolution_backward(r, x, w, with_bias, pad, stride, dilation, group)
    assert dx.dtype == np.float64
    close(dx, numerical_grad(loss, x))
    close(dw, numerical_grad(loss, w))
    if with_bias:
        close(db, numerical_grad(loss, b))
    else:
        assert db is None


@given(st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"]), pairs(2, 7), pairs(1, 3),
       st.one_of(st.none(), pairs(1, 3)), st.booleans(), st.booleans(), st.integers(0, 999), st.data())
def test_pooling_gradients(kind, hw, kernel, stride, ignore_border, including_pad, seed, data):
    pad = (data.draw(st.integers(0, kernel[0] - 1)), data.draw(st.integers(0, kernel[1] - 1)))
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod((2, 2, *hw))).reshape(2, 2, *hw) * 0.1  # distinct values: no ties at a max
    forward = {
        "MaxPooling": lambda: F.max_pooling(x, kernel, stride, ignore_border, pad),
        "SumPooling": lambda: F.sum_pooling(x, kernel, stride, ignore_border, pad),
        "AveragePooling": lambda: F.average_pooling(x, kernel, stride, ignore_border, pad, including_pad),
    }[kind]
    try:
        y = forward()
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    if kind == "MaxPooling":
        dx = B.max_pooling_backward(r, x, kernel, stride, ignore_border, pad)
    elif kind == "SumPooling":
        dx = B.sum_pooling_backward(r, x, kernel, stride, ignore_border, pad)
    else:
        dx = B.average_pooling_backward(r, x, kernel, stride, ignore_border, pad, including_pad)
    close(dx, numerical_grad(lambda: float((forward() * r).sum()), x, eps=1e-4))


@pytest.mark.parametrize("kind, fn", [("ReLU", F.relu), ("LeakyReLU", lambda x: F.leaky_relu(x, 0.3)),
                                      ("Tanh", F.tanh), ("Sigmoid", F.sigmoid), ("Identity", F.identity)])
def test_activation_gradients(kind, fn):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from ReLU's kink
    r = rng.standard_normal(x.shape)
    close(B.activation_backward(kind, r, x, alpha=0.3), numerical_grad(lambda: float((fn(x) * r).sum()), x))


def test_softmax_cross_entropy_gradient():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((5, 10)), rng.integers(0, 10, 5)
    loss, prob, grad = B.softmax_cross_entropy(logits, labels)
    np.testing.assert_allclose(prob.sum(axis=1), 1.0)
    close(grad, numerical_grad(lambda: B.softmax_cross_entropy(logits, labels)[0], logits))


def test_max_pooling_ties_send_the_gradient_to_the_first_maximum_only():
    x = np.ones((1, 1, 2, 2))
    dx = B.max_pooling_backward(np.array([[[[1.0]]]]), x, 2)
    np.testing.assert_array_equal(dx, [[[[1, 0], [0, 0]]]])


@given(st.integers(1, 2), st.integers(1, 2), pairs(2, 5), pairs(1, 3), pairs(0, 1), pairs(1, 2), pairs(1, 2),
       st.booleans(), st.integers(0, 999))
def test_deconvolution_gradients(n, group, hw, kernel, pad, stride, dilation, with_bias, seed):
    rng = np.random.default_rng(seed)
    c, mg = group * rng.integers(1, 3), rng.integers(1, 3)
    x = rng.standard_normal((n, c, *hw))
    w = rng.standard_normal((c, mg, *kernel))
    b = rng.standard_normal(mg * group) if with_bias else None
    try:
        y = F.deconvolution(x, w, b, pad, stride, dilation, group)
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    loss = lambda: float((F.deconvolution(x, w, b, pad, stride, dilation, group) * r).sum())  # noqa: E731
    dx, dw, db = B.deconvolution_backward(r, x, w, with_bias, pad, stride, dilation, group)
    close(dx, numerical_grad(loss, x))
    close(dw, numerical_grad(loss, w))
    if with_bias:
        close(db, numerical_grad(loss, b))


@given(st.integers(1, 3), st.integers(1, 2), pairs(3, 6), pairs(1, 3), pairs(0, 1), pairs(1, 2), st.integers(0, 999))
def test_depthwise_convolution_gradients(c, mult, hw, kernel, pad, stride, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, c, *hw))
    w = rng.standard_normal((c * mult, *kernel))
    try:
        y = F.depthwise_convolution(x, w, None, pad, stride, 1, mult)
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    loss = lambda: float((F.depthwise_convolution(x, w, None, pad, stride, 1, mult) * r).sum())  # noqa: E731
    dx, dw, _ = B.convolution_backward(r, x, w[:, None], False, pad, stride, 1, c)  # a convolution with Group = C
    close(dx, numerical_grad(loss, x))
    close(dw[:, 0], numerical_grad(loss, w))
