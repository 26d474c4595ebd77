"""Saliency, occlusion, the input a map wants, Grad-CAM and kernels across epochs, each
against an independent restatement: central differences in float64, the network run
once per occluded image, the paper's formulas in loops, and torch's autograd (torch is in
requirements-torch.txt: skipped without it, failed on CI)."""

import importlib.util
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab import attribution as A
from cnnlab import functions as F
from cnnlab.budget import MAX_WORK, BudgetError
from cnnlab.presets import parse_stack
from cnnlab.training import Model, init_model, network
from reference import numerical_grad


def small_model(stack: str = "conv-3-3x3_relu_max-2x2", shape=(1, 10, 10), seed: int = 0,
                dtype=np.float64) -> Model:
    """A random network (weights scaled up so every class score depends on the input)."""
    model = init_model(parse_stack(stack), shape, seed)
    params = [None if p is None else {k: a.astype(dtype) * 2 if k == "W" else a.astype(dtype) + 0.1 for k, a in p.items()}
              for p in model.params[:-1]]
    head = model.params[-1]
    return Model(model.specs, [*params, {"W": head["W"].astype(dtype) * 3, "b": head["b"].astype(dtype)}])


def image(shape=(1, 10, 10), seed: int = 1, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, shape).astype(dtype)


def plain_forward(model: Model, x: np.ndarray) -> np.ndarray:
    """The stack's output for x (N, C, H, W), layer by layer with the layers' forward."""
    for spec, p in zip(model.stack, model.params):
        x = spec.forward(x, p)
    return x


def plain_scores(model: Model, x: np.ndarray) -> np.ndarray:
    """flatten(stack(x)) . W + b, the classifier's formula written out."""
    y = plain_forward(model, x)
    return y.reshape(len(y), -1) @ model.params[-1]["W"] + model.params[-1]["b"]


# --- saliency --------------------------------------------------------------------------

@settings(max_examples=12, deadline=None)
@given(st.sampled_from(["conv-3-3x3_relu_max-2x2", "conv-2-3x3_tanh_avg-2x2", "conv-2-3x3-p1x1_sigmoid"]),
       st.integers(0, 9), st.integers(0, 99))
def test_saliency_is_the_finite_difference_gradient_of_the_class_score(stack, target, seed):
    model, x = small_model(stack, seed=seed), image(seed=seed + 1)
    got = A.saliency(model, x, target)
    expected = numerical_grad(lambda: plain_scores(model, x[None])[0, target], x)
    np.testing.assert_allclose(got.gradient, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got.times_input, expected * x, rtol=1e-5, atol=1e-7)
    assert got.target == target and np.isclose(got.score, plain_scores(model, x[None])[0, target])


def test_saliency_defaults_to_the_predicted_class():
    model, x = small_model(), image()
    assert A.saliency(model, x).target == int(plain_scores(model, x[None])[0].argmax())


# --- occlusion -------------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.sampled_from([0.0, 0.5, 1.0]), st.integers(0, 99))
def test_occlusion_is_the_network_run_once_per_position(patch, stride, fill, seed):
    model, x = small_model(seed=seed, dtype=np.float32), image(seed=seed, dtype=np.float32)
    got = A.occlusion(model, x, None, patch, stride, fill)
    base = A.softmax(plain_scores(model, x[None]))[0]
    c = int(base.argmax())
    rows, cols = (10 - patch) // stride + 1, (10 - patch) // stride + 1
    assert got.probabilities.shape == (rows, cols) and got.target == c
    heat_sum, heat_count = np.zeros((10, 10)), np.zeros((10, 10))
    for i in range(rows):
        for j in range(cols):
            covered = x.copy()
            for r in range(i * stride, i * stride + patch):
                for s in range(j * stride, j * stride + patch):
                    covered[0, r, s] = fill
            p = A.softmax(plain_scores(model, covered[None]))[0, c]
            assert got.probabilities[i, j] == pytest.approx(p, abs=2e-6)
            assert got.drop[i, j] == pytest.approx(base[c] - p, abs=2e-6)
            heat_sum[i * stride:i * stride + patch, j * stride:j * stride + patch] += base[c] - p
            heat_count[i * stride:i * stride + patch, j * stride:j * stride + patch] += 1
    np.testing.assert_allclose(got.heat, np.where(heat_count > 0, heat_sum / np.maximum(heat_count, 1), 0), atol=2e-6)


# --- the input a map wants -------------------------------------------------------------

