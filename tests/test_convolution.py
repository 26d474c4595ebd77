"""Convolution's math (cnnlab.layers.convolution): the forward against the plain-loop
reference over the whole parameter space, its blocks, and its backward against numerical
differentiation."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlab.layers import arrays
from cnnlab.layers.convolution import convolution, convolution_backward
from cnnlab.shapes import LayerShapeError, border_mode_padding
from reference import assert_close, conv_reference, assert_gradient_close, numerical_grad

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731


@st.composite
def conv_cases(draw):
    group = draw(st.integers(1, 3))
    c = group * draw(st.integers(1, 2))
    m = group * draw(st.integers(1, 3))
    n = draw(st.integers(1, 2))
    hw = draw(pairs(1, 11))
    kernel = draw(pairs(1, 5))
    stride = draw(pairs(1, 3))
    dilation = draw(pairs(1, 3))
    mode = draw(st.sampled_from(["explicit", "valid", "same", "full"]))
    if mode == "explicit":
        pad = draw(pairs(0, 3))
    else:
        pad = tuple(border_mode_padding(mode, k, d) for k, d in zip(kernel, dilation))
    with_bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return n, c, m, hw, kernel, stride, dilation, pad, group, with_bias, seed


@given(conv_cases())
def test_convolution_matches_loops(case):
    n, c, m, hw, kernel, stride, dilation, pad, group, with_bias, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, *hw)).astype(np.float32)
    w = rng.standard_normal((m, c // group, *kernel)).astype(np.float32)
    b = rng.standard_normal(m).astype(np.float32) if with_bias else None
    ref = conv_reference(x.astype(np.float64), w.astype(np.float64), b, pad, stride, dilation, group)
    if ref is None:
        with pytest.raises(LayerShapeError, match="does not fit"):
            convolution(x, w, b, pad, stride, dilation, group)
        return
    assert_close(convolution(x, w, b, pad, stride, dilation, group), ref)


@pytest.mark.parametrize("block_floats", [1, 7, 50, 400])
def test_convolution_blocks_over_images_and_rows_give_the_same_result(monkeypatch, block_floats):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 2, 9, 8)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 2)).astype(np.float32)
    whole = convolution(x, w, None, (1, 0), (2, 1), (1, 2))
    monkeypatch.setattr(arrays, "COLUMN_BLOCK_FLOATS", block_floats)
    blocked = convolution(x, w, None, (1, 0), (2, 1), (1, 2))
    ref = conv_reference(x.astype(np.float64), w.astype(np.float64), None, (1, 0), (2, 1), (1, 2), 1)
    assert_close(blocked, ref)
    np.testing.assert_array_equal(blocked, whole)


# The blog post's worked example ------------------------------------------------------

def test_seed_convolution_example_top_left_is_84():
    patch = np.arange(9, dtype=np.float32).reshape(3, 3)      # 0 1 2 / 3 4 5 / 6 7 8
    kernel = np.arange(8, -1, -1, dtype=np.float32).reshape(3, 3)  # 8 7 6 / 5 4 3 / 2 1 0
    x = np.random.default_rng(0).integers(0, 9, (7, 7)).astype(np.float32)
    x[:3, :3] = patch
    y = convolution(x[None, None], kernel[None, None], stride=2)
    assert y.shape == (1, 1, 3, 3)  # a 7x7 input, 3x3 kernel, stride 2: 3x3
    assert y[0, 0, 0, 0] == 0*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 + 7*1 + 8*0 == 84


def test_bad_arrays_raise_the_typed_error():
    with pytest.raises(LayerShapeError, match="4 axes"):
        convolution(np.zeros((28, 28)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(LayerShapeError, match="input channels"):
        convolution(np.zeros((1, 3, 8, 8)), np.zeros((4, 2, 3, 3)))
    with pytest.raises(LayerShapeError, match="Group 2 must divide"):
        convolution(np.zeros((1, 2, 8, 8)), np.zeros((3, 1, 3, 3)), group=2)


# Backward against numerical differentiation in float64 ---------------------------------


@given(st.integers(1, 2), st.integers(1, 2), pairs(3, 7), pairs(1, 3), pairs(0, 2), pairs(1, 2), pairs(1, 2),
       st.booleans(), st.integers(0, 999))
def test_convolution_gradients(n, group, hw, kernel, pad, stride, dilation, with_bias, seed):
    rng = np.random.default_rng(seed)
    c, m = group * rng.integers(1, 3), group * rng.integers(1, 3)
    x = rng.standard_normal((n, c, *hw))
    w = rng.standard_normal((m, c // group, *kernel))
    b = rng.standard_normal(m) if with_bias else None
    try:
        y = convolution(x, w, b, pad, stride, dilation, group)
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    loss = lambda: float((convolution(x, w, b, pad, stride, dilation, group) * r).sum())  # noqa: E731
    dx, dw, db = convolution_backward(r, x, w, with_bias, pad, stride, dilation, group)
    assert dx.dtype == np.float64
    assert_gradient_close(dx, numerical_grad(loss, x))
    assert_gradient_close(dw, numerical_grad(loss, w))
    if with_bias:
        assert_gradient_close(db, numerical_grad(loss, b))
    else:
        assert db is None
