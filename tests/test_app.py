"""app.py run by Streamlit's AppTest: the real script, real widgets, real charts."""

import re

import numpy as np
import pytest

from apptools import (heatmap_by_key, heatmap_values, layer_control, new_app, open_every_layer, open_tab, popover_labels,
                      preset_button)
from cnnlab.data import load_mnist
from cnnlab.explain import format_number
from cnnlab.heatmaps import colorize
from cnnlab.heatmaps import decode as decode_payload
from cnnlab.mosaic import tile
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack
from cnnlab.layers import ConvolutionSpec, PoolingSpec, BLOG_NETWORK


def subheaders(at):
    return [s.value for s in at.subheader]


# The first block's old controls, as the network editor's layer and setting.
CONTROL = {"out_maps": (0, "out_maps"), "kernel_h": (0, "kernel_shape-h"), "kernel_w": (0, "kernel_shape-w"),
           "stride_h": (0, "strides-h"), "stride_w": (0, "strides-w"), "dilation_h": (0, "dilation-h"),
           "pool_kernel_h": (1, "kernel_shape-h"), "pool_kernel_w": (1, "kernel_shape-w"),
           "pool_stride_h": (1, "strides-h"), "pool_stride_w": (1, "strides-w")}


def control(at, name):
    return layer_control(at, *CONTROL[name])


def test_defaults_show_the_seed_experiment_and_the_chart_numbers_are_the_engine_s():
    at = new_app()
    at.run()
    assert not at.exception
    assert "MNIST test index 4, label 4" in [c.value for c in at.caption]
    assert subheaders(at) == [
        "Input → 1 x 28 x 28",
        "Kernels (weights W) → 16 x 1 x 5 x 5",
        "Convolution → 16 x 24 x 24",
        "MaxPooling → 16 x 12 x 12",
    ]
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    for key, stage in (("chart-stage-1", stages[1]), ("chart-stage-2", stages[2])):
        z = heatmap_values(at, key)
        expected = tile(stage.output, 8).z
        assert z.shape == expected.shape
        np.testing.assert_array_equal(np.isnan(z), np.isnan(expected))
        np.testing.assert_allclose(z[~np.isnan(z)], expected[~np.isnan(expected)], rtol=1e-6, atol=1e-6)
        tiling = heatmap_by_key(at, key)["tile"]  # what the browser uses to name the cell under the cursor
        h, w = tiling["h"], tiling["w"]
        m = (20 // (h + 1)) * tiling["columns"] + 30 // (w + 1)  # mosaic cell (20, 30): map 1 (conv) or 10 (pooled)
        assert stage.output[m, 20 % (h + 1), 30 % (w + 1)] == pytest.approx(z[20, 30], abs=1e-6)
    input_z = heatmap_values(at, "chart-input")
    np.testing.assert_allclose(input_z, load_mnist().images[4] / 255, atol=1e-6)
    markdown = " ".join(m.value for m in at.markdown)
    assert "floor((28 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = 24" in markdown
    assert "floor((24 + 2*0 - 2) / 2) + 1 = 12" in markdown
    # the default inspected pixel, boxed on the maps, with its value in the network line
    value = format_number(stages[1].output[0, 14, 10])
    assert f"**Convolution**, map 0, row 14, column 10 = **{value}**" in markdown


@pytest.mark.parametrize(
    "changes, conv_shape, pool_shape",
    [
        ({"out_maps": 32}, "32 x 24 x 24", "32 x 12 x 12"),
        ({"kernel_h": 3, "kernel_w": 7}, "16 x 26 x 22", "16 x 13 x 11"),
        ({"stride_h": 2, "stride_w": 3}, "16 x 12 x 8", "16 x 6 x 4"),
        ({"pool_kernel_h": 3, "pool_stride_h": 3, "pool_kernel_w": 3, "pool_stride_w": 1}, "16 x 24 x 24", "16 x 8 x 22"),
        ({"dilation_h": 2}, "16 x 20 x 24", "16 x 10 x 12"),
    ],
)
def test_changing_controls_changes_shapes_as_the_formula_says(changes, conv_shape, pool_shape):
    at = new_app()
    at.run()
    for key, value in changes.items():
        control(at, key).set_value(value)
    at.run()
    assert not at.exception
    assert f"Convolution → {conv_shape}" in subheaders(at)
    assert any(s.endswith(pool_shape) and s.startswith("MaxPooling") for s in subheaders(at))


def test_border_mode_same_and_pooling_choice():
    at = new_app()
    at.run()
    at.selectbox(key="add-layer").set_value("relu").run()  # added at the end ...
    at.button(key="up-2").click().run()  # ... and moved before the pooling
    layer_control(at, 0, "border_mode").set_value("same")
    layer_control(at, 2, "kind").set_value("AveragePooling")
    at.run()
    assert subheaders(at)[2:] == ["Convolution → 16 x 28 x 28", "ReLU → 16 x 28 x 28", "AveragePooling → 16 x 14 x 14"]
    assert at.text_input(key="net").value == "conv-16-5x5-same_relu_avg-2x2"
    relu = heatmap_values(at, "chart-stage-2")
    assert np.nanmin(relu) >= 0
    assert not layer_control(at, 2, "including_pad").disabled


def test_secondary_groups_say_what_is_not_at_its_default():
    at = new_app({"dilation_h": "2", "border_mode": "same", "color_scale": "diverging", "more": "relu"}).run()
    def layer_labels():
        return [label for label in popover_labels(at) if label.startswith("More settings")]
    assert layer_labels()[:2] == ["More settings: Dilation 2,1", "More settings"]  # the pooling's at its defaults
    assert "Display: Colour scale diverging" in popover_labels(at)
    layer_control(at, 0, "dilation-h").set_value(1).run()
    assert layer_labels()[0] == "More settings"
    layer_control(at, 0, "with_bias").set_value(False).run()
    assert layer_labels()[0] == "More settings: WithBias False"


def test_settings_that_do_not_apply_are_not_offered():
    at = open_every_layer(new_app({"net": "conv-16-5x5_relu_max-2x2"}).run())
    keys = {w.key for kind in ("slider", "selectbox", "toggle", "number_input") for w in at.get(kind)}
    for n, field in [(0, "padding-h"), (1, "alpha"), (2, "including_pad")]:  # BorderMode valid, ReLU, MaxPooling
        assert not any(k.startswith(f"edit-{n}-") and k.endswith(f"-{field}") for k in keys if k)
    assert "edit-2-PoolingSpec-padding-h" in keys
    layer_control(at, 0, "border_mode").set_value("explicit").run()  # Padding shown, as valid gave it
    assert layer_control(at, 0, "padding-h").value == 0 and at.text_input(key="net").value.startswith("conv-16-5x5-p0x0")
    layer_control(at, 1, "kind").set_value("LeakyReLU").run()
    assert layer_control(at, 1, "alpha").value == 0.1
    layer_control(at, 2, "kind").set_value("AveragePooling").run()
    assert layer_control(at, 2, "including_pad").value is True
    at.button(key="del-2").click().run()  # no pooling: remove the layer
    assert subheaders(at)[-1] == "LeakyReLU → 16 x 24 x 24"


def test_impossible_settings_show_a_message_not_an_exception():
    at = new_app()
    at.run()
    control(at, "kernel_h").set_value(15)
    control(at, "dilation_h").set_value(3)  # 43 rows of kernel on a 28-row input
    at.run()
    assert not at.exception
    assert "KernelShape 15x5 (dilated to 43x5) does not fit the 28x28 input" in at.error[0].value
    assert subheaders(at) == ["Input → 1 x 28 x 28"]
    control(at, "dilation_h").set_value(1)
    control(at, "pool_kernel_h").set_value(15)
    at.run()
    assert not at.exception
    assert "Pooling KernelShape 15x2 does not fit the 14x24 input" in at.error[0].value
    assert "Convolution → 16 x 14 x 24" in subheaders(at)  # earlier stages stay


def test_url_parameters_set_the_view():
    at = new_app({"out_maps": "8", "kernel_h": "3", "kernel_w": "3", "pick": "index", "index": "123",
                  "pooling": "SumPooling", "seed": "7"})
    at.run()
    assert not at.exception
    assert not at.warning
    assert control(at, "out_maps").value == 8
    assert at.number_input(key="index").value == 123
    assert at.query_params["net"] == "conv-8-3x3_sum-2x2" and "out_maps" not in at.query_params  # one list now
    assert "Convolution → 8 x 26 x 26" in subheaders(at)
    assert "SumPooling → 8 x 13 x 13" in subheaders(at)
    stages = run(load_mnist().image(123), (ConvolutionSpec(8, (3, 3)), PoolingSpec("SumPooling")), seed=7)
    z = heatmap_values(at, "chart-stage-2")
    np.testing.assert_allclose(z[~np.isnan(z)], tile(stages[2].output, 8).z[~np.isnan(z)], rtol=1e-5, atol=1e-5)


def test_tampered_url_values_fall_back_with_a_notice():
    at = new_app({"out_maps": "9999", "kernel_h": "abc", "pooling": "<script>", "with_bias": "maybe", "seed": "3"})
    at.run()
    assert not at.exception
    notice = at.warning[0].value
    for bad in ("out_maps=9999", "kernel_h=abc", "pooling=<script>", "with_bias=maybe"):
        assert bad in notice
    assert "seed" not in notice
    assert control(at, "out_maps").value == 16 and control(at, "kernel_h").value == 5
    assert at.number_input(key="seed").value == 3
    assert "MaxPooling → 16 x 12 x 12" in subheaders(at)


def test_new_random_weights_button_changes_the_kernels():
    at = new_app()
    at.run()
    before = heatmap_values(at, "chart-kernels-1")
    at.button(key="seed-new").click().run()
    assert at.number_input(key="seed").value == 1
    after = heatmap_values(at, "chart-kernels-1")
    assert not np.array_equal(np.nan_to_num(before), np.nan_to_num(after))


def test_digit_and_example_pick_the_right_test_image():
    at = new_app()
    at.run()
    at.selectbox(key="digit").set_value(7)
    at.number_input(key="example").set_value(2)
    at.run()
    index = int(load_mnist().indices_of(7)[2])
    z = heatmap_values(at, "chart-input")
    np.testing.assert_allclose(z, load_mnist().images[index] / 255, atol=1e-6)
    at.number_input(key="example").set_value(1134)
    at.selectbox(key="digit").set_value(5)
    at.run()
    assert "Digit 5 has 892 examples" in at.info[0].value


# --- the pixel inspector ---------------------------------------------------------------

def inspect_app(query=None):
    return open_tab("Inspect a pixel", query)


def test_inspector_explains_the_default_pixel_with_the_engine_s_numbers():
    at = inspect_app()
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    value = float(stages[1].output[0, 14, 10])
    markdown = " ".join(m.value for m in at.markdown)
    assert f"**Convolution**, map 0, row 14, column 10 = **{format_number(value)}**" in markdown
    assert f"= {format_number(value)}`" in markdown  # the total line ends with the map's value
    line = at.code[0].value
    assert line.count("*") == 25 and line.startswith("0*")  # the patch's top rows are background
    # the receptive field is tinted on the input, the kernel of map 0 is boxed on the Maps tab
    at.session_state["view"] = "Maps"
    at.run()
    rgba, values = decode_payload(heatmap_by_key(at, "chart-input"))
    tint = (rgba[..., :3] != colorize(values, 0.0, 1.0, "gray")[..., :3]).any(axis=-1)
    assert tint.sum() == 25 and tint[14, 10] and tint[18, 14] and not tint[13, 10]
    assert heatmap_by_key(at, "chart-input")["boxes"] == [[14, 10, 18, 14]]
    assert heatmap_by_key(at, "chart-kernels-1")["boxes"] == [[0, 0, 4, 4]]  # kernel 0
    assert heatmap_by_key(at, "chart-stage-1")["boxes"] == [[14, 10, 14, 10]]  # the pixel


def test_inspector_from_the_url_explains_a_pooled_pixel():
    at = inspect_app({"insp_layer": "2", "insp_map": "3", "insp_row": "5", "insp_col": "7"})
    assert not at.warning
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    window = stages[1].output[3, 10:12, 14:16]
    expected = f"max({', '.join(f'{v:.3g}' for v in window.ravel())}) = {float(window.max()):.3g}"
    assert at.code[0].value == expected
    assert float(stages[2].output[3, 5, 7]) == float(window.max())
    assert "Receptive field: 36 input pixels" in " ".join(c.value for c in at.caption)
    at.session_state["view"] = "Maps"
    at.run()
    # the 2x2 window on map 3 of the convolution (mosaic columns 3*25 + 14..15)
    assert heatmap_by_key(at, "chart-stage-1")["boxes"] == [[10, 3 * 25 + 14, 11, 3 * 25 + 15]]


def test_inspector_switching_layer_keeps_the_place_and_clamps_with_a_note():
    at = inspect_app()
    at.radio(key="insp_layer").set_value(2).run()
    assert (at.number_input(key="insp_row").value, at.number_input(key="insp_col").value) == (7, 5)
    at.number_input(key="insp_row").set_value(40).run()
    assert "Row 40 is outside this layer (0-11); showing 11." in at.info[0].value
    assert "Inspect a pixel: layer 2, map 0, row 11, column 5" in popover_labels(at)
    assert "row 11, column 5" in " ".join(m.value for m in at.markdown)


def test_inspector_activation_pixel_shows_the_function():
    at = inspect_app({"activation": "LeakyReLU", "alpha": "0.2", "insp_layer": "2"})
    conv = run(load_mnist().image(4), (ConvolutionSpec(),), 0)[1].output
    x = float(conv[0, 14, 10])
    y = x if x > 0 else 0.2 * x
    assert f"LeakyReLU(x) = x if x > 0 else 0.2 * x: LeakyReLU({format_number(x)}) = **{format_number(y)}**" in " ".join(
        m.value for m in at.markdown)


# --- uploads ------------------------------------------------------------------------

def _encoded(img, fmt="PNG", **save):
    import io
    buf = io.BytesIO()
    img.save(buf, format=fmt, **save)
    return buf.getvalue()


def _digit_on_paper(size=(90, 120)):
    from PIL import Image, ImageDraw
    img = Image.new("L", size, 255)
    ImageDraw.Draw(img).line((45, 10, 45, 100), fill=0, width=9)
    return img


def upload(at, name, data, mime="image/png"):
    at.file_uploader(key="upload").upload(name, data, mime).run()
    assert not at.exception
    return at


def uploaded_input(at):
    return heatmap_values(at, "chart-input")


def test_uploaded_digit_is_prepared_like_mnist_and_runs_through_the_layers():
    from cnnlab.data import prepare_upload
    data = _encoded(_digit_on_paper())
    at = upload(new_app({"pick": "upload"}).run(), "one.png", data)
    assert not at.error
    np.testing.assert_allclose(uploaded_input(at), prepare_upload(data), atol=1e-6)
    assert "Convolution → 16 x 24 x 24" in subheaders(at)
    assert "`one.png`, as the network sees it (28 x 28)" in [c.value for c in at.caption]


@pytest.mark.parametrize("make", [
    lambda img: _encoded(img.point(lambda v: v * 257, "I").convert("I;16")),  # 16-bit
    lambda img: _encoded(img.convert("RGBA")),
    lambda img: _encoded(img.convert("RGB"), "JPEG", quality=95),
    lambda img: _encoded(img.convert("P")),
])
def test_odd_but_valid_uploads_work(make):
    at = upload(new_app({"pick": "upload"}).run(), "digit.png", make(_digit_on_paper()))
    assert not at.error
    z = uploaded_input(at)
    assert z.shape == (28, 28) and z.max() > 0.5 and z[0, 0] == 0  # white digit on black


def test_exif_rotated_photo_is_turned_upright_first():
    from PIL import Image
    img = _digit_on_paper().transpose(Image.Transpose.ROTATE_90)  # 90x120 upright, stored lying down
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display": upright again
    at = upload(new_app({"pick": "upload", "mnist_style": "false"}).run(), "photo.jpg",
                _encoded(img.convert("RGB"), "JPEG", exif=exif.tobytes()), "image/jpeg")
    z = uploaded_input(at)
    assert z.shape == (120, 90)  # upright: taller than wide (as it is: under 256 a side)


@pytest.mark.parametrize("data, message", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "could not be read"),  # truncated
    (b"just text", "could not be read"),
])
def test_broken_uploads_get_a_message_and_keep_the_settings(data, message):
    at = new_app({"pick": "upload", "out_maps": "8"}).run()
    at = upload(at, "broken.png", data)
    assert message in at.error[0].value and "your other settings are kept" in at.error[0].value
    assert "Convolution → 8 x 24 x 24" in subheaders(at)


