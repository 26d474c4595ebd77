"""How maps are drawn (colour scale, normalisation, colour bar, columns) and the language."""

from __future__ import annotations

import streamlit as st

from cnnlab.mosaic import Display
from cnnlab.ui import widgets as w
from cnnlab.ui.i18n import Text
from cnnlab.ui.params import URL_PARAMS


def display_controls(tx: Text) -> Display:
    """How maps are coloured and laid out."""
    summary = w.changed(tx, {key + ".label": (key,) for key in ("color_scale", "normalization", "colorbar", "columns")})
    with w.more_popover(tx, tx("display.header"), summary, icon=":material/palette:"):
        color_scale = w.choice(tx, "color_scale", radio=True)
        normalization = w.choice(tx, "normalization")
        st.caption(colours_caption(tx, Display(color_scale, normalization)))
        colorbar = w.toggle(tx, "colorbar")
        columns = w.slider(tx, "columns")
    return Display(color_scale, normalization, colorbar, columns)


COLOURS: dict[tuple[str, str], str] = {
    ("gray", "layer"): "colours.gray.layer", ("gray", "map"): "colours.gray.map", ("gray", "nnc"): "colours.gray.nnc",
    ("diverging", "layer"): "colours.diverging.layer", ("diverging", "map"): "colours.diverging.map",
    ("diverging", "nnc"): "colours.diverging.nnc"}
"""(colour scale, normalisation) -> the catalogue key of what the colours mean."""


def colours_caption(tx: Text, display: Display) -> str:
    """What the colours (and the colour bar) mean under the display's colour scale and normalisation."""
    return tx(COLOURS[display.color_scale, display.normalization])


def language_control(default: str) -> str:
    """en / ja, bound to the URL (?lang=ja); the default follows the browser."""
    return st.segmented_control(
        "Language / 言語", URL_PARAMS["lang"].options, default=default, key="lang", required=True,
        help="English / 日本語", bind="query-params",
    ) or default
