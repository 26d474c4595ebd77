"""The explanations agree with the engine: sums equal map values, receptive fields are
exactly the input cells that can change the output."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnlab import functions as F
from cnnlab.explain import (
    ConvolutionStep,
    PoolingStep,
    explain_pixel,
    format_number,
    kernel_texts,
    receptive_field,
    size_arithmetic,
    sum_lines,
    total_line,
)
from cnnlab.pipeline import run
from cnnlab.shapes import LayerShapeError
from cnnlab.layers import ActivationSpec, ConvolutionSpec, PoolingSpec

pairs = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))  # noqa: E731


@st.composite
def conv_specs(draw):
    group = draw(st.integers(1, 2))
    explicit = draw(st.booleans())
    return ConvolutionSpec(
        out_maps=group * draw(st.integers(1, 3)),
        kernel_shape=draw(pairs(1, 4)),
        border_mode=draw(st.sampled_from(["valid", "same", "full"])),
        padding=draw(pairs(0, 2)) if explicit else None,
        strides=draw(pairs(1, 3)),
        dilation=draw(pairs(1, 2)),
        group=group,
        with_bias=draw(st.booleans()),
        w_initializer="Normal",
    )


@st.composite
def pool_specs(draw):
    kernel = draw(pairs(1, 3))
    return PoolingSpec(
        kind=draw(st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"])),
        kernel_shape=kernel,
        strides=draw(st.one_of(st.none(), pairs(1, 3))),
        padding=(draw(st.integers(0, kernel[0] - 1)), draw(st.integers(0, kernel[1] - 1))),
        ignore_border=draw(st.booleans()),
        including_pad=draw(st.booleans()),
    )


layer_specs = st.one_of(conv_specs(), pool_specs(),
                        st.builds(ActivationSpec, st.sampled_from(["ReLU", "LeakyReLU", "Tanh", "Sigmoid"]),
                                  st.floats(0.01, 0.5)))


def _stack(specs, channels, hw, seed):
    image = np.random.default_rng(seed).standard_normal((channels, *hw)).astype(np.float32)
    stages = run(image, specs, seed)
    assume(all(s.error is None for s in stages))
    return stages


@given(st.lists(layer_specs, min_size=1, max_size=3), st.integers(1, 2), pairs(5, 12),
       st.integers(0, 999), st.data())
def test_every_pixel_explanation_equals_the_map_value(specs, channels, hw, seed, data):
    if any(isinstance(s, ConvolutionSpec) and s.group == 2 for s in specs):
        channels = 2
    try:
        stages = _stack(specs, channels, hw, seed)
    except LayerShapeError:
        assume(False)
    k = data.draw(st.integers(1, len(specs)))
    stage, prev = stages[k], stages[k - 1]
    out = tuple(data.draw(st.integers(0, n - 1)) for n in stage.shape)
    step = explain_pixel(stage.spec, stage.params, prev.output, out)
    expected = float(stage.output[out])
    assert step.value == pytest.approx(expected, rel=1e-5, abs=1e-5 * max(1.0, float(np.abs(stage.output).max())))
    if isinstance(step, ConvolutionStep):
        assert step.products.sum() + (step.bias or 0) == pytest.approx(step.value)
        assert len(sum_lines(step)) == len(step.channels)
    # given the layer's output, the step's value is the map's own: one value, written one way
    shown = explain_pixel(stage.spec, stage.params, prev.output, out, stage.output)
    assert shown.value == expected
    if isinstance(shown, ConvolutionStep):
        assert total_line(shown).endswith(f"= {format_number(expected)}")


@given(st.lists(st.one_of(conv_specs(), pool_specs()), min_size=1, max_size=3), pairs(5, 11),
       st.integers(0, 999), st.data())
def test_receptive_field_is_what_perturbations_reach(specs, hw, seed, data):
    channels = 2
    try:
        stages = _stack(specs, channels, hw, seed)
    except LayerShapeError:
        assume(False)
    k = len(specs)
    out = tuple(data.draw(st.integers(0, n - 1)) for n in stages[k].shape)
    field = receptive_field(specs, [s.output.shape for s in stages[:-1]], k, out)
    image = stages[0].output
    params = [s.params for s in stages[1:]]

    def forward(x):
        y = x[None]
        for spec, p in zip(specs, params):
            y = spec.forward(y.astype(np.float64), p)
        return y[0][out]

    base = forward(image.astype(np.float64))
    reached = np.zeros_like(field)
    for c, r, q in np.ndindex(*image.shape):
        for delta in (1e4, -1e4):
            x = image.astype(np.float64).copy()
            x[c, r, q] += delta
            if abs(forward(x) - base) > 1e-6 * (1 + abs(base)):
                reached[c, r, q] = True
    assert not (reached & ~field).any()  # nothing outside the field ever changes the output
    if len(specs) <= 2:
        # One or two layers: every cell in the field changes the output when pushed one way or the
        # other. (Deeper, max -> negative weight -> max can hide a cell from any single push.)
        np.testing.assert_array_equal(field, reached)


def test_the_seed_convolution_example_reads_like_the_post():
    x = np.zeros((1, 7, 7), dtype=np.float32)
    x[0, :3, :3] = np.arange(9).reshape(3, 3)
    w = np.arange(8, -1, -1, dtype=np.float32).reshape(1, 1, 3, 3)
    step = explain_pixel(ConvolutionSpec(1, (3, 3), strides=(2, 2), with_bias=False), {"W": w}, x, (0, 0, 0))
    assert sum_lines(step) == ["0*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 + 7*1 + 8*0 = 84"]
    assert step.value == 84


def test_the_seed_pooling_example_marks_the_8():
    x = np.zeros((1, 8, 8), dtype=np.float32)
    x[0, :2, :2] = [[1, 2], [7, 8]]
    step = explain_pixel(PoolingSpec(), None, x, (0, 0, 0))
    assert isinstance(step, PoolingStep)
    assert step.values.tolist() == [[1, 2], [7, 8]] and step.chosen == (1, 1) and step.value == 8


def test_padding_and_partial_windows_are_marked():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    step = explain_pixel(ConvolutionSpec(1, (3, 3), "same", w_initializer="Constant"),
                         {"W": np.ones((1, 1, 3, 3), np.float32)}, x, (0, 0, 0))
    assert step.padded((5, 5)).sum() == 5 and step.patch[0, 0, 0] == 0
    pool = explain_pixel(PoolingSpec("AveragePooling", (2, 2), None, (0, 0), ignore_border=False), None, x, (0, 2, 2))
    assert np.isnan(pool.values).sum() == 3 and pool.divisor == 1 and pool.value == 24


def test_long_sums_fold_per_channel():
    rng = np.random.default_rng(0)
    spec = ConvolutionSpec(2, (7, 7), w_initializer="Normal")
    w = rng.standard_normal((2, 3, 7, 7)).astype(np.float32)
    step = explain_pixel(spec, {"W": w, "b": np.zeros(2, np.float32)}, rng.random((3, 10, 10)), (1, 2, 3))
    lines = sum_lines(step)
    assert len(lines) == 3 and lines[2].startswith("channel 2: ")
    assert "... (34 more)" in lines[0] and lines[0].count("*") == 15


def test_size_arithmetic_with_current_numbers():
    assert size_arithmetic(ConvolutionSpec(), (1, 28, 28)) == [("H, W", "floor((28 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = 24")]
    assert size_arithmetic(PoolingSpec(), (16, 24, 24)) == [("H, W", "floor((24 + 2*0 - 2) / 2) + 1 = 12")]
    lines = size_arithmetic(PoolingSpec(kernel_shape=(3, 2), strides=(2, 2), ignore_border=False), (4, 7, 6))
    assert lines == [("H", "floor((7 + 0 - 1) / 2) + 1 = 4"), ("W", "floor((6 + 0 - 1) / 2) + 1 = 3")]
    assert F.max_pooling(np.zeros((1, 4, 7, 6)), (3, 2), (2, 2), ignore_border=False).shape[2:] == (4, 3)
    assert size_arithmetic(ActivationSpec(), (3, 5, 5)) == []


def test_one_number_format_in_the_formulas_and_the_grids_and_legible_cells():
    from cnnlab.figures import grid_html
    assert [format_number(v) for v in (0.000447, -0.0312, 84.0, -0.0, 1.23e-5)] == ["0.000447", "-0.0312", "84", "0",
                                                                                  "1.23e-05"]
    page = grid_html(np.array([[0.000447, 1.5]]), "patch")
    assert ">0.000447<" in page and ">1.5<" in page and "font-size:max(12px" in page


def test_a_whole_map_window_or_input_is_shown_as_its_first_32_rows_and_columns_and_a_folded_line():
    """A GlobalAveragePooling over a photo-sized map and an Affine over a photo-sized input:
    the inspector writes at most 32 x 32 cells a grid (then an ellipsis) and folds the
    window's line (was 6.7 MB and 39 MB of HTML for one pixel of the cat photo)."""
    from cnnlab.figures import grid_html
    from cnnlab.layers import AffineSpec, GlobalAveragePoolingSpec
    from cnnlab.ui.i18n import Text

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 100, 120)).astype(np.float32)
    tx = Text("en")
    gap = GlobalAveragePoolingSpec()
    step = explain_pixel(gap, None, x, (1, 0, 0), gap.forward(x[None], None)[0])
    blocks = dict((kind, body) for kind, body in step.inspector_view(tx, x.shape))
    total = 0.0
    for i in range(100):  # the mean as a plain loop
        for j in range(120):
            total += float(x[1, i, j])
    assert blocks["html"].count("<td") == 33 * 33 and blocks["html"].count("…") == 33 + 32
    assert blocks["code"].count(" + ") + blocks["code"].count(" - ") == 12 + 3  # 12 terms, the fold, 3 terms
    assert "... (11985 more)" in blocks["code"] and blocks["code"].endswith(f"/ 12000 = {format_number(total / 12000)}")
    affine = AffineSpec(10)
    params = affine.init_params(x.shape, rng)
    step = explain_pixel(affine, params, x, (4, 0, 0), affine.forward(x[None], params)[0])
    page = "".join(body for kind, body in step.inspector_view(tx, x.shape) if kind == "html")
    assert page.count("<td") == 2 * 3 * 33 * 33  # two channels: patch, weights, products, each 32 x 32 and the ellipses
    small = grid_html(np.arange(6.0).reshape(2, 3), "window")  # a small grid: every cell, no ellipsis
    assert small.count("<td") == 6 and "…" not in small


