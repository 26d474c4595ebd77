"""Plotly figures of maps, kernels and the input (no Streamlit here).

Every layer is ONE heatmap trace: its maps are tiled into a mosaic with one-cell NaN
gutters, and a small-integer customdata (map, row, column) per cell names the pixel
under the cursor. One trace draws 256 maps ~20x faster in a browser than 256
subplots. Figures are plain plotly JSON dicts: building them through plotly's
object model cost ~20 ms each, a dict costs well under 1 ms.
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
    max_width: int = 1000,
) -> Figure:
    """Every map of a layer (C, H, W) as one mosaic heatmap; hover shows map, row, column, value."""
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
    return _figure(trace, *mosaic.z.shape, max_width)


def input_figure(image: np.ndarray, display: Display, max_width: int = 420) -> Figure:
    """The input (C, H, W) or (H, W) in [0, 1]; hover shows row, column, raw 0-255 and value."""
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
    return _figure(trace, *mosaic.z.shape, max_width)


def kernels_figure(weight: np.ndarray, display: Display, max_width: int = 560) -> Figure:
    """Kernels W (M, C, kh, kw) as one mosaic of M*C small maps, diverging around 0
    (kernel index in the hover = m * C + c)."""
    m, c, kh, kw = weight.shape
    kernel_display = Display("diverging", "layer", display.colorbar, display.columns)
    return maps_figure(weight.reshape(m * c, kh, kw), kernel_display, "weight", "kernel", max_width)
