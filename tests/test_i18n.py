"""The catalogue and the Japanese UI."""

import re

from apptools import heatmap_by_key, layer_control, open_tab, popover_labels
from cnnlab.ui.i18n import EN, JA, Text, browser_language
from cnnlab.layers import KINDS
from cnnlab.ui.params import PARAMS

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
    for key in PARAMS:
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