def test_huge_upload_is_refused_before_decoding():
    from PIL import Image
    at = upload(new_app({"pick": "upload"}).run(), "huge.png", _encoded(Image.new("1", (8000, 6000), 1)))
    assert "6000 x 8000 pixels (height x width); at most 40 million" in at.error[0].value


# --- deeper stacks and training -------------------------------------------------------

LENET_MORE = "conv-8-5x5_relu_max-2x2"


def test_a_stack_from_the_url_shows_every_stage_and_inspects_the_deepest():
    at = inspect_app({"activation": "ReLU", "more": LENET_MORE, "insp_layer": "6", "insp_map": "2",
                      "insp_row": "1", "insp_col": "2"})
    assert not at.error
    assert "Receptive field: 256 input pixels" in " ".join(c.value for c in at.caption)  # 16x16 window
    at.session_state["view"] = "Maps"
    at.run()
    assert subheaders(at)[2:] == ["Convolution → 16 x 24 x 24", "ReLU → 16 x 24 x 24", "MaxPooling → 16 x 12 x 12",
                                  "Convolution → 8 x 8 x 8", "ReLU → 8 x 8 x 8", "MaxPooling → 8 x 4 x 4"]


LENET = "conv-16-5x5_relu_max-2x2_" + LENET_MORE


def test_presets_and_add_a_layer_edit_the_whole_network():
    at = new_app().run()
    preset_button(at, "lenet").click().run()
    assert at.text_input(key="net").value == LENET and layer_control(at, 1, "kind").value == "ReLU"
    assert at.query_params["net"] == LENET
    assert subheaders(at)[-1] == "MaxPooling → 8 x 4 x 4"
    at.selectbox(key="add-layer").set_value("relu").run()
    assert at.text_input(key="net").value == LENET + "_relu" and at.selectbox(key="add-layer").value is None
    at.button(key="del-6").click().run()
    assert at.text_input(key="net").value == LENET
    preset_button(at, "allconv").click().run()
    assert subheaders(at)[2:] == ["Convolution → 16 x 14 x 14", "ReLU → 16 x 14 x 14", "Convolution → 16 x 7 x 7",
                                  "ReLU → 16 x 7 x 7", "AveragePooling → 16 x 1 x 1"]
    preset_button(at, "blog").click().run()
    assert subheaders(at)[2:] == ["Convolution → 16 x 24 x 24", "MaxPooling → 16 x 12 x 12"]


def test_bad_stack_text_and_too_small_stages_get_messages():
    at = new_app({"more": "conv-8-5x5_frobnicate"}).run()
    assert not at.exception
    assert "`more=conv-8-5x5_frobnicate` (using `\"\"`)" in at.warning[0].value  # out of the link
    assert "more" not in at.query_params and at.text_input(key="net").value == "conv-16-5x5_max-2x2"
    assert subheaders(at)[-1] == "MaxPooling → 16 x 12 x 12"
    at = new_app({"net": "conv-8-5x5_frobnicate"}).run()
    assert "`net=conv-8-5x5_frobnicate` (using `conv-16-5x5_max-2x2`)" in at.warning[0].value
    assert "net" not in at.query_params and subheaders(at)[-1] == "MaxPooling → 16 x 12 x 12"
    at.text_input(key="net").set_value("conv-8-5x5_relu").run()
    at.text_input(key="net").set_value("conv-8-5x5_frobnicate").run()  # typed: kept, with the reason
    assert "Layer 2 (`frobnicate`) is not understood" in at.error[0].value
    assert "the last one that was is shown" in at.error[0].value
    assert at.text_input(key="net").value == "conv-8-5x5_frobnicate"
    assert subheaders(at)[-1] == "ReLU → 8 x 24 x 24"  # the last network that could be read
    at = new_app({"net": "conv-16-5x5_max-2x2_conv-8-13x13_relu"}).run()
    assert "KernelShape 13x13 does not fit the 12x12 input" in at.error[0].value
    assert subheaders(at)[-1] == "MaxPooling → 16 x 12 x 12"


