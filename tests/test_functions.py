"""cnnlab.functions against the plain-loop references, over the whole parameter space."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import functions as F
from cnnlab.shapes import LayerShapeError, border_mode_padding
from reference import assert_close, conv_reference, pool_reference

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
            F.convolution(x, w, b, pad, stride, dilation, group)
        return
    assert_close(F.convolution(x, w, b, pad, stride, dilation, group), ref)


@pytest.mark.parametrize("block_floats", [1, 7, 50, 400])
def test_convolution_blocks_over_images_and_rows_give_the_same_result(monkeypatch, block_floats):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 2, 9, 8)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 2)).astype(np.float32)
    whole = F.convolution(x, w, None, (1, 0), (2, 1), (1, 2))
    monkeypatch.setattr(F, "_COLUMN_BLOCK_FLOATS", block_floats)
    blocked = F.convolution(x, w, None, (1, 0), (2, 1), (1, 2))
    ref = conv_reference(x.astype(np.float64), w.astype(np.float64), None, (1, 0), (2, 1), (1, 2), 1)
    assert_close(blocked, ref)
    np.testing.assert_array_equal(blocked, whole)


@st.composite
def pool_cases(draw):
    kernel = draw(pairs(1, 4))
    stride = draw(st.one_of(st.none(), pairs(1, 4)))
    pad = (draw(st.integers(0, kernel[0] - 1)), draw(st.integers(0, kernel[1] - 1)))
    return (
        draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(pairs(1, 10)), kernel, stride, pad,
        draw(st.booleans()), draw(st.booleans()),
        draw(st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"])),
        draw(st.integers(0, 2**16)),
    )


@given(pool_cases())
def test_pooling_matches_loops(case):
    n, c, hw, kernel, stride, pad, ignore_border, including_pad, kind, seed = case
    x = np.random.default_rng(seed).standard_normal((n, c, *hw)).astype(np.float32)
    eff_stride = kernel if stride is None else stride
    ref = pool_reference(x.astype(np.float64), kind, kernel, eff_stride, pad, ignore_border, including_pad)
    args = (x, kernel, stride, ignore_border, pad)
    call = {
        "MaxPooling": lambda: F.max_pooling(*args),
        "SumPooling": lambda: F.sum_pooling(*args),
        "AveragePooling": lambda: F.average_pooling(*args, including_pad=including_pad),
    }[kind]
    if ref is None:
        with pytest.raises(LayerShapeError, match="does not fit"):
            call()
        return
    assert_close(call(), ref)


def test_max_pooling_padding_never_wins_over_negative_values():
    x = -np.ones((1, 1, 3, 3), dtype=np.float32)
    y = F.max_pooling(x, (2, 2), (2, 2), ignore_border=True, pad=(1, 1))
    np.testing.assert_array_equal(y, -np.ones((1, 1, 2, 2)))


def test_ignore_border_false_keeps_partial_windows():
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    assert F.max_pooling(x, 2, ignore_border=True).shape == (1, 1, 2, 2)
    kept = F.max_pooling(x, 2, ignore_border=False)
    assert kept.shape == (1, 1, 3, 3)
    assert kept[0, 0, 2, 2] == 24  # the 1x1 corner window holds only x[4, 4]
    avg = F.average_pooling(x, 2, ignore_border=False, including_pad=True)
    assert avg[0, 0, 2, 2] == 24  # divisor is the window clipped to the input: 1


def test_pooling_with_padding_smaller_than_kernel_is_required():
    with pytest.raises(LayerShapeError, match="smaller than the pooling KernelShape"):
        F.max_pooling(np.zeros((1, 1, 4, 4)), 2, pad=2)


@given(st.floats(-50, 50, width=32), st.floats(0.0, 1.0))
def test_activations_follow_their_formulas(v, alpha):
    x = np.array([[[[v]]]], dtype=np.float32)
    assert F.relu(x)[0, 0, 0, 0] == max(0.0, v)
    assert F.leaky_relu(x, alpha)[0, 0, 0, 0] == pytest.approx(v if v > 0 else alpha * v, rel=1e-6, abs=1e-7)
    assert F.tanh(x)[0, 0, 0, 0] == pytest.approx(np.tanh(v), abs=1e-6)
    assert F.sigmoid(x)[0, 0, 0, 0] == pytest.approx(1 / (1 + np.exp(-np.float64(v))), abs=1e-6)
    assert F.identity(x)[0, 0, 0, 0] == v


def test_leaky_relu_default_alpha_is_nnc_s_0_1():
    assert F.leaky_relu(np.array([[[[-2.0]]]]))[0, 0, 0, 0] == pytest.approx(-0.2)


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        y = F.sigmoid(np.array([[[[-1e4, 1e4]]]], dtype=np.float32))
    np.testing.assert_array_equal(y, [[[[0.0, 1.0]]]])


# The blog post's worked examples -------------------------------------------------------

def test_seed_convolution_example_top_left_is_84():
    patch = np.arange(9, dtype=np.float32).reshape(3, 3)      # 0 1 2 / 3 4 5 / 6 7 8
    kernel = np.arange(8, -1, -1, dtype=np.float32).reshape(3, 3)  # 8 7 6 / 5 4 3 / 2 1 0
    x = np.random.default_rng(0).integers(0, 9, (7, 7)).astype(np.float32)
    x[:3, :3] = patch
    y = F.convolution(x[None, None], kernel[None, None], stride=2)
    assert y.shape == (1, 1, 3, 3)  # a 7x7 input, 3x3 kernel, stride 2: 3x3
    assert y[0, 0, 0, 0] == 0*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 + 7*1 + 8*0 == 84


def test_seed_max_pooling_example_window_1_2_7_8_gives_8():
    x = np.zeros((8, 8), dtype=np.float32)
    x[:2, :2] = [[1, 2], [7, 8]]
    y = F.max_pooling(x[None, None], (2, 2), (2, 2))
    assert y.shape == (1, 1, 4, 4)
    assert y[0, 0, 0, 0] == 8


def test_bad_arrays_raise_the_typed_error():
    with pytest.raises(LayerShapeError, match="4 axes"):
        F.convolution(np.zeros((28, 28)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(LayerShapeError, match="input channels"):
        F.convolution(np.zeros((1, 3, 8, 8)), np.zeros((4, 2, 3, 3)))
    with pytest.raises(LayerShapeError, match="Group 2 must divide"):
        F.convolution(np.zeros((1, 2, 8, 8)), np.zeros((3, 1, 3, 3)), group=2)


@given(st.data())
def test_depthwise_convolution_matches_loops(data):
    from reference import depthwise_reference
    c, mult = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    hw = (data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9)))
    kernel = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    pad, stride, dilation = (data.draw(st.tuples(st.integers(lo, hi), st.integers(lo, hi)))
                             for lo, hi in ((0, 3), (1, 3), (1, 3)))
    rng = np.random.default_rng(data.draw(st.integers(0, 999)))
    x = rng.standard_normal((2, c, *hw)).astype(np.float32)
    w = rng.standard_normal((c * mult, *kernel)).astype(np.float32)
    b = rng.standard_normal(c * mult).astype(np.float32) if data.draw(st.booleans()) else None
    ref = depthwise_reference(x, w, b, pad, stride, dilation, mult)
    if ref is None:
        with pytest.raises(LayerShapeError):
            F.depthwise_convolution(x, w, b, pad, stride, dilation, mult)
        return
    assert_close(F.depthwise_convolution(x, w, b, pad, stride, dilation, mult), ref)


@given(st.data())
def test_deconvolution_matches_loops(data):
    from reference import deconv_reference
    group = data.draw(st.integers(1, 2))
    c, mg = group * data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    hw = (data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6)))
    kernel = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    pad, stride, dilation = (data.draw(st.tuples(st.integers(lo, hi), st.integers(lo, hi)))
                             for lo, hi in ((0, 3), (1, 3), (1, 3)))
    rng = np.random.default_rng(data.draw(st.integers(0, 999)))
    x = rng.standard_normal((2, c, *hw)).astype(np.float32)
    w = rng.standard_normal((c, mg, *kernel)).astype(np.float32)
    b = rng.standard_normal(mg * group).astype(np.float32) if data.draw(st.booleans()) else None
    ref = deconv_reference(x, w, b, pad, stride, dilation, group)
    if ref is None:
        with pytest.raises(LayerShapeError):
            F.deconvolution(x, w, b, pad, stride, dilation, group)
        return
    y = F.deconvolution(x, w, b, pad, stride, dilation, group)
    assert y.shape[2:] == tuple(F.deconvolution_output_size(n, k, p, s, d)
                                for n, k, p, s, d in zip(hw, kernel, pad, stride, dilation))
    assert_close(y, ref)


@given(st.data())
def test_blocked_convolutions_equal_the_loops_whatever_the_block(data):
    """F.convolution and F.deconvolution cut their column matrices in blocks of
    _COLUMN_BLOCK_FLOATS: with blocks of one float up to everything at once, the result
    is the plain loops' (every block split: images, rows, output maps)."""
    from reference import deconv_reference
    group = data.draw(st.integers(1, 2))
    c, mg = group * data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    hw = (data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7)))
    kernel = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    pad, stride, dilation = (data.draw(st.tuples(st.integers(lo, hi), st.integers(lo, hi)))
                             for lo, hi in ((0, 3), (1, 3), (1, 2)))
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
        patch.setattr(F, "_COLUMN_BLOCK_FLOATS", block)
        if deconv_ref is not None:
            assert_close(F.deconvolution(x, w, b, pad, stride, dilation, group), deconv_ref)
        if conv_ref is not None:
            assert_close(F.convolution(xc, w, bc, pad, stride, dilation, group), conv_ref)


