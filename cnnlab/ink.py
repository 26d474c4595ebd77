"""A drawing's strokes as one compact URL value (`?ink=`), so a link reproduces the drawn
digit's 28x28 exactly.

The pad's points are on a grid of 0.1 pad pixels (it rounds them so), so they travel as
whole tenths, losslessly: per stroke its brush width, its number of points, the first
point, then each point's difference from the one before, every number a varint (7 bits a
byte; differences zigzag-coded: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), the whole in
unpadded base64url. A drawing whose text would pass MAX_INK characters is thinned
(for_link: a point closer than a growing distance to the last one kept is left out)
until it fits; the page then computes the input from the thinned strokes, so the page
and the link still agree exactly. Decoding checks everything a hostile link could hold
(characters, length, widths, point counts, bounds, trailing bytes). No Streamlit import.
"""

from __future__ import annotations

import base64
import re

from cnnlab.drawing import MAX_POINTS, MAX_STROKES, PAD, WIDTHS, Stroke

MAX_INK = 4000  # characters of `ink=` (3,000 bytes of strokes)
GRID = 10  # points travel in tenths of a pad pixel
_TEXT = re.compile(r"[A-Za-z0-9_-]+")
_MOST = PAD * GRID  # the largest coordinate, in tenths


def _varint(n: int, out: bytearray) -> None:
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)


def _zigzag(n: int) -> int:
    return 2 * n if n >= 0 else -2 * n - 1


def _tenths(v: float) -> int:
    return min(max(int(round(v * GRID)), 0), _MOST)


def on_grid(strokes: tuple[Stroke, ...]) -> tuple[Stroke, ...]:
    """The strokes with widths whole and points on the 0.1-pixel grid, inside the pad (the
    pad's own points are already so), repeated points dropped."""
    result = []
    for s in strokes:
        points: list[tuple[float, float]] = []
        for x, y in s.points:
            p = (_tenths(x) / GRID, _tenths(y) / GRID)
            if not points or points[-1] != p:
                points.append(p)
        result.append(Stroke(float(min(max(round(s.width), WIDTHS[0]), WIDTHS[1])), tuple(points)))
    return tuple(result)


def encode(strokes: tuple[Stroke, ...]) -> str:
    """Strokes on the grid (see on_grid) -> the `ink` text ('' for no strokes)."""
    out = bytearray()
    for s in strokes:
        out.append(int(s.width))
        _varint(len(s.points), out)
        px = py = 0
        for k, (x, y) in enumerate(s.points):
            tx, ty = _tenths(x), _tenths(y)
            if k == 0:
                _varint(tx, out)
                _varint(ty, out)
            else:
                _varint(_zigzag(tx - px), out)
                _varint(_zigzag(ty - py), out)
            px, py = tx, ty
    return base64.urlsafe_b64encode(bytes(out)).decode("ascii").rstrip("=")


def decode(text: str) -> tuple[Stroke, ...]:
    """The `ink` text -> strokes; ValueError for anything encode would not write: other
    characters, over MAX_INK, a width outside WIDTHS, more than MAX_STROKES strokes or
    MAX_POINTS points, a point off the pad, a varint over 3 bytes, bytes left over."""
    if not text:
        return ()
    if len(text) > MAX_INK or not _TEXT.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not an ink text")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    at = 0

    def number() -> int:
        nonlocal at
        value = shift = 0
        for _ in range(3):
            if at >= len(data):
                raise ValueError("ink ends early")
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
        raise ValueError("ink number too long")

    def unzigzag(n: int) -> int:
        return n // 2 if n % 2 == 0 else -(n + 1) // 2

    strokes, total = [], 0
    while at < len(data):
        if len(strokes) >= MAX_STROKES:
            raise ValueError("too many strokes")
        width = data[at]
        at += 1
        if not WIDTHS[0] <= width <= WIDTHS[1]:
            raise ValueError("brush width")
        count = number()
        total += count
        if count < 1 or total > MAX_POINTS:
            raise ValueError("point count")
        x, y = number(), number()
        points = []
        for k in range(count):
            if k:
                x, y = x + unzigzag(number()), y + unzigzag(number())
            if not (0 <= x <= _MOST and 0 <= y <= _MOST):
                raise ValueError("point off the pad")
            points.append((x / GRID, y / GRID))
        strokes.append(Stroke(float(width), tuple(points)))
    return tuple(strokes)


def for_link(strokes: tuple[Stroke, ...]) -> tuple[Stroke, ...]:
    """The strokes the page computes with and the link holds: on the grid, then, while
    encode would pass MAX_INK, thinned with d = 1, 2, 4, ... pad pixels (a point nearer
    than d to the last point kept is left out; each stroke's ends are kept)."""
    strokes = on_grid(strokes)
    d = 0.0
    while len(encode(strokes)) > MAX_INK:
        d = 1.0 if d == 0 else 2 * d
        strokes = tuple(_thin(s, d) for s in strokes)
    return strokes


def _thin(stroke: Stroke, d: float) -> Stroke:
    kept = [stroke.points[0]]
    for p in stroke.points[1:-1]:
        if (p[0] - kept[-1][0]) ** 2 + (p[1] - kept[-1][1]) ** 2 >= d * d:
            kept.append(p)
    if len(stroke.points) > 1:
        kept.append(stroke.points[-1])
    return Stroke(stroke.width, tuple(kept))
