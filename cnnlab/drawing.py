"""A drawn digit: the strokes a browser sends, checked, rasterised, then made MNIST-like.

Strokes are polylines on a PAD x PAD pad (CSS pixels, origin top left), each with a
brush width. Rasterising paints every pixel whose centre lies within width / 2 of a
stroke's segments, with one pixel of linear falloff at the edge (anti-aliasing):

    ink(y, x) = max over segments of clip(width / 2 + 0.5 - distance((x + .5, y + .5), segment), 0, 1)

and cnnlab.data.fit_and_centre turns that into the 28x28 input.

Rasterising is priced before it runs: each distinct segment is evaluated over its bounding
box (the segment widened by the brush radius + 1 on every side, clipped to the pad), and the
sum of those boxes' cells (raster_cells) may not pass MAX_RASTER_CELLS. Segments that add
nothing are dropped first (a zero-length segment inside a stroke, whose disc its neighbours
cover; the same segment drawn again with the same width), so a stroke going back and forth
over the same line costs one segment.
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
MAX_RASTER_CELLS = 12_000_000  # pixel evaluations of one drawing (~30 ns each on the reference machine)


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


def _box_cells(boxes: np.ndarray) -> np.ndarray:
    """(n, 2) rows x columns each box is evaluated over: its size rounded up to a multiple of
    8 (boxes of one rounded size are evaluated together)."""
    sides = np.maximum(0, boxes[:, [1, 3]] - boxes[:, [0, 2]])
    return -(-sides // 8) * 8


def raster_cells(strokes: tuple[Stroke, ...], size: int = PAD) -> int:
    """The rasteriser's price: the cells it evaluates, every distinct segment's box (see the
    module's doc) rounded up to a multiple of 8 each way."""
    return int(_box_cells(_boxes(distinct_segments(strokes), size)).prod(axis=1).sum())


BATCH_CELLS = 1 << 17  # cells evaluated in one vectorised pass: a few 0.5 MB arrays at a time


def rasterize(strokes: tuple[Stroke, ...], size: int = PAD) -> np.ndarray:
    """Strokes -> (size, size) float32 ink in [0, 1], white on black (formula above). A
    one-point stroke is a dot. DrawingError ("drawing.too_much") before any pixel when
    raster_cells is over MAX_RASTER_CELLS.

    Segments whose boxes round to the same size (rows, columns) are evaluated together, up to
    BATCH_CELLS cells a pass, in float32 as one segment at a time would be, and each pass is
    laid on the ink with np.maximum.at (cells outside a segment's own box add 0)."""
    segments = distinct_segments(strokes)
    boxes = _boxes(segments, size)
    cells = _box_cells(boxes)
    if int(cells.prod(axis=1).sum()) > MAX_RASTER_CELLS:
        raise DrawingError("drawing.too_much")
    ink = np.zeros((size, size), dtype=np.float32)
    if not segments:
        return ink
    seg = np.array(segments, dtype=np.float64)
    keep = cells.prod(axis=1) > 0
    seg, boxes, cells = seg[keep], boxes[keep], cells[keep]
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (bh, bw) in enumerate(cells.tolist()):
        groups.setdefault((bh, bw), []).append(i)
    flat = ink.reshape(-1)
    for (bh, bw), members in groups.items():
        per = max(1, BATCH_CELLS // (bh * bw))
        for start in range(0, len(members), per):
            idx = np.array(members[start:start + per])
            _paint(flat, size, seg[idx], boxes[idx], bh, bw)
    return ink


def _paint(flat: np.ndarray, size: int, seg: np.ndarray, boxes: np.ndarray, bh: int, bw: int) -> None:
    """Lay k segments' cover (formula above) over their (bh, bw) boxes onto the flat ink."""
    x0, y0, x1, y1, radius = seg.T
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    f32 = np.float32
    x0, y0, dx, dy = (a.astype(f32)[:, None, None] for a in (x0, y0, dx, dy))
    moving = (length2 > 0)[:, None, None]
    length2 = np.where(length2 > 0, length2, 1).astype(f32)[:, None, None]
    rows = boxes[:, 0:1] + np.arange(bh)  # (k, bh) pixel rows
    cols = boxes[:, 2:3] + np.arange(bw)
    ys = (rows.astype(f32) + f32(0.5))[:, :, None]
    xs = (cols.astype(f32) + f32(0.5))[:, None, :]
    t = np.where(moving, np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0, 1), f32(0))
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    cover = np.clip((radius + 0.5).astype(f32)[:, None, None] - distance, 0, 1)
    inside = (rows < boxes[:, 1:2])[:, :, None] & (cols < boxes[:, 3:4])[:, None, :]
    cover = np.where(inside, cover, f32(0))
    where = np.where(inside, rows[:, :, None] * size + cols[:, None, :], 0)
    np.maximum.at(flat, where.reshape(-1), cover.reshape(-1))


def drawn_digit(strokes: tuple[Stroke, ...]) -> np.ndarray:
    """Strokes -> the (28, 28) input: rasterised on the pad, then fit_and_centre (crop to
    the ink, scale into 20x20 by area averaging, centre of mass at the centre).
    DrawingError ("drawing.empty") when nothing is drawn, ("drawing.too_much") when its
    rasterising is priced over MAX_RASTER_CELLS."""
    ink = rasterize(strokes)
    if not ink.any():
        raise DrawingError("drawing.empty")
    return fit_and_centre(ink)
