"""Unpooling against plain loops and against torch.nn.Upsample(mode="nearest")."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.layers import UnpoolingSpec
from cnnlab.presets import format_stack, parse_stack
from test_code_export import needs_torch

pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))


@given(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)), pairs,
       st.integers(0, 999))
def test_forward_and_backward_against_plain_loops(shape, kernel, seed):
    rng = np.random.default_rng(seed)
    spec = UnpoolingSpec(kernel)
    x = rng.standard_normal(shape)
    n, c, h, w = shape
    kh, kw = kernel
    dy = rng.standard_normal((n, c, h * kh, w * kw))
    y = spec.forward(x)
    dx, grads = spec.backward(dy, x, None, y, None)
    dx_ref = np.zeros_like(x)
    for ni, ci, i, j in np.ndindex(*dy.shape):  # output (i, j) copies input (i // kh, j // kw)
        assert y[ni, ci, i, j] == x[ni, ci, i // kh, j // kw]
        dx_ref[ni, ci, i // kh, j // kw] += dy[ni, ci, i, j]
    assert y.shape == dy.shape and grads == {}
    np.testing.assert_allclose(dx, dx_ref, atol=1e-12)


def test_against_torch_upsample_nearest():
    needs_torch()
    import torch
    rng = np.random.default_rng(0)
    spec = UnpoolingSpec((2, 3))
    x = rng.standard_normal((2, 3, 4, 5))
    module = eval(spec.torch_code((3, 4, 5)), {"nn": torch.nn})
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = module(tx)
    r = rng.standard_normal(ty.shape)
    (ty * torch.from_numpy(r)).sum().backward()
    np.testing.assert_array_equal(spec.forward(x), ty.detach().numpy())
    np.testing.assert_allclose(spec.backward(r, x, None, None, None)[0], tx.grad.numpy(), rtol=1e-12)


def test_token_size_and_costs():
    assert parse_stack("unpool-2x3") == (UnpoolingSpec((2, 3)),) and format_stack((UnpoolingSpec(),)) == "unpool-2x2"
    spec = UnpoolingSpec((2, 3))
    assert spec.output_shape((4, 12, 10)) == (4, 24, 30) and spec.size_arithmetic((4, 12, 10)) == ["12 * 2 = 24",
                                                                                                  "10 * 3 = 30"]
    assert spec.statistics((4, 12, 10)) == {} and spec.work((4, 12, 10)) == 4 * 24 * 30


def test_the_player_says_an_unpooled_pixel_is_a_copy_of_one_input_value():
    """Unpooling's own step (UnpoolingStep) names its player line: a copy, not 'the sum of
    1 values'; every output cell's window is the one input cell it copies."""
    from cnnlab import sliding_window
    from cnnlab.mosaic import Display
    from cnnlab.ui.i18n import Text

    spec = UnpoolingSpec((2, 3))
    x = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    y = spec.forward(x[None])[0]
    tour = sliding_window.tour(spec, None, x, y, 1, Display())
    assert tour["lines"] == ["slide.Unpooling"] and tour["reduce"] == "sum-only"
    assert tour["rows"] == [[i // 2] for i in range(4)] and tour["cols"] == [[j // 3] for j in range(9)]
    assert Text("en")("slide.Unpooling", value=7) == "A copy of the input value = 7"
    assert Text("ja")("slide.Unpooling", value=7) == "入力の値の写し = 7"
