"""Plotly figures of maps, kernels and the input (no Streamlit here).

Every layer is ONE heatmap trace: its maps are tiled into a mosaic with one-cell NaN
gutters, and a small-integer customdata (map, row, column) per cell names the pixel
under the cursor (one trace instead of a subplot per map: subplots are many times
slower to draw). Figures are plain plotly JSON dicts: plotly's object model cost
several ms a figure here (about 20 ms under the profiler), a dict well under 1 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Figure = dict  # a plotly figure spec {"data": [...], "layout": {...}}; st.plotly_chart takes it as is

ColorScale = Literal["gray", "diverging"]
Normalization = Literal["layer", "map", "nnc"]
COLOR_SCALES: tuple[ColorScale, ...] = ("gray", "diverging")
NORMALIZATIONS: tuple[Normalization, ...] = ("layer", "map", "nnc")

GRAY = [[0.0, "#000000"], [1.0, "#ffffff"]]
DIVERGING = "RdBu_r"  # blue < 0 < red, white at 0
GUTTER = 1


@dataclass(frozen=True)
class Display:
    """How maps are drawn. normalization: 'layer' = one colour range for the whole
    layer (true values), 'map' = each map stretched to its own min..max,
    'nnc' = value x 255 clipped to 0..255 as NNC shows images."""

    color_scale: ColorScale = "gray"
    normalization: Normalization = "layer"
    colorbar: bool = True
    columns: int = 8


@dataclass(frozen=True)
class Mosaic:
    """maps (C, H, W) tiled `columns` wide: z (rows*(H+g)-g, cols*(W+g)-g), NaN in gutters;
    index (same 2-D shape, 3) int16 = (map, row, column) of every cell, -1 in gutters."""

    z: np.ndarray
    index: np.ndarray
    columns: int
    rows: int
    map_hw: tuple[int, int]

    def cell_origin(self, map_index: int) -> tuple[int, int]:
        """Mosaic (row, column) of map `map_index`'s top-left pixel."""
        h, w = self.map_hw
        return (map_index // self.columns) * (h + GUTTER), (map_index % self.columns) * (w + GUTTER)


def tile(maps: np.ndarray, columns: int) -> Mosaic:
    """Tile maps (C, H, W) into a Mosaic `columns` wide (fewer if there are fewer maps)."""
    c, h, w = maps.shape
    cols = max(1, min(columns, c))
    rows = -(-c // cols)
    height, width = rows * (h + GUTTER) - GUTTER, cols * (w + GUTTER) - GUTTER
    z = np.full((height, width), np.nan, dtype=np.float32)
    index = np.full((height, width, 3), -1, dtype=np.int16)
    ii, jj = np.meshgrid(np.arange(h, dtype=np.int16), np.arange(w, dtype=np.int16), indexing="ij")
    mosaic = Mosaic(z, index, cols, rows, (h, w))
    for m in range(c):
        top, left = mosaic.cell_origin(m)
        z[top:top + h, left:left + w] = maps[m]
        index[top:top + h, left:left + w] = np.stack([np.full_like(ii, m), ii, jj], axis=-1)
    return mosaic


def normalize(maps: np.ndarray, how: Normalization) -> np.ndarray:
    """Display values of maps (C, H, W): 'layer' unchanged, 'map' each to 0..1, 'nnc' clip(255 v)."""
    maps = np.asarray(maps, dtype=np.float32)
    if how == "layer":
        return maps
    if how == "nnc":
        return np.clip(maps * 255, 0, 255)
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1), 0.5).astype(np.float32)


def _color_range(z: np.ndarray, display: Display) -> dict:
    if display.normalization == "nnc":
        return {"zmin": 0, "zmax": 255}
    if display.normalization == "map":
        return {"zmin": 0, "zmax": 1}
    if display.color_scale == "diverging":
        bound = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
        return {"zmin": -bound or -1, "zmax": bound or 1}
    return {}


