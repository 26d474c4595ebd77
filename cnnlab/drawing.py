"""A drawn digit: the strokes a browser sends, checked, rasterised, then made MNIST-like.

Strokes are polylines on a PAD x PAD pad (CSS pixels, origin top left), each with a
brush width. Rasterising paints every pixel whose centre lies within width / 2 of a
stroke's segments, with one pixel of linear falloff at the edge (anti-aliasing):

    ink(y, x) = max over segments of clip(width / 2 + 0.5 - distance((x + .5, y + .5), segment), 0, 1)

and cnnlab.data.fit_and_centre turns that into the 28x28 input.

Rasterising is priced before it runs: each distinct segment is taken row by row over its
bounding box (the segment widened by the brush radius + 1 on every side, clipped to the
pad); on each row the span within r - 0.5 of the segment is filled with 1 and only the soft
edge (r - 0.5 < distance < r + 0.5) is computed by the formula, so a segment costs its rows
and its edge pixels, which grow with the brush's width, not its area. Their bound from the
boxes alone (raster_cells: 3 per row + 4 per column of every box) may not pass
MAX_RASTER_CELLS. Segments that add nothing are dropped first (a zero-length segment inside
a stroke, whose disc its neighbours cover; the same segment drawn again with the same
width), so a stroke going back and forth over the same line costs one segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnnlab.data import fit_and_centre

PAD = 280  # the pad's side in CSS pixels (10 per MNIST pixel)
WIDTHS = (6, 48)  # brush widths the pad offers, in pad pixels
MAX_STROKES = 200
MAX_POINTS = 20_000  # over all strokes
MAX_RASTER_CELLS = 3_000_000  # raster_cells of one drawing (rows and edge pixels: ~0.1 us each here)


class DrawingError(ValueError):
    """Strokes that cannot be used; `key` names the catalogue message (drawing.KEY)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Stroke:
    """One stroke: its brush width and its points ((x, y), ...) in pad pixels."""

    width: float
    points: tuple[tuple[float, float], ...]


def parse_strokes(value: object) -> tuple[Stroke, ...]:
    """What the pad sent ([{"w": width, "p": [[x, y], ...]}, ...]) -> strokes, checked:
    at most MAX_STROKES strokes and MAX_POINTS points, finite numbers, widths within
    WIDTHS, points within the pad (clamped by at most one brush width). DrawingError
    ("drawing.bad") otherwise."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_STROKES:
        raise DrawingError("drawing.bad")
    strokes, total = [], 0
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("p"), list):
            raise DrawingError("drawing.bad")
        width = _number(item.get("w"))
        if not WIDTHS[0] <= width <= WIDTHS[1]:
            raise DrawingError("drawing.bad")
        total += len(item["p"])
        if total > MAX_POINTS:
            raise DrawingError("drawing.bad")
        points = []
        for point in item["p"]:
            if not isinstance(point, list) or len(point) != 2:
                raise DrawingError("drawing.bad")
            x, y = (_number(v) for v in point)
            if not (-width <= x <= PAD + width and -width <= y <= PAD + width):
                raise DrawingError("drawing.bad")
            points.append((min(max(x, 0.0), PAD), min(max(y, 0.0), PAD)))
        if points:
            strokes.append(Stroke(width, tuple(points)))
    return tuple(strokes)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DrawingError("drawing.bad")
    return float(value)


Segment = tuple[float, float, float, float, float]  # (x0, y0, x1, y1, radius)


def distinct_segments(strokes: tuple[Stroke, ...]) -> list[Segment]:
    """Every segment that adds ink, once: a one-point stroke is a dot (a zero-length segment);
    in a longer stroke zero-length segments are dropped (the segments on either side cover
    their disc); a segment drawn again (either way) with the same width counts once."""
    seen: set[Segment] = set()
    segments: list[Segment] = []
    for stroke in strokes:
        radius = stroke.width / 2
        points = stroke.points if len(stroke.points) > 1 else stroke.points * 2
        moves = [(a, b) for a, b in zip(points[:-1], points[1:]) if a != b] or [(points[0], points[0])]
        for a, b in moves:
            key = (*min(a, b), *max(a, b), radius)
            if key not in seen:
                seen.add(key)
                segments.append((*a, *b, radius))
    return segments


def _boxes(segments: list[Segment], size: int) -> np.ndarray:
    """(n, 4) int64 [top, bottom, left, right) of each segment's box on a size x size pad."""
    if not segments:
        return np.zeros((0, 4), dtype=np.int64)
    x0, y0, x1, y1, r = np.array(segments, dtype=np.float64).T
    top = np.maximum(0, np.floor(np.minimum(y0, y1) - r - 1))
    bottom = np.minimum(size, np.ceil(np.maximum(y0, y1) + r + 1))
    left = np.maximum(0, np.floor(np.minimum(x0, x1) - r - 1))
    right = np.minimum(size, np.ceil(np.maximum(x0, x1) + r + 1))
    return np.stack([top, bottom, left, right], axis=1).astype(np.int64)


