"""Helpers for AppTest runs of app.py: decode the heatmaps and plotly charts the app sent."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def new_app(query: dict[str, str] | None = None) -> AppTest:
    """app.py with these URL query parameters, not run yet."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def layer_control(at: AppTest, n: int, field: str):
    """The editor widget of layer n's (0-based) setting `field` ("kernel_shape-h" for the
    height of a pair); keys are edit-{n}-{SpecClass}-{field}."""
    for kind in ("slider", "selectbox", "toggle", "number_input"):
        for widget in at.get(kind):
            key = widget.key or ""
            if key.startswith(f"edit-{n}-") and key.split("-", 3)[3] == field:
                return getattr(at, kind)(key=key)
    raise KeyError(f"layer {n} has no control {field}")


def open_tab(view: str, query: dict[str, str] | None = None, timeout: float = 60) -> AppTest:
    """app.py run with the tab labelled `view` open (and these query parameters)."""
    at = new_app(query)
    at.session_state["view"] = view
    at.run(timeout=timeout)
    assert not at.exception
    return at


def decode(value):
    """Plotly JSON value -> numpy array (typed {dtype, bdata, shape} or plain lists)."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
        shape = value.get("shape")
        if shape:
            dims = shape if isinstance(shape, list) else [int(d) for d in str(shape).split(",")]
            arr = arr.reshape(dims)
        return arr
    return np.array(value, dtype=float)


def chart_by_key(at: AppTest, key: str) -> dict:
    """The figure of the chart created with st.plotly_chart(..., key=key)."""
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith(f"-{key}"):
            return json.loads(el.proto.spec)
    raise KeyError(f"no chart with key {key}; have {[e.proto.id for e in at.get('plotly_chart')]}")


def heatmap_by_key(at: AppTest, key: str) -> dict:
    """The payload of the canvas heatmap drawn with cnnlab.ui.heatmap.heatmap(..., key=key)."""
    found = [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]
    if not found:
        raise KeyError(f"no heatmap with key {key}; have {[e.proto.id for e in at.get('bidi_component')]}")
    return json.loads(found[0].proto.json)


def heatmap_values(at: AppTest, key: str) -> np.ndarray:
    """The true values (mosaic, NaN in gutters) that heatmap `key` shows on hover."""
    from cnnlab.heatmaps import decode as decode_payload

    return decode_payload(heatmap_by_key(at, key))[1]


def popover_labels(at: AppTest) -> list[str]:
    """The labels of every popover (the sidebar's secondary control groups), in page order."""
    found = []

    def walk(node) -> None:
        children = getattr(node, "children", {})
        for child in children.values() if isinstance(children, dict) else children:
            if getattr(child, "type", "") == "popover":
                found.append(child.proto.popover.label)
            walk(child)

    walk(at._tree)
    return found
