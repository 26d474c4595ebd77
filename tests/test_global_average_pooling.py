"""GlobalAveragePooling against plain loops and against torch.nn.AdaptiveAvgPool2d(1)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.layers import GlobalAveragePoolingSpec
from cnnlab.presets import format_stack, parse_stack
from test_code_export import needs_torch

shapes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5))


@given(shapes, st.integers(0, 999))
def test_forward_and_backward_against_plain_loops(shape, seed):
    rng = np.random.default_rng(seed)
    x, dy = rng.standard_normal(shape), rng.standard_normal((*shape[:2], 1, 1))
    spec = GlobalAveragePoolingSpec()
    y = spec.forward(x)
    dx, grads = spec.backward(dy, x, None, y, None)
    n, c, h, w = shape
    for ni in range(n):
        for ci in range(c):
            total = 0.0
            for i in range(h):
                for j in range(w):
                    total += x[ni, ci, i, j]
                    assert dx[ni, ci, i, j] == dy[ni, ci, 0, 0] / (h * w)
            assert abs(y[ni, ci, 0, 0] - total / (h * w)) < 1e-12
    assert grads == {}


def test_against_torch():
    needs_torch()
    import torch
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 4))
    module = eval(GlobalAveragePoolingSpec().torch_code((3, 5, 4)), {"nn": torch.nn})
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = module(tx)
    r = np.random.default_rng(2).standard_normal(ty.shape)
    (ty * torch.from_numpy(r)).sum().backward()
    spec = GlobalAveragePoolingSpec()
    np.testing.assert_allclose(spec.forward(x), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(spec.backward(r, x, None, None, None)[0], tx.grad.numpy(), rtol=1e-12)


def test_token_size_and_costs():
    assert parse_stack("gap") == (GlobalAveragePoolingSpec(),) and format_stack((GlobalAveragePoolingSpec(),)) == "gap"
    spec = GlobalAveragePoolingSpec()
    assert spec.output_shape((8, 12, 12)) == (8, 1, 1) and spec.size_arithmetic((8, 12, 10)) == ["12 -> 1", "10 -> 1"]
    assert spec.statistics((8, 12, 12)) == {"CostAdd": 8 * 144, "CostMultiply": 8}
