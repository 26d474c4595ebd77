"""The drawing pad component (Streamlit custom component v2, `assets/drawpad.js`): mouse, pen
and touch. It sends its strokes when a stroke ends, on undo and on clear; they are
checked and rasterised by cnnlab.drawing."""

from __future__ import annotations


import streamlit as st

from cnnlab.ui import component_state
from cnnlab.ui.components import component
from cnnlab.ui.i18n import Text

_component = component("drawpad", "drawpad.js", css="drawpad.css")

KEY = "drawing"


def drawpad(tx: Text, initial: list | None = None) -> list | None:
    """Draw the pad (a fresh one showing `initial`, strokes as the pad sends them, until it
    has sent its own); returns what it last sent, checked by component_state.strokes (None:
    nothing sent); BadState when it is not strokes (see also cnnlab.drawing.parse_strokes)."""
    state = st.session_state.get(KEY)
    try:
        sent = component_state.strokes(state.get("strokes") if isinstance(state, dict) else None)
    except component_state.BadState:
        sent = None
    words = {"width": tx("draw.width"), "undo": tx("draw.undo"), "clear": tx("draw.clear"), "pad": tx("draw.pad")}
    result = _component(key=KEY, data={"strokes": sent if sent is not None else initial or [], "words": words},
                        height="content", on_strokes_change=lambda: None)
    return component_state.strokes(result.strokes)
