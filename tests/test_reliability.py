"""One link cannot hurt the server: hypothesis over every URL parameter and the stack
grammar. Nothing raises but the app's own messages, and every accepted setting stays
within the work budget. Seeded (derandomize) so CI runs the same examples every time."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apptools import new_app
from fuzzing import NETWORKS, STACKS, queries
from cnnlab import limits
from cnnlab.layers import convolution, pooling
from cnnlab.budget import MAX_PAGE_SECONDS, MAX_VALUES, MAX_WORK, MAX_WORKING_BYTES, layer_cost
from cnnlab.data import load_mnist, load_photo
from cnnlab.explain import explain_pixel, receptive_field
from cnnlab.presets import StackFormatError, format_stack, parse_stack
from cnnlab.pipeline import run
from cnnlab.layers import ActivationSpec, ConvolutionSpec, PoolingSpec
from cnnlab.ui.params import LEGACY, URL_PARAMS, url_problems


@settings(max_examples=2000, derandomize=True, deadline=None)  # more: benchmarks/fuzz_links.py
@given(queries)
def test_every_url_value_is_either_refused_or_within_its_control(query):
    problems = url_problems(query)
    refused = {key for key, _, _ in problems}
    assert refused <= set(query)
    for key, values in query.items():
        p = URL_PARAMS.get(key) or LEGACY.get(key)
        if p is None or key in refused:
            continue
        assert len(values) == 1
        value = p.parse(values[0])
        if p.value_type in ("int", "float"):
            assert p.lo <= value <= p.hi and np.isfinite(value)
        if key in ("net", "more") and value:
            parse_stack(value)


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(queries)
def test_the_app_opens_any_link_without_a_traceback(query):
    at = new_app({k: v if len(v) > 1 else v[0] for k, v in query.items()})
    at.run(timeout=60)
    assert not at.exception
    refused = {key for key, _, _ in url_problems(query)}
    assert not refused & set(at.query_params)  # taken out of the link
    assert not set(LEGACY) & set(at.query_params)  # an old link's network became net=
    if "net" in at.query_params:
        parse_stack(at.query_params["net"])


@settings(max_examples=2000, derandomize=True, deadline=None)
@given(STACKS)
def test_stack_text_is_parsed_with_bounds_or_refused_plainly(text):
    try:
        specs = parse_stack(text)
    except StackFormatError as err:
        assert str(err) and err.describe(str)
        return
    for spec in specs:
        spec.check_limits()
    assert parse_stack(format_stack(specs)) == specs


def _pair(allowed: limits.Range) -> st.SearchStrategy[tuple[int, int]]:
    one = st.integers(int(allowed.lo), int(allowed.hi))
    return st.tuples(one, one)


C, P = convolution.LIMITS, pooling.LIMITS
ANY_CONV = st.builds(
    ConvolutionSpec, st.integers(1, 256), _pair(C["kernel_shape"]), st.sampled_from(["valid", "same", "full"]),
    st.one_of(st.none(), _pair(C["padding"])), _pair(C["strides"]), _pair(C["dilation"]), st.sampled_from([1, 2]),
)
ANY_POOL = st.builds(PoolingSpec, st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"]),
                     _pair(P["kernel_shape"]), _pair(P["strides"]), _pair(P["padding"]), st.booleans(), st.booleans())
ANY_STACK = st.lists(st.one_of(ANY_CONV, ANY_POOL, st.builds(ActivationSpec, st.sampled_from(["ReLU", "Tanh"]))),
                     min_size=1, max_size=limits.MAX_LAYERS).map(lambda specs: format_stack(tuple(specs)))


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(ANY_STACK, st.integers(0, 3))
def test_any_accepted_stack_runs_within_the_budget(text, seed):
    specs = parse_stack(text)  # every setting the widgets allow, in any order
    stages = run(load_mnist().image(4), specs, seed)
    work = values = seconds = 0
    for stage in stages[1:]:
        if stage.error is not None:
            assert stage is stages[-1]
            break
        cost = layer_cost(stage.spec, stage.input_shape)
        work += cost.work
        values += cost.values + cost.parameters
        seconds += cost.seconds
        assert cost.working_bytes <= MAX_WORKING_BYTES
    assert work <= MAX_WORK and values + 28 * 28 <= MAX_VALUES and seconds <= MAX_PAGE_SECONDS
    usable = [s for s in stages[1:] if s.error is None]
    if usable:  # the inspector's work on the deepest pixel stays bounded too
        last = usable[-1]
        out = tuple(n - 1 for n in last.shape)
        explain_pixel(last.spec, last.params, stages[last.index - 1].output, out)
        field = receptive_field(specs, [s.output.shape for s in stages[:last.index]], last.index, out)
        assert field.shape == (1, 28, 28)


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(NETWORKS, st.booleans(), st.integers(0, 3))  # more: benchmarks/fuzz_links.py --only stacks
def test_any_network_text_is_refused_or_run_with_the_app_s_messages_only(text, on_photo, seed):
    """Well-formed texts over every layer kind and option (near and past their limits):
    parsed or refused with StackFormatError, then run within the budget (a layer that
    cannot run ends the stages with its message), and the inspector's work on the
    deepest pixel; nothing else raises."""
    try:
        specs = parse_stack(text)
    except StackFormatError as err:
        assert str(err)
        return
    image = load_photo("rocket").astype(np.float32) / 255 if on_photo else load_mnist().image(4)
    stages = run(image, specs, seed)
    assert all(s.error is None for s in stages[:-1]) and (stages[-1].error is None or stages[-1].output is None)
    usable = [s for s in stages[1:] if s.error is None]
    if usable:
        last = usable[-1]
        out = tuple(n - 1 for n in last.shape)
        explain_pixel(last.spec, last.params, stages[last.index - 1].output, out)
        receptive_field(specs, [s.output.shape for s in stages[:last.index]], last.index, out)


def test_the_review_s_heavy_links_are_refused_before_any_work():
    image = load_mnist().image(4)
    for text, where in [("conv-256-15x15-full-d8x8", 1), ("conv-256-15x15-p15x15_conv-256-15x15-p15x15", 2)]:
        stages = run(image, parse_stack(text))
        assert stages[-1].index == where and "budget" in stages[-1].error
    for text in ["conv-256-15x15-full-d100x100", "max-5000x5000-keep", "conv-1-1x1-p3000x3000",
                 "conv-16-1x1-p99999999999", "max-9007199254740993x1", "conv-1-1x1-s99999999999999999999",
                 "conv-8-3x3-p1000000000000000000000", "conv-1-1x1-p20000x20000", "conv-8-3x3-iUniform-minf"]:
        try:
            parse_stack(text)
            raise AssertionError(text)
        except StackFormatError:
            pass
