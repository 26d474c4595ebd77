"""Moves the keyboard focus to one control after a rerun (a small Streamlit custom
component v2 with no visible part, `assets/focus.js`): a layer moved by its arrow button
keeps the focus on that arrow at the layer's new place, so pressing Enter again moves it on."""

from __future__ import annotations

from cnnlab.ui.components import component

_component = component("focus", "focus.js", html="<span></span>")


def focus_once(count: int, key: str) -> None:
    """Focus the button keyed `key` once per new `count` (0: nothing to focus)."""
    _component(key="focus", data={"count": count, "key": key}, height=0)
