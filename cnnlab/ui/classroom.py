"""Lesson links for a class: a teacher's note (`?note=`, shown as plain text), the controls
the class may change (`?allow=kernel_shape.strides`: every other sidebar control is hidden
and the layers' settings open) and the questions asked (`?quiz_kinds=`, `?quiz=`), all in
the link: nothing is stored on the server. The teacher makes the link at the end of the
Predict tab.

The hiding is the page's (a style rule per link): the values a link may set are the
same checked values as any link's, whatever is shown."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlencode

import streamlit as st

from cnnlab.lesson import ALLOWABLE, NOTE_LINES, NOTE_MAX, check_note, parse_allowed
from cnnlab.presets import StackFormatError, parse_stack
from cnnlab.questions import KINDS, parse_kinds
from cnnlab.ui.i18n import Text
from cnnlab.ui.questions import QUIZ_TITLES
from cnnlab.ui.widgets import current

# The sidebar controls (their keys' classes, `st-key-KEY`) each ALLOWABLE code shows.
EDIT = '[class*="st-key-edit-"][class*="-{field}"]'
SHOWN: dict[str, tuple[str, ...]] = {
    "input": tuple(f".st-key-{k}" for k in ("pick", "digit", "example", "index", "photo", "photo_color", "drawing",
                                             "upload", "camera", "mnist_style", "color", "brush", "undo", "clear")),
    "out_maps": (EDIT.format(field="out_maps"),),
    "kernel_shape": (EDIT.format(field="kernel_shape-"),),
    "strides": (EDIT.format(field="strides-"),),
    "padding": (EDIT.format(field="border_mode"), EDIT.format(field="padding-")),
    "dilation": (EDIT.format(field="dilation-"), '[class*="st-key-more-"]'),
    "pooling": ('[class*="st-key-edit-"][class*="-PoolingSpec-kind"]',),
    "net": ('[class*="st-key-edit-"]', ".st-key-net", ".st-key-presets", '[class*="st-key-preset-"]',
            '[class*="st-key-more-"]', '[class*="st-key-up-"]', '[class*="st-key-down-"]', '[class*="st-key-del-"]',
            ".st-key-add-layer", ".st-key-add-layer-at"),
    "seed": (".st-key-seed", ".st-key-seed-new"),
}
ALWAYS = (".st-key-lang",)
ALLOW_WORDS = {"input": "class.allow.input", "out_maps": "class.allow.out_maps", "kernel_shape": "class.allow.kernel_shape",
               "strides": "class.allow.strides", "padding": "class.allow.padding", "dilation": "class.allow.dilation",
               "pooling": "class.allow.pooling", "net": "class.allow.net", "seed": "class.allow.seed"}
"""cnnlab.lesson.ALLOWABLE -> their catalogue keys."""


def allowed() -> tuple[str, ...] | None:
    """The controls the link lets the class change, or None (no lesson link: every control)."""
    try:
        codes = parse_allowed(str(current("allow")))
    except ValueError:
        return None
    return codes or None


def class_mode(tx: Text) -> None:
    """For a lesson link: every sidebar control but the allowed ones hidden, the layers'
    settings open (so the allowed ones show), and the note."""
    codes = allowed()
    if codes is None:
        return
    if not st.session_state.get("class-opened"):
        st.session_state["class-opened"] = True
        try:
            specs = parse_stack(str(current("net")))
        except StackFormatError:
            specs = ()
        for n, spec in enumerate(specs):
            st.session_state[f"layer-{n}-{type(spec).__name__}"] = True
    shown = ", ".join(s for code in codes for s in SHOWN[code]) + ", " + ", ".join(ALWAYS)
    inner = ", ".join(f"{s} *" for s in shown.split(", "))
    st.html(
        "<style>:is([data-testid='stSidebarUserContent'], [data-testid='stPopoverBody']) "
        f":is([data-testid='stElementContainer'], [data-testid='stPopover'], [data-testid='stExpander'])"
        f":not(:is({shown})):not(:has(:is({shown}))):not(:is({inner}))"
        " { display: none; }</style>")


def note_view(tx: Text) -> None:
    """The teacher's note of a lesson link, as plain text (never markdown or HTML)."""
    note = str(current("note"))
    if note:
        with st.container(border=True, key="class-note"):
            st.caption(tx("class.note"))
            st.text(plain(note))


def plain(text: str) -> str:
    """The note as st.text shows it: any hidden character (none passes the link's check)
    written as \\uXXXX, line breaks kept."""
    return "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in
                   ("Zl", "Zp") else f"\\u{ord(ch):04x}" for ch in text)


def link_maker(tx: Text) -> None:
    """For teachers: a note, the controls the class may change and the questions asked,
    made into a link of this page (its network, input and settings included)."""
    if allowed() is not None:
        return
    with st.expander(tx("class.maker"), icon=":material/co_present:"):
        st.caption(tx("class.maker.intro", most=NOTE_MAX))
        note = st.text_area(tx("class.note.label"), key="class-note-text", max_chars=NOTE_MAX,
                            help=tx("class.note.help", most=NOTE_MAX, lines=NOTE_LINES))
        codes = st.multiselect(tx("class.allow.label"), ALLOWABLE, default=["kernel_shape", "strides"],
                               key="class-allow", format_func=lambda c: tx(ALLOW_WORDS[c]),
                               help=tx("class.allow.help"))
        try:
            asked = parse_kinds(str(current("quiz_kinds")))
        except ValueError:
            asked = KINDS
        kinds = st.multiselect(tx("class.kinds.label"), KINDS, default=list(asked), key="class-kinds",
                               format_func=lambda k: tx(QUIZ_TITLES[k]), help=tx("class.kinds.help"))
        link = class_link(st.context.url or "", st.query_params.to_dict(), note, codes, kinds)
        if link is None:
            st.warning(tx("class.bad_note", lines=NOTE_LINES), icon=":material/block:")
            return
        st.code(link, language=None, wrap_lines=True)
        st.caption(tx("class.link.size", chars=len(link)))


def class_link(base: str, query: dict[str, str], note: str, codes, kinds) -> str | None:
    """The lesson link: this page's settings (`query`) plus the note, the controls the class
    may change (`codes`; none chosen: no `allow`, every control stays) and the question
    kinds, opening on the Predict tab. None if the note cannot travel (a hidden character,
    too many lines or characters)."""
    note = note.replace("\r\n", "\n")
    try:
        check_note(note)
    except ValueError:
        return None
    params = {k: v for k, v in query.items() if k not in ("note", "allow", "quiz_kinds", "view", "lesson", "step")}
    if note:
        params["note"] = note
    if codes:
        params["allow"] = ".".join(c for c in ALLOWABLE if c in codes)
    if kinds and set(kinds) != set(KINDS):
        params["quiz_kinds"] = ".".join(k for k in KINDS if k in kinds)
    params["view"] = "quiz"
    return f"{base.rstrip('/')}/?{urlencode(params)}"