def test_deconvolution_blocks_bound_the_column_matrix():
    """The review's deconv-16-15x15 on a 256x256 photo: one block of all 16 maps x 15 x 15 x
    the whole image was 944 MB; each block now holds at most _COLUMN_BLOCK_FLOATS floats."""
    for n, h, w, maps, kh, kw in [(1, 256, 256, 16, 15, 15), (64, 28, 28, 256, 15, 15), (1, 8, 8, 256, 13, 13),
                                  (1, 5000, 5000, 256, 15, 15), (3, 1, 1, 1, 1, 1)]:
        mb, rb, nb = F.deconvolution_blocks(n, h, w, maps, kh, kw)
        assert 1 <= mb <= maps and 1 <= rb <= h and 1 <= nb <= n
        assert mb * kh * kw * nb * rb * w <= max(F._COLUMN_BLOCK_FLOATS, kh * kw * w)


def test_deconvolution_is_the_adjoint_of_convolution():
    """<conv(x), y> = <x, deconv(y)> with the same weight: what makes it "transposed"."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 4, 9, 8)), rng.standard_normal((6, 2, 3, 2))
    conv = F.convolution(x, w, None, (1, 0), (2, 1), (1, 2), group=2)
    y = rng.standard_normal(conv.shape)
    back = F.deconvolution(y, w, None, (1, 0), (2, 1), (1, 2), group=2)
    assert back.shape == x.shape
    assert np.isclose((conv * y).sum(), (x * back).sum())