def test_kernels_with_exact_fractions_are_written_as_fractions():
    from cnnlab.classic_filters import classic_kernel, classic_weight
    from cnnlab.figures import grid_html

    box = classic_kernel("box blur", 3)
    assert (kernel_texts(box) == "1/9").all()  # not 0.111, whose nine add up to 0.999
    assert kernel_texts(classic_kernel("Gaussian", 3)).tolist() == [["1/16", "2/16", "1/16"], ["2/16", "4/16", "2/16"],
                                                                   ["1/16", "2/16", "1/16"]]
    assert (kernel_texts(classic_kernel("box blur", 5)) == "0.04").all()  # an exact, short decimal stays one
    assert kernel_texts(classic_kernel("Gaussian", 5))[2, 2] == "36/256"
    colour = classic_weight((2, 3, 3, 3))  # each filter divided among 3 channels, rounded twice in float32
    assert (kernel_texts(colour[1, 2]) == "1/27").all() and kernel_texts(colour[0, 0])[1, 1] == "1/3"
    assert kernel_texts(classic_kernel("Sobel x", 3)).tolist() == [["-1", "0", "1"], ["-2", "0", "2"], ["-1", "0", "1"]]
    typed = np.array([[0.5, -0.25], [0.1, 2]], np.float32)  # short decimals stay as they were typed
    assert kernel_texts(typed).tolist() == [["0.5", "-0.25"], ["0.1", "2"]]
    rng = np.random.default_rng(0)
    for _ in range(200):  # random weights keep the page's decimals
        w = rng.normal(scale=0.3, size=(5, 5)).astype(np.float32)
        assert kernel_texts(w).tolist() == [[format_number(v) for v in row] for row in w]
    x = np.ones((1, 3, 3), np.float32)
    step = explain_pixel(ConvolutionSpec(1, (3, 3), with_bias=False), {"W": box[None, None]}, x, (0, 0, 0))
    assert sum_lines(step) == [" + ".join(["1*(1/9)"] * 9) + " = 1"]
    assert grid_html(box, "kernel", texts=kernel_texts(box)).count(">1/9<") == 9


