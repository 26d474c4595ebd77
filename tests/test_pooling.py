"""The poolings' math (cnnlab.layers.pooling): MaxPooling, AveragePooling and SumPooling
against the plain-loop reference over the whole parameter space, and their backward against
numerical differentiation."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlab.layers.pooling import (average_pooling, average_pooling_backward, max_pooling, max_pooling_backward,
                                   sum_pooling, sum_pooling_backward)
from cnnlab.shapes import LayerShapeError
from reference import assert_close, assert_gradient_close, numerical_grad, pool_reference

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731


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
        "MaxPooling": lambda: max_pooling(*args),
        "SumPooling": lambda: sum_pooling(*args),
        "AveragePooling": lambda: average_pooling(*args, including_pad=including_pad),
    }[kind]
    if ref is None:
        with pytest.raises(LayerShapeError, match="does not fit"):
            call()
        return
    assert_close(call(), ref)


def test_max_pooling_padding_never_wins_over_negative_values():
    x = -np.ones((1, 1, 3, 3), dtype=np.float32)
    y = max_pooling(x, (2, 2), (2, 2), ignore_border=True, pad=(1, 1))
    np.testing.assert_array_equal(y, -np.ones((1, 1, 2, 2)))


def test_ignore_border_false_keeps_partial_windows():
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    assert max_pooling(x, 2, ignore_border=True).shape == (1, 1, 2, 2)
    kept = max_pooling(x, 2, ignore_border=False)
    assert kept.shape == (1, 1, 3, 3)
    assert kept[0, 0, 2, 2] == 24  # the 1x1 corner window holds only x[4, 4]
    avg = average_pooling(x, 2, ignore_border=False, including_pad=True)
    assert avg[0, 0, 2, 2] == 24  # divisor is the window clipped to the input: 1


def test_pooling_with_padding_smaller_than_kernel_is_required():
    with pytest.raises(LayerShapeError, match="smaller than the pooling KernelShape"):
        max_pooling(np.zeros((1, 1, 4, 4)), 2, pad=2)


# The blog post's worked example ------------------------------------------------------

def test_seed_max_pooling_example_window_1_2_7_8_gives_8():
    x = np.zeros((8, 8), dtype=np.float32)
    x[:2, :2] = [[1, 2], [7, 8]]
    y = max_pooling(x[None, None], (2, 2), (2, 2))
    assert y.shape == (1, 1, 4, 4)
    assert y[0, 0, 0, 0] == 8


# Backward against numerical differentiation in float64 ---------------------------------


@given(st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"]), pairs(2, 7), pairs(1, 3),
       st.one_of(st.none(), pairs(1, 3)), st.booleans(), st.booleans(), st.integers(0, 999), st.data())
def test_pooling_gradients(kind, hw, kernel, stride, ignore_border, including_pad, seed, data):
    pad = (data.draw(st.integers(0, kernel[0] - 1)), data.draw(st.integers(0, kernel[1] - 1)))
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod((2, 2, *hw))).reshape(2, 2, *hw) * 0.1  # distinct values: no ties at a max
    forward = {
        "MaxPooling": lambda: max_pooling(x, kernel, stride, ignore_border, pad),
        "SumPooling": lambda: sum_pooling(x, kernel, stride, ignore_border, pad),
        "AveragePooling": lambda: average_pooling(x, kernel, stride, ignore_border, pad, including_pad),
    }[kind]
    try:
        y = forward()
    except LayerShapeError:
        assume(False)
    r = rng.standard_normal(y.shape)
    if kind == "MaxPooling":
        dx = max_pooling_backward(r, x, kernel, stride, ignore_border, pad)
    elif kind == "SumPooling":
        dx = sum_pooling_backward(r, x, kernel, stride, ignore_border, pad)
    else:
        dx = average_pooling_backward(r, x, kernel, stride, ignore_border, pad, including_pad)
    assert_gradient_close(dx, numerical_grad(lambda: float((forward() * r).sum()), x, eps=1e-4))


def test_max_pooling_ties_send_the_gradient_to_the_first_maximum_only():
    x = np.ones((1, 1, 2, 2))
    dx = max_pooling_backward(np.array([[[[1.0]]]]), x, 2)
    np.testing.assert_array_equal(dx, [[[[1, 0], [0, 0]]]])
