"""Helpers for AppTest runs of app.py: decode the heatmaps and plotly charts the app sent."""

from __future__ import annotations

import base64
import json
import re
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
    height of a pair); keys are edit-{n}-{SpecClass}-{field}. A closed layer or a closed
    "More settings" builds no controls: they are opened first (one more run), as a
    visitor opens them."""
    found = _find_layer_control(at, n, field)
    if found is None:
        name = _layer_name(at, n)
        at.session_state[f"layer-{name}"] = True
        at.session_state[f"more-{name}"] = True
        at.run()
        found = _find_layer_control(at, n, field)
    if found is None:
        raise KeyError(f"layer {n} has no control {field}")
    return found


def preset_button(at: AppTest, name: str):
    """The presets popover's button for preset `name`; the popover builds its buttons only
    while open, so it is opened first (one more run), as a visitor opens it."""
    if not any(b.key == f"preset-{name}" for b in at.button):
        at.session_state["presets"] = True
        at.run()
    return at.button(key=f"preset-{name}")


def open_every_layer(at: AppTest) -> AppTest:
    """Open every layer's settings and "More settings" (as a visitor would), and run."""
    from cnnlab.presets import parse_stack
    for n in range(len(parse_stack(at.text_input(key="net").value))):
        name = _layer_name(at, n)
        at.session_state[f"layer-{name}"] = True
        at.session_state[f"more-{name}"] = True
    return at.run()


def _layer_name(at: AppTest, n: int) -> str:
    """'{n}-{SpecClass}' of layer n, from the network's text as the app reads it."""
    from cnnlab.presets import parse_stack
    return f"{n}-{type(parse_stack(at.text_input(key='net').value)[n]).__name__}"


def _find_layer_control(at: AppTest, n: int, field: str):
    for kind in ("slider", "selectbox", "toggle", "number_input"):
        for widget in at.get(kind):
            key = widget.key or ""
            if key.startswith(f"edit-{n}-") and key.split("-", 3)[3] == field:
                return getattr(at, kind)(key=key)
    return None


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
    """The payload of the canvas heatmap drawn with cnnlab.ui.heatmap.heatmap(..., key=key), read
    from the binary blob the browser gets (cnnlab.heatmaps.unpack: header fields and arrays)."""
    from cnnlab.heatmaps import unpack

    found = [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]
    if not found:
        raise KeyError(f"no heatmap with key {key}; have {[e.proto.id for e in at.get('bidi_component')]}")
    return unpack(found[0].proto.bytes)


SERVED_VALUES: dict[str, bytes] = {}  # heatmap key -> the newest hover-values file the app served for it


def _record_served_values() -> None:
    """Keep a copy of every hover-values file the app hands to Streamlit's media store
    (AppTest's store lives for one run only), so a test reads what the browser would fetch."""
    from cnnlab.ui import heatmap as heatmap_module

    serve = heatmap_module.serve_values
    if getattr(serve, "records", False):
        return

    def recorded(blob: bytes, key: str) -> str:
        SERVED_VALUES[key] = blob
        return serve(blob, key)

    recorded.records = True
    heatmap_module.serve_values = recorded


_record_served_values()


def heatmap_values(at: AppTest, key: str) -> np.ndarray:
    """The true values (mosaic, NaN in gutters) that heatmap `key` shows on hover (from the
    file the browser fetches when the mosaic sends them apart)."""
    from cnnlab.heatmaps import decode as decode_payload

    payload = heatmap_by_key(at, key)
    return decode_payload(payload, SERVED_VALUES[key] if "values_url" in payload else None)[1]


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


def allowed_words() -> set[str]:
    """The English words a Japanese page may show: NNC's layer, property, initializer and
    cost names, and the names of things."""
    from cnnlab.initializers import INITIALIZERS
    from cnnlab.layers import ACTIVATION_KINDS, KINDS, POOLING_KINDS
    from cnnlab.statistics import COSTS
    names = {k.kind for k in KINDS} | set(ACTIVATION_KINDS) | set(POOLING_KINDS) | set(INITIALIZERS) | set(COSTS)
    names |= {limit.name for kind in KINDS for limit in kind.LIMITS.values()}
    names |= {"BorderMode", "WithBias", "IgnoreBorder", "IncludingPad", "W.Initializer", "Max Epoch",
              "Neural Network Console", "NNC", "MNIST", "cnnlab", "LeNet", "PyTorch", "nnabla", "CSV", "PNG", "NPZ",
              "HTML", "Sobel", "Prewitt", "Laplacian", "Gaussian"}
    names |= {"Pooling"}  # NNC's category of layers
    names |= {"floor", "max"}  # the functions in the formulas
    return {word for name in names for word in re.findall(r"[A-Za-z]+", name)}


def page_text(block, popovers: bool = True) -> str:
    """Every text an AppTest block shows (markdown, captions, headings, the formulas' code,
    notices, HTML without its tags and styles, widgets' labels, help and placeholders), one
    per line; program code (st.code in Python) and icon names left out, and what is inside
    popovers unless `popovers`."""
    found = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        if kind == "code" and node.proto.language == "python" or kind == "popover" and not popovers:
            return
        if kind == "html":
            found.append(re.sub(r"<style.*?</style>|<[^>]*>", " ", node.proto.body, flags=re.S))
            return
        for attr in ("value", "label", "help", "placeholder"):
            try:
                text = getattr(node, attr, None)
            except Exception:  # a widget whose value needs a state this run did not keep
                text = None
            if isinstance(text, str):
                found.append(text)
        children = getattr(node, "children", {})
        for child in children.values() if isinstance(children, dict) else children:
            walk(child)

    walk(block)
    return re.sub(r":material/\w+:", "", "\n".join(found))


def send_component(at: AppTest, key: str, text: str, event: str | None = None) -> AppTest:
    """Run `at` as when the browser sends component `key` (cnnlab_* element keyed `key`)
    the JSON `text`: its whole state (event None), or the event `event` whose value is
    `text` (a trigger, as setTriggerValue sends it: [{"event", "value"}]). The text goes
    through Streamlit's own widget-state intake, as over the websocket."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    found = [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]
    if not found:
        raise KeyError(f"no component with key {key}")
    states = at._tree.get_widget_states() if at._tree is not None else WidgetStates()
    state = states.widgets.add()
    if event is None:
        state.id, state.json_value = found[0].proto.id, text
    else:
        state.id = f"$$STREAMLIT_INTERNAL_KEY_{found[0].proto.id}__events"
        state.json_trigger_value = f'[{{"event": "{event}", "value": {text}}}]'
    return at._run(states)
