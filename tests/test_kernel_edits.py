"""Hand-edited kernel cells: the compact text reads back as itself, hostile text is
refused with a named message, and an edit lands on the weight element the Kernels view
draws in that cell, for every kind with kernels."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.data import load_mnist
from cnnlab.kernel_edits import (MAX_EDITS, EditError, KernelEdit, apply_edits, format_edits, kernel_text,
                                 parse_edits, read_kernel_text)
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack

values = st.decimals(-100, 100, places=6, allow_nan=False).map(float)
edits = st.lists(st.builds(KernelEdit, st.integers(1, 12), st.integers(0, 300), st.integers(0, 300),
                           st.integers(0, 14), st.integers(0, 14), values), max_size=MAX_EDITS)


@given(edits)
def test_the_text_reads_back_as_the_edits_one_per_cell(items):
    parsed = parse_edits(format_edits(tuple(items)))
    last = {e.cell: e for e in items}
    assert parsed == tuple(last[c] for c in sorted(last))
    assert parse_edits(format_edits(parsed)) == parsed


@pytest.mark.parametrize("text, key", [
    ("1.4.0.1.2", "entry"), ("1.4.0.1.2:1e3", "entry"), ("1.4.0.1.2:inf", "entry"), ("0.1.0.0.0:1", "range"),
    ("1.4.0.1.2:101", "range"), ("1.4.0.1.2:٣", "entry"), ("[x](https://evil.example):1", "entry"),
    ("_".join(["1.0.0.0.0:1"] * (MAX_EDITS + 1)), "too_many"), ("1.4.0.1.2:1__", "entry"),
])
def test_hostile_text_is_refused_with_a_named_reason(text, key):
    with pytest.raises(EditError) as err:
        parse_edits(text)
    assert err.value.key == key


def test_a_kernel_s_text_reads_back_and_bad_cells_are_named():
    kernel = np.array([[0.5, -1.25, 3], [1e-7, 100, -0.000004]], dtype=np.float32)
    np.testing.assert_allclose(read_kernel_text(kernel_text(kernel), (2, 3)), kernel, atol=5e-7)
    assert kernel_text(np.array([[1e-5, -2.0]])) == "0.00001 -2"  # plain decimals: no exponent to refuse
    for text, key, fields in [("1 2 3\n4 five 6", "cell", {"row": 1, "column": 1}), ("1 2 3", "rows", {"lines": 1}),
                              ("1 2\n3 4", "columns", {"row": 0, "count": 2}), ("1 2 3\n4 5 1e9", "cell", {"column": 2})]:
        with pytest.raises(EditError) as err:
            read_kernel_text(text, (2, 3))
        assert err.value.key == key and fields.items() <= err.value.fields.items()


@pytest.mark.parametrize("stack, layer", [("conv-4-3x3", 1), ("conv-4-3x3_conv-6-3x3-g2", 2),
                                          ("conv-2-3x3_dwconv-3x3-x2", 2), ("conv-4-3x3_deconv-6-3x3-s2x2-g2", 2)])
def test_an_edit_lands_where_the_kernels_view_draws_it(stack, layer):
    specs = parse_stack(stack)
    plain = run(load_mnist().image(4), specs, 3)
    kernels = specs[layer - 1].kernels(plain[layer].params)
    m, c, r, col = kernels.shape[0] - 1, kernels.shape[1] - 1, 1, 2
    edited = run(load_mnist().image(4), specs, 3, edits=(KernelEdit(layer, m, c, r, col, 7.5),))
    after = specs[layer - 1].kernels(edited[layer].params)
    expected = kernels.copy()
    expected[m, c, r, col] = 7.5
    np.testing.assert_array_equal(after, expected)  # that one cell, nothing else
    assert not np.array_equal(edited[layer].output, plain[layer].output)


def test_edits_naming_cells_a_layer_does_not_have_are_counted_and_left_out():
    spec = parse_stack("conv-2-3x3")[0]
    params = spec.init_params((1, 8, 8), np.random.default_rng(0))
    new, missed = apply_edits(spec, params, (KernelEdit(1, 5, 0, 0, 0, 1.0), KernelEdit(1, 0, 0, 9, 0, 1.0),
                                             KernelEdit(1, 0, 0, 0, 0, 1.0), KernelEdit(2, 0, 0, 0, 0, 1.0)), 1)
    assert missed == 2 and new["W"][0, 0, 0, 0] == 1.0 and params["W"][0, 0, 0, 0] != 1.0


def test_entries_naming_no_cell_of_the_network_are_named_as_written_with_why():
    from cnnlab.kernel_edits import ignored_edits
    from cnnlab.pipeline import run
    specs = parse_stack("conv-16-5x5_max-2x2_conv-4-3x3")
    stages = run(np.zeros((28, 28), np.float32), specs)
    text = "1.99.0.0.0:5_1.0.0.1.1:2_2.0.0.0.0:1_1.0.1.0.0:1_1.0.0.5.0:1_1.0.0.0.07:1_3.3.15.2.2:1_4.0.0.0.0:1"
    assert ignored_edits(text, stages, len(specs)) == [
        ("1.99.0.0.0:5", "outside.map", {"layer": 1, "last": 15}),
        ("2.0.0.0.0:1", "no_kernels", {"layer": 2, "name": "MaxPooling"}),
        ("1.0.1.0.0:1", "outside.channel", {"layer": 1, "last": 0}),
        ("1.0.0.5.0:1", "outside.row", {"layer": 1, "last": 4}),
        ("1.0.0.0.07:1", "outside.column", {"layer": 1, "last": 4}),  # as written, not as read
        ("4.0.0.0.0:1", "no_layer", {"layer": 4}),
    ]
    assert ignored_edits("not an edit", stages, len(specs)) == [] and ignored_edits("", stages, len(specs)) == []
    broken = run(np.zeros((28, 28), np.float32), parse_stack("conv-16-5x5_max-2x2_conv-4-13x13"))
    assert ignored_edits("3.0.0.9.9:1", broken, 3) == []  # layer 3 did not run: its own error says why


def test_a_kernel_with_exact_fractions_is_written_and_read_as_fractions():
    from cnnlab.classic_filters import classic_kernel
    assert kernel_text(classic_kernel("box blur", 3)) == "1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9"
    assert kernel_text(classic_kernel("Gaussian", 3)).splitlines()[1] == "2/16 4/16 2/16"
    read = read_kernel_text("1/9 -2/16\n0.5 +3/4", (2, 2))
    np.testing.assert_array_equal(read, np.array([[1 / 9, -0.125], [0.5, 0.75]], np.float32))
    for text in ("1/0 1", "1/9/2 1", "200/1 1"):  # no zero denominator, one slash, within the limit
        with pytest.raises(EditError) as err:
            read_kernel_text(text, (1, 2))
        assert err.value.key == "cell" and err.value.fields["column"] == 0
