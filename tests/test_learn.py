"""The Learn tab (cnnlab/ui/learn.py) through AppTest: the blog post's examples, stepped."""

from apptools import chart_by_key, decode, open_tab


def learn_app():
    return open_tab("Learn")


def test_the_first_positions_are_the_posts_84_and_8():
    at = learn_app()
    assert at.code[0].value == "0*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 + 7*1 + 8*0 = 84"
    assert at.code[1].value == "max(1, 2, 7, 8) = 8"
    markdown = " ".join(m.value for m in at.markdown)
    assert "floor((7 + 2*0 - 1*(3 - 1) - 1) / 2) + 1 = 3" in markdown
    assert "floor((8 + 2*0 - 2) / 2) + 1 = 4" in markdown
    out = decode(chart_by_key(at, "chart-learn-conv-output")["data"][0]["z"])
    assert out.shape == (3, 3) and out[0, 0] == 84


def test_stepping_moves_the_window_and_fills_the_output():
    at = learn_app()
    at.slider(key="learn_conv_pos").set_value(4).run()  # centre of the 3x3 output
    line = at.code[0].value
    # window rows 2-4, columns 2-4 of x[r, c] = (3r + c) % 10 with kernel 8..0
    assert line.startswith("8*8 + 9*7 + 0*6 + 1*5 + 2*4 + 3*3 + 4*2 + 5*1 + 6*0 =")
    out = decode(chart_by_key(at, "chart-learn-conv-output")["data"][0]["z"])
    assert (~__import__("numpy").isnan(out)).sum() == 5
    next_button = [b for b in at.button if b.key == "learn_pool_pos-next"][0]
    next_button.click().run()
    assert at.code[1].value.startswith("max(3, 4, 9, 1) =")


def test_changing_the_small_example_changes_its_size():
    at = learn_app()
    at.slider(key="learn_s").set_value(1)
    at.slider(key="learn_p").set_value(1)
    at.run()
    assert "floor((7 + 2*1 - 1*(3 - 1) - 1) / 1) + 1 = 7" in " ".join(m.value for m in at.markdown)
    assert decode(chart_by_key(at, "chart-learn-conv-output")["data"][0]["z"]).shape == (7, 7)
    assert at.code[0].value.startswith("0*8 + 0*7 + 0*6 + 0*5 + 0*4")  # padding reads zeros
    at.slider(key="learn_pk").set_value(3).run()
    assert at.code[1].value == "max(1, 2, 3, 7, 8, 9, 4, 5, 6) = 9"


def test_the_headings_name_the_kernel_and_strides_as_set():
    from apptools import open_tab
    at = open_tab("Learn", {"learn_k": "5", "learn_pk": "3", "learn_ps": "1"})
    titles = [s.value for s in at.subheader]
    assert "Convolution: a 7x7 input and a 5x5 kernel" in titles
    assert "MaxPooling: an 8x8 sample, KernelShape 3,3, Strides 1,1" in titles
    at.slider(key="learn_k").set_value(2).run()
    assert "Convolution: a 7x7 input and a 2x2 kernel" in [s.value for s in at.subheader]
