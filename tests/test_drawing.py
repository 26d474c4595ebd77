"""Drawn strokes: what a browser may send is checked before any work, the raster follows
its stated formula, and the 28x28 is fitted as MNIST was made."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import drawing
from cnnlab.data import area_resize, fit_and_centre
from cnnlab.drawing import (MAX_POINTS, MAX_RASTER_CELLS, MAX_STROKES, PAD, DrawingError, Stroke, distinct_segments,
                            drawn_digit, parse_strokes, raster_cells, rasterize)


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


def per_segment_raster(strokes, size):
    """The rasteriser as it was (each segment over its box, one at a time): the reference."""
    ink = np.zeros((size, size), dtype=np.float32)
    for stroke in strokes:
        points = stroke.points if len(stroke.points) > 1 else stroke.points * 2
        radius = stroke.width / 2
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            top = max(0, int(math.floor(min(y0, y1) - radius - 1)))
            bottom = min(size, int(math.ceil(max(y0, y1) + radius + 1)))
            left = max(0, int(math.floor(min(x0, x1) - radius - 1)))
            right = min(size, int(math.ceil(max(x0, x1) + radius + 1)))
            if top >= bottom or left >= right:
                continue
            ys = np.arange(top, bottom, dtype=np.float32)[:, None] + 0.5
            xs = np.arange(left, right, dtype=np.float32)[None, :] + 0.5
            dx, dy = x1 - x0, y1 - y0
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0, 1)
            cover = np.clip(radius + 0.5 - np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy)), 0, 1)
            np.maximum(ink[top:bottom, left:right], cover, out=ink[top:bottom, left:right])
    return ink


coordinate = st.one_of(st.integers(0, 60).map(float), st.floats(0, 60))


@given(st.lists(st.tuples(st.integers(6, 48), st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=8)),
                min_size=1, max_size=4), st.booleans(), st.integers(8, 80))
def test_the_batched_rasteriser_equals_the_one_segment_at_a_time_one(strokes, back_and_forth, size):
    """Same ink as the rasteriser it replaced, with dots, repeated points and strokes going
    back and forth over the same segments (counted once: float32 rounding of the other
    direction aside)."""
    strokes = tuple(Stroke(float(w), tuple(p) + (tuple(reversed(p)) if back_and_forth else ())) for w, p in strokes)
    np.testing.assert_allclose(rasterize(strokes, size), per_segment_raster(strokes, size), atol=1e-5, rtol=0)


def zigzag(points: int, jitter: bool) -> list:
    """The review's pad payload: width 48 corner to corner and back (with jitter: every
    segment its own)."""
    step = PAD / points if jitter else 0.0
    return [{"w": 48, "p": [[0, k * step] if k % 2 == 0 else [PAD, PAD - k * step] for k in range(points)]}]


def test_the_reviews_zigzag_is_drawn_once_per_segment_and_its_variants_are_priced_before_they_run():
    """20,000 points of width 48 zig-zagging corner to corner kept the script busy 55-58 s:
    the same segment drawn back and forth is one segment; a zigzag whose every segment
    differs is refused before any pixel, as is any drawing over MAX_RASTER_CELLS."""
    strokes = parse_strokes(zigzag(MAX_POINTS, jitter=False))
    assert len(distinct_segments(strokes)) == 1 and raster_cells(strokes) <= 336 * 336
    assert drawn_digit(strokes).max() > 0
    heavy = parse_strokes(zigzag(MAX_POINTS, jitter=True))
    assert raster_cells(heavy) > MAX_RASTER_CELLS
    with pytest.raises(DrawingError) as err:
        rasterize(heavy)
    assert err.value.key == "drawing.too_much"
    small = parse_strokes(zigzag(40, jitter=True))
    assert raster_cells(small) <= MAX_RASTER_CELLS and rasterize(small).any()


@given(st.integers(6, 48), st.integers(1, 60), st.integers(0, 99))
def test_the_price_counts_every_row_and_edge_pixel_and_grows_with_the_brush_width_not_its_area(width, points, seed):
    """raster_cells bounds what the rasteriser computes (a span per segment and row of its box,
    and the soft-edge pixels; the inside is filled by spans), and a dot of the widest brush
    costs its rows and rim, not its disc (51 x 51 cells for the one-at-a-time rasteriser)."""
    rng = np.random.default_rng(seed)
    strokes = (Stroke(float(width), tuple(map(tuple, rng.uniform(0, PAD, (points, 2)).tolist()))),)
    segments = distinct_segments(strokes)
    seg, index, rows = drawing._rows(segments, PAD, drawing._boxes(segments, PAD))
    _, _, oa, left_end, right_start, ob = drawing._edges(seg, index, rows, PAD)
    edge = np.maximum(0, left_end - oa + 1) + np.maximum(0, ob - right_start + 1)
    assert len(rows) + int(edge.sum()) <= raster_cells(strokes)  # what it computes, within its price
    dot = lambda w: raster_cells((Stroke(float(w), ((140.0, 140.0),)),))  # noqa: E731
    assert dot(48) < 8 * 48 < 51 * 51 and dot(48) < 5 * dot(12)  # rows and rim: linear in the width
