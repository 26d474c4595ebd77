"""The canvas heatmap component (Streamlit custom component v2): one per layer on the Maps tab.

With a key, the component keeps its identity across reruns, so new maps repaint the
same canvas (`heatmap.js`) rather than remounting a chart. Payloads come from
`cnnlab.heatmaps`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from cnnlab.heatmaps import Payload
from cnnlab.ui import component_state
from cnnlab.ui.components import component
from cnnlab.ui.i18n import Text, bar_words, hover_words

CSS = """
.hm { display: flex; gap: 10px; align-items: flex-start; font: 12px "Source Sans Pro", sans-serif; }
.hm-plot { position: relative; max-width: calc(100% - 60px); overflow: hidden; }
.hm-canvas { display: block; max-width: 100%; height: auto; image-rendering: pixelated; transform-origin: 0 0;
             touch-action: pan-y; }
.hm-cell { position: absolute; pointer-events: none; box-sizing: border-box; border: 2px solid; }
.hm-tip { position: absolute; pointer-events: none; z-index: 10; white-space: nowrap; padding: 4px 7px;
          border-radius: 4px; background: rgba(20, 20, 30, 0.92); color: #fff; line-height: 1.35; }
.hm-bar { display: flex; flex-direction: column; align-items: center; gap: 2px; color: #777; max-width: 56px;
          text-align: center; line-height: 1.15; }
.hm-ramp { flex: 1; width: 12px; min-height: 40px; border: 1px solid rgba(128, 128, 128, 0.4); position: relative; }
.hm-mid { position: absolute; left: 15px; top: 50%; transform: translateY(-50%); }
"""

_component = component("heatmap", "heatmap.js", css=CSS)


def heatmap(tx: Text, payload: Payload, key: str, on_pick: Callable[[dict], None] | None = None,
            inspected: tuple[int, int, int] | None = None) -> None:
    """Draw one payload under a stable `key` (also the element's CSS class st-key-<key>), its
    hover labels in tx's language. With `on_pick`, a click on a cell calls on_pick(cell),
    cell = {map, row, column} as checked by component_state.pick (anything else is ignored
    with the app's notice); the label of cell
    `inspected` (map, row, column) says it is the one inspected instead of offering it."""
    data = {**payload, "words": hover_words(tx), "pick": on_pick is not None,
            "inspected": None if inspected is None else [int(n) for n in inspected]}
    if payload.get("colorbar"):  # its labels' words in tx's language
        words = bar_words(tx)
        data["colorbar"] = {**payload["colorbar"],
                            "labels": [None if t is None else t.format(**words) for t in payload["colorbar"]["labels"]]}
    if on_pick is None:
        _component(key=key, data=data, height="content")
    else:
        _component(key=key, data=data, height="content", on_pick_change=partial(_picked, key, on_pick))


def _picked(key: str, on_pick: Callable[[dict], None]) -> None:
    state = st.session_state.get(key)
    cell = component_state.pick(state.get("pick") if isinstance(state, dict) else None)
    if cell is None:
        component_state.refuse()
    else:
        on_pick(cell)
