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


# --- its explanation in an Affine's own words ----------------------------------------------

AFFINE_QUERY = {"more": "affine-10", "insp_layer": "3", "insp_map": "3", "insp_row": "0", "insp_col": "0",
                "slide": "true"}  # the blog's two layers, then Affine 10: its output 3
CONVOLUTION_WORDS = ("kernel", "Kernel", "patch", "Patch", "カーネル", "パッチ", "map 3", "row 0", "column 0",
                     "マップ 3", "行 0", "列 0")
AFFINE_WORDS = {"en": ("input values", "weights W[:, 3]", "input value x weight", "= output 3:",
                       "Output 3 reads all 2,304 input values (16 x 12 x 12), each times its own weight: W[:, 3], "
                       "column 3 of nnabla's W (2,304 inputs x 10 outputs)"),
                "ja": ("入力値", "重み W[:, 3]", "入力値 × 重み", "＝出力 3:",
                       "出力 3 は 2,304 個の入力値（16 x 12 x 12）をすべて読み、それぞれに自分の重みを掛けます。"
                       "重みは W[:, 3]、つまり nnabla の W（入力 2,304 x 出力 10）の列 3")}


def _affine_stages():
    from cnnlab.data import load_mnist
    from cnnlab.layers import ConvolutionSpec, PoolingSpec
    from cnnlab.pipeline import run
    return run(load_mnist().image(4), (ConvolutionSpec(), PoolingSpec(), AffineSpec(10)), 0)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_inspector_explains_an_affine_output_as_input_values_times_weights_not_a_kernel(lang):
    """The inspector's heading names output 3 (no map, row and column), its grids the input
    values, the weights W[:, 3] and their products, its caption W's column: no convolution word."""
    from apptools import open_tab, page_text, popover_labels
    from cnnlab.explain import format_number

    at = open_tab({"en": "Inspect a pixel", "ja": "ピクセルを調べる"}[lang], {**AFFINE_QUERY, "lang": lang})
    assert not at.exception and not at.error
    value = format_number(float(_affine_stages()[3].output[3, 0, 0]))
    title = {"en": f"**Affine**, output 3 = **{value}**", "ja": f"**Affine**、出力 3 = **{value}**"}[lang]
    [column] = [c for c in at.columns if title in page_text(c)]  # the explanation's column
    text = page_text(column)
    missing = [w for w in AFFINE_WORDS[lang] if w not in text]
    assert missing == [], text
    assert [w for w in CONVOLUTION_WORDS if w in text] == [], text
    # the sidebar's popover names the output likewise
    where = {"en": "layer 3, output 3", "ja": "層 3、出力 3"}[lang]
    assert any(label.endswith(where) for label in popover_labels(at)), popover_labels(at)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_player_and_the_worksheet_name_an_affine_s_parts(lang):
    """The sliding-window player (as the Maps tab sends it) titles its grids input values,
    weights W[:, 3] and their products and names its output "output 3"; the worksheet (CSV
    and page) the same, each CSV row's W_row the row of W its weight is, against a plain loop."""
    import json

    from apptools import open_tab
    from cnnlab import worksheet
    from cnnlab.explain import explain_pixel, format_number
    from cnnlab.ui.i18n import Text

    at = open_tab({"en": "Maps", "ja": "マップ"}[lang], {**AFFINE_QUERY, "lang": lang})
    assert not at.exception and not at.error
    [player] = [json.loads(el.proto.json) for el in at.get("bidi_component") if el.proto.id.endswith("-slide-3")]
    titles = [g["title"] for g in player["grids"]]
    assert titles == {"en": ["input values", "weights W[:, 3]", "input value x weight"],
                      "ja": ["入力値", "重み W[:, 3]", "入力値 × 重み"]}[lang]
    words = " ".join([*player["lines"], player["words"]["where"], player["words"]["output"]])
    assert {"en": "Output {map}", "ja": "出力 {map}"}[lang] in player["words"]["output"]
    assert [w for w in CONVOLUTION_WORDS if w in words] == [] and "row {row}" not in player["words"]["where"], words

    stages = _affine_stages()
    value = format_number(float(stages[3].output[3, 0, 0]))  # the Maps tab's inspected line names the output
    inspected = {"en": f"Inspected (boxed): **Affine**, output 3 = **{value}**",
                 "ja": f"調べているピクセル（枠）: **Affine**、出力 3 = **{value}**"}[lang]
    assert any(inspected in m.value for m in at.markdown)
    x, params = stages[2].output, stages[3].params
    step = explain_pixel(stages[3].spec, params, x, (3, 0, 0), stages[3].output)
    tx = Text(lang)
    title = tx("sheet.title", name="Affine", layer=3, place=stages[3].spec.place(tx, step.out))
    sheet = worksheet.worksheet_html(step, title, {k: tx(key) for k, key in worksheet.sheet_words(step).items()})
    assert {"en": "Affine (layer 3), output 3", "ja": "Affine（層 3）、出力 3"}[lang] in sheet
    assert {"en": "<h3>Weights W[:, 3]</h3>", "ja": "<h3>重み W[:, 3]</h3>"}[lang] in sheet
    assert [w for w in CONVOLUTION_WORDS if w in sheet] == []
    rows = worksheet.worksheet_csv(step).splitlines()
    assert rows[0] == "channel,input_row,input_column,W_row,input,weight,product"
    c_in, h, w = x.shape
    expected = [f"{c},{i},{j},{(c * h + i) * w + j},{format_number(x[c, i, j])},"
                f"{format_number(params['W'][(c * h + i) * w + j, 3])},"
                f"{format_number(float(x[c, i, j]) * float(params['W'][(c * h + i) * w + j, 3]))}"
                for c in range(c_in) for i in range(h) for j in range(w)]
    assert rows[1:-2] == expected
    assert rows[-1] == f"sum,,,,,,{format_number(float(stages[3].output[3, 0, 0]))}"
