"""The inspected pixel's worksheet: its CSV and HTML hold the explanation's numbers, the
exercise leaves the answers blank, and nothing from the page is read as HTML."""

import csv
import io

import pytest

from cnnlab.data import load_mnist
from cnnlab.explain import explain_pixel
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack
from cnnlab.worksheet import BLANK, number, worksheet_csv, worksheet_html

STAGES = run(load_mnist().image(4), parse_stack("conv-2-3x3-p1x1_relu_max-2x2"), 0)
WORDS = {k: k for k in ("channel", "patch", "kernel", "products", "sum", "bias", "window", "result")}


def step(layer, out):
    return explain_pixel(STAGES[layer].spec, STAGES[layer].params, STAGES[layer - 1].output, out)


def test_the_convolution_worksheet_s_products_add_up_to_the_map_value():
    border = list(csv.reader(io.StringIO(worksheet_csv(step(1, (1, 0, 5))))))
    assert [int(r[1]) for r in border[1:4]] == [-1, -1, -1]  # on the top border the first row reads padding
    conv = step(1, (1, 14, 10))  # on the stroke
    rows = list(csv.reader(io.StringIO(worksheet_csv(conv))))
    terms = rows[1:-2]
    assert len(terms) == 9 and rows[-1][0] == "sum" and float(rows[-1][5]) != 0
    assert sum(float(r[5]) for r in terms) + float(rows[-2][5]) == pytest.approx(float(rows[-1][5]), abs=1e-5)
    assert float(rows[-1][5]) == pytest.approx(float(STAGES[1].output[1, 14, 10]), rel=1e-5)
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
