"""The A/B comparison (cnnlab/compare.py, cnnlab/ui/compare.py) through AppTest: both
sides and their difference checked against runs of the pipeline made here."""

import numpy as np

from apptools import heatmap_values, open_tab
from cnnlab.compare import difference
from cnnlab.data import load_mnist
from cnnlab.mosaic import tile
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack


def same_values(shown, maps):
    expected = tile(maps, 8).z
    np.testing.assert_array_equal(np.isnan(shown), np.isnan(expected))
    np.testing.assert_allclose(shown[~np.isnan(shown)], expected[~np.isnan(expected)], rtol=1e-6, atol=1e-6)


def test_difference_is_value_by_value_where_shapes_agree():
    a, b = np.arange(24.0).reshape(2, 3, 4), np.ones((2, 3, 4))
    d = difference(a, b)
    assert all(d[c, i, j] == a[c, i, j] - 1 for c in range(2) for i in range(3) for j in range(4))
    assert difference(a, np.ones((2, 4, 3))) is None


def test_a_learned_kernel_against_classic_ones_side_by_side_and_their_difference():
    at = open_tab("Compare", {"net_b": "conv-16-5x5-iClassicFilters_max-2x2", "ab_layer": "2", "seed_b": "3"})
    image = load_mnist().image(4)
    a = run(image, parse_stack("conv-16-5x5_max-2x2"), 0)[2].output
    b = run(image, parse_stack("conv-16-5x5-iClassicFilters_max-2x2"), 3)[2].output
    same_values(heatmap_values(at, "chart-ab-A"), a)
    same_values(heatmap_values(at, "chart-ab-B"), b)
    same_values(heatmap_values(at, "chart-ab-diff"), a - b)
    heads = [s.value for s in at.subheader]
    assert heads[:3] == ["A: MaxPooling (layer 2) → 16 x 12 x 12", "B: MaxPooling (layer 2) → 16 x 12 x 12", "A - B"]
    captions = " ".join(c.value for c in at.caption)
    assert "`max-2x2` · 9,216 comparisons" in captions


def test_stride_2_against_1_names_both_shapes_and_draws_no_difference():
    at = open_tab("Compare")  # the default B: Strides 2
    assert [s.value for s in at.subheader][:2] == ["A: Convolution (layer 1) → 16 x 24 x 24",
                                                  "B: Convolution (layer 1) → 16 x 12 x 12"]
    assert "16 x 24 x 24 and 16 x 12 x 12" in at.info[0].value
    assert "`conv-16-5x5` · 416 parameters · 230,400 multiply-adds" in " ".join(c.value for c in at.caption)
    assert "`conv-16-5x5-s2x2` · 416 parameters · 57,600 multiply-adds" in " ".join(c.value for c in at.caption)


def test_a_layer_past_either_end_is_clamped_and_hostile_values_refused():
    at = open_tab("Compare", {"net_b": "conv-4-3x3", "ab_layer": "5"})
    assert "layer 1 is compared" in at.info[0].value
    at = open_tab("Compare", {"net_b": "conv-999-5x5<b>", "ab_layer": "99", "seed_b": "-1"})
    assert {"net_b", "ab_layer", "seed_b"}.isdisjoint(at.query_params)
    assert "`net_b=conv-999-5x5<b>`" in " ".join(w.value for w in at.warning)