def trained(query: dict, view: str = "Trained"):
    """app.py with these settings, its training asked for on the Trained tab and waited for
    (the worker trains off the script), then run again on `view`."""
    import time
    from cnnlab.training_service import TrainingKey
    from cnnlab.ui.compute import training_service
    at = open_tab("Trained", query)
    key = TrainingKey(parse_stack(at.text_input(key="net").value), int(query["max_epoch"]), int(query.get("seed", 0)),
                      int(query["train_images"]))
    end = time.monotonic() + 180
    while training_service().finished(key) is None:
        assert time.monotonic() < end and not at.exception, "the training did not finish"
        time.sleep(0.1)
    at.session_state["view"] = view
    at.run()
    return at, training_service().finished(key)


def test_training_from_the_app_compares_untrained_and_trained():
    query = {"activation": "ReLU", "more": LENET_MORE, "max_epoch": "1", "train_images": "2000"}
    at = open_tab("Trained", query)
    status = [p.proto.text for p in at.get("progress")] + [i.value for i in at.info]  # running or queued
    assert len(status) == 1 and "seed 0, 1 epoch, 2,000 images" in status[0]  # the page is not held while it trains
    assert any(b.key == "train-cancel" for b in at.button)
    at, job = trained(query)
    markdown = " ".join(m.value for m in at.markdown)
    assert "Trained with seed 0, 1 epoch, 2,000 images in" in markdown and "test accuracy" in markdown
    accuracy = float(markdown.split("test accuracy ")[1].split("%")[0])
    assert accuracy > 30 and accuracy == pytest.approx(100 * job.result.accuracy, abs=0.006)
    assert "Prediction for this input after epoch 1: **" in markdown
    before = heatmap_values(at, "chart-untrained-kernels-1")
    after = heatmap_values(at, "chart-trained-kernels-1")
    assert before.shape == after.shape and not np.allclose(np.nan_to_num(before), np.nan_to_num(after))
    labels = [c.value for c in at.caption if c.value.startswith("Closest classic filter of each kernel")]
    assert len(labels) == 1 and labels[0].count("·") == 15  # the 16 learned 5x5 kernels of layer 1
    assert trained(query)[1] is job  # kept: not trained again


def test_until_a_training_reports_a_number_the_page_says_what_is_happening_in_both_languages():
    """No placeholder that reads as a result ("0 trainings before yours", "batch 0/1, loss 0.000")."""
    import time
    from cnnlab.training_service import TrainingKey
    from cnnlab.ui.compute import training_service
    words = {"en": ("Trained", "Starting the training: seed", "Training started: waiting for its first loss",
                    "Training: epoch 1/1, batch 16/16"),
             "ja": ("学習後", "学習を始めています: シード", "学習を開始しました: 最初の損失",
                    "学習中: エポック 1/1、バッチ 16/16")}
    for seed, (lang, (tab, starting, first, reported)) in enumerate(words.items(), start=31):
        query = {"lang": lang, "net": "conv-2-3x3_max-2x2", "max_epoch": "1", "train_images": "1000", "seed": str(seed)}
        at = open_tab(tab, query)
        key = TrainingKey(parse_stack(query["net"]), 1, seed, 1000)
        seen, end = [], time.monotonic() + 120
        while training_service().finished(key) is None:
            assert time.monotonic() < end and not at.exception, "the training did not finish"
            seen += [p.proto.text for p in at.get("progress")] + [i.value for i in at.info]
            at.run()
        for status in seen:  # the queue's place or what the training is doing, then its numbers
            assert re.match(rf"({starting}|{first}|{reported}|Waiting: [1-9]|待機中: このサーバーであなたの前に [1-9])",
                            status), status
        assert re.match(f"{starting}|{first}", seen[0]) or re.match("Waiting|待機中", seen[0])
        assert any(re.match(f"{starting}|{first}", s) for s in seen)


def test_trained_tab_explains_when_nothing_is_trained():
    at = open_tab("Trained")
    assert "Set Max Epoch above 0" in at.info[0].value
    assert at.number_input(key="train_images").disabled


# --- no setting ever gives a traceback ------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnnlab.ui.params import LEGACY, URL_PARAMS  # noqa: E402

FUZZED = ["out_maps", "kernel_h", "kernel_w", "border_mode", "pad_h", "pad_w", "stride_h", "stride_w",
          "dilation_h", "dilation_w", "with_bias", "initializer", "activation", "pooling", "pool_kernel_h",
          "pool_kernel_w", "pool_stride_h", "pool_stride_w", "pool_pad_h", "pool_pad_w", "ignore_border",
          "including_pad", "insp_layer", "insp_map", "insp_row", "insp_col", "normalization", "color_scale"]


def _value(key):
    p = URL_PARAMS.get(key) or LEGACY[key]
    if p.value_type == "choice":
        return st.sampled_from(p.options)
    if p.value_type == "bool":
        return st.sampled_from(["true", "false"])
    hi = min(int(p.hi), 40) if key != "out_maps" else 64
    return st.integers(int(p.lo), hi).map(str)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries({}, optional={k: _value(k) for k in FUZZED}),
       st.sampled_from(["Maps", "Inspect a pixel"]))
def test_any_combination_of_settings_runs_without_a_traceback(query, view):
    at = open_tab(view, query)  # asserts no exception
    assert at.subheader or at.error or at.markdown


def test_the_layer_editor_edits_moves_and_removes_any_layer():
    at = new_app({"activation": "ReLU", "more": LENET_MORE}).run()
    assert [e.label for e in at.expander] == ["1. Convolution", "2. ReLU", "3. MaxPooling", "4. Convolution",
                                              "5. ReLU", "6. MaxPooling"]
    assert "`conv-8-5x5`" not in {c.value for c in at.caption}  # a closed layer builds nothing
    open_every_layer(at)
    assert {"`conv-8-5x5`", "`relu`", "`max-2x2`"} <= {c.value for c in at.caption}  # each layer's text inside
    layer_control(at, 3, "out_maps").set_value(12).run()
    assert at.text_input(key="net").value == "conv-16-5x5_relu_max-2x2_conv-12-5x5_relu_max-2x2"
    assert "Convolution → 12 x 8 x 8" in subheaders(at)
    layer_control(at, 3, "kernel_shape-h").set_value(3)
    layer_control(at, 3, "kernel_shape-w").set_value(3).run()
    layer_control(at, 3, "border_mode").set_value("same").run()
    assert at.text_input(key="net").value == "conv-16-5x5_relu_max-2x2_conv-12-3x3-same_relu_max-2x2"
    at.button(key="up-5").click().run()
    assert at.text_input(key="net").value == "conv-16-5x5_relu_max-2x2_conv-12-3x3-same_max-2x2_relu"
    for _ in range(3):
        at.button(key="del-0").click().run()
    layer_control(at, 1, "kind").set_value("AveragePooling").run()
    assert at.text_input(key="net").value == "conv-12-3x3-same_avg-2x2_relu"
    assert subheaders(at)[2:] == ["Convolution → 12 x 28 x 28", "AveragePooling → 12 x 14 x 14",
                                  "ReLU → 12 x 14 x 14"]
    assert not at.exception


def test_a_training_over_the_budget_is_refused_with_the_numbers():
    at = open_tab("Trained", {"out_maps": "256", "max_epoch": "10", "train_images": "20000"})
    warning = at.warning[0].value
    assert "would take about" in warning and "limit 60 s" in warning and "Lower Max Epoch" in warning
    assert not at.get("progress")  # nothing started


def test_the_review_s_heavy_first_layer_is_refused_and_the_input_stays():
    at = open_tab("Maps", {"out_maps": "256", "kernel_h": "15", "kernel_w": "15", "border_mode": "full",
                           "dilation_h": "8", "dilation_w": "8"})
    assert "Layer 1 (Convolution) is over this app's work budget" in at.error[0].value
    assert subheaders(at)[0] == "Input → 1 x 28 x 28"


@pytest.mark.parametrize("lang, words", [
    ("en", "Layer 6 (DepthwiseConvolution) is over this app's time budget: the network up to it is priced at"),
    ("ja", "層 6（DepthwiseConvolution）でこのアプリの計算時間の上限を超えます")])
def test_the_review_s_depthwise_stack_is_refused_by_its_priced_time(lang, words):
    """Twelve dwconv-15x15-d8x8-full ran 1.68 CPU-s under the work budget: the layer that
    takes the network over the time budget is refused, the five before it drawn."""
    at = open_tab("Maps", {"lang": lang, "net": "_".join(["dwconv-15x15-d8x8-full"] * 12)})
    assert words in at.error[0].value and not at.exception
    assert len(subheaders(at)) == 1 + 5 + 1  # the input, five layers, the refused one


def test_the_server_shows_visitors_no_traceback():
    import tomllib
    from pathlib import Path

    from streamlit import config

    config_file = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
    value = tomllib.loads(config_file.read_text())["client"]["showErrorDetails"]
    assert value == "none" and value in config.ShowErrorDetailsConfigOptions.__members__.values()


def test_a_depthwise_convolution_in_the_stack_is_drawn_explained_and_traced():
    query = {"more": "dwconv-3x3-x2-same", "insp_layer": "3", "insp_map": "5", "insp_row": "4", "insp_col": "7"}
    at = open_tab("Inspect a pixel", query)
    assert not at.error
    stages = run(load_mnist().image(4), (ConvolutionSpec(), PoolingSpec(), *parse_stack("dwconv-3x3-x2-same")), 0)
    value = float(stages[3].output[5, 4, 7])
    markdown = " ".join(m.value for m in at.markdown)
    assert f"**DepthwiseConvolution**, map 5, row 4, column 7 = **{format_number(value)}**" in markdown
    assert "Input channel 2" in markdown  # map 5 reads channel 5 // 2
    at = open_tab("Maps", query)
    assert "DepthwiseConvolution → 32 x 12 x 12" in subheaders(at)


