"""The work budget: costs equal brute-force counts; a network over a limit is refused at
the layer that crosses it, before anything of it is computed; trainings are priced."""

import gc
import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab import budget
from cnnlab.budget import BudgetError, PageBudget, check_training, layer_cost
from cnnlab.data import load_mnist, load_photo
from cnnlab.pipeline import run
from cnnlab.presets import PRESETS, parse_stack
from cnnlab.shapes import LayerShapeError
from cnnlab.layers import (ActivationSpec, ConvolutionSpec, DeconvolutionSpec, DepthwiseConvolutionSpec,
                           PoolingSpec)


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
    assert spec.parameter_count(in_shape) == weights.size + (spec.out_maps if bias else 0)
    cost = layer_cost(spec, in_shape)
    x = np.zeros((1, *in_shape), dtype=np.float32)
    params = spec.init_params(in_shape, np.random.default_rng(0))
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


def test_a_training_child_stays_within_the_memory_plan():
    """The batch memory limit keeps the largest child below its base + 128 MB beside the server
    (benchmarks/bench_training_memory.py): the modern preset trains, a 128-map 3x3
    convolution at full size (priced 175 MB) does not."""
    assert check_training(PRESETS["modern"], (1, 28, 28), 1, 1).batch_bytes <= budget.MAX_TRAINING_BATCH_BYTES
    with pytest.raises(BudgetError, match=r"one batch of 64 images would keep 175 MB .* the limit is 128 MB"):
        check_training(parse_stack("conv-128-3x3-same_relu"), (1, 28, 28), 1, 1)


# --- working memory: each kind's price against what tracemalloc measures (NumPy reports its arrays) ---