def test_negative_numbers_in_a_sum_are_subtracted_and_negative_weights_bracketed():
    from cnnlab.explain import ConvolutionStep, signed_sum, sum_lines, total_line
    assert signed_sum(["0.736", "0.0745", "-0.564"]) == "0.736 + 0.0745 - 0.564"
    assert signed_sum(["-1", "2"]) == "-1 + 2"
    patch = np.array([[[0.408, -0.5]]], dtype=np.float32)
    kernel = np.array([[[-0.0143, 0.25]]], dtype=np.float32)
    products = patch * kernel
    step = ConvolutionStep(out=(0, 0, 0), channels=(0,), rows=np.array([0]), cols=np.array([0, 1]), patch=patch,
                           kernel=kernel, products=products, bias=-0.5, value=float(products.sum() - 0.5))
    line = sum_lines(step)[0]
    assert line.startswith("0.408*(-0.0143) - 0.5*0.25 = ") and "+ -" not in line and "*-" not in line
    assert " - bias 0.5 = " in total_line(step) and "+ -" not in total_line(step)


@settings(max_examples=150, deadline=None)
@given(groups=st.sampled_from([1, 2]), maps_per_group=st.integers(1, 2), ch_per_group=st.integers(1, 2),
       h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       ph=st.integers(0, 3), pw=st.integers(0, 3), sh=st.integers(1, 3), sw=st.integers(1, 3),
       dh=st.integers(1, 3), dw=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_spread_windows_marks_exactly_the_cells_the_windows_read(groups, maps_per_group, ch_per_group, h, w, kh, kw,
                                                               ph, pw, sh, sw, dh, dw, seed):
    from cnnlab.explain import spread_windows
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if ho < 1 or wo < 1:
        return
    m, c = groups * maps_per_group, groups * ch_per_group
    mask = np.random.default_rng(seed).random((m, ho, wo)) < 0.3
    expected = np.zeros((c, h, w), dtype=bool)
    for o, i, j in zip(*np.nonzero(mask)):  # a plain loop over every window cell
        g = o // maps_per_group
        for u in range(kh):
            for v in range(kw):
                r, q = i * sh - ph + u * dh, j * sw - pw + v * dw
                if 0 <= r < h and 0 <= q < w:
                    expected[g * ch_per_group:(g + 1) * ch_per_group, r, q] = True
    got = spread_windows(mask, (c, h, w), (kh, kw), (ph, pw), (sh, sw), (dh, dw), groups)
    np.testing.assert_array_equal(got, expected)


# --- a kind with a step of its own: its views come with it -----------------------------

from dataclasses import dataclass as _dataclass  # noqa: E402

from cnnlab.explain import Step  # noqa: E402
from cnnlab.layers.base import LayerKind  # noqa: E402


@_dataclass(frozen=True)
class SquareStep(Step):
    """y = x * x, shown as its own views (a kind defined only in this test)."""

    out: tuple[int, int, int]
    x: float
    value: float

    def inspector_view(self, tx, in_shape):
        return [("markdown", f"**square** {format_number(self.x)}^2 = {format_number(self.value)}"),
                ("code", f"{format_number(self.x)} * {format_number(self.x)}")]

    def csv_rows(self):
        return [["x", "square"], [format_number(self.x), format_number(self.value)]]

    def sheet_html(self, words, exercise):
        return [f"<p>x = {format_number(self.x)}: {words['result']} = <b>{'' if exercise else format_number(self.value)}</b></p>"]

    def player(self, spec, params, x, size):
        return {"reduce": "function", "rows": [[i] for i in range(size[0])], "cols": [[j] for j in range(size[1])],
                "formula": "Square(x) = x * x", "grids": [], "lines": ["slide.function"]}


@_dataclass(frozen=True)
class SquareSpec(LayerKind):
    kind = "Square"

    def output_shape(self, in_shape):
        return in_shape

    def forward(self, x, params=None):
        return x * x

    def explain(self, params, x, out):
        return SquareStep(out, float(x[out]), float(x[out]) ** 2)

    def input_cells(self, mask, in_shape):
        return mask.copy()


def test_a_kind_with_its_own_step_is_shown_by_the_inspector_worksheet_and_player_unchanged():
    """A kind whose pixel fits none of the three step types brings its own step: the
    worksheet, the player's data and the inspector's body come from it, and nothing in
    cnnlab knows the kind."""
    from cnnlab import sliding_window, worksheet
    from cnnlab.mosaic import Display
    from cnnlab.ui.i18n import Text

    x = np.arange(12, dtype=np.float32).reshape(1, 3, 4) - 5
    spec = SquareSpec()
    step = explain_pixel(spec, None, x, (0, 1, 2), spec.forward(x[None])[0])
    assert step.value == 1.0 and step.x == 1.0
    assert worksheet.worksheet_csv(step) == "x,square\n1,1\n"
    assert "x = 1: r = <b>1</b>" in worksheet.worksheet_html(step, "t", {"result": "r"})
    tour = sliding_window.tour(spec, None, x, spec.forward(x[None])[0], 0, Display())
    assert tour["reduce"] == "function" and tour["lines"] == ["slide.function"] and tour["channels"] == [0]
    assert len(tour["rows"]) == 3 and len(tour["cols"]) == 4
    assert step.inspector_view(Text("ja"), x.shape)[1] == ("code", "1 * 1")


def _square_inspector() -> None:  # an AppTest script: the app's inspector view of a Square layer
    import numpy as np
    from cnnlab.mosaic import Display
    from cnnlab.pipeline import run
    from cnnlab.ui.i18n import Text
    from cnnlab.ui.inspector import Inspected, Pixel, inspector_view
    from test_explain import SquareSpec

    image = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    stages = run(image, [SquareSpec()], 0, budget=False)
    inspector_view(Text("en"), stages, Inspected.of(stages, [s.spec for s in stages[1:]], Pixel(1, 0, 2, 3)),
                   Display())


def test_the_inspector_draws_a_kind_s_own_step():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_square_inspector, default_timeout=60).run()
    assert not at.exception
    x = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)[2, 3]
    assert f"**square** {format_number(x)}^2 = {format_number(float(x) ** 2)}" in [m.value for m in at.markdown]
    assert at.code[0].value == f"{format_number(x)} * {format_number(x)}"