def test_a_deconvolution_in_the_stack_is_drawn_and_explained_with_its_size_rule():
    query = {"more": "deconv-4-3x3-s2x2", "insp_layer": "3", "insp_map": "1", "insp_row": "9", "insp_col": "12"}
    at = open_tab("Maps", query)
    assert "Deconvolution → 4 x 25 x 25" in subheaders(at)
    assert "(12 - 1)*2 - 2*0 + 1*(3 - 1) + 1 = 25" in " ".join(m.value for m in at.markdown)
    at = open_tab("Inspect a pixel", query)
    stages = run(load_mnist().image(4), (ConvolutionSpec(), PoolingSpec(), *parse_stack("deconv-4-3x3-s2x2")), 0)
    value = float(stages[3].output[1, 9, 12])
    assert f"**Deconvolution**, map 1, row 9, column 12 = **{format_number(value)}**" in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("name", ["blog", "lenet", "allconv", "separable", "updown", "modern"])
def test_every_preset_loads_its_whole_network(name):
    from cnnlab.presets import PRESETS
    at = new_app().run()
    preset_button(at, name).click().run()
    assert not at.exception and not at.error
    stages = run(load_mnist().image(4), PRESETS[name], 0)
    assert subheaders(at)[2:] == [f"{s.name} → {' x '.join(map(str, s.shape))}" for s in stages[1:]]


def test_budget_refusals_speak_japanese_too():
    at = open_tab("Maps", {"lang": "ja", "out_maps": "256", "kernel_h": "15", "kernel_w": "15", "border_mode": "full",
                           "dilation_h": "8", "dilation_w": "8"})
    assert "層 1（Convolution）でこのアプリの計算量の上限を超えます" in at.error[0].value
    at = open_tab("学習後", {"lang": "ja", "out_maps": "256", "max_epoch": "10", "train_images": "20000"})
    assert "この学習はアプリの上限を超えます: 20,000 枚 x 10 エポック" in at.warning[0].value


def test_shape_refusals_speak_japanese_too():
    at = open_tab("Maps", {"lang": "ja", "more": "conv-8-13x13_relu"})
    assert "KernelShape 13x13 が 12x12 の入力に収まりません" in at.error[0].value
    assert subheaders(at)[-1].startswith("MaxPooling")  # the layers before it stay


def test_classic_filters_preset_and_a_shape_they_do_not_have():
    at = new_app().run()
    preset_button(at, "classic").click().run()
    assert at.text_input(key="net").value == "conv-10-3x3-same-iClassicFilters"
    stages = run(load_mnist().image(4), parse_stack("conv-10-3x3-same-iClassicFilters"), 0)
    z = heatmap_values(at, "chart-stage-1")
    np.testing.assert_allclose(z[~np.isnan(z)], tile(stages[1].output, 8).z[~np.isnan(z)], rtol=1e-5, atol=1e-5)
    layer_control(at, 0, "kernel_shape-h").set_value(7)
    layer_control(at, 0, "kernel_shape-w").set_value(7).run()
    assert "ClassicFilters are defined for 3x3 and 5x5 kernels, not 7x7" in at.error[0].value
    assert subheaders(at)[0] == "Input → 1 x 28 x 28" and not at.exception
    at = open_tab("Maps", {"lang": "ja", "net": "conv-8-7x7-iClassicFilters"})
    assert "ClassicFilters は 3x3 と 5x5 のカーネルだけです（今は 7x7）" in at.error[0].value


# --- colour photos, colour uploads, the camera, the drawing pad's messages -------------

def test_a_colour_photo_through_convolution_gives_the_numbers_of_a_plain_loop_over_channels():
    from cnnlab.data import load_photo
    at = open_tab("Maps", {"pick": "photo", "photo": "coffee", "net": "conv-2-3x3"})
    assert not at.error and subheaders(at)[:2] == ["Input → 3 x 171 x 256", "Kernels (weights W) → 2 x 3 x 3 x 3"]
    photo = load_photo("coffee").astype(np.float64) / 255
    np.testing.assert_allclose(heatmap_values(at, "chart-input")[:171, :256], photo[0], atol=1e-6)  # red first
    stages = run(photo.astype(np.float32), parse_stack("conv-2-3x3"), 0)
    w = stages[1].params["W"].astype(np.float64)
    for m, i, j in [(0, 0, 0), (1, 80, 120), (1, 168, 253), (0, 100, 3)]:
        total = sum(w[m, c, u, v] * photo[c, i + u, j + v] for c in range(3) for u in range(3) for v in range(3))
        assert float(stages[1].output[m, i, j]) == pytest.approx(total, abs=1e-5)  # bias 0 untrained
    z = heatmap_values(at, "chart-stage-1")
    np.testing.assert_allclose(z[~np.isnan(z)], tile(stages[1].output, 8).z[~np.isnan(z)], rtol=1e-5, atol=1e-5)
    at = open_tab("Inspect a pixel", {"pick": "photo", "photo": "coffee", "net": "conv-2-3x3", "insp_map": "1",
                                       "insp_row": "80", "insp_col": "120"})
    markdown = " ".join(m.value for m in at.markdown)
    assert "Input channel 0" in markdown and "Input channel 2" in markdown  # one patch x kernel sum per channel
    assert f"= **{format_number(float(stages[1].output[1, 80, 120]))}**" in markdown


def test_the_photo_in_gray_is_the_mean_of_its_channels():
    from cnnlab.data import load_photo
    at = open_tab("Maps", {"pick": "photo", "photo": "rocket", "photo_color": "false"})
    assert subheaders(at)[0] == "Input → 1 x 171 x 256"
    expected = load_photo("rocket").astype(np.float32).mean(axis=0) / 255
    np.testing.assert_allclose(heatmap_values(at, "chart-input"), expected, atol=1e-5)


def test_a_colour_upload_keeps_three_channels_and_a_large_one_is_scaled_down_with_a_notice():
    from PIL import Image
    from cnnlab.data import prepare_upload
    data = _encoded(Image.merge("RGB", [Image.linear_gradient("L").resize((600, 300))] * 3))
    at = upload(new_app({"pick": "upload", "color": "true"}).run(), "wide.png", data)
    assert not at.error and subheaders(at)[0] == "Input → 3 x 128 x 256"
    captions = " ".join(c.value for c in at.caption)  # height x width, as every shape on the page
    assert "Scaled down from 300 x 600 to 128 x 256 pixels (height x width" in captions
    assert "`wide.png`, as the network sees it (3 x 128 x 256)" in captions
    np.testing.assert_allclose(heatmap_values(at, "chart-input")[:128, :256], prepare_upload(data, color=True)[0],
                               atol=1e-6)
    assert at.toggle(key="mnist_style").disabled


def test_the_upload_notice_says_height_by_width_in_japanese_too():
    from PIL import Image
    data = _encoded(Image.linear_gradient("L").resize((400, 600)))  # 400 wide, 600 high
    at = upload(new_app({"pick": "upload", "color": "true", "lang": "ja"}).run(), "tall.png", data)
    assert "600 x 400 ピクセルから 256 x 171 ピクセルに縮小しました（高さ x 幅" in " ".join(c.value for c in at.caption)
    assert subheaders(at)[0] == "入力 → 3 x 256 x 171"


def test_a_camera_picture_is_prepared_like_an_upload():
    from cnnlab.data import prepare_upload
    at = new_app({"pick": "camera"}).run()
    assert "No picture yet" in " ".join(c.value for c in at.caption)
    jpeg = _encoded(_digit_on_paper().convert("RGB"), "JPEG", quality=95)
    at.camera_input(key="camera").set_value(("shot.jpg", jpeg, "image/jpeg")).run()
    assert not at.exception and not at.error
    np.testing.assert_allclose(uploaded_input(at), prepare_upload(jpeg), atol=1e-6)
    at.camera_input(key="camera").set_value(("shot.jpg", b"not a jpeg", "image/jpeg")).run()
    assert "could not be read" in at.error[0].value and "your other settings are kept" in at.error[0].value


def test_an_empty_drawing_says_so_and_the_network_stays():
    at = new_app({"pick": "draw", "net": "conv-8-3x3_relu"}).run()
    assert "Nothing is drawn yet" in at.info[0].value and not at.error
    assert subheaders(at)[2:] == ["Convolution → 8 x 26 x 26", "ReLU → 8 x 26 x 26"]


def test_editing_a_kernel_cell_changes_the_map_and_the_link_and_typing_it_back_undoes_it():
    query = {"net": "conv-8-3x3-iClassicFilters", "insp_map": "4", "insp_row": "10", "insp_col": "12"}
    at = open_tab("Inspect a pixel", query)
    grid = at.text_area(key="kernel-1-4-0")
    assert grid.value == "-1 0 1\n-2 0 2\n-1 0 1"  # Sobel x
    grid.set_value("-1 0 1\n-2 0 7.5\n-1 0 1").run()
    assert at.text_input(key="kernels").value == "1.4.0.1.2:7.5" and at.query_params["kernels"] == "1.4.0.1.2:7.5"
    image = load_mnist().image(4).astype(np.float64)
    kernel = np.array([[-1, 0, 1], [-2, 0, 7.5], [-1, 0, 1]])
    expected = float((image[10:13, 12:15] * kernel).sum())
    assert f"map 4, row 10, column 12 = **{format_number(expected)}**" in " ".join(m.value for m in at.markdown)
    at.text_area(key="kernel-1-4-0").set_value("-1 0 1\n-2 x 7.5\n-1 0 1").run()  # a cell typed as text
    assert "Row 1, column 1: `x` is not a number" in at.error[0].value
    assert at.text_input(key="kernels").value == "1.4.0.1.2:7.5"  # the edit and the rest kept
    assert at.text_area(key="kernel-1-4-0").value == "-1 0 1\n-2 x 7.5\n-1 0 1"  # the typing kept to fix
    at.text_area(key="kernel-1-4-0").set_value("-1 0 1\n-2 0 2\n-1 0 1").run()
    assert at.text_input(key="kernels").value == "" and not at.error


