"""The Predict tab: questions from cnnlab.questions, answered by choosing one of four;
the choice is marked right or wrong and the working shown. The score (the first answer
to each question) is kept for the visitor's session."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from cnnlab import explain
from cnnlab.pipeline import Stage
from cnnlab.questions import KINDS, Question, generate, parse_kinds
from cnnlab.ui.i18n import CLASSIC_WORDS, Text
from cnnlab.ui.widgets import current

QUIZ_TITLES = {"output_size": "quiz.title.output_size", "parameters": "quiz.title.parameters",
               "multiply_adds": "quiz.title.multiply_adds", "pixel": "quiz.title.pixel",
               "max_window": "quiz.title.max_window", "edge": "quiz.title.edge",
               "receptive_field": "quiz.title.receptive_field"}
"""The question kinds (cnnlab.questions.KINDS) -> their titles' catalogue keys."""
PROMPTS = {"output_size": "quiz.output_size.prompt", "parameters": "quiz.parameters.prompt",
           "multiply_adds": "quiz.multiply_adds.prompt", "pixel": "quiz.pixel.prompt",
           "max_window": "quiz.max_window.prompt", "edge": "quiz.edge.prompt",
           "receptive_field": "quiz.receptive_field.prompt"}
"""The question kinds -> their prompts' catalogue keys."""
EFFECT_WORDS = {"unchanged": "quiz.effect.unchanged", "blurred": "quiz.effect.blurred",
                "overshoot": "quiz.effect.overshoot", "positive": "quiz.effect.positive",
                "negative": "quiz.effect.negative", "both": "quiz.effect.both", "zero": "quiz.effect.zero"}
"""cnnlab.questions.EFFECTS -> their catalogue keys."""
EDGE_WORDS = {"left_dark": "quiz.edge.left_dark", "left_bright": "quiz.edge.left_bright",
              "top_dark": "quiz.edge.top_dark", "top_bright": "quiz.edge.top_bright"}
"""cnnlab.questions.EDGES -> their catalogue keys."""
GRID_WORDS = {"image": "quiz.grid.image", "kernel": "quiz.grid.kernel", "patch": "quiz.grid.patch",
              "response": "quiz.grid.response"}
"""A question's grids (their names' first word) -> their captions' catalogue keys."""

SCORE = "quiz-score"  # {question ident: right at the first answer}


def grid_text(values: np.ndarray, kernel: bool = False) -> str:
    """A 2-D array as aligned text (the page's number format; a kernel's exact fractions;
    a cell off the input as '·')."""
    values = np.asarray(values)
    texts = explain.kernel_texts(values) if kernel else np.array(
        ["·" if np.isnan(v) else explain.format_number(v) for v in values.ravel().astype(np.float64)],
        dtype=object).reshape(values.shape)
    width = max(len(t) for t in texts.ravel())
    return "\n".join(" ".join(t.rjust(width) for t in row) for row in texts)


def kinds_asked() -> tuple[str, ...]:
    """The kinds the link asks for (?quiz_kinds=pixel.edge), else every kind."""
    try:
        return parse_kinds(str(current("quiz_kinds")))
    except ValueError:
        return KINDS


def questions_view(tx: Text, stages: Sequence[Stage], kinds: Sequence[str] | None = None, key: str = "quiz") -> None:
    """Every question of `kinds` (default: the link's) for these stages, with the visitor's score."""
    seed = int(current("quiz"))
    questions = generate(stages, seed, kinds_asked() if kinds is None else kinds)
    st.markdown(tx("quiz.intro"))
    if not questions:
        st.info(tx("quiz.none"))
        return
    score = st.session_state.setdefault(SCORE, {})
    mine = [score[q.ident] for q in questions if q.ident in score]
    st.markdown(tx("quiz.score", right=sum(mine), answered=len(mine), total=len(questions)))
    st.button(tx("quiz.new"), key=f"{key}-new", help=tx("quiz.new.help"), icon=":material/casino:",
              on_click=_new_set, args=(seed,))
    for question in questions:
        question_view(tx, question, key)
    if key == "quiz":
        from cnnlab.ui.classroom import link_maker
        link_maker(tx)


