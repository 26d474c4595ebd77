"""The inspected pixel's worksheet: its CSV and HTML hold the explanation's numbers, the
exercise leaves the answers blank, and nothing from the page is read as HTML."""

import csv
import io
import re

import numpy as np

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.data import load_mnist
from cnnlab.explain import explain_pixel, format_number
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack
from cnnlab.worksheet import BLANK, number, sheet_words, worksheet_csv, worksheet_html
from test_layer_contract import _setup, any_spec

STAGES = run(load_mnist().image(4), parse_stack("conv-2-3x3-p1x1_relu_max-2x2"), 0)
WORDS = {k: k for k in ("channel", "patch", "kernel", "products", "sum", "bias", "window", "result")}


def step(layer, out):
    """As the inspector explains a pixel: its value the map's own."""
    return explain_pixel(STAGES[layer].spec, STAGES[layer].params, STAGES[layer - 1].output, out, STAGES[layer].output)


def test_the_convolution_worksheet_s_products_add_up_to_the_map_value():
    border = list(csv.reader(io.StringIO(worksheet_csv(step(1, (1, 0, 5))))))
    assert [int(r[1]) for r in border[1:4]] == [-1, -1, -1]  # on the top border the first row reads padding
    conv = step(1, (1, 14, 10))  # on the stroke
    rows = list(csv.reader(io.StringIO(worksheet_csv(conv))))
    terms = rows[1:-2]
    assert len(terms) == 9 and rows[-1][0] == "sum" and float(rows[-1][5]) != 0
    # 3 significant digits, as the page writes them: the terms add up within their rounding
    assert sum(float(r[5]) for r in terms) + float(rows[-2][5]) == pytest.approx(float(rows[-1][5]), abs=5e-3)
    assert rows[-1][5] == format_number(STAGES[1].output[1, 14, 10])
    page = worksheet_html(conv, "Convolution <1>", WORDS)
    assert f"<b>{number(conv.value)}</b>" in page and "Convolution &lt;1&gt;" in page
    assert number(conv.products[0, 1, 1]) in page
    exercise = worksheet_html(conv, "x", WORDS, exercise=True)
    assert f"<b>{BLANK}</b>" in exercise and number(conv.value) not in exercise.split("bias")[1]


def test_pooling_and_activation_worksheets():
    pool = step(3, (0, 4, 4))
    rows = list(csv.reader(io.StringIO(worksheet_csv(pool))))
    assert rows[-1][0] == "MaxPooling" and float(rows[-1][2]) == max(float(r[2]) for r in rows[1:-1])
    assert f"<b>{BLANK}</b>" in worksheet_html(pool, "p", WORDS, exercise=True)
    act = step(2, (0, 3, 3))
    assert list(csv.reader(io.StringIO(worksheet_csv(act))))[1][0] == "max(0, x)"
    assert number(act.value) in worksheet_html(act, "a", WORDS)


def test_no_minus_zero_and_the_kernel_as_the_page_writes_it():
    """0 x a negative weight is -0.0 in floating point; the CSV and the worksheet write 0. A
    box blur's kernel is 1/9 in the worksheet; the CSV keeps decimals (a spreadsheet reads
    1/9 as a date)."""
    from cnnlab.classic_filters import classic_weight
    from cnnlab.layers import ConvolutionSpec

    x = np.zeros((1, 5, 5), np.float32)
    x[0, 2, 2] = 1.0
    weight = -np.ones((1, 1, 3, 3), np.float32)
    conv = explain_pixel(ConvolutionSpec(1, (3, 3), with_bias=False), {"W": weight}, x, (0, 0, 0))
    assert (np.signbit(conv.products) & (conv.products == 0)).any()  # the -0.0 is there
    text = worksheet_csv(conv) + worksheet_html(conv, "t", WORDS)
    assert not re.search(r"(^|[^\d.])-0(?![\d.])", text), text
    blur = explain_pixel(ConvolutionSpec(1, (3, 3), with_bias=False), {"W": classic_weight((2, 1, 3, 3))[1:]}, x,
                         (0, 1, 1))
    page = worksheet_html(blur, "t", WORDS)
    assert page.count("<td>1/9</td>") == 9 and "0.111" not in page.split(WORDS["kernel"])[1].split("</table>")[0]
    assert [r[4] for r in csv.reader(io.StringIO(worksheet_csv(blur)))][1:10] == ["0.111"] * 9


@settings(max_examples=40, deadline=None)
@given(any_spec, st.integers(0, 999), st.data())
def test_every_kind_s_worksheet_writes_the_pixel_s_value(spec, seed, data):
    """Whatever kind the pixel's layer is (its explanation's step), the CSV's last line and
    the page's answer are the layer's own value."""
    x, params, out_shape = _setup(spec, seed)
    out = tuple(data.draw(st.integers(0, n - 1)) for n in out_shape)
    y = spec.forward(x[None], params)[0]
    step = explain_pixel(spec, params, x, out, y)
    value = number(float(y[out]))
    assert worksheet_csv(step).strip().splitlines()[-1].endswith(value)
    words = dict.fromkeys(sheet_words(step), "w")  # the common words and the step's own
    assert f"<b>{value}</b>" in worksheet_html(step, "title", words)
