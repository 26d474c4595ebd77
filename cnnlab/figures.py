"""Small grids with every number written in its cell, for the Inspector (HTML tables)
and the Learn tab (plotly figures), and the training charts (learning curves, confusion
matrix, bars per digit); no Streamlit here.

Figures are plain plotly JSON dicts: plotly's object model cost several ms a figure
here (about 20 ms under the profiler), a dict well under 1 ms. The Maps tab's mosaics
are canvas heatmaps (`heatmaps`), not plotly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cnnlab.explain import format_number
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


MAX_GRID_SIDE = 32
"""The most rows (and columns) grid_html writes out: a larger grid (a GlobalAveragePooling's
whole map, an Affine's whole input) shows its first 32 and an ellipsis (one 168 x 254 map
would be 43,000 cells, megabytes of HTML for one inspected pixel)."""


def grid_html(values: np.ndarray, title: str, fmt: str | None = None, marked: np.ndarray | None = None,
              chosen: tuple[int, int] | None = None, diverging: bool = True, texts: np.ndarray | None = None,
              mark: str = "pad") -> str:
    """A small grid (h, w) as an HTML table with every number in its cell (in the
    inspector's one format, explain.format_number, unless `fmt`; `texts` (h, w) gives
    each cell's text instead, e.g. a kernel's exact fractions), coloured like the
    heatmaps (the same colour tables), at least 12 px. NaN cells are blank; `marked`
    (h, w bool) cells read `mark`; `chosen` is outlined. Cheaper than a plotly chart for a
    handful of numbers; at most MAX_GRID_SIDE rows and columns, then an ellipsis."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    bound = max(abs(lo), abs(hi)) or 1.0
    span = (-bound, bound) if diverging else (lo, hi if hi > lo else lo + 1)
    more_rows, more_cols = values.shape[0] > MAX_GRID_SIDE, values.shape[1] > MAX_GRID_SIDE
    values = values[:MAX_GRID_SIDE, :MAX_GRID_SIDE]  # coloured on the whole grid's span
    marked = None if marked is None else marked[:MAX_GRID_SIDE, :MAX_GRID_SIDE]
    texts = None if texts is None else texts[:MAX_GRID_SIDE, :MAX_GRID_SIDE]
    colors = colorize(values, *span, "diverging" if diverging else "gray")
    rows = []
    ellipsis = '<td style="text-align:center;padding:0 4px">…</td>'
    for r, row in enumerate(values):
        cells = []
        for c, v in enumerate(row):
            style = "min-width:3.9em;height:1.9em;text-align:center;font-size:max(12px,0.78em);padding:0 2px;"
            if marked is not None and marked[r, c]:
                text, bg = mark, (235, 235, 235)
            elif np.isnan(v):
                text, bg = "", (250, 250, 250)
            else:
                text = texts[r, c] if texts is not None else format_number(v) if fmt is None else format(v + 0.0, fmt)
                bg = tuple(int(k) for k in colors[r, c, :3])
            ink = "#000" if sum(bg) > 382 else "#fff"
            border = f"outline:3px solid {HIGHLIGHT};outline-offset:-3px;" if chosen == (r, c) else ""
            cells.append(f'<td style="{style}background:rgb{bg};color:{ink};{border}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + (ellipsis if more_cols else "") + "</tr>")
    if more_rows:
        rows.append("<tr>" + ellipsis * (len(values[0]) + more_cols) + "</tr>")
    table = '<table style="border-collapse:collapse;margin:0">' + "".join(rows) + "</table>"
    return f'<div style="display:inline-block;margin:0 1.2em 0.6em 0"><div style="font-size:0.8em;opacity:0.7">{title}</div>{table}</div>'


# --- training: NNC's TRAINING and EVALUATION views -----------------------------------

def learning_curves(batches: Sequence[tuple[float, float, float]], epochs: Sequence[tuple[int, float]],
                    words: dict[str, str]) -> Figure:
    """Training loss and accuracy per report (x: epochs so far, e.g. 1.5 = half way through
    epoch 2), and test accuracy per finished epoch; loss on the left axis, accuracies on
    the right. batches: (x, loss, accuracy); epochs: (epoch, test accuracy)."""
    x = [b[0] for b in batches]
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "name": words["loss"], "x": x, "y": [b[1] for b in batches],
             "line": {"color": "#d62728"}},
            {"type": "scatter", "mode": "lines", "name": words["accuracy"], "x": x, "y": [b[2] for b in batches],
             "yaxis": "y2", "line": {"color": "#1f77b4"}},
            {"type": "scatter", "mode": "lines+markers", "name": words["test"], "x": [e[0] for e in epochs],
             "y": [e[1] for e in epochs], "yaxis": "y2", "line": {"color": "#2ca02c", "dash": "dot"}},
        ],
        "layout": {
            "height": 280, "margin": {"l": 50, "r": 50, "t": 10, "b": 40}, "legend": {"orientation": "h", "y": -0.25},
            "xaxis": {"title": {"text": words["epoch"]}, "rangemode": "tozero"},
            "yaxis": {"title": {"text": words["loss"]}, "rangemode": "tozero"},
            "yaxis2": {"title": {"text": words["accuracy"]}, "overlaying": "y", "side": "right", "range": [0, 1],
                       "tickformat": ".0%", "tickvals": [0, 0.25, 0.5, 0.75, 1], "showgrid": False},
        },
    }


