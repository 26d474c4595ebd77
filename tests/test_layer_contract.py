"""Every layer kind keeps the registry's contract, checked the same way for each: its
output has the shape it states; each output pixel's explanation gives that pixel's value;
its receptive field is exactly what perturbing the input reaches; its backward equals
numerical differentiation; its token reads back as itself; its parameter count is what
its arrays hold. A kind is drawn by its strategy in SPECS, or, without one, as its editor
makes its layers (from_fields: its FIELDS within its LIMITS), so a new kind is checked
here without editing this file."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlab.layers import (BY_HEAD, KINDS, ActivationSpec, AffineSpec, BatchNormalizationSpec, ConvolutionSpec,
                           DeconvolutionSpec, DepthwiseConvolutionSpec, GlobalAveragePoolingSpec, PoolingSpec,
                           UnpoolingSpec)
from cnnlab.presets import format_stack, parse_stack
from cnnlab.shapes import LayerShapeError
from reference import conv_reference, deconv_reference, depthwise_reference

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731
padding = st.one_of(st.none(), pairs(0, 2))
SPECS = {
    ConvolutionSpec: st.builds(ConvolutionSpec, st.integers(1, 3).map(lambda n: 2 * n), pairs(1, 3),
                               st.sampled_from(["valid", "same", "full"]), padding, pairs(1, 2), pairs(1, 2),
                               st.sampled_from([1, 2]), st.booleans()),
    DepthwiseConvolutionSpec: st.builds(DepthwiseConvolutionSpec, pairs(1, 3), st.integers(1, 3),
                                        st.sampled_from(["valid", "same", "full"]), padding, pairs(1, 2),
                                        pairs(1, 2), st.booleans()),
    DeconvolutionSpec: st.builds(DeconvolutionSpec, st.integers(1, 3).map(lambda n: 2 * n), pairs(1, 3),
                                 pairs(0, 2), pairs(1, 3), pairs(1, 2), st.sampled_from([1, 2]), st.booleans()),
    PoolingSpec: st.builds(PoolingSpec, st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"]),
                           pairs(1, 3), pairs(1, 2), st.just((0, 0)), st.booleans(), st.booleans()),
    ActivationSpec: st.builds(ActivationSpec, st.sampled_from(["ReLU", "LeakyReLU", "Tanh", "Sigmoid"]),
                              st.sampled_from([0.1, 0.25])),
    BatchNormalizationSpec: st.builds(BatchNormalizationSpec, st.sampled_from([0.9, 0.5, 0.99]),
                                      st.sampled_from([0.00001, 0.001, 0.5])),
    GlobalAveragePoolingSpec: st.just(GlobalAveragePoolingSpec()),
    AffineSpec: st.builds(AffineSpec, st.integers(1, 4), st.booleans()),
    UnpoolingSpec: st.builds(UnpoolingSpec, pairs(1, 3)),
}


def editor_value(kind: type, field) -> st.SearchStrategy:
    """A value the network editor offers for one of `kind`'s FIELDS: a choice, a switch, or
    a number within its LIMITS (whole numbers up to 4, so the layer fits a small input)."""
    if field.control == "choice":
        return st.sampled_from(field.options)
    if field.control == "bool":
        return st.booleans()
    allowed = kind.LIMITS[field.name]
    number = (st.integers(int(allowed.lo), max(int(allowed.lo), min(int(allowed.hi), 4))) if field.control != "float"
              else st.sampled_from([allowed.lo, (allowed.lo + allowed.hi) / 2, allowed.hi]))
    return st.tuples(number, number) if field.control == "pair" else number


@st.composite
def from_fields(draw, kind: type):
    """A layer of `kind` as its editor makes one: a layer "Add a layer" offers, every
    setting its FIELDS show there set to an editor_value."""
    spec = draw(st.sampled_from(kind.addable()))
    for field in kind.FIELDS:
        if field.shown(spec):
            spec = field.edited(spec, draw(editor_value(kind, field)))
    return spec


CHECKED = {kind: SPECS.get(kind, from_fields(kind)) for kind in KINDS}
any_spec = st.one_of(*CHECKED.values())


def test_every_registered_kind_is_checked_here():
    assert set(SPECS) <= set(KINDS) and set(CHECKED) == set(KINDS)  # no strategy for a kind not registered
    assert all(BY_HEAD[head] is kind for kind in KINDS for head in kind.HEADS)


@given(st.data())
def test_a_layer_drawn_from_its_kind_s_fields_is_of_that_kind_and_within_its_limits(data):
    for kind in KINDS:  # the strategy a kind without its own in SPECS is checked with
        spec = data.draw(from_fields(kind))
        assert type(spec) is kind
        spec.check_limits()


def _setup(spec, seed: int, hw=(6, 7), channels: int = 2):
    rng = np.random.default_rng(seed)
    in_shape = (channels, *hw)
    try:
        out_shape = spec.output_shape(in_shape)
    except LayerShapeError:
        assume(False)
    params = spec.init_params(in_shape, rng)
    if params is not None:  # random values for every parameter but W (its initializer's), so each is checked
        params = {name: a if name == "W" else (rng.random(a.shape) + 0.5 if name == "var"  # a variance is > 0
                                               else rng.standard_normal(a.shape)).astype(np.float32)
                  for name, a in params.items()}
    x = rng.standard_normal(in_shape).astype(np.float64)
    return x, params, out_shape


@given(any_spec, st.integers(0, 999))
def test_output_shape_and_values_against_plain_loops(spec, seed):
    x, params, out_shape = _setup(spec, seed)
    y = spec.forward(x[None], params)[0]
    assert y.shape == out_shape
    if isinstance(spec, ConvolutionSpec):
        ref = conv_reference(x[None], params["W"], params.get("b"), spec.pad(), spec.strides, spec.dilation, spec.group)
        np.testing.assert_allclose(y, ref[0], rtol=1e-6, atol=1e-6)
    if isinstance(spec, DeconvolutionSpec):
        ref = deconv_reference(x[None], params["W"], params.get("b"), spec.padding, spec.strides, spec.dilation, spec.group)
        np.testing.assert_allclose(y, ref[0], rtol=1e-6, atol=1e-6)
    if isinstance(spec, DepthwiseConvolutionSpec):
        ref = depthwise_reference(x[None], params["W"], params.get("b"), spec.pad(), spec.strides, spec.dilation,
                                  spec.multiplier)
        np.testing.assert_allclose(y, ref[0], rtol=1e-6, atol=1e-6)


@given(any_spec, st.integers(0, 999), st.data())
def test_each_pixel_s_explanation_gives_its_value(spec, seed, data):
    x, params, out_shape = _setup(spec, seed)
    y = spec.forward(x[None], params)[0]
    out = tuple(data.draw(st.integers(0, n - 1)) for n in out_shape)
    step = spec.explain(params, x, out)
    assert step.out == out
    np.testing.assert_allclose(step.value, y[out], rtol=1e-6, atol=1e-9)


@given(any_spec, st.integers(0, 999), st.data())
def test_receptive_field_is_exactly_what_perturbations_reach(spec, seed, data):
    x, params, out_shape = _setup(spec, seed)
    out = tuple(data.draw(st.integers(0, n - 1)) for n in out_shape)
    mask = np.zeros(out_shape, dtype=bool)
    mask[out] = True
    field = spec.input_cells(mask, x.shape)
    base = spec.forward(x[None], params)[0][out]
    reached = np.zeros(x.shape, dtype=bool)
    for cell in np.ndindex(*x.shape):
        for delta in (1e3, -1e3):
            pushed = x.copy()
            pushed[cell] += delta
            if abs(spec.forward(pushed[None], params)[0][out] - base) > 1e-6 * (1 + abs(base)):
                reached[cell] = True
    np.testing.assert_array_equal(field, reached)


@given(any_spec, st.integers(0, 999))
def test_backward_equals_numerical_differentiation(spec, seed):
    x, params, out_shape = _setup(spec, seed, hw=(4, 5))
    if params is not None:
        params = {name: a.astype(np.float64) for name, a in params.items()}
    if isinstance(spec, ActivationSpec):
        x = x + np.sign(x) * 0.05  # keep away from ReLU's kink
    r = np.random.default_rng(seed + 1).standard_normal((1, *out_shape))

    def loss() -> float:  # the training forward (BatchNormalization: the batch's own statistics)
        return float((spec.train_forward(x[None], params)[0] * r).sum())

    y, kept = spec.train_forward(x[None], params)
    dx, grads = spec.backward(r, x[None], params, y, kept)
    assert set(grads) == set(spec.TRAINED) & set(params or {})  # a gradient for every trained parameter
    for analytic, array in zip([dx[0]] + [grads[n] for n in grads], [x] + [params[n] for n in grads]):
        numeric = np.zeros_like(array)
        for idx in np.ndindex(*array.shape):
            old = array[idx]
            array[idx] = old + 1e-6
            plus = loss()
            array[idx] = old - 1e-6
            minus = loss()
            array[idx] = old
            numeric[idx] = (plus - minus) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@given(any_spec)
def test_token_reads_back_as_itself(spec):
    if getattr(spec, "padding", None) is not None and hasattr(spec, "border_mode"):
        spec = type(spec)(**{**spec.__dict__, "border_mode": "valid"})  # explicit Padding wins over BorderMode
    if isinstance(spec, ActivationSpec) and spec.kind != "LeakyReLU":
        spec = ActivationSpec(spec.kind)  # alpha is LeakyReLU's only
    assert parse_stack(format_stack((spec,))) == (spec,)


@given(any_spec, st.integers(0, 999))
def test_parameter_count_is_what_the_arrays_hold(spec, seed):
    x, params, out_shape = _setup(spec, seed)
    held = 0 if params is None else sum(a.size for a in params.values())
    assert spec.parameter_count(x.shape) == held == spec.statistics(x.shape).get("CostParameter", 0)
    kernels = spec.kernels(params)
    assert kernels is None or (kernels.ndim == 4 and kernels.shape[0] == out_shape[0])


@given(any_spec, st.integers(0, 999))
def test_training_values_cover_what_the_forward_keeps_for_backward(spec, seed):
    x, params, out_shape = _setup(spec, seed)
    y, kept = spec.train_forward(x[None].astype(np.float32), params)
    kept_values = sum(a.size for a in (kept or []) if isinstance(a, np.ndarray))  # patch matrices, x_hat...
    assert spec.training_values(x.shape) >= x.size + y.size + kept_values


@given(any_spec, st.data())
def test_every_editor_setting_writes_what_it_reads_and_the_text_keeps_it(spec, data):
    """Each of the kind's FIELDS (what the network editor shows) names a setting of the
    spec; writing a value the editor offers (a choice, or within LIMITS) and reading it
    back gives that value, and the stack text keeps it."""
    names = {f.name for f in type(spec).FIELDS}
    assert len(names) == len(type(spec).FIELDS) and names <= set(type(spec).__dataclass_fields__)
    for field in type(spec).FIELDS:
        if not field.shown(spec):
            continue
        if field.control == "choice":
            value = data.draw(st.sampled_from(field.options))
        elif field.control == "bool":
            value = data.draw(st.booleans())
        else:
            allowed = type(spec).LIMITS[field.name]
            number = (st.integers(int(allowed.lo), min(int(allowed.hi), 6)) if field.control != "float"
                      else st.sampled_from([allowed.lo, (allowed.lo + allowed.hi) / 2, allowed.hi]))
            value = data.draw(st.tuples(number, number) if field.control == "pair" else number)
        edited = field.edited(spec, value)
        assert field.value(edited) == value, field.name
        edited.check_limits()
        assert field.value(parse_stack(format_stack((edited,)))[0]) == value, field.name
        if field.control == "pair":
            half = field.edited_half(spec, 1, value[1])
            assert field.value(half) == (field.value(spec)[0], value[1])


def test_every_kind_offers_a_layer_to_add_that_its_own_text_reads_back():
    from cnnlab.layers import ADDABLE
    assert {type(spec) for spec in ADDABLE} == set(KINDS)
    assert all(parse_stack(format_stack((spec,))) == (spec,) for spec in ADDABLE)
