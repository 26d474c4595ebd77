"""cnnlab/ink.py: a drawing's strokes in the link, lossless on the pad's grid, bounded,
and every hostile text refused with ValueError."""

import base64

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from cnnlab import ink
from cnnlab.drawing import MAX_POINTS, MAX_STROKES, PAD, Stroke, drawn_digit

tenths = hs.integers(0, PAD * 10).map(lambda n: n / 10)
strokes_st = hs.lists(
    hs.builds(lambda w, p: Stroke(float(w), tuple(p)), hs.integers(3, 24).map(lambda n: 2 * n),
              hs.lists(hs.tuples(tenths, tenths), min_size=1, max_size=60)),
    min_size=1, max_size=8).map(tuple)


@given(strokes_st)
@settings(max_examples=150, deadline=None)
def test_strokes_on_the_pad_s_grid_travel_losslessly(strokes):
    strokes = ink.on_grid(strokes)  # as the pad sends them: no point repeated
    text = ink.encode(strokes)
    assert ink.decode(text) == strokes
    assert len(text) <= ink.MAX_INK and all(c.isalnum() or c in "-_" for c in text)


def test_the_decoded_drawing_gives_the_same_28x28_exactly():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(0, 12, size=(80, 2)), axis=0) + 140
    points = tuple((round(float(x), 1), round(float(y), 1)) for x, y in np.clip(walk, 0, PAD))
    strokes = ink.for_link((Stroke(20.0, points), Stroke(12.0, points[::-3])))
    again = ink.decode(ink.encode(strokes))
    np.testing.assert_array_equal(drawn_digit(again), drawn_digit(strokes))
    assert strokes[0].points == tuple(dict.fromkeys(points))  # nothing thinned: the pad's own points


def test_a_long_drawing_is_thinned_to_fit_and_its_link_still_agrees():
    rng = np.random.default_rng(1)
    strokes = tuple(Stroke(8.0, tuple((round(float(x), 1), round(float(y), 1))
                                      for x, y in rng.uniform(0, PAD, size=(90, 2)))) for _ in range(MAX_STROKES // 2))
    assert len(ink.encode(ink.on_grid(strokes))) > ink.MAX_INK
    kept = ink.for_link(strokes)
    text = ink.encode(kept)
    assert len(text) <= ink.MAX_INK
    assert ink.decode(text) == kept
    assert all(k.points[0] == s.points[0] and k.points[-1] == s.points[-1] for k, s in zip(kept, strokes))


def raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize("text", [
    "a" * (ink.MAX_INK + 1), "ab=", "ab+/", "a b", "A", "\u0661\u0662", raw(bytes([5, 1, 0, 0])),  # width 5
    raw(bytes([20, 0, 0, 0])),  # no points
    raw(bytes([20, 2, 0, 0, 1])),  # ends early
    raw(bytes([20, 1, 0xF1, 0x15, 0])),  # x = 2801 tenths: off the pad
    raw(bytes([20, 2, 0, 0, 1, 0])),  # x = -1 tenth
    raw(bytes([20, 1, 0x80, 0x80, 0x80, 0x01, 0])),  # a 4-byte varint
    raw(bytes([20, 0x81, 0xA0, 0x01])),  # more than MAX_POINTS points
    raw(bytes([20, 1, 0, 0]) * (MAX_STROKES + 1)),
])
def test_hostile_ink_is_refused(text):
    with pytest.raises(ValueError):
        ink.decode(text)


@given(hs.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_bytes_decode_to_checked_strokes_or_value_error(data):
    try:
        strokes = ink.decode(raw(data))
    except ValueError:
        return
    assert len(strokes) <= MAX_STROKES and sum(len(s.points) for s in strokes) <= MAX_POINTS
    assert all(6 <= s.width <= 48 and all(0 <= c <= PAD for p in s.points for c in p) for s in strokes)