def confusion_counts(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(10, 10) int: row = true digit, column = predicted digit."""
    counts = np.zeros((10, 10), dtype=np.int64)
    np.add.at(counts, (labels.astype(np.int64), predicted.astype(np.int64)), 1)
    return counts


def confusion_figure(counts: np.ndarray, normalised: bool, words: dict[str, str]) -> Figure:
    """The confusion matrix as a heatmap: counts, or each row divided by its total; the
    hover gives both, the cells their text."""
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    z = share if normalised else counts
    digits = [str(d) for d in range(10)]
    return {
        "data": [{
            "type": "heatmap", "z": z.tolist(), "x": digits, "y": digits, "colorscale": "Blues",
            "customdata": np.stack([counts, share], axis=-1).tolist(),
            "text": [[f"{v:.0%}" if normalised else str(int(v)) for v in row] for row in z],
            "texttemplate": "%{text}", "showscale": False,
            "hovertemplate": f"{words['true']} %{{y}}, {words['predicted']} %{{x}}: "
                             f"%{{customdata[0]}} ({words['of_row']} %{{customdata[1]:.1%}})<extra></extra>",
        }],
        "layout": {"height": 380, "margin": {"l": 50, "r": 10, "t": 10, "b": 50},
                   "xaxis": {"title": {"text": words["predicted"]}, "type": "category"},
                   "yaxis": {"title": {"text": words["true"]}, "type": "category", "autorange": "reversed"}},
    }


def digit_bars(values: np.ndarray, highlight: int | None, words: dict[str, str], percent: bool = True) -> Figure:
    """Ten bars, x = the digits 0-9, each labelled with its value; `highlight` in another
    colour. `percent`: shares in [0, 1] on a 0-115% axis; else any numbers (a classifier's
    outputs, negative too) as format_number writes them, on an axis fitted to them."""
    colors = ["#d62728" if d == highlight else "#9fb7cc" for d in range(10)]
    if percent:
        texts, hover = [f"{v:.1%}" for v in values], "%{y:.2%}"
        yaxis = {"range": [0, 1.15], "tickformat": ".0%"}
    else:
        texts, hover, yaxis = [format_number(float(v)) for v in values], "%{text}", {"zeroline": True}
    return {
        "data": [{"type": "bar", "x": [str(d) for d in range(10)], "y": [float(v) for v in values],
                  "marker": {"color": colors}, "text": texts, "textposition": "outside", "cliponaxis": False,
                  "hovertemplate": f"{words['digit']} %{{x}}: {hover}<extra></extra>"}],
        "layout": {"height": 220, "margin": {"l": 40, "r": 10, "t": 20, "b": 40},
                   "xaxis": {"title": {"text": words["digit"]}, "type": "category"},
                   "yaxis": {**yaxis, "title": {"text": words["value"]}}},
    }