def _spans(seg: np.ndarray, row: np.ndarray, yc: np.ndarray, rho: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each (segment, pixel row) pair: the x-interval [a, b] (a > b: empty) of the row's
    points within rho of the segment: the convex hull of the row's cut through both end
    discs and the band between them."""
    x0, y0, x1, y1 = (seg[row, i] for i in range(4))
    dx, dy = x1 - x0, y1 - y0
    length = np.hypot(dx, dy)
    a, b = np.full(len(row), np.inf), np.full(len(row), -np.inf)
    for px, py in ((x0, y0), (x1, y1)):
        h2 = rho * rho - (yc - py) ** 2
        half = np.sqrt(np.maximum(h2, 0))
        ok = h2 >= 0
        a = np.where(ok, np.minimum(a, px - half), a)
        b = np.where(ok, np.maximum(b, px + half), b)
    with np.errstate(divide="ignore", invalid="ignore"):
        ux, uy = dx / length, dy / length
        c = (yc - y0) * ux  # |(x - x0) uy - c| <= rho
        d = (yc - y0) * uy  # 0 <= (x - x0) ux + d <= length
        lo1 = np.where(uy > 0, (c - rho) / uy, (c + rho) / uy)
        hi1 = np.where(uy > 0, (c + rho) / uy, (c - rho) / uy)
        flat = uy == 0
        lo1 = np.where(flat, np.where(np.abs(c) <= rho, -np.inf, np.inf), lo1)
        hi1 = np.where(flat, np.where(np.abs(c) <= rho, np.inf, -np.inf), hi1)
        lo2 = np.where(ux > 0, -d / ux, (length - d) / ux)
        hi2 = np.where(ux > 0, (length - d) / ux, -d / ux)
        upright = ux == 0
        lo2 = np.where(upright, np.where((d >= 0) & (d <= length), -np.inf, np.inf), lo2)
        hi2 = np.where(upright, np.where((d >= 0) & (d <= length), np.inf, -np.inf), hi2)
        lo, hi = x0 + np.maximum(lo1, lo2), x0 + np.minimum(hi1, hi2)
    band = (length > 0) & (lo <= hi)
    return np.where(band, np.minimum(a, lo), a), np.where(band, np.maximum(b, hi), b)


def _pixel_range(a: np.ndarray, b: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel columns [first, last] whose centres x + 0.5 lie in [a, b], within the pad."""
    with np.errstate(invalid="ignore"):
        first = np.clip(np.ceil(a - 0.5), 0, size)
        last = np.clip(np.floor(b - 0.5), -1, size - 1)
    return np.nan_to_num(first, nan=size).astype(np.int64), np.nan_to_num(last, nan=-1).astype(np.int64)


EDGE = 1e-3  # pixels this much inside r - 0.5 are ink 1, this much outside r + 0.5 are 0, in float32 too


def _rows(segments: list[Segment], size: int, boxes: np.ndarray):
    """(segment arrays (n, 5), each (segment, pixel row) pair of the boxes: segment index, row)."""
    seg = np.array(segments, dtype=np.float64).reshape(-1, 5)
    heights = np.maximum(0, boxes[:, 1] - boxes[:, 0])
    index = np.repeat(np.arange(len(seg)), heights)
    rows = boxes[index, 0] + np.arange(int(heights.sum())) - np.repeat(np.cumsum(heights) - heights, heights)
    return seg, index, rows


def raster_cells(strokes: tuple[Stroke, ...], size: int = PAD) -> int:
    """The rasteriser's price, from the segments' boxes alone: 3 per (segment, row of its box)
    (its spans) + 4 per column of its box, which bounds the soft-edge pixels computed by the
    formula (a run of a pixel or two at each end of a row, and the cap rows' whole spans);
    the inside of a stroke is filled by row spans, so a segment costs about its rows and
    its edge, which grow with the brush's width, not its area."""
    boxes = _boxes(distinct_segments(strokes), size)
    sides = np.maximum(0, boxes[:, [1, 3]] - boxes[:, [0, 2]])
    return int((3 * sides[:, 0] + 4 * sides[:, 1]).sum())


ROWS_PER_PASS = 1 << 15  # (segment, row) pairs computed together: a few MB of temporaries


def _edges(seg, index, rows, size):
    """Per (segment, row): the inner span [ia, ib] (ink 1) and the soft edge's two spans
    [oa, left_end] and [right_start, ob]."""
    yc = rows + 0.5
    radius = seg[index, 4]
    oa, ob = _pixel_range(*_spans(seg, index, yc, radius + 0.5 + EDGE), size)
    ia, ib = _pixel_range(*_spans(seg, index, yc, np.maximum(radius - 0.5 - EDGE, 0)), size)
    inner = ia <= ib
    left_end = np.where(inner, np.minimum(ob, ia - 1), ob)
    right_start = np.where(inner, np.maximum(oa, ib + 1), ob + 1)
    return ia, ib, oa, left_end, right_start, ob


def rasterize(strokes: tuple[Stroke, ...], size: int = PAD) -> np.ndarray:
    """Strokes -> (size, size) float32 ink in [0, 1], white on black (formula above). A
    one-point stroke is a dot. DrawingError ("drawing.too_much") before any pixel when
    raster_cells is over MAX_RASTER_CELLS.

    Per (segment, pixel row), vectorised over ROWS_PER_PASS of them at a time: the row's
    span within r - 0.5 of the segment is ink 1 (filled through a difference array), and
    only the pixels of its soft edge, within r + 0.5 but not r - 0.5, are computed by the
    formula (in float32, as one segment at a time over its box would), laid on the ink with
    np.maximum.at."""
    ink = np.zeros((size, size), dtype=np.float32)
    segments = distinct_segments(strokes)
    if raster_cells(strokes, size) > MAX_RASTER_CELLS:
        raise DrawingError("drawing.too_much")
    if not segments:
        return ink
    seg, index_all, rows_all = _rows(segments, size, _boxes(segments, size))
    width = size + 1
    marks = np.zeros(size * width, dtype=np.int64)
    flat = ink.reshape(-1)
    for start in range(0, len(rows_all), ROWS_PER_PASS):
        index, rows = index_all[start:start + ROWS_PER_PASS], rows_all[start:start + ROWS_PER_PASS]
        ia, ib, oa, left_end, right_start, ob = _edges(seg, index, rows, size)
        inner = ia <= ib
        marks += np.bincount(rows[inner] * width + ia[inner], minlength=size * width)
        marks -= np.bincount(rows[inner] * width + ib[inner] + 1, minlength=size * width)
        for first, last in ((oa, left_end), (right_start, ob)):
            n = np.maximum(0, last - first + 1)
            total = int(n.sum())
            if total:
                which = np.repeat(np.arange(len(n)), n)
                cols = first[which] + np.arange(total) - np.repeat(np.cumsum(n) - n, n)
                _edge_cover(flat, size, seg[index[which]], rows[which], cols)
    ink[np.cumsum(marks.reshape(size, width), axis=1)[:, :size] > 0] = 1
    return ink


def _edge_cover(flat: np.ndarray, size: int, seg: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
    """The formula at pixels (rows, cols), each for its own segment, maxed onto the flat ink."""
    f32 = np.float32
    x0, y0, x1, y1, radius = seg.T
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    moving = length2 > 0
    x0, y0, dx, dy = (v.astype(f32) for v in (x0, y0, dx, dy))
    length2 = np.where(moving, length2, 1).astype(f32)
    ys, xs = rows.astype(f32) + f32(0.5), cols.astype(f32) + f32(0.5)
    t = np.where(moving, np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0, 1), f32(0))
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    cover = np.clip((radius + 0.5).astype(f32) - distance, 0, 1)
    np.maximum.at(flat, rows * size + cols, cover)


def drawn_digit(strokes: tuple[Stroke, ...]) -> np.ndarray:
    """Strokes -> the (28, 28) input: rasterised on the pad, then fit_and_centre (crop to
    the ink, scale into 20x20 by area averaging, centre of mass at the centre).
    DrawingError ("drawing.empty") when nothing is drawn, ("drawing.too_much") when its
    rasterising is priced over MAX_RASTER_CELLS."""
    ink = rasterize(strokes)
    if not ink.any():
        raise DrawingError("drawing.empty")
    return fit_and_centre(ink)
