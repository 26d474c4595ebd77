"""The one check of state the browser's components send (the heatmaps' picks, the
overview's select, the drawing pad's strokes): checked as strictly as a URL value.

Two layers, both before the app uses a value:

1. `decode`: the JSON text of a component's state or event, read with bounds before
   Streamlit reads it (`install` puts it in front of Streamlit's widget-state intake):
   at most MAX_JSON_CHARS characters, nesting at most MAX_DEPTH deep, integers of at most
   MAX_INT_DIGITS digits, no NaN/Infinity and no float that overflows (1e999). A text that
   fails is dropped there (the component keeps its previous state) and the page says so.
2. `pick`, `layer`, `strokes`: the decoded value has the expected shape: keys, finite
   numbers, ints that are not bools, within bounds; otherwise None (ignored: `refuse`
   records it and `take_refused` has the page say so once).

The notice is the app's own short message (i18n key "component.refused"); no traceback.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable

from cnnlab.drawing import MAX_POINTS, MAX_STROKES
from cnnlab.limits import MAX_LAYERS

# The largest legitimate message is the pad's: MAX_POINTS points "[-47.5,327.5]," (14
# characters) and per stroke '{"w":47.5,"p":[]},' inside '{"strokes":[...]}'.
MAX_JSON_CHARS = 16 * MAX_POINTS + 32 * MAX_STROKES + 1024
MAX_DEPTH = 8  # the deepest legitimate value: {"strokes": [{"p": [[x, y]]}]} (5)
MAX_INT_DIGITS = 12
MAX_INDEX = 1 << 20  # a pick's map/row/column: larger is no cell of any allowed map


class BadState(ValueError):
    """A component's state or event is not a value the app accepts."""


def _bad_constant(name: str) -> object:
    raise BadState(f"{name} is not a number the app accepts")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadState("integer too long")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadState("number out of range")
    return value


def depth(value: object) -> int:
    """How deep lists and dicts nest in `value` (a scalar: 0), counted without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        todo.extend((child, level + 1) for child in children)
    return deepest


def decode(text: object) -> object:
    """JSON text -> value, or BadState: not a str, longer than MAX_JSON_CHARS, not JSON,
    nested deeper than MAX_DEPTH, an int of more than MAX_INT_DIGITS digits, NaN,
    +-Infinity or a float that overflows."""
    if not isinstance(text, str) or len(text) > MAX_JSON_CHARS:
        raise BadState("not a message of an accepted size")
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_float=_finite_float,
                           parse_constant=_bad_constant)
    except (ValueError, RecursionError) as err:  # JSONDecodeError is a ValueError
        raise BadState("not JSON the app accepts") from err
    if depth(value) > MAX_DEPTH:
        raise BadState("nested too deep")
    return value


def integer(value: object, lo: int, hi: int) -> int | None:
    """`value` if it is an int (not a bool) within lo..hi, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
        return value
    return None


def pick(value: object) -> dict[str, int] | None:
    """A heatmap's pick {"map", "row", "column"} (exactly these keys, ints 0..MAX_INDEX),
    else None."""
    if not isinstance(value, dict) or set(value) != {"map", "row", "column"}:
        return None
    cell = {name: integer(value[name], 0, MAX_INDEX) for name in ("map", "row", "column")}
    return None if None in cell.values() else cell  # type: ignore[return-value]


def layer(value: object) -> int | None:
    """The overview's select: a layer number 1..MAX_LAYERS, else None."""
    return integer(value, 1, MAX_LAYERS)


def strokes(value: object) -> list | None:
    """The pad's strokes as sent: a list (at most MAX_STROKES) of {"w": number, "p":
    [[x, y], ...]} with finite numbers and at most MAX_POINTS points in all; None (nothing
    drawn) stays None. Anything else raises BadState. The pad's own rules (widths, the
    pad's bounds) are cnnlab.drawing.parse_strokes'."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_STROKES:
        raise BadState("not strokes")
    total = 0
    for item in value:
        if not isinstance(item, dict) or set(item) - {"w", "p"} or not isinstance(item.get("p"), list):
            raise BadState("not a stroke")
        total += len(item["p"])
        if total > MAX_POINTS:
            raise BadState("too many points")
        for v in (item.get("w"), *(c for p in item["p"] for c in (p if isinstance(p, list) and len(p) == 2
                                                                   else (None,)))):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or abs(v) > 1e6 or not math.isfinite(v):
                raise BadState("not a finite number")
    return value


# --- the intake: component messages are checked before Streamlit decodes them -------------

_refused: dict[str, int] = {}  # session id -> messages dropped since that session last looked
_lock = threading.Lock()
_MAX_SESSIONS = 10_000


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


def refuse() -> None:
    """Record that this session's page sent something ignored (shown once by `take_refused`)."""
    sid = _session_id()
    if sid is None:
        return
    with _lock:
        if sid not in _refused and len(_refused) >= _MAX_SESSIONS:
            _refused.pop(next(iter(_refused)))
        _refused[sid] = _refused.get(sid, 0) + 1


def take_refused() -> int:
    """How many component messages of this session were ignored since the last call."""
    sid = _session_id()
    with _lock:
        return _refused.pop(sid, 0) if sid is not None else 0


def drop_unreadable(states) -> int:
    """Remove from a WidgetStates message every JSON value (a component's state or event)
    that `decode` refuses; returns how many were removed."""
    if states is None:
        return 0
    kept, dropped = [], 0
    for state in states.widgets:
        field = state.WhichOneof("value")
        if field in ("json_value", "json_trigger_value"):
            try:
                decode(getattr(state, field))
            except BadState:
                dropped += 1
                continue
        kept.append(state)
    if dropped:
        del states.widgets[:]
        states.widgets.extend(kept)
    return dropped


def install() -> None:
    """Put `drop_unreadable` in front of Streamlit's intake of the browser's widget states
    (SessionState.on_script_will_rerun, which decodes them and runs the callbacks). Once
    per process; a Streamlit without that method is left as it is."""
    from streamlit.runtime.state.session_state import SessionState

    original: Callable | None = getattr(SessionState, "on_script_will_rerun", None)
    if original is None or getattr(original, "_cnnlab_checked", False):
        return

    def on_script_will_rerun(self, fresh_widget_states, *args, **kwargs):
        if drop_unreadable(fresh_widget_states):
            refuse()
        return original(self, fresh_widget_states, *args, **kwargs)

    on_script_will_rerun._cnnlab_checked = True  # type: ignore[attr-defined]
    SessionState.on_script_will_rerun = on_script_will_rerun  # type: ignore[method-assign]
