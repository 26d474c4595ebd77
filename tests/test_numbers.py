"""One number grammar (cnnlab.numbers) for the network text, the URL's values and the kernel
edits: the same text is a number in all three places or in none (each place's range aside)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import numbers
from cnnlab.kernel_edits import EditError, parse_edits, read_kernel_text
from cnnlab.presets import StackFormatError, parse_stack
from cnnlab.ui.params import LEGACY, URL_PARAMS


def in_network_text(text: str) -> float | None:
    """LeakyReLU's alpha (0 to 1) as the network text writes it."""
    try:
        return parse_stack(f"leaky-{text}")[0].alpha
    except StackFormatError:
        return None


def in_url(text: str) -> float | None:
    """alpha= (0 to 1) in a link (one made before net=; the float every URL value reads as)."""
    try:
        return LEGACY["alpha"].parse(text)
    except ValueError:
        return None


def in_kernel_edit(text: str) -> float | None:
    """A kernels= entry's value (-100 to 100)."""
    try:
        return parse_edits(f"1.0.0.0.0:{text}")[0].value
    except EditError:
        return None


def in_kernel_cell(text: str) -> float | None:
    """A cell typed into the kernel editor (-100 to 100); spaces and commas separate cells."""
    try:
        return float(read_kernel_text(text, (1, 1))[0, 0])
    except EditError:
        return None


@pytest.mark.parametrize("text, value", [("0.5", 0.5), ("1", 1.0), ("1.", 1.0), (".5", 0.5), ("0.25", 0.25),
                                         ("0", 0.0), ("00.100", 0.1)])
def test_a_decimal_reads_alike_in_every_place(text, value):
    assert in_network_text(text) == in_url(text) == value
    assert in_kernel_edit(text) == value and in_kernel_cell(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["1e-1", "5E-1", "inf", "nan", "0_5", "٠.5", ".", "", "0x1", "0,5", "½",
                                  "1.2.3", "0.1234567891"])
def test_what_is_not_a_number_is_refused_in_every_place(text):
    assert (in_network_text(text), in_url(text), in_kernel_edit(text)) == (None, None, None)
    if text != "0,5":  # two cells
        assert in_kernel_cell(text) is None


def test_a_typed_kernel_cell_also_takes_a_fraction_as_the_kernel_view_shows_one():
    assert in_kernel_cell("-1/8") == -0.125 and in_kernel_cell("1/0") is None
    assert (in_network_text("1/8"), in_url("1/8"), in_kernel_edit("1/8")) == (None, None, None)


def test_a_sign_is_read_only_where_a_value_may_be_negative():
    for text in ["-0.5", "+0.5"]:
        assert in_network_text(text) is None and in_url(text) is None
        assert in_kernel_edit(text) == in_kernel_cell(text) == float(text)
    assert URL_PARAMS["seed"].parse("12") == 12 and numbers.whole("+12") is None and numbers.whole("1.") is None


@given(st.text(st.sampled_from("0123456789.+-e_٣x,/"), max_size=14))
def test_every_place_reads_exactly_the_grammar_s_numbers(text):
    unsigned, signed = numbers.decimal(text), numbers.decimal(text, signed=True)
    expected = unsigned if unsigned is not None and unsigned <= 1 else None
    assert in_network_text(text) == expected
    assert in_url(text) == expected
    kernel = signed if signed is not None and abs(signed) <= 100 else None
    assert in_kernel_edit(text) == kernel
    if "," not in text and "/" not in text:  # a comma separates typed cells; p/q is a cell's fraction
        cell = in_kernel_cell(text)
        assert (cell is None) == (kernel is None)
        if kernel is not None:
            assert cell == np.float32(kernel)