HOSTILE_CELLS = ["[x](//evil.example)", "![](//evil.example)", ":red[x]", "www.evil.example", "<img src=x>",
                 ":material/home:", "$x^2$", "**b**", "`a`b`", "x\n\n# h", "[x]: //evil.example"]


def outside_code_spans(markdown: str) -> str:
    """`markdown` with its inline code spans (a run of n backticks to the next run of n) cut out."""
    import re
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", " ", markdown, flags=re.S)


@pytest.mark.parametrize("cell", HOSTILE_CELLS)
def test_a_hostile_typed_kernel_cell_is_echoed_literally(cell):
    at = open_tab("Inspect a pixel", {"net": "conv-8-3x3-iClassicFilters", "insp_map": "4"})
    at.text_area(key="kernel-1-4-0").set_value(f"-1 0 1\n-2 {cell} 7.5\n-1 0 1").run()
    shown = " ".join(e.value for e in [*at.error, *at.warning, *at.info, *at.markdown, *at.caption])
    assert "is not a number" in shown or "numbers" in shown or "rows" in shown, shown
    rest = outside_code_spans(shown)
    for form in ("](", "![", ":red[", "evil.example", "<img", ":material/home", "$x", "**b**", "]:"):
        assert form not in rest, (cell, form, rest)


def test_edited_kernels_from_a_link_and_a_hostile_one():
    at = open_tab("Maps", {"net": "conv-8-3x3-iClassicFilters", "kernels": "1.0.0.1.1:-3"})
    from cnnlab.kernel_edits import KernelEdit
    stages = run(load_mnist().image(4), parse_stack("conv-8-3x3-iClassicFilters"), 0,
                 edits=(KernelEdit(1, 0, 0, 1, 1, -3.0),))
    z = heatmap_values(at, "chart-stage-1")
    np.testing.assert_allclose(z[~np.isnan(z)], tile(stages[1].output, 8).z[~np.isnan(z)], rtol=1e-5, atol=1e-5)
    at = open_tab("Maps", {"kernels": "1.0.0.1.1:1e9_[x](https://evil.example)"})
    assert "kernels=" in at.warning[0].value and "kernels" not in at.query_params and not at.exception


def test_a_trained_network_s_prediction_follows_every_new_input_on_the_maps_tab():
    query = {"net": "conv-8-5x5_relu_max-2x2", "max_epoch": "1", "train_images": "2000", "seed": "4"}
    at = open_tab("Maps", query)
    assert not [m for m in at.markdown if "The network trained" in m.value]  # nothing trained yet: no line
    at, job = trained(query, "Maps")
    first = [m.value for m in at.markdown if "The network trained" in m.value]
    assert len(first) == 1 and "Max Epoch 1 (2,000 images, seed 4), after epoch 1, predicts **" in first[0]
    at.selectbox(key="digit").set_value(7).run()
    from cnnlab.training import predict
    image = load_mnist().image(int(load_mnist().indices_of(7)[0]))
    for epoch in (1, 0):  # the line speaks of the network the page shows (epoch 0: the untrained one)
        at.slider(key="show_epoch").set_value(epoch).run()
        line = [m.value for m in at.markdown if "The network trained" in m.value][0]
        probabilities = predict(job.result.models[epoch], image[None, None])[0]
        assert f"after epoch {epoch}, predicts **{int(probabilities.argmax())}** ({float(probabilities.max()):.1%})" \
            in line


def test_the_trained_tab_says_why_a_colour_photo_is_not_trained_on():
    at = open_tab("Trained", {"pick": "photo", "max_epoch": "1"})
    assert "trains on MNIST digits (1 x 28 x 28, one gray channel); this input is 3 x 170 x 256" in at.warning[0].value
    assert not at.get("progress")


def test_the_epoch_scrubber_shows_each_epoch_s_network_and_epoch_0_exactly_the_untrained_one():
    query = {"net": "conv-4-5x5_relu_max-2x2", "max_epoch": "2", "train_images": "1000", "seed": "6"}
    at, job = trained(query, "Maps")
    image = load_mnist().image(4)
    specs = parse_stack(query["net"])
    for epoch in (0, 1, 2):
        at.slider(key="show_epoch").set_value(epoch).run()
        expected = run(image, specs, 6) if epoch == 0 else run(image, specs, 6, params=job.result.models[epoch].params)
        z = heatmap_values(at, "chart-stage-1")
        np.testing.assert_array_equal(z[~np.isnan(z)], tile(expected[1].output, 8).z[~np.isnan(z)])
    np.testing.assert_array_equal(job.result.models[0].params[0]["W"], run(image, specs, 6)[1].params["W"])


def test_the_epoch_slider_runs_from_0_to_max_epoch_and_starts_at_the_last():
    at = new_app({"max_epoch": "3"}).run()
    slider = at.slider(key="show_epoch")
    assert (slider.min, slider.max, slider.value) == (0, 3, 3)
    slider.set_value(1).run()
    at.number_input(key="max_epoch").set_value(5).run()  # a choice within the new range is kept
    assert (at.slider(key="show_epoch").max, at.slider(key="show_epoch").value) == (5, 1)
    at.slider(key="show_epoch").set_value(5).run()
    at.number_input(key="max_epoch").set_value(2).run()  # past the new last epoch: moved to it
    assert (at.slider(key="show_epoch").max, at.slider(key="show_epoch").value) == (2, 2)
    at.number_input(key="max_epoch").set_value(4).run()  # at the last epoch: it stays at the last
    assert (at.slider(key="show_epoch").max, at.slider(key="show_epoch").value) == (4, 4)
    at.number_input(key="max_epoch").set_value(0).run()  # nothing trained: nothing to choose
    assert not [s for s in at.slider if s.key == "show_epoch"] and not at.exception


def test_an_epoch_past_max_epoch_in_the_link_gets_a_notice_and_the_last_epoch():
    at = new_app({"max_epoch": "3", "show_epoch": "7"}).run()
    assert not at.exception
    assert "`show_epoch=7` (using `3`)" in at.warning[0].value
    assert at.slider(key="show_epoch").value == 3
    at = new_app({"max_epoch": "3", "show_epoch": "2"}).run()  # within Max Epoch: used, no notice
    assert not at.warning and at.slider(key="show_epoch").value == 2


