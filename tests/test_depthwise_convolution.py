"""DepthwiseConvolution's math (cnnlab.layers.depthwise_convolution) against the plain-loop
reference, and its gradients (a Convolution's with Group = C) against numerical differentiation."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlab.layers.convolution import convolution_backward
from cnnlab.layers.depthwise_convolution import depthwise_convolution
from cnnlab.shapes import LayerShapeError
from reference import assert_close, assert_gradient_close, draw_window, numerical_grad

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731


@given(st.data())
def test_depthwise_convolution_matches_loops(data):
    from reference import depthwise_reference
    c, mult = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    hw, kernel, pad, stride, dilation = draw_window(data, 9)
    rng = np.random.default_rng(data.draw(st.integers(0, 999)))
    x = rng.standard_normal((2, c, *hw)).astype(np.float32)
    w = rng.standard_normal((c * mult, *kernel)).astype(np.float32)
    b = rng.standard_normal(c * mult).astype(np.float32) if data.draw(st.booleans()) else None
    ref = depthwise_reference(x, w, b, pad, stride, dilation, mult)
    if ref is None:
        with pytest.raises(LayerShapeError):
            depthwise_convolution(x, w, b, pad, stride, dilation, mult)
        return
    assert_close(depthwise_convolution(x, w, b, pad, stride, dilation, mult), ref)


# Backward against numerical differentiation in float64 ---------------------------------


@given(st.integers(1, 3), st.integers(1, 2), pairs(3, 6), pairs(1, 3), pairs(0, 1), pairs(1, 2), st.integers(0, 999))
def test_depthwise_convolution_gradients(c, mult, hw, kernel, pad, stride, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, c, *hw))
    w = rng.standard_normal((c * mult, *kernel))
    try:
        y = depthwise_convolution(x, w, None, pad, stride, 1, mult)
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    loss = lambda: float((depthwise_convolution(x, w, None, pad, stride, 1, mult) * r).sum())  # noqa: E731
    dx, dw, _ = convolution_backward(r, x, w[:, None], False, pad, stride, 1, c)  # a convolution with Group = C
    assert_gradient_close(dx, numerical_grad(loss, x))
    assert_gradient_close(dw[:, 0], numerical_grad(loss, w))
