"""The catalogue and the Japanese UI."""

import html
import re

import numpy as np

import pytest

from apptools import heatmap_by_key, layer_control, open_tab, popover_labels
from cnnlab.explain import explain_pixel
from cnnlab.ui.i18n import EN, JA, Text, browser_language
from cnnlab.layers import ADDABLE, BY_HEAD, KINDS
from cnnlab.ui.params import URL_PARAMS

NNC_NAMES = ("OutMaps", "KernelShape", "Strides", "Padding", "Dilation", "IgnoreBorder", "BorderMode",
             "WithBias", "W.Initializer", "IncludingPad")


def test_both_languages_have_the_same_keys_and_no_empty_entries():
    assert set(EN) == set(JA)
    assert all(v.strip() for v in EN.values()) and all(v.strip() for v in JA.values())
    for key in EN:  # the same placeholders, so every string formats in both
        if key.endswith(".formula"):  # LaTeX, never formatted: its braces are not placeholders
            continue
        assert set(re.findall(r"{(\w+)}", EN[key])) == set(re.findall(r"{(\w+)}", JA[key])), key


def test_every_control_has_a_label_and_help_in_both_languages():
    for key in URL_PARAMS:
        if key != "lang":
            assert f"{key}.label" in EN and f"{key}.help" in EN, key
    for kind in KINDS:  # every layer setting the network editor shows
        for field in kind.FIELDS:
            names = [f"{field.text}_h", f"{field.text}_w"] if field.control == "pair" else [field.text]
            assert all(f"{n}.label" in EN and f"{n}.help" in EN for n in names), (kind.kind, field.name)


def test_nnc_names_stay_as_nnc_spells_them():
    for name in NNC_NAMES:
        en = [k for k, v in EN.items() if k.endswith(".label") and name in v]
        assert all(name in JA[k] for k in en), name


def test_browser_language():
    assert browser_language("ja-JP") == "ja" and browser_language("ja") == "ja"
    assert browser_language("en-US") == "en" and browser_language(None) == "en"
    assert Text("fr").lang == "en"


def test_the_app_in_japanese():
    at = open_tab("ピクセルを調べる", {"lang": "ja"})
    assert not at.warning
    assert at.title[0].value == JA["app.title"]
    assert {"入力", "ネットワーク"} <= {h.value for h in at.header}
    assert {"表示", "学習", "その他の設定", "ピクセルを調べる: 層 1、マップ 0、行 14、列 10"} <= set(popover_labels(at))
    assert layer_control(at, 0, "kernel_shape-h").label == "KernelShape（高さ）"
    assert layer_control(at, 0, "out_maps").label == "OutMaps"
    assert at.text_input(key="net").label == "ネットワーク（テキスト）"
    assert at.selectbox(key="add-layer").placeholder == "追加する層を選ぶ"
    assert "マップ 0、行 14、列 10" in " ".join(m.value for m in at.markdown)
    assert at.segmented_control(key="lang").value == "ja"



def test_heatmap_hover_words_follow_the_language():
    at = open_tab("マップ", {"lang": "ja"})
    stage = heatmap_by_key(at, "chart-stage-1")
    assert stage["words"]["row"] == "行" and stage["words"]["click"] == JA["hover.click"] and stage["pick"]
    assert not heatmap_by_key(at, "chart-input")["pick"]  # the input is hovered, not inspected


def test_plural_forms_follow_the_number():
    tx = Text("en")
    assert tx("trained.settings", seed=1, epochs=1, images=2000) == "seed 1, 1 epoch, 2,000 images"
    assert tx("trained.settings", seed=1, epochs=3, images=2000) == "seed 1, 3 epochs, 2,000 images"
    assert Text("ja")("trained.settings", seed=1, epochs=3, images=2000) == "シード 1、3 エポック、2,000 枚"
    assert not [k for k, v in EN.items() if "(s)" in v]  # no "epoch(s)" left


def test_a_tampered_old_value_s_notice_names_the_value_actually_used():
    from apptools import layer_control, new_app
    at = new_app({"out_maps": "4.5"}).run()
    assert "`out_maps=4.5` (using `16`)" in at.warning[0].value
    assert layer_control(at, 0, "out_maps").value == 16 and at.text_input(key="net").value == "conv-16-5x5_max-2x2"


def test_a_dilated_kernel_that_does_not_fit_is_said_wholly_in_japanese():
    at = open_tab("Maps", {"lang": "ja", "net": "conv-8-15x5-d3x1"})
    message = at.error[0].value
    assert "KernelShape 15x5（Dilation で 43x5）が 28x28 の入力に収まりません" in message and "dilated" not in message


