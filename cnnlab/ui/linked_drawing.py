"""A drawing in the link (`?ink=`, cnnlab.ink): the pad's strokes written into the link
whenever the pad sends them, and a link's strokes drawn on a fresh pad and used as the
input until the pad sends its own."""

from __future__ import annotations

import streamlit as st

from cnnlab import ink
from cnnlab.drawing import MAX_RASTER_CELLS, DrawingError, Stroke, parse_strokes, raster_cells
from cnnlab.ui.drawpad import drawpad
from cnnlab.ui.i18n import Text
from cnnlab.ui.widgets import current


def linked() -> tuple[Stroke, ...]:
    """The link's strokes (checked at open like any URL value; a bad one is already out)."""
    try:
        return ink.decode(str(current("ink")))
    except ValueError:
        return ()


def as_sent(strokes: tuple[Stroke, ...]) -> list[dict]:
    """Strokes as the pad holds them ([{"w": width, "p": [[x, y], ...]}, ...])."""
    return [{"w": s.width, "p": [list(p) for p in s.points]} for s in strokes]


def drawing_strokes(tx: Text) -> tuple[Stroke, ...]:
    """The pad (starting from the link's drawing) and the strokes the input is made from:
    the pad's as the link holds them (cnnlab.ink.for_link), else the link's. DrawingError
    (also for a drawing over the rasteriser's budget as drawn) or component_state.BadState
    for strokes that cannot be used."""
    from_link = linked()
    sent = drawpad(tx, initial=as_sent(from_link))
    if sent is None:  # the pad has sent nothing this session: the link's drawing
        return from_link
    drawn = parse_strokes(sent)
    if raster_cells(drawn) > MAX_RASTER_CELLS:  # priced as drawn, before a long drawing is thinned for the link
        raise DrawingError("drawing.too_much")
    strokes = ink.for_link(drawn)
    text = ink.encode(strokes)
    if not text:
        st.query_params.pop("ink", None)
    elif st.query_params.get("ink") != text:
        st.query_params["ink"] = text
    return strokes