@pytest.mark.parametrize("layer,m", [(1, 0), (1, 2), (2, 1), (3, 1), (None, 4)])
def test_ascent_raises_the_map_s_mean_at_every_step_and_is_reproducible_by_seed(layer, m):
    model = small_model(dtype=np.float32)
    run = A.ascent(model, (1, 10, 10), layer, m, steps=30, seed=7)
    assert len(run.objective) > 10  # it went somewhere
    assert np.all(np.diff(run.objective) > 0)
    for k, x in enumerate(run.images):  # each recorded value is the map's mean (or the score) of that image
        if layer is None:
            value = plain_scores(model, x[None])[0, m]
        else:
            y = x[None]
            for spec, p in list(zip(model.specs, model.params))[:layer]:
                y = spec.forward(y, p)
            value = y[0, m].astype(np.float64).mean()
        assert run.objective[k] == pytest.approx(value, rel=1e-5, abs=1e-6)
    assert run.images.min() >= 0 and run.images.max() <= 1
    again = A.ascent(model, (1, 10, 10), layer, m, steps=30, seed=7)
    np.testing.assert_array_equal(again.images, run.images)
    other = A.ascent(model, (1, 10, 10), layer, m, steps=30, seed=8)
    assert not np.array_equal(other.images[0], run.images[0])


def test_the_blur_is_the_binomial_kernel_with_repeated_edges():
    x = image((2, 5, 6))
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    k = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16
    expected = np.zeros_like(x)
    for c in range(2):
        for i in range(5):
            for j in range(6):
                expected[c, i, j] = (padded[c, i:i + 3, j:j + 3] * k).sum()
    np.testing.assert_allclose(A.blur(x), expected, rtol=1e-6)


# --- Grad-CAM --------------------------------------------------------------------------

