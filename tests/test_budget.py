"""The work budget: costs equal brute-force counts; a network over a limit is refused at
the layer that crosses it, before anything of it is computed; trainings are priced."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import budget
from cnnlab.budget import BudgetError, PageBudget, check_training, layer_cost
from cnnlab.data import load_mnist
from cnnlab.pipeline import run
from cnnlab.presets import PRESETS, parse_stack
from cnnlab.shapes import LayerShapeError
from cnnlab.layers import ActivationSpec, ConvolutionSpec, PoolingSpec


def walked_conv_multiply_adds(spec: ConvolutionSpec, in_shape) -> int:
    """Walk every output position whose window fits the padded input, and count the
    multiply-adds a plain loop does there (one per input channel of the group and kernel cell)."""
    c, h, w = in_shape
    (ph, pw), (sh, sw), (dh, dw), (kh, kw) = spec.pad(), spec.strides, spec.dilation, spec.kernel_shape
    count = 0
    for _ in range(spec.out_maps):
        i = 0
        while i * sh + (kh - 1) * dh < h + 2 * ph:
            j = 0
            while j * sw + (kw - 1) * dw < w + 2 * pw:
                for _ in range(c // spec.group):
                    for _ in range(kh * kw):
                        count += 1
                j += 1
            i += 1
    return count


@given(st.integers(1, 6), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2),
       st.integers(1, 3), st.integers(1, 2), st.booleans(), st.integers(6, 12), st.integers(6, 12))
def test_convolution_costs_equal_a_brute_force_count(maps, groups, kh, kw, pad, stride, dilation, bias, h, w):
    spec = ConvolutionSpec(out_maps=maps * groups, kernel_shape=(kh, kw), padding=(pad, pad), strides=(stride, 1),
                           dilation=(dilation, 1), group=groups, with_bias=bias)
    in_shape = (2 * groups, h, w)
    try:
        spec.output_shape(in_shape)
    except LayerShapeError:
        return
    assert spec.multiply_adds(in_shape) == walked_conv_multiply_adds(spec, in_shape)
    weights = np.zeros(spec.weight_shape(in_shape[0]))
    assert spec.parameter_count(in_shape[0]) == weights.size + (spec.out_maps if bias else 0)
    cost = layer_cost(spec, in_shape)
    x = np.zeros((1, *in_shape), dtype=np.float32)
    params = spec.init_params(in_shape[0], np.random.default_rng(0))
    assert cost.values == spec.forward(x, params).size


@given(st.sampled_from(["MaxPooling", "AveragePooling"]), st.integers(1, 4), st.integers(1, 3), st.booleans(),
       st.integers(4, 10))
def test_pooling_work_is_one_read_per_window_cell(kind, k, s, ignore_border, h):
    spec = PoolingSpec(kind, (k, k), (s, s), (0, 0), ignore_border)
    try:
        out = spec.output_shape((3, h, h))
    except LayerShapeError:
        return
    windows = sum(1 for _ in np.ndindex(*out))
    assert spec.work((3, h, h)) == windows * k * k
    assert ActivationSpec("ReLU").work((3, h, h)) == 3 * h * h


def test_the_layer_that_crosses_the_budget_is_refused_and_the_ones_before_stay():
    stages = run(load_mnist().image(4), parse_stack("conv-64-5x5_relu_conv-256-15x15-p15x15_max-2x2"))
    assert [s.error is None for s in stages] == [True, True, True, False]
    message = stages[3].error
    assert message.startswith("Layer 3 (Convolution) is over this app's work budget")
    assert "1,000 million" in message and "multiply-adds" in message
    assert stages[3].output is None and stages[3].params is None  # nothing of it computed


def test_the_values_limit_names_the_numbers():
    page = PageBudget((1, 28, 28), max_work=10**12)
    page.charge(1, ConvolutionSpec(256, (1, 1), padding=(15, 15)), (1, 28, 28))  # 256 x 58 x 58
    with pytest.raises(BudgetError, match=r"Layer 2 \(Convolution\) is over .* values to draw.*1,500,000"):
        page.charge(2, ConvolutionSpec(256, (1, 1), padding=(15, 15)), (256, 58, 58))


def test_without_the_budget_the_library_runs_anything():
    stages = run(np.zeros((28, 28), np.float32), parse_stack("conv-256-15x15-full-d8x8"), budget=False)
    assert stages[-1].error is None


def test_trainings_are_priced():
    lenet = PRESETS["lenet"]
    assert check_training(lenet, (1, 28, 28), 20000, 10).seconds < budget.MAX_TRAINING_SECONDS
    with pytest.raises(BudgetError, match=r"would take about [\d,]+ s on this server \(limit 60 s\)"):
        check_training(parse_stack("conv-256-15x15-full-d8x8"), (1, 28, 28), 20000, 10)
    with pytest.raises(BudgetError, match="one batch of 64 images would keep"):
        check_training(parse_stack("conv-256-15x15-same_conv-256-3x3-same"), (1, 28, 28), 1, 1)
