"""The network overview (Streamlit custom component v2, `assets/overview.js`): the input and
every layer as a strip of boxes with their shapes, costs and a preview; clicking a layer
selects it, for editing (its settings open in the sidebar) and for inspecting."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import streamlit as st

from cnnlab.heatmaps import b64, color_range, colorize, to_pixels
from cnnlab.mosaic import Display, normalize
from cnnlab.pipeline import Stage
from cnnlab.statistics import LayerStatistics
from cnnlab.ui import component_state, inspector
from cnnlab.ui.components import component
from cnnlab.ui.i18n import Text
from cnnlab.ui.maps import cost_words
from cnnlab.ui.network import layer_key
from cnnlab.ui.widgets import shape_text

_component = component("overview", "overview.js", css="overview.css")

PREVIEW_CELLS = 32  # a preview is at most this many cells a side (larger maps are sampled)


def preview(stage: Stage, display: Display) -> dict:
    """The stage's first map as the page colours it (a colour input as it is), at most
    PREVIEW_CELLS a side: {width, height, rgba (base64)}."""
    out = stage.output
    step = max(1, -(-max(out.shape[1:]) // PREVIEW_CELLS))
    if stage.index == 0 and out.shape[0] == 3:
        rgb = to_pixels(out[:, ::step, ::step])
        rgba = np.concatenate([rgb, np.full((*rgb.shape[:2], 1), 255, np.uint8)], axis=2)
    elif stage.index == 0:
        rgba = colorize(out[0, ::step, ::step], 0.0, 1.0, "gray")
    else:
        shown = normalize(out, display.normalization, display.color_scale)  # as maps_heatmap shows the layer
        rgba = colorize(shown[0, ::step, ::step], *color_range(shown, display), display.color_scale)
    return {"width": rgba.shape[1], "height": rgba.shape[0], "rgba": b64(rgba)}


def compact(n: int) -> str:
    """230400 -> '230k', 1234567 -> '1.2M', 416 -> '416'."""
    for size, unit in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            return f"{n / size:.{1 if n < 10 * size else 0}f}{unit}"
    return str(n)


def overview(tx: Text, stages: Sequence[Stage], rows: Sequence[LayerStatistics], selected: int | None,
             display: Display) -> None:
    """The strip (rows: the statistics of the layers that run); a click selects that layer (see `select`)."""
    layers = [{"index": 0, "name": tx("overview.input"), "shape": shape_text(stages[0].shape),
               "preview": preview(stages[0], display), "costs": "", "error": False}]
    for s in stages[1:]:
        entry = {"index": s.index, "name": s.name, "error": s.error is not None, "preview": None, "costs": "",
                 "shape": "✕"}
        if s.error is None:
            counts, words = rows[s.index - 1].costs, cost_words(tx)
            entry.update(shape=shape_text(s.shape), preview=preview(s, display),
                         costs=" · ".join(f"{compact(v)} {words[k]}" for k, v in counts.items() if v))
        layers.append(entry)
    keys = tuple(layer_key(n, s.spec) for n, s in enumerate(stages[1:]))
    _component(key="overview", height="content", on_select_change=partial(_selected, keys),
               data={"layers": layers, "selected": selected, "words": {"select": tx("overview.select")}})


def _selected(keys: tuple[str, ...]) -> None:
    state = st.session_state.get("overview")
    layer = component_state.layer(state.get("select") if isinstance(state, dict) else None)
    if layer is None:
        component_state.refuse()
    else:
        select(layer, keys)


def select(layer: int, keys: tuple[str, ...]) -> None:
    """Layer `layer` (1-based) becomes the inspected layer (row and column follow it, as
    when the inspector's layer changes) and its settings (expander keys[layer - 1]) open
    in the sidebar."""
    if layer not in st.session_state.get("_insp_shapes", {}):
        return
    st.session_state["insp_layer"] = layer
    inspector.follow_layer()
    st.session_state["_insp_layer_seen"] = layer
    st.session_state[keys[layer - 1]] = True
