"""The window sliding over the inspected layer's input (Streamlit custom component v2,
`assets/window_player.js`): play, pause, step and speed run in the browser on the data of
`cnnlab.sliding_window.tour`, so no step asks the server."""

from __future__ import annotations


import streamlit as st

from cnnlab import sliding_window
from cnnlab.mosaic import HIGHLIGHT, Display
from cnnlab.pipeline import Stage
from cnnlab.ui import widgets as w
from cnnlab.ui.components import component
from cnnlab.ui.i18n import Text

_component = component("window_player", "window_player.js", css="window_player.css")

WORDS = ("play", "pause", "first", "back", "next", "speed", "per_second", "position", "where", "input",
         "input_some", "output", "patch", "kernel", "grids_channel", "products", "window", "channels", "products_sum", "result",
         "with_bias", "max", "sum_only", "mean")


def window_player(tx: Text, stage: Stage, before: Stage, pixel: tuple[int, int, int], display: Display) -> None:
    """A toggle, and when on the player for output map pixel[0] of `stage` (its input is
    `before`'s output), starting paused at the pixel's own step."""
    if not w.toggle(tx, "slide"):
        return
    m, i, j = pixel
    try:
        data = sliding_window.tour(stage.spec, stage.params, before.output, stage.output, m, display)
    except sliding_window.TourTooLarge as err:
        st.info(tx("slide.too_large", values=err.values, most=sliding_window.MAX_VALUES), icon=":material/block:")
        return
    words = {k: tx(f"slide.{k}") for k in WORDS}  # templates: the browser fills them
    _component(key=f"slide-{stage.index}", height="content",
               data={**data, "words": words, "highlight": HIGHLIGHT, "key": f"{stage.index}-{m}",
                     "start": i * data["out_width"] + j})
