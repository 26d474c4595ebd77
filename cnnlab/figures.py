"""Small grids with every number written in its cell, for the Inspector (HTML tables)
and the Learn tab (plotly figures); no Streamlit here.

Figures are plain plotly JSON dicts: plotly's object model cost several ms a figure
here (about 20 ms under the profiler), a dict well under 1 ms. The Maps tab's mosaics
are canvas heatmaps (`heatmaps`), not plotly.
"""

from __future__ import annotations

import numpy as np

from cnnlab.heatmaps import colorize
from cnnlab.mosaic import DIVERGING_STOPS, GRAY_STOPS, HIGHLIGHT

Figure = dict  # a plotly figure spec {"data": [...], "layout": {...}}; st.plotly_chart takes it as is


def _colorscale(stops: tuple[str, ...]) -> list:
    return [[i / (len(stops) - 1), s] for i, s in enumerate(stops)]


GRAY = _colorscale(GRAY_STOPS)
DIVERGING = _colorscale(DIVERGING_STOPS)


def add_box(fig: Figure, top: float, left: float, bottom: float, right: float,
            color: str = HIGHLIGHT, width: int = 3) -> Figure:
    """Outline mosaic cells top..bottom x left..right (inclusive) with a rectangle."""
    fig["layout"].setdefault("shapes", []).append({
        "type": "rect", "x0": left - 0.5, "x1": right + 0.5, "y0": top - 0.5, "y1": bottom + 0.5,
        "line": {"color": color, "width": width}, "fillcolor": "rgba(0,0,0,0)",
    })
    return fig


def grid_figure(values: np.ndarray, fmt: str = ".2g", marked: np.ndarray | None = None,
                chosen: tuple[int, int] | None = None, diverging: bool = True, cell_px: int = 44) -> Figure:
    """A small grid (h, w) with every number written in its cell; NaN cells (padding or
    outside the input) are blank and `marked` (h, w bool) cells say 'pad'. `chosen` is boxed."""
    values = np.asarray(values, dtype=np.float64)
    h, w = values.shape
    text = np.vectorize(lambda v: "" if np.isnan(v) else format(v + 0.0, fmt))(values)
    if marked is not None:
        text = np.where(marked, "pad", text)
    finite = values[np.isfinite(values)]
    bound = float(np.abs(finite).max()) if finite.size else 1.0
    trace = {
        "type": "heatmap", "z": values, "text": text, "texttemplate": "%{text}", "textfont": {"size": 10},
        "hoverinfo": "skip", "hoverongaps": False, "zsmooth": False, "showscale": False, "xgap": 1, "ygap": 1,
        "colorscale": DIVERGING if diverging else GRAY,
        **({"zmin": -bound or -1, "zmax": bound or 1} if diverging else {}),
    }
    fig = {
        "data": [trace],
        "layout": {
            "height": h * cell_px + 10, "width": w * cell_px + 10,
            "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
            "plot_bgcolor": "rgba(0,0,0,0)", "paper_bgcolor": "rgba(0,0,0,0)", "dragmode": False,
            "xaxis": {"visible": False, "constrain": "domain", "range": [-0.5, w - 0.5]},
            "yaxis": {"visible": False, "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"},
        },
    }
    if chosen is not None:
        add_box(fig, chosen[0], chosen[1], chosen[0], chosen[1])
    return fig


def grid_html(values: np.ndarray, title: str, fmt: str = ".3g", marked: np.ndarray | None = None,
              chosen: tuple[int, int] | None = None, diverging: bool = True) -> str:
    """A small grid (h, w) as an HTML table with every number in its cell, coloured like
    the heatmaps (the same colour tables). NaN cells are blank; `marked` (h, w bool) cells read 'pad'; `chosen` is
    outlined. Cheaper than a plotly chart for a handful of numbers."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    bound = max(abs(lo), abs(hi)) or 1.0
    span = (-bound, bound) if diverging else (lo, hi if hi > lo else lo + 1)
    colors = colorize(values, *span, "diverging" if diverging else "gray")
    rows = []
    for r, row in enumerate(values):
        cells = []
        for c, v in enumerate(row):
            style = "width:3.4em;height:1.9em;text-align:center;font-size:0.72em;padding:0;"
            if marked is not None and marked[r, c]:
                text, bg = "pad", (235, 235, 235)
            elif np.isnan(v):
                text, bg = "", (250, 250, 250)
            else:
                text, bg = format(v + 0.0, fmt), tuple(int(k) for k in colors[r, c, :3])
            ink = "#000" if sum(bg) > 382 else "#fff"
            border = f"outline:3px solid {HIGHLIGHT};outline-offset:-3px;" if chosen == (r, c) else ""
            cells.append(f'<td style="{style}background:rgb{bg};color:{ink};{border}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table = '<table style="border-collapse:collapse;margin:0">' + "".join(rows) + "</table>"
    return f'<div style="display:inline-block;margin:0 1.2em 0.6em 0"><div style="font-size:0.8em;opacity:0.7">{title}</div>{table}</div>'
