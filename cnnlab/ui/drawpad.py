"""The drawing pad component (Streamlit custom component v2, `drawpad.js`): mouse, pen
and touch. It sends its strokes when a stroke ends, on undo and on clear; they are
checked and rasterised by cnnlab.drawing."""

from __future__ import annotations


import streamlit as st

from cnnlab.ui import component_state
from cnnlab.ui.components import component
from cnnlab.ui.i18n import Text

CSS = """
.dp { font: 13px "Source Sans Pro", sans-serif; }
.dp-canvas { display: block; width: 100%; max-width: 280px; aspect-ratio: 1; touch-action: none;
             border-radius: 6px; cursor: crosshair; }
.dp-row { display: flex; gap: 6px; align-items: center; margin-top: 6px; max-width: 280px; }
.dp-width { display: flex; flex-direction: column; flex: 1; color: #777; font-size: 12px; }
.dp-row button { padding: 4px 10px; border-radius: 6px; border: 1px solid rgba(128, 128, 128, 0.5);
                 background: transparent; color: inherit; cursor: pointer; }
.dp-row button:disabled { opacity: 0.4; cursor: default; }
"""

_component = component("drawpad", "drawpad.js", css=CSS)

KEY = "drawing"


def drawpad(tx: Text) -> list | None:
    """Draw the pad; returns what it last sent, checked by component_state.strokes (None:
    nothing drawn); BadState when it is not strokes (see also cnnlab.drawing.parse_strokes)."""
    state = st.session_state.get(KEY)
    try:
        sent = component_state.strokes(state.get("strokes") if isinstance(state, dict) else None)
    except component_state.BadState:
        sent = None
    words = {"width": tx("draw.width"), "undo": tx("draw.undo"), "clear": tx("draw.clear"), "pad": tx("draw.pad")}
    result = _component(key=KEY, data={"strokes": sent or [], "words": words},
                        height="content", on_strokes_change=lambda: None)
    return component_state.strokes(result.strokes)
