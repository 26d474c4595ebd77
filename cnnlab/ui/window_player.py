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

WORDS: dict[str, str] = {
    "play": "slide.play", "pause": "slide.pause", "first": "slide.first", "back": "slide.back", "next": "slide.next",
    "speed": "slide.speed", "per_second": "slide.per_second", "position": "slide.position", "where": "slide.where",
    "input": "slide.input", "input_some": "slide.input_some", "output": "slide.output"}
"""The player's own words (its buttons and captions) -> their catalogue keys; what a step
shows (its grids' titles, which may name the output map as {map}, and its lines) is named by
the step's own keys (explain.Step.player), as are the player's words it names otherwise (its
`words`: an Affine's output is no map of rows and columns)."""


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
    words = {k: tx(key) for k, key in {**WORDS, **data["words"]}.items()}  # templates: the browser fills them
    grids = [{**grid, "title": tx(grid["title"], map=m)} for grid in data["grids"]]
    lines = [tx(key) for key in data["lines"]]
    _component(key=f"slide-{stage.index}", height="content",
               data={**data, "grids": grids, "lines": lines, "words": words, "highlight": HIGHLIGHT,
                     "key": f"{stage.index}-{m}", "start": i * data["out_width"] + j})
