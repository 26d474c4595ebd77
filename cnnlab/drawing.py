"""A drawn digit: the strokes a browser sends, checked, rasterised, then made MNIST-like.

Strokes are polylines on a PAD x PAD pad (CSS pixels, origin top left), each with a
brush width. Rasterising paints every pixel whose centre lies within width / 2 of a
stroke's segments, with one pixel of linear falloff at the edge (anti-aliasing):

    ink(y, x) = max over segments of clip(width / 2 + 0.5 - distance((x + .5, y + .5), segment), 0, 1)

and cnnlab.data.fit_and_centre turns that into the 28x28 input.
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


def rasterize(strokes: tuple[Stroke, ...], size: int = PAD) -> np.ndarray:
    """Strokes -> (size, size) float32 ink in [0, 1], white on black (formula above). A
    one-point stroke is a dot."""
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
            distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
            cover = np.clip(radius + 0.5 - distance, 0, 1)
            np.maximum(ink[top:bottom, left:right], cover, out=ink[top:bottom, left:right])
    return ink


def drawn_digit(strokes: tuple[Stroke, ...]) -> np.ndarray:
    """Strokes -> the (28, 28) input: rasterised on the pad, then fit_and_centre (crop to
    the ink, scale into 20x20 by area averaging, centre of mass at the centre).
    DrawingError ("drawing.empty") when nothing is drawn."""
    ink = rasterize(strokes)
    if not ink.any():
        raise DrawingError("drawing.empty")
    return fit_and_centre(ink)
