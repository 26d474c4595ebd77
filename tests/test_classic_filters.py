"""Classic filters: the textbook kernels, the W.Initializer that lays them out map by map,
a Sobel x map against a plain loop, and the closest filter to a kernel."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.classic_filters import CLASSIC, classic_kernel, classic_name, classic_weight, closest_classic
from cnnlab.data import load_mnist
from cnnlab.pipeline import run
from cnnlab.presets import parse_stack
from cnnlab.shapes import LayerShapeError

TEXTBOOK_3X3 = {  # as image-processing textbooks print them (cross-correlation, as applied here)
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Prewitt x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}


@pytest.mark.parametrize("name", TEXTBOOK_3X3)
def test_3x3_kernels_are_the_textbook_ones(name):
    np.testing.assert_array_equal(classic_kernel(name, 3), np.array(TEXTBOOK_3X3[name], dtype=np.float32))


def test_blurs_sum_to_one_and_edges_to_zero_at_both_sizes():
    for k in (3, 5):
        for name in ("box blur", "Gaussian", "sharpen", "identity", "emboss"):
            assert classic_kernel(name, k).sum() == pytest.approx(1.0), (name, k)
        for name in ("Sobel x", "Sobel y", "Prewitt x", "Laplacian", "45° edge"):
            assert classic_kernel(name, k).sum() == pytest.approx(0.0), (name, k)
    np.testing.assert_array_equal(classic_kernel("Gaussian", 5) * 256,
                                  np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]))


def test_the_initializer_lays_the_filters_out_map_by_map_over_the_channels():
    w = classic_weight((12, 3, 3, 3), multiplier=2.0)
    assert w.shape == (12, 3, 3, 3) and w.dtype == np.float32
    for m in range(12):
        for c in range(3):
            np.testing.assert_allclose(w[m, c], classic_kernel(list(CLASSIC)[m % 10], 3) * 2 / 3, rtol=1e-6)
    assert classic_name(4) == "Sobel x" and classic_name(14) == "Sobel x"
    with pytest.raises(LayerShapeError) as err:
        classic_weight((4, 1, 7, 7))
    assert err.value.detail == ("shape.classic_shape", {"kh": 7, "kw": 7})
    with pytest.raises(LayerShapeError):
        classic_weight((4, 1, 3, 5))


def test_sobel_x_on_the_blog_post_s_4_gives_the_map_of_a_plain_loop():
    image = load_mnist().image(4).astype(np.float64)
    stages = run(image, parse_stack("conv-8-3x3-iClassicFilters"))
    sobel = TEXTBOOK_3X3["Sobel x"]
    expected = np.zeros((26, 26))
    for i in range(26):
        for j in range(26):
            for u in range(3):
                for v in range(3):
                    expected[i, j] += sobel[u][v] * image[i + u, j + v]
    np.testing.assert_allclose(stages[1].output[4], expected, atol=1e-5)  # map 4 is Sobel x; bias 0 untrained
    assert stages[1].output[4].max() > 1  # the digit's left edges light up


def test_other_kernel_shapes_get_the_message_and_the_input_stays():
    stages = run(load_mnist().image(4), parse_stack("conv-8-7x7-iClassicFilters"))
    assert stages[-1].error_detail == ("shape.classic_shape", {"kh": 7, "kw": 7}) and len(stages) == 2


@given(st.sampled_from(list(CLASSIC)), st.sampled_from([3, 5]), st.floats(0.05, 20))
def test_each_filter_scaled_is_closest_to_itself(name, size, factor):
    found, score = closest_classic(classic_kernel(name, size) * factor)
    assert found == name and score == pytest.approx(1.0, abs=1e-6)


def test_closest_filter_of_a_noisy_edge_detector_and_of_other_sizes():
    rng = np.random.default_rng(0)
    kernel = classic_kernel("Sobel y", 5) + rng.normal(0, 0.3, (5, 5))
    name, score = closest_classic(np.stack([kernel, kernel]) / 2)  # channels are summed
    assert name == "Sobel y" and 0.8 < score < 1.0
    assert closest_classic(np.ones((7, 7))) == ("", 0.0) and closest_classic(np.zeros((3, 3))) == ("", 0.0)
