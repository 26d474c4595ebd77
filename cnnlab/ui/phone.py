"""On a phone the sidebar covers the whole page: after a change made in it, this small
component (Streamlit custom component v2, no visible part, `assets/phone.js`) closes it so
the maps that changed are in view. It acts only on a narrow screen, and only when the settings it is
given differ from the ones it saw last (opening a layer's settings or a popover is no
change)."""

from __future__ import annotations

from cnnlab.ui.components import component

NARROW_PX = 640  # Streamlit's sidebar covers the page below this width

_component = component("phone_sidebar", "phone.js", html="<span></span>")


def close_sidebar_after_a_change(settings: str) -> None:
    """`settings`: a text that changes whenever a setting that redraws the maps changes."""
    _component(key="phone-sidebar", data={"settings": settings, "narrow": NARROW_PX}, height=0)
