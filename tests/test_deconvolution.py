"""Deconvolution's math (cnnlab.layers.deconvolution): the forward against the plain-loop
reference, its blocks, its adjointness to Convolution, and its backward against numerical
differentiation."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlab.layers import arrays
from cnnlab.layers.convolution import convolution
from cnnlab.layers.deconvolution import (deconvolution, deconvolution_backward, deconvolution_blocks,
                                         deconvolution_output_size)
from cnnlab.shapes import LayerShapeError
from reference import assert_close, assert_gradient_close, conv_reference, draw_window, numerical_grad

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731


@given(st.data())
def test_deconvolution_matches_loops(data):
    from reference import deconv_reference
    group = data.draw(st.integers(1, 2))
    c, mg = group * data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    hw, kernel, pad, stride, dilation = draw_window(data, 6)
    rng = np.random.default_rng(data.draw(st.integers(0, 999)))
    x = rng.standard_normal((2, c, *hw)).astype(np.float32)
    w = rng.standard_normal((c, mg, *kernel)).astype(np.float32)
    b = rng.standard_normal(mg * group).astype(np.float32) if data.draw(st.booleans()) else None
    ref = deconv_reference(x, w, b, pad, stride, dilation, group)
    if ref is None:
        with pytest.raises(LayerShapeError):
            deconvolution(x, w, b, pad, stride, dilation, group)
        return
    y = deconvolution(x, w, b, pad, stride, dilation, group)
    assert y.shape[2:] == tuple(deconvolution_output_size(n, k, p, s, d)
                                for n, k, p, s, d in zip(hw, kernel, pad, stride, dilation))
    assert_close(y, ref)


@given(st.data())
def test_blocked_convolutions_equal_the_loops_whatever_the_block(data):
    """convolution and deconvolution cut their column matrices in blocks of
    COLUMN_BLOCK_FLOATS: with blocks of one float up to everything at once, the result
    is the plain loops' (every block split: images, rows, output maps)."""
    from reference import deconv_reference
    group = data.draw(st.integers(1, 2))
    c, mg = group * data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    hw, kernel, pad, stride, dilation = draw_window(data, 7, dilation_max=2)
    block = data.draw(st.sampled_from([1, 5, 37, 300, 10**9]))
    rng = np.random.default_rng(data.draw(st.integers(0, 999)))
    x = rng.standard_normal((3, c, *hw)).astype(np.float32)
    w = rng.standard_normal((c, mg, *kernel)).astype(np.float32)
    b = rng.standard_normal(mg * group).astype(np.float32)
    xc = rng.standard_normal((3, mg * group, *hw)).astype(np.float32)  # W read as (M=C, C'/group, kh, kw)
    deconv_ref = deconv_reference(x, w, b, pad, stride, dilation, group)
    bc = rng.standard_normal(c).astype(np.float32)
    conv_ref = conv_reference(xc, w, bc, pad, stride, dilation, group)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrays, "COLUMN_BLOCK_FLOATS", block)
        if deconv_ref is not None:
            assert_close(deconvolution(x, w, b, pad, stride, dilation, group), deconv_ref)
        if conv_ref is not None:
            assert_close(convolution(xc, w, bc, pad, stride, dilation, group), conv_ref)


def test_deconvolution_blocks_bound_the_column_matrix():
    """The review's deconv-16-15x15 on a 256x256 photo: one block of all 16 maps x 15 x 15 x
    the whole image was 944 MB; each block now holds at most COLUMN_BLOCK_FLOATS floats."""
    for n, h, w, maps, kh, kw in [(1, 256, 256, 16, 15, 15), (64, 28, 28, 256, 15, 15), (1, 8, 8, 256, 13, 13),
                                  (1, 5000, 5000, 256, 15, 15), (3, 1, 1, 1, 1, 1)]:
        mb, rb, nb = deconvolution_blocks(n, h, w, maps, kh, kw)
        assert 1 <= mb <= maps and 1 <= rb <= h and 1 <= nb <= n
        assert mb * kh * kw * nb * rb * w <= max(arrays.COLUMN_BLOCK_FLOATS, kh * kw * w)


def test_deconvolution_is_the_adjoint_of_convolution():
    """<conv(x), y> = <x, deconv(y)> with the same weight: what makes it "transposed"."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 4, 9, 8)), rng.standard_normal((6, 2, 3, 2))
    conv = convolution(x, w, None, (1, 0), (2, 1), (1, 2), group=2)
    y = rng.standard_normal(conv.shape)
    back = deconvolution(y, w, None, (1, 0), (2, 1), (1, 2), group=2)
    assert back.shape == x.shape
    assert np.isclose((conv * y).sum(), (x * back).sum())


# Backward against numerical differentiation in float64 ---------------------------------


@given(st.integers(1, 2), st.integers(1, 2), pairs(2, 5), pairs(1, 3), pairs(0, 1), pairs(1, 2), pairs(1, 2),
       st.booleans(), st.integers(0, 999))
def test_deconvolution_gradients(n, group, hw, kernel, pad, stride, dilation, with_bias, seed):
    rng = np.random.default_rng(seed)
    c, mg = group * rng.integers(1, 3), rng.integers(1, 3)
    x = rng.standard_normal((n, c, *hw))
    w = rng.standard_normal((c, mg, *kernel))
    b = rng.standard_normal(mg * group) if with_bias else None
    try:
        y = deconvolution(x, w, b, pad, stride, dilation, group)
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    loss = lambda: float((deconvolution(x, w, b, pad, stride, dilation, group) * r).sum())  # noqa: E731
    dx, dw, db = deconvolution_backward(r, x, w, with_bias, pad, stride, dilation, group)
    assert_gradient_close(dx, numerical_grad(loss, x))
    assert_gradient_close(dw, numerical_grad(loss, w))
    if with_bias:
        assert_gradient_close(db, numerical_grad(loss, b))