def grad_cam_by_the_paper(model: Model, x: np.ndarray, c: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """alpha_k = 1/Z sum_ij dy^c/dA^k_ij (central differences on A, the rest of the network
    re-run), L = ReLU(sum_k alpha_k A^k), in loops."""
    a = x[None]
    for spec, p in list(zip(model.specs, model.params))[:layer]:
        a = spec.forward(a, p)

    def score() -> float:
        y = a
        for spec, p in list(zip(model.stack, model.params))[layer:]:
            y = spec.forward(y, p)
        return float((y.reshape(1, -1) @ model.params[-1]["W"] + model.params[-1]["b"])[0, c])

    grad = numerical_grad(score, a)[0]
    k, h, w = grad.shape
    alpha = np.array([sum(grad[m, i, j] for i in range(h) for j in range(w)) / (h * w) for m in range(k)])
    cam = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            cam[i, j] = max(0.0, sum(alpha[m] * a[0, m, i, j] for m in range(k)))
    return alpha, cam


@pytest.mark.parametrize("stack", ["conv-3-3x3_relu_max-2x2", "conv-2-3x3_relu_conv-3-3x3_max-2x2"])
def test_grad_cam_is_the_paper_s_definition(stack):
    model, x = small_model(stack), image()
    layer = A.last_convolution(model.specs)
    assert layer == (1 if stack.count("conv") == 1 else 3)
    got = A.grad_cam(model, x, 3)
    alpha, cam = grad_cam_by_the_paper(model, x, 3, layer)
    np.testing.assert_allclose(got.weights, alpha, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(got.cam, cam, rtol=1e-5, atol=1e-8)
    assert got.upsampled.shape == (10, 10)


def needs_torch() -> None:
    """Skip without torch, but fail on CI: the comparison must run there."""
    if importlib.util.find_spec("torch") is None:
        if os.environ.get("CI"):
            pytest.fail("torch is missing on CI: .ci/run installs requirements-torch.txt")
        pytest.skip("torch is not installed (pip install -r requirements-torch.txt)")


def test_grad_cam_and_saliency_match_torch_autograd():
    needs_torch()
    import torch

    model, x = small_model("conv-3-3x3_relu_max-2x2", shape=(1, 12, 12)), image((1, 12, 12))
    (w, b), head_w, head_b = (model.params[0]["W"], model.params[0]["b"]), model.params[-1]["W"], model.params[-1]["b"]
    tx = torch.tensor(x[None], requires_grad=True)
    conv = torch.nn.functional.conv2d(tx, torch.tensor(w), torch.tensor(b))
    conv.retain_grad()
    pooled = torch.nn.functional.max_pool2d(torch.relu(conv), 2)
    logits = pooled.reshape(1, -1) @ torch.tensor(head_w) + torch.tensor(head_b)
    logits[0, 6].backward()
    alpha = conv.grad.mean(dim=(2, 3))[0]
    cam = torch.relu((alpha[:, None, None] * conv[0]).sum(0)).detach()
    upsampled = torch.nn.functional.interpolate(cam[None, None], size=(12, 12), mode="bilinear", align_corners=False)
    got = A.grad_cam(model, x, 6)
    np.testing.assert_allclose(got.weights, alpha.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got.cam, cam.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got.upsampled, upsampled[0, 0].numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(A.saliency(model, x, 6).gradient, tx.grad[0].numpy(), rtol=1e-10, atol=1e-12)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 20), st.integers(1, 20))
def test_the_resize_is_bilinear_with_half_pixel_centres(h, w, out_h, out_w):
    a = np.random.default_rng(h * 7 + w).standard_normal((h, w))
    got = A.bilinear_resize(a, (out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            y, x = max((i + 0.5) * h / out_h - 0.5, 0), max((j + 0.5) * w / out_w - 0.5, 0)
            y0, x0 = min(int(y), h - 1), min(int(x), w - 1)
            y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
            ty, tx = y - y0, x - x0
            v = (a[y0, x0] * (1 - ty) * (1 - tx) + a[y0, x1] * (1 - ty) * tx + a[y1, x0] * ty * (1 - tx)
                 + a[y1, x1] * ty * tx)
            assert got[i, j] == pytest.approx(v, abs=1e-12)


# --- kernels across epochs and pricing ---------------------------------------------------

def test_kernels_across_epochs_and_the_distance_each_moved():
    models = [small_model(seed=s) for s in (0, 1, 2)]
    layer, kernels = A.kernels_across(models)
    assert layer == 1 and kernels.shape == (3, 3, 1, 3, 3)
    per_kernel, whole = A.kernel_moves(kernels)
    for e in (1, 2):
        for m in range(3):
            d = models[e].params[0]["W"][m] - models[e - 1].params[0]["W"][m]
            assert per_kernel[e - 1, m] == pytest.approx(np.sqrt((d ** 2).sum()), rel=1e-6)
        assert whole[e - 1] == pytest.approx(np.sqrt((per_kernel[e - 1] ** 2).sum()), rel=1e-9)
    assert A.kernels_across([small_model("max-2x2")]) is None


def test_occlusion_and_ascent_are_priced_and_refused_over_the_budget():
    specs = network(parse_stack("conv-16-5x5_max-2x2"))  # a Model's specs: the classifier last
    one = 24 * 24 * 16 * 25 + 16 * 12 * 12 * 4 + 16 * 12 * 12 * 10  # conv, pooling reads, classifier
    assert A.network_work(specs, (1, 28, 28))[0] == one
    assert A.occlusion_cost(specs, (1, 28, 28), 5, 2) == (12 * 12 + 1) * one
    assert A.ascent_cost(specs, (1, 28, 28), 1, 40) == (40 * 7 + 1) * 24 * 24 * 16 * 25
    big = network(parse_stack("conv-256-15x15-same_conv-256-15x15-same"))
    with pytest.raises(BudgetError) as err:
        A.occlusion_cost(big, (1, 28, 28), 1, 1)
    assert err.value.detail[0] == "budget.attribution_work"
    assert err.value.detail[1]["work_millions"] > MAX_WORK / 1e6


def test_grad_cam_s_layer_is_found_by_the_kind_s_own_flag_not_by_its_name():
    """last_convolution asks each kind (FEATURE_MAPS in its module), so a new convolution-like
    kind is found without editing attribution; of the registered kinds, the convolutions."""
    from dataclasses import dataclass

    from cnnlab.layers import KINDS
    from cnnlab.layers.base import LayerKind

    @dataclass(frozen=True)
    class Maps(LayerKind):
        kind = "SomeNewConvolution"
        FEATURE_MAPS = True

    specs = parse_stack("conv-2-3x3_relu_max-2x2")
    assert A.last_convolution(specs) == 1
    assert A.last_convolution((*specs, Maps(), *parse_stack("relu"))) == 4
    assert A.last_convolution(parse_stack("relu_max-2x2")) is None
    flagged = {kind.__name__ for kind in KINDS if kind.FEATURE_MAPS}
    assert flagged == {"ConvolutionSpec", "DepthwiseConvolutionSpec", "DeconvolutionSpec"}, flagged
