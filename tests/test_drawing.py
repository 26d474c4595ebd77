"""Drawn strokes: what a browser may send is checked before any work, the raster follows
its stated formula, and the 28x28 is fitted as MNIST was made."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.data import area_resize, fit_and_centre
from cnnlab.drawing import MAX_POINTS, MAX_STROKES, PAD, DrawingError, Stroke, drawn_digit, parse_strokes, rasterize


@pytest.mark.parametrize("sent", [
    "strokes", {"w": 10, "p": [[1, 2]]}, [{"w": 10}], [{"w": True, "p": [[1, 2]]}], [{"w": float("nan"), "p": [[1, 2]]}],
    [{"w": 2, "p": [[1, 2]]}], [{"w": 500, "p": [[1, 2]]}], [{"w": 10, "p": [[1, 2, 3]]}], [{"w": 10, "p": [["1", 2]]}],
    [{"w": 10, "p": [[1e9, 2]]}], [{"w": 10, "p": [[float("inf"), 2]]}], [{"w": 10, "p": [[5, 5]]}] * (MAX_STROKES + 1),
    [{"w": 10, "p": [[5, 5]] * (MAX_POINTS + 1)}], [{"w": 10, "p": "[[5, 5]]"}],
])
def test_anything_but_strokes_on_the_pad_is_refused(sent):
    with pytest.raises(DrawingError) as err:
        parse_strokes(sent)
    assert err.value.key == "drawing.bad"


def test_strokes_are_read_and_clamped_to_the_pad():
    strokes = parse_strokes([{"w": 20, "p": [[-5, 10], [300, 290.5]]}, {"w": 8, "p": []}])
    assert strokes == (Stroke(20.0, ((0.0, 10.0), (280.0, 280.0))),)  # the empty stroke dropped
    assert parse_strokes(None) == () and parse_strokes([]) == ()


def test_a_dot_is_a_disc_with_a_one_pixel_soft_edge():
    ink = rasterize((Stroke(20.0, ((140.0, 140.0),)),))
    assert ink.dtype == np.float32 and ink.shape == (PAD, PAD)
    assert ink[140, 140] == 1 and ink[140, 140 + 11] == 0 and ink.sum() == pytest.approx(math.pi * 10 ** 2, rel=0.01)  # the ramp averages to radius 10


@given(st.lists(st.tuples(st.floats(0, PAD), st.floats(0, PAD)), min_size=1, max_size=6), st.integers(6, 48))
def test_the_raster_follows_its_formula_at_sampled_pixels(points, width):
    ink = rasterize((Stroke(float(width), tuple(points)),))
    rng = np.random.default_rng(len(points))
    path = points if len(points) > 1 else points * 2
    for y, x in rng.integers(0, PAD, size=(40, 2)):
        best = 0.0
        for (x0, y0), (x1, y1) in zip(path[:-1], path[1:]):
            dx, dy = x1 - x0, y1 - y0
            t = 0.0 if dx == dy == 0 else min(1, max(0, ((x + .5 - x0) * dx + (y + .5 - y0) * dy) / (dx * dx + dy * dy)))
            distance = math.hypot(x + .5 - (x0 + t * dx), y + .5 - (y0 + t * dy))
            best = max(best, min(1, max(0, width / 2 + 0.5 - distance)))
        assert ink[y, x] == pytest.approx(best, abs=1e-4)


@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 20), st.integers(1, 20), st.integers(0, 9))
def test_area_resize_is_the_mean_over_each_covered_rectangle(h, w, oh, ow, seed):
    image = np.random.default_rng(seed).random((h, w))
    out = area_resize(image, oh, ow)
    sy, sx = h / oh, w / ow
    for i in range(oh):
        for j in range(ow):
            total = 0.0
            for r in range(h):
                for c in range(w):
                    overlap = max(0, min(r + 1, (i + 1) * sy) - max(r, i * sy)) * max(0, min(c + 1, (j + 1) * sx) - max(c, j * sx))
                    total += image[r, c] * overlap
            assert out[i, j] == pytest.approx(total / (sy * sx), abs=1e-9)


def test_a_drawing_is_fitted_into_20x20_and_centred_by_its_mass():
    digit = drawn_digit((Stroke(16.0, ((100.0, 30.0), (100.0, 250.0))),))  # a tall bar, off centre
    ink = digit > 0
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    assert rows[-1] - rows[0] + 1 == 20 and cols[-1] - cols[0] + 1 < 20 and digit.max() == pytest.approx(1.0)
    cy = (digit.sum(1) * np.arange(28)).sum() / digit.sum()
    cx = (digit.sum(0) * np.arange(28)).sum() / digit.sum()
    assert abs(cy + 0.5 - 14) <= 0.5 + 1e-5 and abs(cx + 0.5 - 14) <= 0.5 + 1e-5  # whole-pixel shifts
    with pytest.raises(DrawingError) as err:
        drawn_digit(())
    assert err.value.key == "drawing.empty"
    assert not fit_and_centre(np.zeros((5, 5))).any()