# One network per layer kind, inspected at its last layer (after a 4-map Convolution, so a
# convolution's pixel reads several channels), and the colour photo's 3 channels.
EVERY_KIND = {  # every kind the registry has, as "Add a layer" offers it, after a Convolution (so it has channels)
    **{f"{spec.kind} ({spec.token()})": {"net": f"conv-4-3x3_{spec.token()}", "insp_layer": "2"} for spec in ADDABLE},
    "Convolution": {"net": "conv-4-3x3_conv-2-3x3", "insp_layer": "2"},
    "DepthwiseConvolution x2": {"net": "conv-4-3x3_dwconv-3x3-x2", "insp_layer": "2"},
    "Deconvolution": {"net": "conv-4-3x3_deconv-2-3x3", "insp_layer": "2"},
    "colour photo": {"pick": "photo", "net": "conv-4-3x3", "insp_layer": "1"},
    "1x1 kernel": {"net": "conv-4-1x1_conv-2-1x1", "insp_layer": "1"},
}


def _kind_pages(lang: str, query: dict) -> str:
    """The Inspect and Maps tabs' main area (explanations, sums, grids, notices, labels and
    help) for these settings in this language; not the download popovers, which name the
    files' contents as the files do (CSV columns, NPZ entries)."""
    from apptools import page_text
    tabs = ("ピクセルを調べる", "マップ") if lang == "ja" else ("Inspect a pixel", "Maps")
    return "\n".join(page_text(open_tab(tab, {"lang": lang, **query}).main, popovers=False) for tab in tabs)


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_kind_s_inspector_and_explanation_in_japanese_has_no_english_outside_nnc_s_names(kind):
    from apptools import allowed_words
    allowed = allowed_words() | {"tanh", "exp", "if", "else"}  # the activations' formulas: x if x > 0 else 0.1 * x
    allowed |= {"Ctrl", "Enter", "JSON", "manifest"}  # keys; the whole-network NPZ's entries, named as in the file
    allowed |= {"sqrt", "beta", "gamma", "mean", "var"}  # BatchNormalization's formula, nnabla's parameter names
    text = _kind_pages("ja", EVERY_KIND[kind])
    assert "入力" in text, kind  # the pages were read, in Japanese
    text = re.sub(r"\b\w+_\w+\b|\blayer\d+(/\w+)+", "", text)  # the NPZ's entry names (stage_0, layer1/conv/W)
    heads = "|".join(sorted(BY_HEAD, key=len, reverse=True))
    text = re.sub(rf"\b({heads})(-[0-9a-z.]+)*\b", "", text)  # stack text
    english = {word for word in re.findall(r"[A-Za-z]+", text) if word not in allowed and len(word) > 1}
    assert english == set(), kind


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_kind_s_inspector_and_explanation_in_english_use_singular_for_one(kind):
    text = _kind_pages("en", EVERY_KIND[kind])
    assert "Receptive field" in text  # the inspector was drawn
    plural_after_one = re.findall(r"\b1 (?:more |input )?(?:kernels|maps|channels|pixels|values|cells|rows|columns|"
                                  r"layers|images|epochs|terms)\b|its own 1\b|\(s\)", text)
    assert plural_after_one == [], kind


def test_a_network_text_that_cannot_be_read_is_said_wholly_in_japanese():
    from apptools import new_app
    at = new_app({"lang": "ja", "net": "_".join(["relu"] * 13)}).run()
    assert "`net=` を使えなかった理由: 層は 12 個までです（13 個あります）。" in at.warning[0].value
    for text, reason in [("conv-16-5y5", "`conv-16-` の後には 5x5 のような KernelShape が来るはずですが、`5y5` になっています。"),
                         ("conv-999-5x5", "OutMaps 999 は 1〜256 の範囲外です。"),
                         ("relu-5", "層は `relu` で終わります")]:
        at.text_input(key="net").set_value(text).run()
        message = at.error[0].value
        assert f"1 番目の層（`{text}`）を読み取れません: {reason}" in message, message
        outside_the_visitor_s_text = re.sub(r"`[^`]*`", "", message)
        assert set(re.findall(r"[A-Za-z]{2,}", outside_the_visitor_s_text)) <= {"OutMaps", "KernelShape", "leaky",
                                                                               "alpha"}, message


# --- every kind's words, in both languages, from the kind itself ------------------------

