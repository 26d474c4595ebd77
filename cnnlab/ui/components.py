"""The app's Streamlit custom components (v2): each is a JS module in this folder, sent
with the helpers of `shared.js` it calls (base64 decoding, mounting, text elements, the
page's number format).

Streamlit sends a component's whole script with every update of it, so what is sent is
kept short: only the helpers the module calls (and the helpers those call), and no
comment lines (the files keep them for readers)."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent
# shared.js's helpers by name, each block its comment and its function, in file order
HELPERS = {match.group(1): block
           for block in (HERE / "shared.js").read_text(encoding="utf-8").split("\n\n")
           if (match := re.match(r"(?:\s*//[^\n]*\n)*function (\w+)\(", block))}


def _calls(text: str) -> list[str]:
    """The helpers `text` calls, directly or through other helpers, in file order."""
    found, todo = set(), [text]
    while todo:
        code = todo.pop()
        for name, block in HELPERS.items():
            if name not in found and re.search(rf"\b{name}\(", code):
                found.add(name)
                todo.append(block)
    return [name for name in HELPERS if name in found]


def _without_comment_lines(js: str) -> str:
    return "\n".join(line for line in js.splitlines() if not line.lstrip().startswith("//"))


def component(name: str, script: str | None = None, *, js: str = "", css: str | None = None,
              html: str | None = None):
    """Register `cnnlab_<name>`: the module in file `script` of this folder (or the text
    `js`), after the shared helpers it calls."""
    own = (HERE / script).read_text(encoding="utf-8") if script else js
    sent = "\n\n".join([*(HELPERS[helper] for helper in _calls(own)), own])
    return st.components.v2.component(f"cnnlab_{name}", js=_without_comment_lines(sent), css=css, html=html)
