"""Affine against plain loops and against torch.nn.Linear (nnabla's W (inputs, outputs)
is torch's weight transposed)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.layers import AffineSpec
from cnnlab.presets import format_stack, parse_stack
from test_code_export import needs_torch

shapes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4))


@given(shapes, st.integers(1, 4), st.booleans(), st.integers(0, 999))
def test_forward_and_backward_against_plain_loops(shape, outputs, bias, seed):
    rng = np.random.default_rng(seed)
    spec = AffineSpec(outputs, bias)
    params = {k: rng.standard_normal(a.shape) for k, a in spec.init_params(shape[1:], rng).items()}
    x, dy = rng.standard_normal(shape), rng.standard_normal((shape[0], outputs, 1, 1))
    y = spec.forward(x, params)
    dx, grads = spec.backward(dy, x, params, y, None)
    n, c, h, w = shape
    dw_ref, dx_ref = np.zeros_like(params["W"]), np.zeros_like(x)
    for ni in range(n):
        for o in range(outputs):
            total = params["b"][o] if bias else 0.0
            k = 0
            for ci in range(c):
                for i in range(h):
                    for j in range(w):  # input (ci, i, j) is the k-th, row-major, as nnabla flattens
                        total += x[ni, ci, i, j] * params["W"][k, o]
                        dw_ref[k, o] += x[ni, ci, i, j] * dy[ni, o, 0, 0]
                        dx_ref[ni, ci, i, j] += params["W"][k, o] * dy[ni, o, 0, 0]
                        k += 1
            assert abs(y[ni, o, 0, 0] - total) < 1e-9
    np.testing.assert_allclose(dx, dx_ref, atol=1e-9)
    np.testing.assert_allclose(grads["W"], dw_ref, atol=1e-9)
    if bias:
        np.testing.assert_allclose(grads["b"], dy.sum(axis=(0, 2, 3)), atol=1e-9)
    assert set(grads) == ({"W", "b"} if bias else {"W"})


def test_against_torch_linear():
    needs_torch()
    import torch
    rng = np.random.default_rng(1)
    spec = AffineSpec(5)
    params = {"W": rng.standard_normal((48, 5)), "b": rng.standard_normal(5)}
    x = rng.standard_normal((2, 3, 4, 4))
    module = eval(spec.torch_code((3, 4, 4)), {"nn": torch.nn}).double()
    module[1].weight.data = torch.from_numpy(params["W"].T.copy())  # as torch_load writes it
    module[1].bias.data = torch.from_numpy(params["b"])
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = module(tx)
    r = rng.standard_normal(ty.shape)
    (ty * torch.from_numpy(r)).sum().backward()
    np.testing.assert_allclose(spec.forward(x, params), ty.detach().numpy(), rtol=1e-12)
    dx, grads = spec.backward(r, x, params, None, None)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(grads["W"].T, module[1].weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(grads["b"], module[1].bias.grad.numpy(), rtol=1e-10)
    assert "weight.data = torch.from_numpy(w.T.copy())" in spec.torch_load("m", "W", "w")


def test_token_shape_and_costs():
    assert parse_stack("affine-10_affine-3-nobias") == (AffineSpec(10), AffineSpec(3, False))
    assert format_stack((AffineSpec(10), AffineSpec(3, False))) == "affine-10_affine-3-nobias"
    spec = AffineSpec(10)
    assert spec.output_shape((16, 4, 4)) == (10, 1, 1)
    assert spec.statistics((16, 4, 4)) == {"CostParameter": 2570, "CostAdd": 10, "CostMultiplyAdd": 2560}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_words_say_training_adds_its_own_classifier_after_an_affine_stack(lang):
    """Training always appends its own Affine 10 (training.network), so the modern preset,
    which ends in Affine 10, trains with two in a row: neither Affine's explanation nor the
    preset's help may call the stack's Affine *the* classifier, one value per class."""
    from cnnlab.presets import PRESETS
    from cnnlab.training import network
    from cnnlab.ui.i18n import Text

    trained = network(PRESETS["modern"])
    assert [type(s) for s in trained[-2:]] == [AffineSpec, AffineSpec]  # the fact the words must tell
    tx = Text(lang)
    explanation, help_text = tx("explain.Affine", outputs=10), tx("net.preset.modern.help")
    added = {"en": "adds its own Affine 10", "ja": "自分の Affine 10"}[lang]
    where = {"en": "Trained tab", "ja": "「学習後」タブ"}[lang]
    for text in (explanation, help_text):
        assert added in text and where in text
    assert "the classifier at the end of a network" not in explanation and "one value per class" not in help_text
    assert "分類器です" not in explanation and "クラスごとに 1 つの値" not in help_text
