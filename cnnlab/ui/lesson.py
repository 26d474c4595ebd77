"""A guided lesson (`?lesson=blog&step=N`, cnnlab.lesson): a panel above the tabs with the
step's title, Back / Next, "this step's settings again" and the way out; entering a step
sets the controls it names, opens its tab and outlines what it talks about. A step that
asks shows its question first and its explanation once answered (or asked to show).
The learner can change anything meanwhile: only entering a step (or its settings button)
sets the controls again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import streamlit as st
from streamlit.errors import StreamlitAPIException

from cnnlab.layers import ConvolutionSpec, PoolingSpec
from cnnlab.lesson import LESSONS, Step
from cnnlab.pipeline import Stage
from cnnlab.questions import generate
from cnnlab.ui.i18n import TAB_WORDS, Text
from cnnlab.ui.params import URL_PARAMS
from cnnlab.ui.questions import question_view
from cnnlab.ui.widgets import current

LESSON_WORDS = {
    ("blog", "digit"): ("lesson.blog.digit.title", "lesson.blog.digit.text"),
    ("blog", "convolution"): ("lesson.blog.convolution.title", "lesson.blog.convolution.text"),
    ("blog", "sum84"): ("lesson.blog.sum84.title", "lesson.blog.sum84.text"),
    ("blog", "real_sum"): ("lesson.blog.real_sum.title", "lesson.blog.real_sum.text"),
    ("blog", "pooling"): ("lesson.blog.pooling.title", "lesson.blog.pooling.text"),
    ("blog", "max8"): ("lesson.blog.max8.title", "lesson.blog.max8.text"),
    ("blog", "epoch0"): ("lesson.blog.epoch0.title", "lesson.blog.epoch0.text"),
    ("blog", "train"): ("lesson.blog.train.title", "lesson.blog.train.text"),
}
"""(lesson, step) -> the catalogue keys of the step's title and text."""
STEP = "step"  # the session key (and URL key) of the step shown
OPENED = "lesson-opened"  # the lesson's first step was applied (once a session, from the link)
SHOWN = "lesson-shown"  # {(lesson, step): True} once a step's text was asked to show without answering


def active() -> tuple[str, tuple[Step, ...]] | None:
    """(name, steps) of the lesson the link opens, or None."""
    name = current("lesson")
    return (name, LESSONS[name]) if name in LESSONS else None


def _step_index(steps: Sequence[Step]) -> int:
    return min(max(int(current(STEP)), 0), len(steps) - 1)


def _to_url(key: str, value: object) -> None:
    """`value` into the link under `key` (its default: out of it). A control bound to the
    link writes it itself (Streamlit refuses the write then)."""
    default = URL_PARAMS[key].default if key in URL_PARAMS else None
    try:
        if value == default:
            st.query_params.pop(key, None)
        else:
            st.query_params[key] = str(value)
    except StreamlitAPIException:
        pass


def apply(tx: Text, step: Step, index: int) -> None:
    """Enter the step: its controls set, its tab opened, its number in the link (call
    before any of those widgets is drawn this run: at open or in a callback)."""
    for key, value in step.settings.items():
        st.session_state[key] = value
        _to_url(key, value)
    st.session_state["view"] = tx(TAB_WORDS[step.view])
    _to_url("view", step.view)
    st.session_state[STEP] = index
    st.query_params[STEP] = str(index)


def open_lesson(tx: Text) -> None:
    """At a session's first run: the step the link names is entered."""
    lesson = active()
    if lesson is None or st.session_state.get(OPENED):
        return
    st.session_state[OPENED] = True
    steps = lesson[1]
    index = _step_index(steps)
    apply(tx, steps[index], index)
    st.session_state["view-opened"] = True  # the lesson's tab, not the link's `view` alone


def _leave() -> None:
    for key in ("lesson", STEP):
        st.query_params.pop(key, None)
    st.session_state.pop(STEP, None)


def lesson_panel(tx: Text) -> tuple | None:
    """The lesson's header and navigation; (lesson, step index, step, the box its body goes
    in: step_body draws it once the stages are known) or None without a lesson."""
    lesson = active()
    if lesson is None:
        return None
    name, steps = lesson
    index = _step_index(steps)
    step = steps[index]
    if st.query_params.get(STEP) != str(index):  # the link names the step shown
        st.query_params[STEP] = str(index)
    with st.container(border=True, key="lesson-panel"):
        st.markdown(tx("lesson.header", n=index + 1, total=len(steps),
                       title=tx(LESSON_WORDS[name, step.name][0])))
        row = st.container(horizontal=True, gap="small")
        with row:
            st.button(tx("lesson.back"), key="lesson-back", icon=":material/arrow_back:", disabled=index == 0,
                      on_click=apply, args=(tx, steps[max(index - 1, 0)], max(index - 1, 0)))
            st.button(tx("lesson.next"), key="lesson-next", icon=":material/arrow_forward:", type="primary",
                      disabled=index == len(steps) - 1,
                      on_click=apply, args=(tx, steps[min(index + 1, len(steps) - 1)], min(index + 1, len(steps) - 1)))
            st.button(tx("lesson.again"), key="lesson-again", icon=":material/restart_alt:",
                      on_click=apply, args=(tx, step, index), help=tx("lesson.again.help"))
            st.button(tx("lesson.leave"), key="lesson-leave", icon=":material/close:", on_click=_leave)
        box = st.container()
    if step.targets:
        rules = " ".join(f".st-key-{key} {{ outline: 3px solid #ff8c00; outline-offset: 4px; border-radius: 4px; }}"
                         for key in step.targets)
        st.html(f"<style>{rules}</style>")
    return name, index, step, box


def step_body(tx: Text, lesson: tuple, stages: Sequence[Stage]) -> None:
    """The step's question (if it asks) and its explanation, in the panel's box."""
    name, index, step, box = lesson
    with box:
        if step.ask is not None:
            st.caption(tx("lesson.predict"))
            # only the step's layer is asked about (the others are passed over, their outputs kept)
            asked = [s if s.index in (0, step.ask_layer) else replace(s, error=s.error or "not asked") for s in stages]
            found = generate(asked, 0, (step.ask,)) if len(stages) > step.ask_layer else []
            answered = True
            if found:
                answered = question_view(tx, found[0], key=f"lesson-{index}") is not None
            shown = st.session_state.setdefault(SHOWN, {})
            if not answered and not shown.get((name, index)):
                st.button(tx("lesson.show"), key=f"lesson-show-{index}", on_click=shown.__setitem__,
                          args=((name, index), True))
                return
        st.markdown(tx(LESSON_WORDS[name, step.name][1], **_facts(step)))


def _facts(step: Step) -> dict[str, str]:
    """The arithmetic some steps quote, from the layers' own size rules."""
    if step.name == "convolution":
        return {"arithmetic": f"`{ConvolutionSpec().size_arithmetic((1, 28, 28))[0]}`"}
    if step.name == "pooling":
        return {"arithmetic": f"`{PoolingSpec().size_arithmetic((16, 24, 24))[0]}`"}
    return {}

