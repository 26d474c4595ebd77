"""State the browser's components send is checked before it is used: hostile JSON never
raises, it is ignored with the app's own notice."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab.drawing import parse_strokes
from cnnlab.ui import component_state as cs
from apptools import new_app, open_tab, send_component
from fuzzing import COMPONENT_MESSAGES

HUGE_INT = "9" * 5001
def short(text: str) -> str:
    return text[:12] + (f"..{len(text)}" if len(text) > 12 else "")


HOSTILE_TEXTS = [  # JSON texts as a forged websocket message can carry them
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", HUGE_INT, "1" + "0" * 30, "-1", "true", "false", "null",
    '"3"', "3.5", "[1, 2, 3]", "{}", '{"map": 1}', "[" * 50_000 + "]" * 50_000, "[" * 900 + "]" * 900,
    '"' + "x" * 2_000_000 + '"', "{", "",
]

json_leaves = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10 ** 40), max_value=10 ** 40), st.text(max_size=20))
json_values = st.recursive(json_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["map", "row", "column", "w", "p", "x"]), inner,
                                                max_size=4)), max_leaves=20)


def test_decode_refuses_what_python_s_json_would_turn_into_an_error_or_a_non_number():
    for text in ["1e999", "-1e999", "NaN", "Infinity", HUGE_INT, "1" * 13, "[" * 50_000 + "]" * 50_000,
                 "[" * (cs.MAX_DEPTH + 1) + "]" * (cs.MAX_DEPTH + 1), "{", "", "x" * (cs.MAX_JSON_CHARS + 1), 5, None]:
        with pytest.raises(cs.BadState):
            cs.decode(text)
    assert cs.decode('{"pick": {"map": 3, "row": 1, "column": 2}}') == {"pick": {"map": 3, "row": 1, "column": 2}}
    assert cs.decode("1" * 12) == 111111111111


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_every_checker_answers_any_decoded_value_without_raising_and_accepts_only_its_shape(value):
    cell = cs.pick(value)
    assert cell is None or (set(cell) == {"map", "row", "column"}
                            and all(type(v) is int and 0 <= v <= cs.MAX_INDEX for v in cell.values()))
    layer = cs.layer(value)
    assert layer is None or (type(layer) is int and 1 <= layer)
    try:
        checked = cs.strokes(value)
    except cs.BadState:
        return
    if checked is not None:
        for item in checked:
            assert all(type(v) in (int, float) and math.isfinite(v) for p in item["p"] for v in p)
        try:
            parse_strokes(checked)  # the pad's own rules answer with DrawingError only
        except Exception as err:  # noqa: BLE001
            assert type(err).__name__ == "DrawingError"


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_value_sent_as_json_decodes_to_a_finite_bounded_value_or_is_refused(value):
    text = json.dumps(value, allow_nan=True)
    try:
        decoded = cs.decode(text)
    except cs.BadState:
        return
    assert cs.depth(decoded) <= cs.MAX_DEPTH
    todo = [decoded]
    while todo:
        item = todo.pop()
        if isinstance(item, (list, dict)):
            todo.extend(item.values() if isinstance(item, dict) else item)
        elif isinstance(item, float):
            assert math.isfinite(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            assert abs(item) < 10 ** cs.MAX_INT_DIGITS


def test_bools_and_bounds():
    assert cs.pick({"map": True, "row": 1, "column": 1}) is None
    assert cs.pick({"map": 1.0, "row": 1, "column": 1}) is None
    assert cs.pick({"map": 1, "row": 1, "column": 1, "x": 0}) is None
    assert cs.pick({"map": 1, "row": 2, "column": 3}) == {"map": 1, "row": 2, "column": 3}
    assert cs.layer(True) is None and cs.layer(0) is None and cs.layer(cs.MAX_INDEX) is None and cs.layer(2) == 2
    with pytest.raises(cs.BadState):
        cs.strokes([{"w": 6, "p": [[10 ** 400, 1]]}])  # math.isfinite would overflow on it
    with pytest.raises(cs.BadState):
        cs.strokes([{"w": True, "p": [[1, 1]]}])


# --- the app: each hostile message to each component, through Streamlit's own intake ------

NOTICE = "could not be read, so it was ignored"


def _notices(at) -> str:
    return " ".join(m.value for m in [*at.warning, *at.error])


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=short)
def test_hostile_picks_sent_as_the_heatmap_s_state_or_event_are_ignored_with_a_notice(text):
    for event in (None, "pick"):
        at = open_tab("Inspect a pixel")
        before = at.session_state["insp_row"], at.session_state["insp_col"]
        sent = '{"pick": {"map": %s, "row": 1, "column": 1}}' % text if event is None else \
            '{"map": 0, "row": %s, "column": 1}' % text
        send_component(at, "chart-pick", sent, event)
        assert not at.exception, (text[:40], event, [e.value for e in at.exception])
        assert (at.session_state["insp_row"], at.session_state["insp_col"]) == before
        assert NOTICE in _notices(at)


@pytest.mark.parametrize("text", ["1e999", HUGE_INT, "true", '"2"', "[" * 50_000 + "]" * 50_000, "99"],
                         ids=short)
def test_hostile_selects_sent_to_the_overview_are_ignored_with_a_notice(text):
    at = open_tab("Maps", {"net": "conv-4-3x3_relu"})
    send_component(at, "overview", text, "select")
    assert not at.exception and NOTICE in _notices(at)
    assert at.session_state["insp_layer"] == 1


def test_a_good_pick_still_picks_without_a_notice_and_the_notice_speaks_japanese():
    at = open_tab("Inspect a pixel")
    send_component(at, "chart-pick", '{"map": 0, "row": 5, "column": 7}', "pick")
    assert not at.exception and NOTICE not in _notices(at)
    assert (at.session_state["insp_row"], at.session_state["insp_col"]) == (5, 7)
    from cnnlab.ui.i18n import JA
    assert "無視" in JA["component.refused"]


@pytest.mark.parametrize("strokes", [
    '[{"w": 1e999, "p": [[1, 1]]}]', '[{"w": 12, "p": [[%s, 1]]}]' % HUGE_INT, '[{"w": true, "p": [[1, 1]]}]',
    '[{"w": 12, "p": [[NaN, 1]]}]', '"strokes"', "[" * 50_000 + "]" * 50_000, '[{"w": 12, "p": [[1, 2, 3]]}]',
    '[{"w": 12, "p": [[1e300, 1]]}]'], ids=short)
def test_hostile_strokes_sent_by_the_pad_give_the_app_s_message(strokes):

    at = new_app({"pick": "draw"}).run()
    send_component(at, "drawing", '{"strokes": %s}' % strokes)
    assert not at.exception, [e.value for e in at.exception]
    assert NOTICE in _notices(at) or "The drawing could not be read" in _notices(at)


def test_the_largest_drawing_the_pad_can_send_is_read():
    from cnnlab.drawing import MAX_POINTS, MAX_STROKES
    per = MAX_POINTS // MAX_STROKES
    drawing = [{"w": 47.5, "p": [[-47.5, 327.5]] * per} for _ in range(MAX_STROKES)]
    text = json.dumps({"strokes": drawing}, separators=(",", ":"))
    assert cs.strokes(cs.decode(text)["strokes"]) == drawing
    assert len(parse_strokes(drawing)) == MAX_STROKES


@pytest.mark.parametrize("lang, words", [("en", "too many long or wide strokes to draw here (over 3,000,000 pixel "
                                                 "evaluations)"), ("ja", "長い線や太い線が多すぎて")])
def test_a_drawing_priced_over_the_rasterisers_budget_gives_the_apps_message(lang, words):
    """The review's zigzag of 20,000 points of width 48 corner to corner (each segment its own):
    refused before any pixel is drawn, the blog's digit shown meanwhile; the plain zigzag (the
    same segment back and forth) is drawn."""
    points = [[0, round(k * 0.014, 1)] if k % 2 == 0 else [280, round(280 - k * 0.014, 1)] for k in range(20000)]
    at = new_app({"pick": "draw", "lang": lang}).run()
    send_component(at, "drawing", json.dumps({"strokes": [{"w": 48, "p": points}]}, separators=(",", ":")))
    assert not at.exception and words in " ".join(e.value for e in at.error)
    plain = [[0, 0] if k % 2 == 0 else [280, 280] for k in range(20000)]
    send_component(at, "drawing", json.dumps({"strokes": [{"w": 48, "p": plain}]}))
    assert not at.exception and not at.error


_PAGES: dict[str, object] = {}


def _page(where: str):
    """One running page per kind, reused across messages as one visitor's session is."""
    if where not in _PAGES:
        _PAGES[where] = {"inspect": lambda: open_tab("Inspect a pixel"),
                         "maps": lambda: open_tab("Maps", {"net": "conv-4-3x3_relu_max-2x2"}),
                         "draw": lambda: new_app({"pick": "draw"}).run()}[where]()
    return _PAGES[where]


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(COMPONENT_MESSAGES)  # more: benchmarks/fuzz_links.py --only components
def test_any_component_message_through_streamlit_s_intake_raises_nothing(message):
    """Hostile texts, any JSON value, near-valid picks, selects and strokes, sent to the
    heatmap, the overview and the drawing pad of a running page (their state or an
    event, declared or not): the page answers without an exception."""
    where, key, event, text = message
    at = _page(where)
    try:
        send_component(at, key, text, event)
    except KeyError:  # an earlier message moved the page on: a fresh page takes this one
        _PAGES.pop(where)
        at = _page(where)
        send_component(at, key, text, event)
    assert not at.exception, (message[:3], text[:80], [e.value for e in at.exception])