def _new_set(seed: int) -> None:
    st.query_params["quiz"] = str((seed + 1) % 2**31)


def _record(question: Question, key: str) -> None:
    chosen = st.session_state.get(key)
    if chosen is not None:
        st.session_state.setdefault(SCORE, {}).setdefault(question.ident, question.check(chosen))


def option_text(tx: Text, question: Question, option: str) -> str:
    """An option as shown: EFFECTS codes in the page's language, numbers as they are."""
    return tx(EFFECT_WORDS[option]) if question.kind == "edge" else option


def prompt(tx: Text, q: Question) -> str:
    """The question in the page's language."""
    f = q.facts
    if q.kind == "parameters" and not f["bias"]:
        return tx("quiz.parameters.prompt.nobias", **{k: v for k, v in f.items() if k != "bias"})
    if q.kind == "pixel":
        fields = {k: v for k, v in f.items() if k != "bias"}
        return tx("quiz.pixel.prompt", bias=f["bias"], **fields) if f["bias"] is not None \
            else tx("quiz.pixel.prompt.nobias", **fields)
    if q.kind == "max_window":
        cells = ", ".join(tx("quiz.cell", letter=letter, row=r, col=c) for letter, (r, c) in zip(q.options, f["cells"]))
        return tx("quiz.max_window.prompt", layer=f["layer"], layer_code=f["layer_code"], map=f["map"], cells=cells)
    if q.kind == "edge":
        return tx("quiz.edge.prompt", filter=tx(CLASSIC_WORDS[f["filter"]]), edge=tx(EDGE_WORDS[f["edge"]]))
    return tx(PROMPTS[q.kind], **{k: v for k, v in f.items() if k != "bias"})


def _grids(tx: Text, q: Question, names: Sequence[str]) -> None:
    columns = st.columns(len(names))
    for column, name in zip(columns, names):
        with column:
            label = tx("quiz.grid.window", letter=name) if q.kind == "max_window" else tx(GRID_WORDS[name.split()[0]])
            suffix = f" ({name.split()[1]})" if " " in name else ""
            st.caption(label + suffix)
            st.code(grid_text(q.grids[name], kernel=name.startswith("kernel")), language=None)


def question_view(tx: Text, q: Question, key: str = "quiz") -> bool | None:
    """One question: its prompt and grids, four choices; once chosen, right or wrong and
    the working. Returns whether the current choice is right (None before choosing)."""
    widget = f"{key}-{q.kind}-{q.ident}"
    with st.container(border=True, key=f"{key}-box-{q.kind}"):
        st.markdown(f"**{tx(QUIZ_TITLES[q.kind])}**")
        st.markdown(prompt(tx, q))
        shown = [n for n in q.grids if n != "response"]
        if shown:
            _grids(tx, q, shown)
        chosen = st.radio(tx("quiz.choose"), q.options, index=None, key=widget,
                          format_func=lambda o: option_text(tx, q, o), on_change=_record, args=(q, widget))
        if chosen is None:
            return None
        right = q.check(chosen)
        answer = option_text(tx, q, q.right)
        if right:
            st.success(tx("quiz.right", answer=answer), icon=":material/check_circle:")
        else:
            st.error(tx("quiz.wrong", chosen=option_text(tx, q, chosen), answer=answer), icon=":material/cancel:")
        st.caption(tx("quiz.working"))
        if q.kind == "receptive_field":
            st.caption(tx("quiz.receptive_field.rule"))
        if "response" in q.grids:
            _grids(tx, q, ["response"])
        if q.working:
            st.code("\n".join(q.working), language=None, wrap_lines=True)
        return right