def _every_spec():
    """Every kind the registry has, as "Add a layer" offers it, and variants that reach every
    sentence a kind's inspector can write (padding read, several channels, a Deconvolution's
    kernel cells between strides and past the input, an activation without a head)."""
    from cnnlab.layers import ActivationSpec, ConvolutionSpec, DeconvolutionSpec, PoolingSpec
    return (*ADDABLE, ConvolutionSpec(4, (3, 3), padding=(1, 1)), ConvolutionSpec(2, (3, 3), with_bias=False),
            DeconvolutionSpec(2, (3, 3), strides=(2, 2)), DeconvolutionSpec(2, (5, 5), strides=(3, 3), padding=(0, 0)),
            PoolingSpec("AveragePooling", (3, 3), padding=(1, 1)), ActivationSpec("Identity"))


class StrictText(Text):
    """tx that refuses a key its own language lacks (Text falls back to English) and keeps
    every text it wrote."""

    def __init__(self, lang):
        super().__init__(lang)
        self.written = []

    def __call__(self, key, /, **fmt):
        assert key in self.entries, (self.lang, key)
        text = super().__call__(key, **fmt)
        self.written.append(text)
        return text


def _kind_texts(lang: str, spec) -> tuple[list[str], list[str]]:
    """(what the page writes, with words from the catalogue) of one layer in `lang`: its
    settings' labels and help, what it does, the inspector's body at every output pixel of
    two maps, the player's words and the worksheet's; and the inspector's numbers lines
    (code: its own arithmetic, with the catalogue's words in it)."""
    from cnnlab import sliding_window, worksheet
    from cnnlab.mosaic import Display

    tx = StrictText(lang)
    for field in type(spec).FIELDS:
        for label, helptext in field.texts():
            tx(label), tx(helptext)
    tx(spec.explanation_key(), **vars(spec))
    x = np.random.default_rng(0).standard_normal((3, 6, 6)).astype(np.float32)
    params = spec.init_params(x.shape, np.random.default_rng(1))
    y = spec.forward(x[None], params)[0]
    written = []
    for m in range(min(2, y.shape[0])):
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                step = explain_pixel(spec, params, x, (m, i, j), y)
                for how, content in step.inspector_view(tx, x.shape):
                    written.append(re.sub(r"<[^>]+>", " ", html.unescape(content)) if how == "html" else content)
        tour = sliding_window.tour(spec, params, x, y, m, Display())
        for key in [*tour["lines"], *(grid["title"] for grid in tour["grids"]), *tour["words"].values()]:
            tx(key)
        for key in worksheet.sheet_words(step).values():
            tx(key)
    return tx.written, written


@pytest.mark.parametrize("spec", _every_spec(), ids=repr)
def test_every_kind_s_words_exist_in_both_languages_and_its_japanese_has_no_english(spec):
    """Each registered kind's settings, explanation, inspector (every pixel), player and
    worksheet words are looked up in the page's own language (a missing key fails here, not
    on a page), and the Japanese has no English word outside NNC's names and the formulas."""
    from apptools import allowed_words
    for lang in ("en", "ja"):
        words, shown = _kind_texts(lang, spec)
        assert words and shown, spec
    allowed = allowed_words() | {"x", "tanh", "exp", "if", "else", "sqrt", "beta", "gamma", "mean", "var"}
    allowed |= {"Glorot"}  # NNC's initialisers' family name
    allowed |= {o for kind in KINDS for field in kind.FIELDS for o in field.options}  # codes shown as they are
    text = re.sub(r"{\w+(:[^}]*)?}", "", "\n".join(words + shown))  # a template's placeholders
    english = {w for w in re.findall(r"[A-Za-z]+", text) if w not in allowed and len(w) > 1}
    assert english == set(), (spec, english)


def test_no_catalogue_key_is_built_by_string_formatting():
    """A tx() call's key is a literal or comes from a table of literals (or a kind's own
    method returning one), so `grep` finds where every key is used; the same for the
    browser's words (no template literal picks a word)."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[1]
    sources = [*root.joinpath("cnnlab").rglob("*.py"), root / "app.py"]
    formatted = [f"{p.relative_to(root)}:{n}" for p in sources
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"""\btx\(\s*f["']|\btx\([^)]*\.format\(|\btx\(\s*["'][^"']*["']\s*[+%]""", line)]
    assert formatted == []
    scripts = root.joinpath("cnnlab", "ui", "assets").glob("*.js")
    picked = [f"{p.name}:{n}" for p in scripts for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"\bw(ords)?\[`", line)]
    assert picked == []
