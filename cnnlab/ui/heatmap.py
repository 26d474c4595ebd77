"""The canvas heatmap component (Streamlit custom component v2): one per layer on the Maps tab.

With a key, the component keeps its identity across reruns, so new maps repaint the
same canvas (`assets/heatmap.js`) rather than remounting a chart. Payloads come from
`cnnlab.heatmaps` and go to the browser as one binary blob (`heatmaps.pack`); a large
mosaic's hover values go as a file of their own (`serve_values`), which the browser
fetches when the pointer first reaches that mosaic, so an update carries only colours.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from streamlit import runtime

from cnnlab.heatmaps import Payload, pack, split_values
from cnnlab.ui import component_state
from cnnlab.ui.components import component
from cnnlab.ui.i18n import Text, bar_words, hover_words

_component = component("heatmap", "heatmap.js", css="heatmap.css")


def heatmap(tx: Text, payload: Payload, key: str, on_pick: Callable[[dict], None] | None = None,
            inspected: tuple[int, int, int] | None = None) -> None:
    """Draw one payload under a stable `key` (also the element's CSS class st-key-<key>), its
    hover labels in tx's language. With `on_pick`, a click on a cell calls on_pick(cell),
    cell = {map, row, column} as checked by component_state.pick (anything else is ignored
    with the app's notice); the label of cell
    `inspected` (map, row, column) says it is the one inspected instead of offering it."""
    payload, values = split_values(payload)
    data = {**payload, "words": hover_words(tx), "pick": on_pick is not None,
            "inspected": None if inspected is None else [int(n) for n in inspected]}
    if values is not None:
        data["values_url"] = serve_values(values, key)
    if payload.get("colorbar"):  # its labels' words in tx's language
        words = bar_words(tx)
        data["colorbar"] = {**payload["colorbar"],
                            "labels": [None if t is None else t.format(**words) for t in payload["colorbar"]["labels"]]}
    if on_pick is None:
        _component(key=key, data=pack(data), height="content")
    else:
        _component(key=key, data=pack(data), height="content", on_pick_change=partial(_picked, key, on_pick))


def _picked(key: str, on_pick: Callable[[dict], None]) -> None:
    state = st.session_state.get(key)
    cell = component_state.pick(state.get("pick") if isinstance(state, dict) else None)
    if cell is None:
        component_state.refuse()
    else:
        on_pick(cell)


def serve_values(blob: bytes, key: str) -> str:
    """The URL the browser fetches heatmap `key`'s hover values from: Streamlit's media file
    store (the one st.image uses), which keeps one file per key and visitor (the newest),
    shares identical files among visitors, and drops them when the visitor leaves."""
    if not runtime.exists():
        return ""
    return runtime.get_instance().media_file_mgr.add(blob, "application/octet-stream", f"cnnlab-hover-{key}")
