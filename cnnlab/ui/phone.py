"""On a phone the sidebar covers the whole page: after a change made in it, this small
component (Streamlit custom component v2, no visible part) closes it so the maps that
changed are in view. It acts only on a narrow screen, and only when the settings it is
given differ from the ones it saw last (opening a layer's settings or a popover is no
change)."""

from __future__ import annotations

from cnnlab.ui.components import component

NARROW_PX = 640  # Streamlit's sidebar covers the page below this width

JS = """
export default function ({ data }) {
  if (!data) return;
  const seen = window.__cnnlabSettings;
  window.__cnnlabSettings = data.settings;
  if (seen === undefined || seen === data.settings || window.innerWidth >= %d) return;
  const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  if (close && sidebar && sidebar.dataset.collapsed === 'false') close.click();
}
""" % NARROW_PX

_component = component("phone_sidebar", js=JS, html="<span></span>")


def close_sidebar_after_a_change(settings: str) -> None:
    """`settings`: a text that changes whenever a setting that redraws the maps changes."""
    _component(key="phone-sidebar", data={"settings": settings}, height=0)
