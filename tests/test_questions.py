"""cnnlab/questions.py: every generated question's right answer checked against NumPy and
plain loops (tests/reference.py), never against the code that generated it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from cnnlab import questions as Q
from cnnlab.classic_filters import classic_kernel
from cnnlab.data import load_mnist
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack
from reference import conv_reference, pool_reference

NETWORKS = ["conv-16-5x5_max-2x2", "conv-8-3x3-s2x2_relu_max-2x2_conv-4-3x3-same",
            "conv-6-5x5-p2x2_tanh_max-3x3-s2x2_conv-4-3x3-d2x2_relu", "conv-4-3x3-g1_avg-2x2_conv-6-3x3_max-2x2"]


def stages_of(net, index=4, seed=0):
    return run(load_mnist().image(index), parse_stack(net), seed)


def by_kind(questions):
    return {q.kind: q for q in questions}


def loop_conv_shape(c_in, h, w, spec):
    """The output (M, Ho, Wo) by moving the window by hand, counting where it fits."""
    (ph, pw), (sh, sw), (dh, dw) = spec.pad(), spec.strides, spec.dilation
    kh, kw = spec.kernel_shape
    rows = sum(1 for top in range(0, h + 2 * ph, sh) if top + (kh - 1) * dh < h + 2 * ph)
    cols = sum(1 for left in range(0, w + 2 * pw, sw) if left + (kw - 1) * dw < w + 2 * pw)
    return (spec.out_maps, rows, cols)


@pytest.mark.parametrize("net", NETWORKS)
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_output_size_answer_is_the_shape_the_layer_gives(net, seed):
    stages = stages_of(net)
    q = by_kind(Q.generate(stages, seed))["output_size"]
    stage = stages[q.facts["layer"]]
    x = stages[stage.index - 1].output
    if stage.spec.kind == "Convolution":
        expected = conv_reference(x[None].astype(np.float64), stage.params["W"].astype(np.float64), None,
                                  stage.spec.pad(), stage.spec.strides, stage.spec.dilation, stage.spec.group)[0].shape
        assert expected == loop_conv_shape(*x.shape, stage.spec)
    else:
        spec = stage.spec
        expected = pool_reference(x[None].astype(np.float64), spec.kind, spec.kernel_shape, spec.stride(),
                                  spec.padding, spec.ignore_border)[0].shape
    assert q.right == " x ".join(str(n) for n in expected)
    assert len(set(q.options)) == 4 and sum(q.check(o) for o in q.options) == 1
    assert q.working[-1] == q.right  # the arithmetic ends at the answer


@pytest.mark.parametrize("net", NETWORKS)
def test_parameter_and_multiply_add_answers_count_weights_and_products_by_hand(net):
    stages = stages_of(net)
    for seed in range(4):
        qs = by_kind(Q.generate(stages, seed))
        p, m = qs["parameters"], qs["multiply_adds"]
        stage = stages[p.facts["layer"]]
        assert int(p.right.replace(",", "")) == sum(a.size for a in stage.params.values())
        stage = stages[m.facts["layer"]]
        # every output value: one multiply-add per kernel cell of its group's channels
        count = 0
        out_maps, ho, wo = stage.output.shape
        for _m in range(out_maps):
            for _i in range(ho):
                for _j in range(wo):
                    count += stage.params["W"].shape[1] * stage.params["W"].shape[2] * stage.params["W"].shape[3]
        assert int(m.right.replace(",", "")) == count


@pytest.mark.parametrize("net", NETWORKS)
@pytest.mark.parametrize("seed", [0, 3, 11])
def test_pixel_answer_is_the_sum_of_patch_times_kernel_plus_bias(net, seed):
    stages = stages_of(net, index=7)
    q = by_kind(Q.generate(stages, seed))["pixel"]
    stage = stages[q.facts["layer"]]
    m, i, j = q.facts["map"], q.facts["row"], q.facts["col"]
    x = stages[stage.index - 1].output.astype(np.float64)
    w, b = stage.params["W"], stage.params.get("b")
    (ph, pw), (sh, sw), (dh, dw) = stage.spec.pad(), stage.spec.strides, stage.spec.dilation
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    total = 0.0 if b is None else float(b[m])
    for c in range(w.shape[1]):
        for u in range(w.shape[2]):
            for v in range(w.shape[3]):
                total += float(w[m, c, u, v]) * xp[c, i * sh + u * dh, j * sw + v * dw]
    from cnnlab.explain import format_number
    assert q.right == format_number(np.float32(total))
    # the grids shown are that patch and that kernel
    assert np.allclose(q.grids["kernel"], w[m, 0])
    assert np.allclose(q.grids["patch"], xp[0, i * sh: i * sh + (w.shape[2] - 1) * dh + 1: dh,
                                           j * sw: j * sw + (w.shape[3] - 1) * dw + 1: dw])


@pytest.mark.parametrize("seed", range(6))
def test_max_window_answer_is_the_window_with_the_largest_value(seed):
    stages = stages_of("conv-8-3x3_relu_max-2x2", index=seed)
    q = by_kind(Q.generate(stages, seed))["max_window"]
    x = stages[q.facts["layer"] - 1].output
    maxima = []
    for r, c in q.facts["cells"]:
        maxima.append(max(x[q.facts["map"], 2 * r + u, 2 * c + v] for u in range(2) for v in range(2)))
        assert np.allclose(q.grids[Q.LETTERS[len(maxima) - 1]], x[q.facts["map"], 2 * r:2 * r + 2, 2 * c:2 * c + 2])
    assert len(set(maxima)) == 4
    assert q.right == Q.LETTERS[int(np.argmax(maxima))]


EXPECTED_EFFECT = {  # what each classic kernel does to a step (dark 0 | bright 1), by hand
    ("identity", "left_dark"): "unchanged", ("box blur", "left_dark"): "blurred",
    ("Gaussian", "top_bright"): "blurred", ("sharpen", "top_dark"): "overshoot",
    ("Sobel x", "left_dark"): "positive", ("Sobel x", "left_bright"): "negative",
    ("Sobel x", "top_dark"): "zero", ("Sobel y", "top_dark"): "positive", ("Sobel y", "left_dark"): "zero",
    ("Prewitt x", "left_bright"): "negative", ("Laplacian", "left_dark"): "both", ("Laplacian", "top_bright"): "both",
}


@pytest.mark.parametrize("case", sorted(EXPECTED_EFFECT))
def test_edge_effects_of_classic_kernels_on_a_step(case):
    name, edge = case
    image, kernel = Q.step_edge(edge), classic_kernel(name, 3).astype(np.float64)
    response = np.zeros((6, 6))
    for i in range(6):
        for j in range(6):
            response[i, j] = sum(image[i + u, j + v] * kernel[u, v] for u in range(3) for v in range(3))
    assert Q.edge_effect(image, response) == EXPECTED_EFFECT[case]


@pytest.mark.parametrize("seed", range(12))
def test_edge_question_answer_follows_the_loop_response(seed):
    q = Q.edge((), np.random.default_rng(seed))
    image, kernel = q.grids["image"], q.grids["kernel"]
    loop = np.array([[np.sum(image[i:i + 3, j:j + 3] * kernel) for j in range(6)] for i in range(6)])
    np.testing.assert_allclose(q.grids["response"], loop, atol=1e-6)
    assert q.right == Q.edge_effect(image, loop)
    assert set(q.options) <= set(Q.EFFECTS) and len(set(q.options)) == 4


def traced_field(specs, size=64):
    """The input rows and columns one centre output pixel reads, traced through the layers
    by plain loops on index sets (no padding: a big enough input)."""
    shape = size
    positions = []
    for spec in specs:
        positions.append(shape)
        if spec.kind in ("ReLU", "Tanh", "Sigmoid", "LeakyReLU"):
            continue
        k = spec.kernel_shape[0]
        d = getattr(spec, "dilation", (1, 1))[0]
        s = (spec.stride() if hasattr(spec, "stride") else spec.strides)[0]
        shape = (shape - ((k - 1) * d + 1)) // s + 1
    cells = {shape // 2}
    for spec in reversed(specs):
        if spec.kind in ("ReLU", "Tanh", "Sigmoid", "LeakyReLU"):
            continue
        k = spec.kernel_shape[0]
        d = getattr(spec, "dilation", (1, 1))[0]
        s = (spec.stride() if hasattr(spec, "stride") else spec.strides)[0]
        cells = {i * s + u * d for i in cells for u in range(k)}
    return max(cells) - min(cells) + 1


@given(hs.lists(hs.tuples(hs.sampled_from(["conv", "max", "relu"]), hs.integers(1, 5), hs.integers(1, 3),
                          hs.integers(1, 2)), min_size=1, max_size=4))
@settings(max_examples=60, deadline=None)
def test_receptive_field_size_matches_a_traced_window(layers):
    texts = []
    for kind, k, s, d in layers:
        if kind == "conv":
            texts.append(f"conv-2-{k}x{k}-s{s}x{s}-d{d}x{d}")
        elif kind == "max":
            texts.append(f"max-{k}x{k}-s{s}x{s}")
        else:
            texts.append("relu")
    specs = parse_stack("_".join(texts))
    (rh, rw), _ = Q.receptive_field_size(specs)
    assert rh == rw == traced_field(specs, size=400)


def test_receptive_field_question_on_the_app_s_network():
    stages = stages_of("conv-8-3x3-s2x2_relu_max-2x2_conv-4-3x3")
    for seed in range(5):
        q = by_kind(Q.generate(stages, seed))["receptive_field"]
        specs = [s.spec for s in stages[1:1 + q.facts["layers"]]]
        r = traced_field(specs, size=200)
        assert q.right == f"{r} x {r}"


def test_same_seed_same_questions_and_kinds_are_independent():
    stages = stages_of("conv-16-5x5_max-2x2")
    a, b = Q.generate(stages, 5), Q.generate(stages, 5)
    assert [(q.kind, q.options, q.answer) for q in a] == [(q.kind, q.options, q.answer) for q in b]
    assert [q.kind for q in a] == list(Q.KINDS)
    few = Q.generate(stages, 5, ("pixel", "edge"))
    assert [(q.options, q.answer) for q in few] == [(q.options, q.answer) for q in a if q.kind in ("pixel", "edge")]
    assert any(q.options != r.options for q, r in zip(a, Q.generate(stages, 6)))


def test_parse_kinds_refuses_anything_else():
    assert Q.parse_kinds("") == Q.KINDS
    assert Q.parse_kinds("pixel.output_size") == ("output_size", "pixel")
    for bad in ("pixel.pixel", "pixel.", "x", "pixel,edge", "PIXEL", "edge.\u202e"):
        with pytest.raises(ValueError):
            Q.parse_kinds(bad)


# --- the Predict tab (cnnlab/ui/questions.py) through AppTest --------------------------

from apptools import open_tab  # noqa: E402
from cnnlab.layers import BLOG_NETWORK  # noqa: E402
from cnnlab.ui.i18n import EN, JA  # noqa: E402

TAB = {"en": "Predict", "ja": "予想する"}
BY_HAND = {"output_size": {"16 x 24 x 24", "16 x 12 x 12"}, "parameters": {"416"}, "multiply_adds": {"230,400"},
           "receptive_field": {"6 x 6"}}  # the blog network: 16*25 + 16; 16*24*24*25; 1 + 4, + 1


def quiz_radio(at, kind):
    found = [r for r in at.radio if (r.key or "").startswith(f"quiz-{kind}-")]
    assert len(found) == 1, kind
    return found[0]


def marks(at):
    return [e.value for e in at.success], [e.value for e in at.error]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_wrong_answer_is_marked_wrong_and_the_right_one_right_for_every_kind(lang):
    seed = 4
    at = open_tab(TAB[lang], {"lang": lang, "quiz": str(seed)})
    expected = by_kind(Q.generate(run(load_mnist().image(4), BLOG_NETWORK, 0), seed))
    words = EN if lang == "en" else JA
    wrong_start, right_start = words["quiz.wrong"].split("{")[0], words["quiz.right"].split("{")[0]
    assert len(expected) >= 5
    for kind, q in expected.items():
        if kind in BY_HAND:
            assert q.right in BY_HAND[kind]
        radio = quiz_radio(at, kind)
        assert list(radio.options) == [
            (words[f"quiz.effect.{o}"] if kind == "edge" else o) for o in q.options]
        wrong = next(o for o in q.options if o != q.right)
        radio.set_value(wrong).run()
        successes, errors = marks(at)
        assert not successes and len(errors) == 1 and errors[0].startswith(wrong_start), (kind, errors)
        quiz_radio(at, kind).set_value(q.right).run()
        successes, errors = marks(at)
        assert not errors and len(successes) == 1 and successes[0].startswith(right_start), (kind, successes)
        quiz_radio(at, kind).set_value(None).run()  # as a fresh question for the next kind's marks
    # the score counts each question's first answer: all wrong
    score = words["quiz.score"].split("{")[0]
    line = next(m.value for m in at.markdown if m.value.startswith(score))
    assert line == words["quiz.score"].format(right=0, answered=len(expected), total=len(expected))


def test_the_link_chooses_the_question_set_and_kinds():
    at = open_tab("Predict", {"quiz": "9", "quiz_kinds": "pixel.edge"})
    assert sorted(r.key.split("-")[1] for r in at.radio if (r.key or "").startswith("quiz-")) == ["edge", "pixel"]
    expected = by_kind(Q.generate(run(load_mnist().image(4), BLOG_NETWORK, 0), 9))
    assert list(quiz_radio(at, "pixel").options) == list(expected["pixel"].options)
    at.button(key="quiz-new").click().run()
    assert at.query_params["quiz"] == "10"
    assert list(quiz_radio(at, "pixel").options) != list(expected["pixel"].options)


def test_hostile_question_values_in_the_link_are_refused():
    at = open_tab("Predict", {"quiz": "1e9", "quiz_kinds": "pixel.<b>x</b>"})
    assert {"quiz", "quiz_kinds"}.isdisjoint(at.query_params)
    assert len([r for r in at.radio if (r.key or "").startswith("quiz-")]) == len(Q.KINDS)
