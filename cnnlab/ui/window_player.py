"""The window sliding over the inspected layer's input (Streamlit custom component v2,
`window_player.js`): play, pause, step and speed run in the browser on the data of
`cnnlab.sliding_window.tour`, so no step asks the server."""

from __future__ import annotations


import streamlit as st

from cnnlab import sliding_window
from cnnlab.mosaic import HIGHLIGHT, Display
from cnnlab.pipeline import Stage
from cnnlab.ui import widgets as w
from cnnlab.ui.components import component
from cnnlab.ui.i18n import Text

CSS = """
.wp { font: 13px "Source Sans Pro", sans-serif; outline: none; }
.wp-controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.wp-controls button { min-width: 34px; padding: 4px 10px; border-radius: 6px; cursor: pointer; color: inherit;
                      border: 1px solid rgba(128, 128, 128, 0.5); background: transparent; font: inherit; }
.wp-speed-box { display: flex; gap: 6px; align-items: center; color: #777; }
.wp-pos { flex: 1; min-width: 120px; }
.wp-where { margin: 4px 0; font-weight: 600; }
.wp-views { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.wp-views figure { margin: 0; }
.wp-views figcaption { color: #777; font-size: 12px; margin-bottom: 2px; }
.wp-views canvas { display: block; max-width: 100%; image-rendering: pixelated; }
.wp-out { cursor: pointer; }
.wp-grids { display: flex; flex-wrap: wrap; gap: 10px; }
.wp-grid { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
.wp-grid caption { color: #777; text-align: left; }
.wp-grid td { border: 1px solid rgba(128, 128, 128, 0.4); padding: 1px 4px; min-width: 30px; text-align: right; }
.wp-grid td.wp-pad { background: rgba(128, 128, 128, 0.2); }
.wp-sum { margin-top: 6px; font-variant-numeric: tabular-nums; }
"""

_component = component("window_player", "window_player.js", css=CSS)

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
