"""The network editor (cnnlab/ui/network.py) through AppTest: a control's change applies
only to the network it was drawn for; "Add a layer" inserts where chosen. Checked failing
on f3f85dd (KeyError 'MaxPooling' / an unknown place)."""

import pytest

from apptools import layer_control, new_app


@pytest.mark.parametrize("field, value", [("kernel_shape-h", 3), ("kind", "AveragePooling"), ("ignore_border", False)])
def test_a_change_of_the_old_network_s_control_does_not_touch_a_network_typed_in_the_same_rerun(field, value):
    at = new_app().run()
    assert at.text_input(key="net").value == "conv-16-5x5_max-2x2"
    old_control = layer_control(at, 1, field)  # the old layer 2 (MaxPooling), its More settings open
    # one rerun carries both: the network typed anew and a change of the old layer 2's control
    at.text_input(key="net").set_value("conv-16-5x5_relu_max-2x2")
    old_control.set_value(value)
    at.run()
    assert not at.exception
    assert at.text_input(key="net").value == "conv-16-5x5_relu_max-2x2"
    assert [e.label for e in at.expander][:3] == ["1. Convolution", "2. ReLU", "3. MaxPooling"]
    layer_control(at, 2, "kernel_shape-h").set_value(3).run()  # the new network's controls work
    assert at.text_input(key="net").value == "conv-16-5x5_relu_max-3x2-s2x2"


def test_a_change_drawn_before_a_move_does_not_land_on_the_layer_moved_into_its_place():
    at = new_app({"net": "conv-16-5x5_max-2x2_conv-8-3x3"}).run()
    at.button(key="down-0").click()  # moves the first Convolution; the same rerun sets its old OutMaps
    layer_control(at, 0, "out_maps").set_value(4)
    at.run()
    assert not at.exception
    net = at.text_input(key="net").value
    # either order of the two callbacks is the visitor's intent; never OutMaps 4 on another layer
    assert net in ("max-2x2_conv-16-5x5_conv-8-3x3", "max-2x2_conv-4-5x5_conv-8-3x3"), net


def test_add_a_layer_inserts_at_the_chosen_place_and_opens_it():
    at = new_app().run()
    places = at.selectbox(key="add-layer-at")
    assert places.value == "end" and places.options == ["at the end", "at the start", "after 1. Convolution"]
    places.set_value(1)
    at.selectbox(key="add-layer").set_value("relu").run()
    assert at.text_input(key="net").value == "conv-16-5x5_relu_max-2x2"
    assert at.session_state["layer-1-ActivationSpec"] is True  # its settings open
    at.selectbox(key="add-layer").set_value("tanh").run()  # the next one goes after it
    assert at.text_input(key="net").value == "conv-16-5x5_relu_tanh_max-2x2"
    at.selectbox(key="add-layer-at").set_value("end")
    at.selectbox(key="add-layer").set_value("sigmoid").run()
    assert at.text_input(key="net").value == "conv-16-5x5_relu_tanh_max-2x2_sigmoid"
    assert not at.exception


def test_quick_edits_land_when_the_browser_sends_back_its_stale_copy_of_the_network_text():
    # A second slider press interrupts the rerun that would have updated the text box: the
    # next rerun carries the browser's older text beside the slider's newest value.
    at = new_app().run()
    layer_control(at, 0, "out_maps").set_value(17).run()
    assert at.text_input(key="net").value == "conv-17-5x5_max-2x2"
    at.text_input(key="net").set_value("conv-16-5x5_max-2x2")  # what the box still showed
    layer_control(at, 0, "out_maps").set_value(19)
    at.run()
    assert not at.exception
    assert at.text_input(key="net").value == "conv-19-5x5_max-2x2"
    at.text_input(key="net").set_value("conv-16-5x5_max-2x2").run()  # typed back on its own: it stands
    assert at.text_input(key="net").value == "conv-16-5x5_max-2x2"


def test_a_small_float_setting_shows_its_value_not_zero():
    """BatchNormalization's Epsilon 0.00001 is written as such (not Streamlit's two decimals, "0.00")."""
    from apptools import layer_control, new_app
    at = new_app({"net": "conv-4-3x3_bn"}).run()
    eps = layer_control(at, 1, "epsilon")
    assert eps.value == 0.00001 and eps.proto.format == "%g"
    at = eps.set_value(0.001).run()
    assert at.text_input(key="net").value == "conv-4-3x3_bn-e0.001"
