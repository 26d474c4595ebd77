"""BatchNormalization against plain loops and against torch.nn.BatchNorm2d (eval and train
modes; torch is skipped without it, except on CI), its token, its code and its training."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.layers import BatchNormalizationSpec
from cnnlab.presets import format_stack, parse_stack
from test_code_export import needs_torch


def _params(rng, c):
    return {"beta": rng.standard_normal((1, c, 1, 1)), "gamma": rng.standard_normal((1, c, 1, 1)),
            "mean": rng.standard_normal((1, c, 1, 1)), "var": rng.random((1, c, 1, 1)) + 0.1}


def _loop_inference(x, p, eps):
    y = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*x.shape):
        y[n, c, i, j] = (p["gamma"].ravel()[c] * (x[n, c, i, j] - p["mean"].ravel()[c])
                         / np.sqrt(p["var"].ravel()[c] + eps) + p["beta"].ravel()[c])
    return y


def _loop_batch_stats(x):
    """Per channel: the mean and biased variance over every image and position, by walking."""
    means, variances = [], []
    for c in range(x.shape[1]):
        values = [x[n, c, i, j] for n in range(x.shape[0]) for i in range(x.shape[2]) for j in range(x.shape[3])]
        m = sum(values) / len(values)
        means.append(m)
        variances.append(sum((v - m) ** 2 for v in values) / len(values))
    return np.array(means), np.array(variances), len(values)


@given(st.integers(0, 999), st.integers(1, 3), st.sampled_from([0.00001, 0.01, 0.5]))
def test_inference_against_plain_loops(seed, c, eps):
    rng = np.random.default_rng(seed)
    x, p = rng.standard_normal((2, c, 3, 4)), _params(rng, c)
    np.testing.assert_allclose(BatchNormalizationSpec(epsilon=eps).forward(x, p), _loop_inference(x, p, eps),
                               rtol=1e-10, atol=1e-12)


@given(st.integers(0, 999), st.integers(1, 3), st.sampled_from([0.9, 0.5]))
def test_training_forward_and_running_statistics_against_plain_loops(seed, c, decay):
    rng = np.random.default_rng(seed)
    spec, x, p = BatchNormalizationSpec(decay_rate=decay), rng.standard_normal((3, c, 2, 3)), _params(rng, c)
    before = {k: v.copy() for k, v in p.items()}
    y, kept = spec.train_forward(x, p)
    m, v, n = _loop_batch_stats(x)
    batch = {**p, "mean": m.reshape(1, -1, 1, 1), "var": v.reshape(1, -1, 1, 1)}
    np.testing.assert_allclose(y, _loop_inference(x, batch, spec.epsilon), rtol=1e-9, atol=1e-9)
    spec.update_statistics(p, spec.batch_statistics(kept))
    np.testing.assert_allclose(p["mean"].ravel(), decay * before["mean"].ravel() + (1 - decay) * m, rtol=1e-9)
    np.testing.assert_allclose(p["var"].ravel(), decay * before["var"].ravel() + (1 - decay) * v * n / (n - 1),
                               rtol=1e-9)


def test_a_batch_split_in_parts_updates_the_statistics_as_the_whole_batch():
    from cnnlab.training import update_statistics, Model
    rng = np.random.default_rng(0)
    spec, x = BatchNormalizationSpec(), rng.standard_normal((6, 2, 3, 3))
    whole, parts = (Model((spec,), [_params(np.random.default_rng(1), 2)]) for _ in range(2))
    update_statistics(whole, [{0: spec.batch_statistics(spec.train_forward(x, whole.params[0])[1])}])
    update_statistics(parts, [{0: spec.batch_statistics(spec.train_forward(x[s], parts.params[0])[1])}
                              for s in (slice(0, 2), slice(2, 6))])
    for name in ("mean", "var"):
        np.testing.assert_allclose(parts.params[0][name], whole.params[0][name], rtol=1e-12)


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_against_torch_batchnorm2d(mode):
    needs_torch()
    import torch
    rng = np.random.default_rng(3)
    spec = BatchNormalizationSpec(decay_rate=0.8, epsilon=0.001)
    x, p = rng.standard_normal((4, 3, 5, 5)), _params(rng, 3)
    module = eval(spec.torch_code((3, 5, 5)), {"nn": torch.nn}).double()
    for name, attr in (("gamma", "weight"), ("beta", "bias"), ("mean", "running_mean"), ("var", "running_var")):
        getattr(module, attr).data = torch.from_numpy(p[name].ravel().copy())
    getattr(module, mode)()
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = module(tx)
    r = rng.standard_normal(x.shape)
    (ty * torch.from_numpy(r)).sum().backward()
    if mode == "eval":
        np.testing.assert_allclose(spec.forward(x, p), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        return
    y, kept = spec.train_forward(x, p)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-9, atol=1e-10)
    dx, grads = spec.backward(r, x, p, y, kept)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(grads["gamma"].ravel(), module.weight.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(grads["beta"].ravel(), module.bias.grad.numpy(), rtol=1e-8, atol=1e-10)
    spec.update_statistics(p, spec.batch_statistics(kept))
    np.testing.assert_allclose(p["mean"].ravel(), module.running_mean.numpy(), rtol=1e-9)
    np.testing.assert_allclose(p["var"].ravel(), module.running_var.numpy(), rtol=1e-9)


def test_token_eps_and_costs():
    assert format_stack((BatchNormalizationSpec(),)) == "bn"
    spec = BatchNormalizationSpec(0.95, 0.00003)
    assert format_stack((spec,)) == "bn-d0.95-e0.00003" and parse_stack("bn-d0.95-e0.00003") == (spec,)
    assert spec.statistics((8, 4, 4)) == {"CostParameter": 32, "CostMultiplyAdd": 128}


def test_training_moves_the_running_statistics():
    """A trained model's BatchNormalization has moved its running mean and var (no gradient
    does that: the batches' statistics do)."""
    from cnnlab.data import MNIST_TRAIN_PATH, load_mnist
    from cnnlab.training import train
    data = load_mnist(MNIST_TRAIN_PATH)
    model = train(parse_stack("conv-4-3x3_bn_relu"), data.images[:128], data.labels[:128], 1, seed=0)
    bn = model.params[1]
    assert set(bn) == {"beta", "gamma", "mean", "var"}
    assert not np.allclose(bn["mean"], 0) and not np.allclose(bn["var"], 1)