def test_the_evaluation_view_counts_every_test_image_and_a_wrong_one_becomes_the_input():
    import json
    from cnnlab.figures import confusion_counts
    query = {"net": "conv-4-5x5_relu_max-2x2", "max_epoch": "1", "train_images": "1000", "seed": "6"}
    at, job = trained(query)
    charts = {c.proto.id.split("-", 2)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    confusion = np.array(charts["chart-confusion"]["data"][0]["z"])
    expected = confusion_counts(load_mnist().labels, job.result.test_probabilities.argmax(axis=1))
    np.testing.assert_array_equal(confusion, expected)
    assert confusion.sum() == 10000
    bars = charts["chart-prediction"]["data"][0]
    assert bars["x"] == [str(d) for d in range(10)] and len(set(bars["marker"]["color"])) == 2
    assert charts["chart-curves"]["data"][2]["x"] == [0, 1]  # test accuracy untrained and after epoch 1
    use = [b for b in at.button if (b.key or "").startswith("use-")]
    assert len(use) == 8
    index = int(use[0].key.split("-")[1])
    use[0].click().run()
    assert at.radio(key="pick").value == "index" and at.number_input(key="index").value == index


def test_the_trained_tab_shows_the_classifier_as_an_affine_layer_its_outputs_as_bars_one_explained():
    """The Affine(10) training appends is a layer like any: its 10 outputs as bars by digit
    (the engine's logits, restated here as flatten(stack(x)) . W + b), one output written
    out as its weighted sum (each channel's sum in a plain loop), and the trained network's
    code carries it under nnabla's names."""
    import json
    query = {"net": "conv-2-3x3_max-2x2", "max_epoch": "1", "train_images": "1000", "seed": "41"}
    at, job = trained(query)
    assert not at.exception and not at.error
    charts = {c.proto.id.split("-", 2)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    x = load_mnist().image(4)[None, None].astype(np.float32)
    for tag, model in (("untrained", job.result.models[0]), ("trained", job.result.models[1])):
        features = x
        for spec, p in zip(model.stack, model.params):
            features = spec.forward(features, p)
        logits = features.reshape(1, -1) @ model.params[-1]["W"] + model.params[-1]["b"]
        bars = charts[f"chart-{tag}-classifier"]["data"][0]
        assert bars["x"] == [str(d) for d in range(10)]
        np.testing.assert_allclose(bars["y"], logits[0], rtol=1e-5, atol=1e-6)
        assert bars["text"] == [format_number(float(v)) for v in bars["y"]]
    e = np.exp(logits[0] - logits[0].max())
    np.testing.assert_allclose(charts["chart-prediction"]["data"][0]["y"], e / e.sum(), rtol=1e-5, atol=1e-7)
    assert "Affine 3, the classifier training appends → 10 x 1 x 1: one output per digit" in [c.value for c in at.caption]
    digit = int(logits[0].argmax())
    assert at.segmented_control(key="classifier-output").value == digit  # first: the predicted digit
    for output in (digit, (digit + 3) % 10):
        at.segmented_control(key="classifier-output").set_value(output).run()
        markdown = " ".join(m.value for m in at.markdown)
        value = format_number(float(bars["y"][output]))
        assert f"**Affine 3**, output {output} = **{value}**: each of the 338 values" in markdown
        c, h, w = features.shape[1:]
        weights = model.params[-1]["W"][:, output]
        sums = [sum(float(features[0, k, i, j]) * float(weights[(k * h + i) * w + j]) for i in range(h) for j in range(w))
                for k in range(c)]
        bias = float(model.params[-1]["b"][output])
        line = " ".join([format_number(sums[0]), "-" if sums[1] < 0 else "+", format_number(abs(sums[1])),
                         "-" if bias < 0 else "+", "bias", format_number(abs(bias)), "=", value])
        assert f"`{line}`" in markdown
        grids = " ".join(h.proto.body for h in at.get("html"))  # its grids named as an Affine's, not a kernel's
        assert f"weights W[:, {output}]" in grids and "input values" in grids and "kernel" not in grids
        assert f"= output {output}: `{line}`" in markdown
    code = " ".join(c.value for c in at.code)
    assert "nn.Linear(338, 10, bias=True)" in code and "weights['layer3/affine/W']" in code
    assert "params['layer3/affine/W'].d = weights['layer3/affine/W']" in code
    assert any(b.proto.label == "Download the whole network (every stage and weight, NPZ)" for b in at.get("download_button"))
    at, _ = trained({**query, "lang": "ja"}, "学習後")
    assert "Affine 3（学習で最後に加える分類器）→ 10 x 1 x 1: 数字ごとに 1 つの出力" in [c.value for c in at.caption]
    value = format_number(float(charts["chart-trained-classifier"]["data"][0]["y"][digit]))
    assert f"**Affine 3**、出力 {digit} = **{value}**: 前の層の 338 個の値" in " ".join(m.value for m in at.markdown)


def test_cancel_stops_the_training_and_it_is_not_asked_for_again_until_wanted():
    from cnnlab.training_service import CANCELLED, TrainingKey
    from cnnlab.ui.compute import training_service
    query = {"net": "conv-32-5x5_relu_max-2x2", "max_epoch": "3", "train_images": "20000", "seed": "9"}
    at = open_tab("Trained", query)
    job = training_service().current(TrainingKey(parse_stack(query["net"]), 3, 9, 20000))
    at.button(key="train-cancel").click().run()
    import time
    end = time.monotonic() + 20
    while job.state != CANCELLED:
        assert time.monotonic() < end
        time.sleep(0.05)
    assert "was cancelled" in at.info[0].value and not at.get("progress")
    at.run()
    assert job.state == CANCELLED and training_service().current(job.key) is None  # not asked for again
    at.button(key="train-again").click().run()
    assert training_service().current(job.key) is not None
    at.button(key="train-cancel").click().run()


def test_a_training_whose_child_is_killed_shows_its_failure_once_with_retry_and_retry_trains_again():
    import os
    import signal
    import time
    from cnnlab.training_service import FAILED, RUNNING, TrainingKey
    from cnnlab.ui.compute import training_service
    from test_training_process import children
    query = {"net": "conv-16-5x5_max-2x2", "max_epoch": "10", "train_images": "20000", "seed": "41"}
    at = open_tab("Trained", query)
    key = TrainingKey(parse_stack(query["net"]), 10, 41, 20000)
    job = training_service().current(key)
    end = time.monotonic() + 60
    while not job.batches:
        assert time.monotonic() < end
        time.sleep(0.05)
    [child] = children()
    os.kill(child, signal.SIGKILL)  # mid-epoch, as the system's out-of-memory killer would
    while job.state != FAILED:
        assert time.monotonic() < end
        time.sleep(0.05)
    for _ in range(4):  # the page asks again and again (each run: what its poll does)
        at.run()
        assert [e.value for e in at.error] == [
            "The training (seed 41, 10 epochs, 20,000 images) failed: its process ended without a model (stopped, or "
            "out of memory; the server's log has the details). It is not started again by itself; the rest of the "
            "page is not affected. Retry it, or try a smaller network."]
        assert not at.get("progress") and not at.info and not children() and job.state == FAILED
    at.button(key="train-retry").click().run()
    again = training_service().current(key)
    assert again is not job and again.state in ("queued", RUNNING) and not at.error
    assert at.get("progress") or at.info  # its progress, or its place in the queue
    while not children():
        assert time.monotonic() < end
        time.sleep(0.05)
    at.button(key="train-cancel").click().run()


def test_a_full_training_queue_refuses_a_new_training_with_its_limit_in_both_languages():
    import time
    from cnnlab.training_service import CANCELLED, TrainingKey
    from cnnlab.ui.compute import training_service
    from test_training_process import children
    service = training_service()
    end = time.monotonic() + 20
    while service.live_count():  # another test's cancelled training is still ending
        assert time.monotonic() < end
        time.sleep(0.05)
    others = [service.request(TrainingKey(parse_stack("conv-16-5x5_max-2x2"), 10, 100 + k, 20000), f"other-{k}")
              for k in range(service.total)]  # eight other visitors' trainings: the queue is full
    try:
        for lang, words in (("en", "Not queued: this server's training queue is full (8 trainings queued or running, "
                                   "the most it holds). Try again in a minute."),
                            ("ja", "キューに入れませんでした: このサーバーの学習キューがいっぱいです（待機中と実行中で 8 件、上限です）。")):
            query = {"lang": lang, "net": "conv-2-3x3_max-2x2", "max_epoch": "1", "train_images": "1000", "seed": "42"}
            at = open_tab("Trained" if lang == "en" else "学習後", query)
            assert at.warning[0].value.startswith(words) and not at.get("progress") and not at.info
            assert training_service().current(TrainingKey(parse_stack(query["net"]), 1, 42, 1000)) is None
        service.cancel("other-7")
        end = time.monotonic() + 20
        while service.live_count() == service.total:  # the cancelled one leaves the queue
            assert time.monotonic() < end
            time.sleep(0.05)
        at.button(key="train-try-again").click().run()
        assert not at.warning and (at.get("progress") or at.info)  # queued now
        at.button(key="train-cancel").click().run()
    finally:
        for k in range(len(others)):
            service.cancel(f"other-{k}")
    end = time.monotonic() + 20
    while not all(j.state == CANCELLED for j in others) or children():
        assert time.monotonic() < end
        time.sleep(0.05)


def test_the_maps_tab_offers_the_network_as_code_and_every_download():
    import ast
    at = open_tab("Maps", {"net": "conv-8-3x3_relu_max-2x2"})
    codes = [c.value for c in at.code if "import" in c.value]
    assert len(codes) == 2 and "nn.Conv2d(1, 8, (3, 3)" in codes[0] and "PF.convolution(h, 8, (3, 3)" in codes[1]
    for code in codes:
        ast.parse(code)
    assert len(at.get("download_button")) == 1  # the network's; a layer's are built while its popover is open
    for index in (1, 2, 3):
        at.session_state[f"downloads-{index}"] = True
    at.run()
    assert len(at.get("download_button")) == 3 * 4 + 1  # four per layer, one for the network


def test_the_tab_and_the_learn_controls_come_from_the_link_in_either_language():
    for lang in ("en", "ja"):
        at = new_app({"lang": lang, "view": "learn", "learn_k": "5", "learn_s": "1", "learn_conv_pos": "7"}).run()
        assert not at.exception and not at.warning
        assert at.slider(key="learn_k").value == 5 and at.slider(key="learn_s").value == 1
        assert at.slider(key="learn_conv_pos").value == 7  # only the open Learn tab draws these
    at = new_app({"view": "trained"}).run()
    assert "Set Max Epoch above 0" in at.info[0].value
    at = new_app({"view": "nowhere"}).run()
    assert "view=nowhere" in at.warning[0].value and "view" not in at.query_params


def test_every_layer_s_kernels_are_on_the_maps_tab():
    at = open_tab("Maps", {"net": "conv-8-3x3_relu_conv-4-3x3_dwconv-3x3-x2"})
    stages = run(load_mnist().image(4), parse_stack("conv-8-3x3_relu_conv-4-3x3_dwconv-3x3-x2"), 0)
    for index in (1, 3, 4):
        kernels = stages[index].spec.kernels(stages[index].params)
        z = heatmap_values(at, f"chart-kernels-{index}")
        m, c, kh, kw = kernels.shape
        np.testing.assert_array_equal(z[:kh, :kw], kernels[0, 0])
    assert "**Kernels (weights W) → 4 x 8 x 3 x 3**" in [m.value for m in at.markdown]


def test_padding_is_named_only_where_the_window_reaches_it():
    inside = " ".join(c.value for c in open_tab("Inspect a pixel").caption)
    assert "The kernel reads input rows 14-18 and columns 10-14." in inside and "padding" not in inside
    edge = open_tab("Inspect a pixel", {"net": "conv-4-3x3-p1x1", "insp_row": "0", "insp_col": "5"})
    assert "the cells outside the input are padding (0, marked)" in " ".join(c.value for c in edge.caption)


def test_a_layer_of_more_than_64_maps_draws_the_first_64_until_asked_for_all():
    at = new_app({"net": "conv-100-5x5_max-2x2"}).run()
    assert not at.exception
    assert heatmap_by_key(at, "chart-stage-1")["tile"]["count"] == 64
    assert any("The first 64 of 100 maps are drawn" in c.value for c in at.caption)
    at.toggle(key="all-maps-1").set_value(True).run()
    assert heatmap_by_key(at, "chart-stage-1")["tile"]["count"] == 100
    stages = run(load_mnist().image(4), parse_stack("conv-100-5x5_max-2x2"), seed=0)
    np.testing.assert_array_equal(heatmap_values(at, "chart-stage-1")[25:49, 50:74], stages[1].output[10])
    # the inspected pixel on map 80 of the pooling layer: that layer draws all its maps, the pixel boxed
    at = new_app({"net": "conv-100-5x5_max-2x2", "insp_layer": "2", "insp_map": "80", "insp_row": "1",
                  "insp_col": "2"}).run()
    payload = heatmap_by_key(at, "chart-stage-2")
    assert payload["tile"]["count"] == 100 and heatmap_by_key(at, "chart-stage-1")["tile"]["count"] == 64
    assert [10 * 13 + 1, 0 * 13 + 2, 10 * 13 + 1, 0 * 13 + 2] in payload["boxes"]  # map 80: row 10, column 0


def test_a_layer_that_shrinks_keeps_the_inspected_pixel_at_the_same_place_of_the_image():
    at = new_app().run()  # (14, 10) of 24x24, on the digit's stroke
    layer_control(at, 0, "kernel_shape-h").set_value(7).run()
    layer_control(at, 0, "kernel_shape-w").set_value(7).run()  # 22 x 22
    layer_control(at, 0, "strides-h").set_value(2).run()
    layer_control(at, 0, "strides-w").set_value(2).run()  # 11 x 11
    assert not at.exception
    assert (at.number_input(key="insp_row").value, at.number_input(key="insp_col").value) == (6, 4)
    assert not [i for i in at.info if "outside this layer" in i.value]  # nothing clamped


def test_a_wide_setting_takes_a_typed_number_beside_its_slider():
    at = new_app().run()
    box = at.number_input(key="edit-0-ConvolutionSpec-out_maps-box")
    assert box.value is None and box.proto.placeholder == "16"
    box.set_value(200).run()
    assert not at.exception
    assert layer_control(at, 0, "out_maps").value == 200
    assert at.query_params["net"] == "conv-200-5x5_max-2x2"
    box = at.number_input(key="edit-0-ConvolutionSpec-out_maps-box")
    assert box.value is None and box.proto.placeholder == "200"  # emptied: never a stale value beside the slider
    assert heatmap_by_key(at, "chart-stage-1")["tile"]["count"] == 64  # 200 maps: the first 64 drawn


def test_the_presets_popover_names_the_preset_the_network_is():
    at = new_app().run()
    assert "Preset: Blog post" in popover_labels(at)
    preset_button(at, "lenet").click().run()
    assert "Preset: LeNet-like" in popover_labels(at)
    layer_control(at, 0, "out_maps").set_value(8).run()
    assert "Presets" in popover_labels(at) and not any(label.startswith("Preset:") for label in popover_labels(at))


def test_a_refused_network_link_says_why_as_the_text_box_would():
    too_many = "_".join(["relu"] * 13)
    at = new_app({"net": too_many}).run()
    assert not at.exception and "net" not in at.query_params
    notice = at.warning[0].value
    assert f"`net={too_many}` (using `conv-16-5x5_max-2x2`)" in notice
    at.text_input(key="net").set_value(too_many).run()  # the same text typed: the box's reason
    reason = at.error[0].value.split(": ", 1)[1]
    assert reason == "At most 12 layers, got 13." and f"Why `net=` was refused: {reason}" in notice
    at = new_app({"net": "conv-16-5y5"}).run()
    assert ("Why `net=` was refused: Layer 1 (`conv-16-5y5`) is not understood: after `conv-16-` the grammar expects "
            "a KernelShape like 5x5, not `5y5`.") in at.warning[0].value
    at = new_app({"kernels": "1.2"}).run()  # the kernel edits' text too
    assert "Why `kernels=` was refused: The edited kernel cells are not understood" in at.warning[0].value


def test_x_and_spaces_in_the_network_are_read_and_written_as_the_grammar_writes_them():
    at = new_app({"net": "conv-8-3X3 relu"}).run()
    assert not at.warning and at.text_input(key="net").value == "conv-8-3x3_relu"
    assert at.query_params["net"] == "conv-8-3x3_relu"
    assert subheaders(at)[2:] == ["Convolution → 8 x 26 x 26", "ReLU → 8 x 26 x 26"]
    at.text_input(key="net").set_value("conv-4-5X5 max-2x2").run()  # typed
    assert not at.error and at.text_input(key="net").value == "conv-4-5x5_max-2x2"
    assert at.query_params["net"] == "conv-4-5x5_max-2x2"
    at = new_app({"net": "conv-16-5X5_max-2x2"}).run()  # the default network, written otherwise
    assert "net" not in at.query_params and at.text_input(key="net").value == "conv-16-5x5_max-2x2"


def test_kernel_edits_naming_no_cell_get_a_notice_and_the_others_are_used():
    at = new_app({"kernels": "1.99.0.0.0:5_1.0.0.1.1:2_1.0.0.9.0:1"}).run()
    assert not at.exception
    notice = at.warning[0].value
    assert "`1.99.0.0.0:5` (layer 1 has maps 0-15)" in notice and "`1.0.0.9.0:1` (layer 1's kernels have rows 0-4)" in notice
    assert "1.0.0.1.1:2" not in notice and at.query_params["kernels"] == "1.99.0.0.0:5_1.0.0.1.1:2_1.0.0.9.0:1"
    at.session_state["view"] = "Inspect a pixel"
    at.run()
    assert at.text_area(key="kernel-1-0-0").value.splitlines()[1].split()[1] == "2"  # the other edit is used
    at = new_app({"kernels": "2.0.0.0.0:1", "lang": "ja"}).run()
    assert "`2.0.0.0.0:1`（層 2（MaxPooling）にはカーネルがありません）" in at.warning[0].value


def test_the_maps_say_they_zoom_and_pan_in_both_languages():
    at = open_tab("Maps")
    assert any("zooms" in c.value and "drag" in c.value and "double-click" in c.value for c in at.caption)
    at = open_tab("マップ", {"lang": "ja"})
    assert any("拡大" in c.value and "ドラッグ" in c.value and "ダブルクリック" in c.value for c in at.caption)


def _longest_kept(at) -> int:
    """The longest text the visitor's session state holds (in any value, one level deep)."""
    longest = 0
    for key in list(at.session_state):
        value = at.session_state[key]
        values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
        longest = max([longest, *(len(v) for v in values if isinstance(v, str))])
    return longest


@pytest.mark.parametrize("key, readable, most", [("net", "conv-4-3x3_relu", 1200), ("kernels", "1.0.0.1.1:-3", 3072)])
def test_an_over_long_typed_text_is_kept_neither_in_the_session_nor_in_the_link(key, readable, most):
    at = new_app({"net": "conv-4-3x3_relu", "kernels": "1.0.0.1.1:-3"}).run()
    # 0.6 MB: a larger message never reaches the app (server.maxWidgetStateSize closes the
    # connection first: tests/test_config.py)
    pasted = "[x](//evil.example)" + "x" * 600_000
    at.text_input(key=key).set_value(pasted).run()
    assert not at.exception
    assert at.session_state[key] == readable and at.query_params[key] == readable
    assert _longest_kept(at) < 2 * most and all(len(v) <= most for v in at.query_params.values())
    notice = " ".join(m.value for m in at.warning)
    assert f"longer than the {most} characters" in notice and "`[x](//evil.example)xxx" in notice
    at.run()  # shown once
    assert "longer than the" not in " ".join(m.value for m in at.warning)
    at.text_input(key=key).set_value(pasted[: most + 1]).run()  # one character over: refused the same way
    assert at.session_state[key] == readable


# --- numbers that agree with themselves ------------------------------------------------

def _inspected_numbers(at):
    """(the heading's value, the total line's value) as written."""
    import re
    markdown = " ".join(m.value for m in at.markdown)
    heading = re.search(r"row \d+, column \d+ = \*\*([^*]+)\*\*", markdown).group(1)
    total = re.search(r"= ([^ `]+)`", markdown).group(1)
    return heading, total


def test_the_inspected_value_is_one_value_written_one_way_everywhere():
    """The issue's photo pixel: the heading said 0.881329 and the sum line 0.881328 (the map's
    float32 value and a float64 sum of the same terms); the Maps tab's line, the hover of the
    enlarged map and of the layer's mosaic (float16 here) now write the same."""
    from cnnlab.data import load_photo
    query = {"pick": "photo", "insp_map": "3", "insp_row": "100", "insp_col": "120"}
    for kernels in ("", "1.3.0.2.2:0.5"):  # and after a kernel edit
        at = open_tab("Inspect a pixel", {**query, **({"kernels": kernels} if kernels else {})})
        from cnnlab.kernel_edits import parse_edits
        from cnnlab.ui.params import URL_PARAMS
        image = load_photo(URL_PARAMS["photo"].default).astype(np.float32) / np.float32(255)  # in colour
        stages = run(image, BLOG_NETWORK, 0, edits=parse_edits(kernels))
        value = format_number(stages[1].output[3, 100, 120])
        assert _inspected_numbers(at) == (value, value)
        pick = heatmap_values(at, "chart-pick")  # the enlarged map 3
        assert format_number(pick[100, 120]) == value
        at.session_state["view"] = "Maps"
        at.run()
        assert f"row 100, column 120 = **{value}**" in " ".join(m.value for m in at.markdown)
        payload = heatmap_by_key(at, "chart-stage-1")
        assert "values" not in payload and payload["values_url"]  # sent apart, fetched on the first hover
        from apptools import SERVED_VALUES
        from cnnlab.heatmaps import unpack
        assert unpack(SERVED_VALUES["chart-stage-1"])["values_bits"] == 16  # a mosaic past EXACT_CELLS
        h, w = stages[1].shape[1:]
        top, left = (3 // 8) * (h + 1), (3 % 8) * (w + 1)
        assert format_number(heatmap_values(at, "chart-stage-1")[top + 100, left + 120]) == value


def test_every_heatmap_reaches_the_browser_as_one_binary_blob_with_the_page_s_words():
    """Each heatmap's data is raw bytes (cnnlab.heatmaps.pack), not JSON with base64 text:
    the colours one byte a cell, the values as they are; the header carries the page's
    words, the pick flag, the inspected cell and the colour bar's labels in its language."""
    from cnnlab.heatmaps import LUTS, pack
    from cnnlab.ui.i18n import Text, hover_words

    at = new_app({"lang": "ja", "normalization": "map"}).run()
    protos = [el.proto for el in at.get("bidi_component") if el.proto.component_name == "cnnlab.heatmap"]
    assert len(protos) >= 4 and {p.WhichOneof("data") for p in protos} == {"bytes"}
    payload = heatmap_by_key(at, "chart-stage-1")
    assert payload["words"] == hover_words(Text("ja")) and payload["pick"] is True
    assert payload["colorbar"]["labels"][0] == "各マップの最大"
    assert payload["colors"].dtype == np.uint8 and payload["colors"].shape == (payload["height"], payload["width"])
    assert payload["values"].dtype == np.float32 and np.array_equal(payload["lut"], LUTS["gray"])
    stages = run(load_mnist().image(4), BLOG_NETWORK, seed=0)
    np.testing.assert_array_equal(heatmap_values(at, "chart-stage-1")[:24, :24], stages[1].output[0])
    blob = next(p for p in protos if p.id.endswith("-chart-stage-1")).bytes
    header = int.from_bytes(blob[:4], "little")
    cells = payload["width"] * payload["height"]
    assert header < 2000 and len(blob) == len(pack(payload)) <= 4 + header + cells * (1 + 4) + 765 + 3 * 3  # colours, values, lut, padding


def test_a_box_blur_reads_one_ninth_in_the_grid_the_sum_and_the_editor():
    at = open_tab("Inspect a pixel", {"net": "conv-10-3x3-iClassicFilters", "insp_map": "1", "insp_row": "10",
                                      "insp_col": "12"})
    page = " ".join(h.proto.body for h in at.get("html"))
    assert page.count(">1/9</td>") == 9 and ">0.111<" not in page
    assert "*(1/9)" in at.code[0].value and "0.111" not in at.code[0].value
    grid = at.text_area(key="kernel-1-1-0")
    assert grid.value == "1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9"
    grid.set_value("1/9 1/9 1/9\n1/9 2/9 1/9\n1/9 1/9 1/9").run()  # a fraction typed is read
    assert at.text_input(key="kernels").value == "1.1.0.1.1:0.222222" and not at.error
    at.text_area(key="kernel-1-1-0").set_value("1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9").run()
    assert at.text_input(key="kernels").value == ""
    at = open_tab("Inspect a pixel", {"net": "conv-10-3x3-iClassicFilters", "insp_map": "2"})  # Gaussian
    page = " ".join(h.proto.body for h in at.get("html"))
    assert page.count(">1/16</td>") == 4 and page.count(">2/16</td>") == 4 and page.count(">4/16</td>") == 1


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_colour_bar_and_the_caption_say_what_the_colours_mean_for_every_pair(lang):
    from cnnlab.ui.i18n import CATALOGUE
    words = CATALOGUE[lang]
    expected = {
        ("gray", "map"): [words["bar.map_max"], None, words["bar.map_min"]],
        ("diverging", "map"): [f"+{words['bar.map_abs']}", "0", f"-{words['bar.map_abs']}"],
        ("gray", "nnc"): ["≥ 1", None, "≤ 0"], ("diverging", "nnc"): ["≥ 1", "0", "≤ -1"],
    }
    stages = run(load_mnist().image(4), BLOG_NETWORK, 0)
    bound = format_number(np.abs(stages[1].output).max())
    expected[("gray", "layer")] = [format_number(stages[1].output.max()), None, format_number(stages[1].output.min())]
    expected[("diverging", "layer")] = [bound, "0", f"-{bound}"]
    for (scale, how), labels in expected.items():
        at = open_tab("Maps", {"lang": lang, "color_scale": scale, "normalization": how})
        assert heatmap_by_key(at, "chart-stage-1")["colorbar"]["labels"] == labels, (scale, how)
        assert words[f"colours.{scale}.{how}"] in [c.value for c in at.caption]
        if scale == "diverging":  # white is 0 in every map, whatever the normalisation
            rgba, values = decode_payload(heatmap_by_key(at, "chart-stage-1"))
            from cnnlab.heatmaps import LEVELS, LUTS
            white = LUTS["diverging"][(LEVELS - 1) // 2]
            zero = values == 0
            assert zero.any() and (rgba[zero][:, :3] == white).all(), how


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_deconvolution_pixel_names_the_input_cells_that_reach_it(lang):
    query = {"lang": lang, "net": "conv-8-4x4-s2x2-p1x1_relu_deconv-1-4x4-s2x2-p1x1", "insp_layer": "3",
             "insp_row": "10", "insp_col": "12"}
    at = open_tab("Inspect a pixel" if lang == "en" else "ピクセルを調べる", query)
    captions = " ".join(c.value for c in at.caption if "(5, 6)" in c.value)
    assert "-1" not in captions  # "reads input rows -1, 5, -1, 4" is gone
    if lang == "en":
        assert ("Input rows 5, 4 and columns 6, 5 land on this pixel, through kernel rows 1, 3 and columns 1, 3: "
                "4 input cells (row, column) contribute, in kernel order: (5, 6), (5, 5), (4, 6), (4, 5).") in captions
        assert "The other kernel cells (marked –) get no input: they fall between strides" in captions
    else:
        assert "このピクセルに届くのは入力の行 5, 4、列 6, 5 で" in captions and "(5, 6), (5, 5), (4, 6), (4, 5)" in captions
        assert "ストライドの間にあたる" in captions
    page = " ".join(h.proto.body for h in at.get("html"))
    assert ">–</td>" in page and ">pad</td>" not in page  # not padding: nothing lands there
    # a pixel no input reaches (stride 3 with a 2-wide kernel leaves gaps): the value is the bias alone
    at = open_tab("Inspect a pixel", {"net": "conv-2-3x3_deconv-1-2x2-s3x3", "insp_layer": "2", "insp_row": "2",
                                      "insp_col": "2"})
    assert "No input cell lands on this pixel: they fall between strides" in " ".join(c.value for c in at.caption)


WHY_QUERY = {"net": "conv-4-5x5_relu_max-2x2", "max_epoch": "1", "train_images": "1000", "seed": "5"}


def why_downloads(at) -> list:
    """The download buttons of the "why this prediction" views (not the trained network's own)."""
    return [b for b in at.get("download_button") if (b.key or "").startswith("why-")]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_trained_tab_shows_what_the_network_responds_to_view_by_view(lang):
    from cnnlab import attribution as A
    at, job = trained({**WHY_QUERY, "lang": lang}, "Trained" if lang == "en" else "学習後")
    model, image = job.result.models[1], load_mnist().image(4)[None]
    assert not at.exception and not at.warning
    s = A.saliency(model, image)
    np.testing.assert_array_equal(heatmap_values(at, "chart-why-saliency"), tile(s.gradient, 8).z)
    np.testing.assert_array_equal(heatmap_values(at, "chart-why-times-input"), tile(s.times_input, 8).z)
    at.session_state["why-saliency-downloads"] = True
    at.run()
    assert len(why_downloads(at)) == 2
    expected = {"occlusion": ("chart-occlusion", A.occlusion(model, image).heat[None]),
                "ascent": ("chart-ascent", A.ascent(model, (1, 28, 28), None, A.predicted(model, image), 40,
                                                  seed=5).images[-1]),
                "gradcam": ("chart-gradcam", A.grad_cam(model, image).upsampled[None].astype(np.float32)),
                "epochs": ("chart-epochs-kernels-1", model.params[0]["W"].reshape(4, 5, 5))}
    for view, (key, values) in expected.items():
        at.segmented_control(key="why-view").set_value(view)
        at.run()
        assert not at.exception and not at.warning, view
        np.testing.assert_array_equal(heatmap_values(at, key), tile(values, 8 if view != "gradcam" else 1).z)
        if view == "epochs":  # and the untrained ones beside
            np.testing.assert_array_equal(heatmap_values(at, "chart-epochs-kernels-0"),
                                          tile(job.result.models[0].params[0]["W"].reshape(4, 5, 5), 8).z)
        assert not why_downloads(at)  # built while the popover is open
        at.session_state[f"why-{view}-downloads"] = True
        at.run()
        names = sorted(b.proto.label for b in why_downloads(at))
        assert len(names) == 2 and not at.exception, view
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert ("Distance the kernels moved" if lang == "en" else "カーネルが動いた距離") in text


def test_inspect_shows_the_trained_network_s_saliency_for_the_input():
    from cnnlab import attribution as A
    query = {**WHY_QUERY, "seed": "8"}  # a training no other test asks for
    at = open_tab("Inspect a pixel", query)
    assert not [b for b in at.get("bidi_component") if b.proto.id.endswith("-chart-inspect-saliency")]  # not trained yet
    at, job = trained(query, "Inspect a pixel")
    assert not at.exception
    s = A.saliency(job.result.models[1], load_mnist().image(4)[None])
    np.testing.assert_array_equal(heatmap_values(at, "chart-inspect-saliency"), tile(s.gradient, 8).z)
    assert "Saliency of the trained network (after epoch 1)" in [h.value for h in at.subheader]


NEW_KINDS = [  # (layers after the blog's two, layer inspected, its title's kind, a phrase of its explanation)
    ("bn-e0.001", "BatchNormalization", "BatchNormalization(x) = 1 * (x - 0) / sqrt(1 + 0.001) + 0"),
    ("gap", "GlobalAveragePooling", ") / 144 = {value}"),
    ("affine-10", "Affine", " 0 = {value}`"),  # the channels' sums + the bias (untrained: 0) = the output
    ("unpool-2x2", "Unpooling", "{value} = {value}"),  # the one cell it copies
]


@pytest.mark.parametrize("more, kind, explained", NEW_KINDS)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_new_kind_in_the_stack_is_drawn_explained_and_played(more, kind, explained, lang):
    """Each kind added through the contract: its maps and words (both languages), the
    inspector's explanation with the engine's value, the player and the worksheet."""
    query = {"more": more, "insp_layer": "3", "insp_map": "1", "insp_row": "0", "insp_col": "0", "slide": "true",
             "lang": lang}
    at = open_tab("Maps" if lang == "en" else "マップ", query)
    assert not at.error and not at.exception
    stages = run(load_mnist().image(4), (ConvolutionSpec(), PoolingSpec(), *parse_stack(more)), 0)
    assert f"{kind} → {' x '.join(map(str, stages[3].shape))}" in subheaders(at)
    at = open_tab("Inspect a pixel" if lang == "en" else "ピクセルを調べる", query)
    assert not at.error and not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    value = format_number(float(stages[3].output[1, 0, 0]))
    assert f"**{kind}**" in markdown and f"= **{value}**" in markdown
    explained = explained.format(value=value)
    assert explained in markdown or explained in " ".join(c.value for c in at.code)
    assert any(b.proto.label for b in at.get("download_button"))


def test_a_layer_of_one_value_per_map_is_also_drawn_as_bars():
    at = open_tab("Maps", {"more": "gap"})
    stages = run(load_mnist().image(4), (ConvolutionSpec(), PoolingSpec(), *parse_stack("gap")), 0)
    [chart] = at.get("vega_lite_chart")
    assert "One value per map: the 16 values as bars." in [c.value for c in at.caption]
    import pyarrow as pa
    bars = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().column("value").to_numpy()
    np.testing.assert_allclose(bars, stages[3].output[:, 0, 0], rtol=1e-6)  # map m's bar is its value