def _index_dtype(index: np.ndarray) -> np.ndarray:
    """(map, row, column) as uint8 when every index fits (3 bytes a cell), else int16.
    Gutters (-1) become 0 in uint8: they are NaN cells and never hovered."""
    return np.maximum(index, 0).astype(np.uint8) if index.max(initial=0) <= 255 else index


def _figure(trace: dict, height_cells: int, width_cells: int, max_width: int) -> Figure:
    """One heatmap with square, pixel-exact cells; y grows downwards like image rows."""
    px = max(4, min(24, max_width // max(1, width_cells)))
    trace = {"type": "heatmap", "hoverongaps": False, "zsmooth": False, **trace}
    return {
        "data": [trace],
        "layout": {
            "height": min(2400, max(120, height_cells * px + 30)),
            "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
            "plot_bgcolor": "rgba(0,0,0,0)",
            "paper_bgcolor": "rgba(0,0,0,0)",
            "dragmode": False,
            "xaxis": {"visible": False, "constrain": "domain", "range": [-0.5, width_cells - 0.5]},
            "yaxis": {"visible": False, "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"},
        },
    }


def maps_figure(
    maps: np.ndarray, display: Display, value_label: str = "value", item_label: str = "map",
    max_width: int = 1000, pixel: tuple[int, int, int] | None = None, window: np.ndarray | None = None,
) -> Figure:
    """Every map of a layer (C, H, W) as one mosaic heatmap; hover shows map, row, column, value.
    `pixel` (map, row, column) is boxed; `window` (C, H, W bool) is boxed map by map."""
    shown = normalize(maps, display.normalization)
    mosaic = tile(shown, display.columns)
    if display.normalization == "layer":
        customdata = _index_dtype(mosaic.index)
        value = "%{z:.4f}"
    else:  # the drawn colour is not the value: carry the true value too
        true = tile(np.asarray(maps, dtype=np.float32), display.columns).z
        customdata = np.concatenate([mosaic.index.astype(np.float32), true[..., None]], axis=-1)
        value = "%{customdata[3]:.4f}"
    trace = {
        "z": mosaic.z,
        "customdata": customdata,
        "colorscale": GRAY if display.color_scale == "gray" else DIVERGING,
        "showscale": display.colorbar,
        "hovertemplate": f"{item_label} %{{customdata[0]}}<br>row %{{customdata[1]}}, column %{{customdata[2]}}"
        f"<br>{value_label} {value}<extra></extra>",
        **_color_range(shown, display),
    }
    fig = _figure(trace, *mosaic.z.shape, max_width)
    if window is not None:
        add_mask(fig, mosaic, window, tint=False)
    if pixel is not None:
        mark_pixel(fig, mosaic, pixel)
    return fig


def mark_pixel(fig: Figure, mosaic: Mosaic, out: tuple[int, int, int]) -> Figure:
    """Box one pixel (map, row, column) of a mosaic figure."""
    top, left = mosaic.cell_origin(out[0])
    return add_box(fig, top + out[1], left + out[2], top + out[1], left + out[2])


def input_figure(image: np.ndarray, display: Display, max_width: int = 420,
                 field: np.ndarray | None = None) -> Figure:
    """The input (C, H, W) or (H, W) in [0, 1]; hover shows row, column, raw 0-255 and value.
    `field` (C, H, W bool), a receptive field, is tinted and boxed."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[None]
    mosaic = tile(image, display.columns)
    raw = np.where(np.isnan(mosaic.z), -1, np.rint(mosaic.z * 255)).astype(np.int16)
    customdata = np.concatenate([mosaic.index, raw[..., None]], axis=-1)
    channel = "channel %{customdata[0]}<br>" if image.shape[0] > 1 else ""
    trace = {
        "z": mosaic.z,
        "customdata": customdata,
        "colorscale": GRAY,
        "zmin": 0,
        "zmax": 1,
        "showscale": display.colorbar,
        "hovertemplate": channel + "row %{customdata[1]}, column %{customdata[2]}"
        "<br>raw %{customdata[3]} / 255<br>value %{z:.4f}<extra></extra>",
    }
    fig = _figure(trace, *mosaic.z.shape, max_width)
    return fig if field is None else add_mask(fig, mosaic, field)


def kernels_figure(weight: np.ndarray, display: Display, max_width: int = 560,
                   selected: int | None = None) -> Figure:
    """Kernels W (M, C, kh, kw) as one mosaic of M*C small maps, diverging around 0
    (kernel index in the hover = m * C + c). The kernels of output map `selected` are boxed."""
    m, c, kh, kw = weight.shape
    kernel_display = Display("diverging", "layer", display.colorbar, display.columns)
    window = None
    if selected is not None:
        window = np.zeros((m * c, kh, kw), dtype=bool)
        window[selected * c:(selected + 1) * c] = True
    return maps_figure(weight.reshape(m * c, kh, kw), kernel_display, "weight", "kernel", max_width, window=window)


# --- Inspector and Learn figures -----------------------------------------------------

HIGHLIGHT = "#ffb000"


def add_box(fig: Figure, top: float, left: float, bottom: float, right: float,
            color: str = HIGHLIGHT, width: int = 3) -> Figure:
    """Outline mosaic cells top..bottom x left..right (inclusive) with a rectangle."""
    fig["layout"].setdefault("shapes", []).append({
        "type": "rect", "x0": left - 0.5, "x1": right + 0.5, "y0": top - 0.5, "y1": bottom + 0.5,
        "line": {"color": color, "width": width}, "fillcolor": "rgba(0,0,0,0)",
    })
    return fig


def add_window(fig: Figure, mosaic: Mosaic, map_index: int, rows: np.ndarray, cols: np.ndarray) -> Figure:
    """Outline the part of a window (rows x cols of map `map_index`) that lies on the map."""
    h, w = mosaic.map_hw
    rows, cols = rows[(rows >= 0) & (rows < h)], cols[(cols >= 0) & (cols < w)]
    if len(rows) and len(cols):
        top, left = mosaic.cell_origin(map_index)
        add_box(fig, top + rows.min(), left + cols.min(), top + rows.max(), left + cols.max())
    return fig


def add_mask(fig: Figure, mosaic: Mosaic, mask: np.ndarray, tint: bool = True) -> Figure:
    """Box the cells where mask (C, H, W) is True in each map (a receptive field or a
    window); with `tint`, also shade exactly those cells (dilated kernels skip cells)."""
    if tint:
        fig["data"].append({
            "type": "heatmap", "z": tile(np.where(mask, 1.0, np.nan).astype(np.float32), mosaic.columns).z,
            "zmin": 0, "zmax": 1, "showscale": False, "hoverinfo": "skip", "zsmooth": False,
            "colorscale": [[0, HIGHLIGHT], [1, HIGHLIGHT]], "opacity": 0.45,
        })
    for c in np.flatnonzero(mask.any(axis=(1, 2))):
        rows, cols = np.flatnonzero(mask[c].any(axis=1)), np.flatnonzero(mask[c].any(axis=0))
        add_window(fig, mosaic, int(c), rows, cols)
    return fig


MAX_CLICKABLE_CELLS = 1600  # an SVG marker per cell; more would make every redraw slow


def pick_figure(values: np.ndarray, display: Display, selected: tuple[int, int], max_width: int = 460) -> Figure:
    """One map (H, W) enlarged, clickable: a transparent marker per cell carries (row, column)
    and the value, so a click selects that pixel (maps up to MAX_CLICKABLE_CELLS cells;
    larger ones hover only). The selected pixel is boxed."""
    h, w = values.shape
    shown = normalize(values[None], display.normalization)[0]
    rows, cols = np.mgrid[0:h, 0:w]
    index = np.stack([rows.ravel(), cols.ravel()], axis=-1)
    trace = {
        "z": shown, "hoverinfo": "skip",
        "colorscale": GRAY if display.color_scale == "gray" else DIVERGING,
        "showscale": False, **_color_range(shown[None], display),
    }
    fig = _figure(trace, h, w, max_width)
    if h * w > MAX_CLICKABLE_CELLS:
        fig["data"][0].pop("hoverinfo")
        fig["data"][0]["hovertemplate"] = "row %{y}, column %{x}<br>value %{z:.4f}<extra></extra>"
        return add_box(fig, selected[0], selected[1], selected[0], selected[1])
    fig["data"].append({
        "type": "scatter", "mode": "markers", "x": cols.ravel().astype(np.int16),
        "y": rows.ravel().astype(np.int16), "customdata": _index_dtype(index),
        "marker": {"symbol": "square", "size": max(4, min(18, max_width // max(w, 1) - 2)), "opacity": 0,
                   "color": values.ravel().astype(np.float32)},
        "hovertemplate": "row %{customdata[0]}, column %{customdata[1]}<br>value %{marker.color:.4f}"
                         "<br>click to inspect<extra></extra>",
        "showlegend": False,
    })
    fig["layout"].update(hovermode="closest", clickmode="event+select")
    return add_box(fig, selected[0], selected[1], selected[0], selected[1])


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
        "z": values, "text": text, "texttemplate": "%{text}", "textfont": {"size": 10},
        "hoverinfo": "skip", "showscale": False, "xgap": 1, "ygap": 1,
        "colorscale": DIVERGING if diverging else GRAY,
        **({"zmin": -bound or -1, "zmax": bound or 1} if diverging else {}),
    }
    fig = _figure(trace, h, w, max_width=w * cell_px)
    fig["layout"]["height"] = h * cell_px + 10
    fig["layout"]["width"] = w * cell_px + 10
    if chosen is not None:
        add_box(fig, chosen[0], chosen[1], chosen[0], chosen[1])
    return fig


def _rgb(t: float, diverging: bool) -> tuple[int, int, int]:
    """t in [-1, 1] (diverging: blue - white - red) or [0, 1] (black - white)."""
    if not diverging:
        g = int(round(255 * min(1.0, max(0.0, t))))
        return (g, g, g)
    t = min(1.0, max(-1.0, t))
    hot, cold = (178, 24, 43), (33, 102, 172)
    end = hot if t > 0 else cold
    a = abs(t)
    return tuple(int(round(255 + (e - 255) * a)) for e in end)  # type: ignore[return-value]


def grid_html(values: np.ndarray, title: str, fmt: str = ".3g", marked: np.ndarray | None = None,
              chosen: tuple[int, int] | None = None, diverging: bool = True) -> str:
    """A small grid (h, w) as an HTML table with every number in its cell, coloured like
    the heatmaps. NaN cells are blank; `marked` (h, w bool) cells read 'pad'; `chosen` is
    outlined. Cheaper than a plotly chart for a handful of numbers."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    bound = max(abs(lo), abs(hi)) or 1.0
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
                text = format(v + 0.0, fmt)
                t = v / bound if diverging else (v - lo) / ((hi - lo) or 1.0)
                bg = _rgb(t, diverging)
            ink = "#000" if sum(bg) > 382 else "#fff"
            border = f"outline:3px solid {HIGHLIGHT};outline-offset:-3px;" if chosen == (r, c) else ""
            cells.append(f'<td style="{style}background:rgb{bg};color:{ink};{border}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table = '<table style="border-collapse:collapse;margin:0">' + "".join(rows) + "</table>"
    return f'<div style="display:inline-block;margin:0 1.2em 0.6em 0"><div style="font-size:0.8em;opacity:0.7">{title}</div>{table}</div>'