def measured_peak(compute) -> int:
    """Bytes allocated at the peak of compute() (its result included), by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = compute()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


@st.composite
def layer_settings(draw):
    """(spec, input shape (C, H, W), batch): every kind, its settings over their ranges (sizes
    kept small enough to run quickly, large enough that the arrays outweigh NumPy's buffers)."""
    kind = draw(st.sampled_from(["conv", "dwconv", "deconv", "max", "avg", "sum", "relu", "leaky", "tanh",
                                 "sigmoid", "identity"]))
    pair = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731
    c, h, w = draw(st.integers(1, 8)), draw(st.integers(8, 32)), draw(st.integers(8, 32))
    kernel, strides, dilation = draw(pair(1, 6)), draw(pair(1, 3)), draw(pair(1, 2))
    padding = draw(st.one_of(st.none(), pair(0, 6)))
    border = draw(st.sampled_from(["valid", "same", "full"]))
    if kind == "conv":
        group = draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
        spec = ConvolutionSpec(group * draw(st.integers(1, 12)), kernel, border, padding, strides, dilation, group)
    elif kind == "dwconv":
        spec = DepthwiseConvolutionSpec(kernel, draw(st.integers(1, 4)), border, padding, strides, dilation)
    elif kind == "deconv":
        group = draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
        spec = DeconvolutionSpec(group * draw(st.integers(1, 12)), kernel, padding or (0, 0), strides, dilation, group)
    elif kind in ("max", "avg", "sum"):
        pool_kind = {"max": "MaxPooling", "avg": "AveragePooling", "sum": "SumPooling"}[kind]
        spec = PoolingSpec(pool_kind, kernel, strides, (draw(st.integers(0, kernel[0] - 1)),
                                                        draw(st.integers(0, kernel[1] - 1))),
                           draw(st.booleans()), draw(st.booleans()))
    else:
        spec = ActivationSpec({"relu": "ReLU", "leaky": "LeakyReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                               "identity": "Identity"}[kind])
    return spec, (c, h, w), draw(st.integers(1, 4))


@settings(max_examples=50, deadline=None)
@given(layer_settings(), st.integers(0, 99))
def test_every_kinds_measured_peak_memory_is_within_its_price(setting, seed):
    """forward (a page's one image, or a batch) and train_forward + backward (a training's
    batch): the peak tracemalloc measures never exceeds working_bytes / training_bytes."""
    spec, in_shape, batch = setting
    try:
        out_shape = spec.output_shape(in_shape)
    except LayerShapeError:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, *in_shape)).astype(np.float32)
    dy = rng.standard_normal((batch, *out_shape)).astype(np.float32)
    params = spec.init_params(in_shape, rng)

    def train():
        y, kept = spec.train_forward(x, params)
        return y, kept, spec.backward(dy, x, params, y, kept)

    assert measured_peak(lambda: spec.forward(x, params)) <= spec.working_bytes(in_shape, batch)
    assert measured_peak(train) <= spec.training_bytes(in_shape, batch)


@pytest.mark.parametrize("text, in_shape", [
    ("conv-16-5x5-p2x2", (3, 96, 96)), ("conv-1-15x15-same", (64, 36, 160)), ("dwconv-15x15-d8x8-full", (1, 28, 28)),
    ("deconv-16-15x15", (3, 128, 128)), ("deconv-8-4x4-s2x2-p1x1", (16, 64, 64)), ("max-3x3-s1x1-p1x1", (16, 96, 96)),
    ("avg-3x3-s2x2-p1x1", (16, 96, 96)), ("sigmoid", (16, 96, 96)),
])
def test_the_memory_price_of_large_layers_is_close_to_the_measured_peak(text, in_shape):
    """An upper bound, and not a loose one: within 2x of the measured peak where it matters."""
    spec = parse_stack(text)[0]
    x = np.random.default_rng(0).standard_normal((1, *in_shape)).astype(np.float32)
    params = spec.init_params(in_shape, np.random.default_rng(0))
    peak = measured_peak(lambda: spec.forward(x, params))
    assert peak <= spec.working_bytes(in_shape) <= 2 * peak


@pytest.mark.parametrize("image, text", [
    ("photo", "deconv-16-15x15"),  # ?pick=photo&photo=astronaut&net=deconv-16-15x15: was 905 MB at its peak
    ("digit", "deconv-1-8x8-s2x2_deconv-256-13x13"),  # was 640 MB
])
def test_the_reviews_deconvolutions_run_in_bounded_memory(image, text):
    x = load_photo("astronaut").astype(np.float32) / 255 if image == "photo" else load_mnist().image(4)
    stages = []
    peak = measured_peak(lambda: stages.extend(run(x, parse_stack(text))))
    assert all(s.error is None for s in stages) and len(stages) == len(parse_stack(text)) + 1
    assert peak < 40 * 2**20


def test_a_layer_over_the_memory_budget_is_refused_before_it_runs():
    page = PageBudget((3, 256, 256), max_working_bytes=8 * 2**20)
    page.charge(1, parse_stack("max-2x2")[0], (3, 256, 256))
    with pytest.raises(BudgetError, match=r"Layer 2 \(Deconvolution\) is over this app's memory budget: computing it "
                                          r"for one image needs 1[0-9] MB of working memory at once; the limit is 8 MB"):
        page.charge(2, parse_stack("deconv-16-15x15")[0], (3, 128, 128))
    assert budget.MAX_WORKING_BYTES <= 40 * 2**20
    with pytest.raises(BudgetError, match="one batch of 64 images would keep"):  # its batch's working memory
        check_training(parse_stack("deconv-16-15x15"), (1, 28, 28), 1, 1)


def test_the_reviews_depthwise_stack_is_refused_by_its_priced_time():
    """Twelve dwconv-15x15-d8x8-full ran 1.68 CPU-s under the work budget (each layer's
    patch floats cost what a dense Convolution's multiply-adds do not): now priced, the
    layer that takes the network over MAX_PAGE_SECONDS is refused before it runs."""
    specs = parse_stack("_".join(["dwconv-15x15-d8x8-full"] * 12))
    stages = run(load_mnist().image(4), specs)
    assert all(s.error is None for s in stages[:-1]) and stages[-1].output is None
    assert re.match(r"Layer \d+ \(DepthwiseConvolution\) is over this app's time budget: the network up to it is "
                    r"priced at \d+ ms of computing for one image \(this layer \d+ ms\); the limit is 250 ms",
                    stages[-1].error)
    priced = sum(layer_cost(s.spec, s.input_shape).seconds for s in stages[1:-1])
    assert priced <= budget.MAX_PAGE_SECONDS < priced + layer_cost(stages[-1].spec, stages[-1].input_shape).seconds


def test_a_depthwise_convolution_is_priced_by_the_floats_it_copies_not_only_its_multiply_adds():
    dense, depthwise = parse_stack("conv-64-3x3-same")[0], parse_stack("dwconv-3x3-same")[0]
    per_unit = [spec.seconds((64, 28, 28)) / spec.work((64, 28, 28)) for spec in (dense, depthwise)]
    assert per_unit[1] > 10 * per_unit[0]  # one GEMM row per group: the copy dominates
    for text in ("conv-16-5x5", "dwconv-5x5", "deconv-8-4x4-s2x2", "deconv-8-3x3", "max-2x2", "avg-3x3", "sum-2x2",
                 "relu", "leaky", "tanh", "sigmoid"):
        spec = parse_stack(text)[0]
        assert 0 < spec.seconds((4, 28, 28)) < spec.seconds((4, 28, 28), batch=8)


@pytest.mark.parametrize("text", ["bn", "bn-e0.001", "gap", "affine-10", "affine-3-nobias", "unpool-2x2", "unpool-3x1"])
@pytest.mark.parametrize("in_shape, batch", [((4, 12, 12), 1), ((16, 28, 28), 3), ((3, 5, 7), 64)])
def test_the_contract_s_default_memory_price_covers_the_kinds_that_use_it(text, in_shape, batch):
    """BatchNormalization, GlobalAveragePooling, Affine and Unpooling are priced by
    LayerKind's defaults: the measured peaks stay within them."""
    spec = parse_stack(text)[0]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *in_shape)).astype(np.float32)
    params = spec.init_params(in_shape, rng)
    dy = rng.standard_normal((batch, *spec.output_shape(in_shape))).astype(np.float32)

    def train():
        y, kept = spec.train_forward(x, params)
        return y, kept, spec.backward(dy, x, params, y, kept)

    assert measured_peak(lambda: spec.forward(x, params)) <= spec.working_bytes(in_shape, batch)
    assert measured_peak(train) <= spec.training_bytes(in_shape, batch)
    assert 0 < spec.seconds(in_shape) < spec.seconds(in_shape, batch=8)
