"""Maps tiled into one picture, and how maps are displayed (no Streamlit, no plotly here).

A layer's maps (C, H, W) become ONE mosaic `columns` maps wide with one-cell gutters
between them: the Maps tab draws it as one canvas (`heatmaps`), not one chart per map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

ColorScale = Literal["gray", "diverging"]
Normalization = Literal["layer", "map", "nnc"]
COLOR_SCALES: tuple[ColorScale, ...] = ("gray", "diverging")
NORMALIZATIONS: tuple[Normalization, ...] = ("layer", "map", "nnc")

GUTTER = 1


@dataclass(frozen=True)
class Display:
    """How maps are drawn. normalization: 'layer' = one colour range for the whole
    layer (true values), 'map' = each map stretched to its own min..max (gray) or divided
    by its own largest |value| (diverging: 0 stays white), 'nnc' = value x 255 clipped to
    0..255 as NNC shows images (diverging: to -255..255, 0 white)."""

    color_scale: ColorScale = "gray"
    normalization: Normalization = "layer"
    colorbar: bool = True
    columns: int = 8


@dataclass(frozen=True)
class Mosaic:
    """maps (C, H, W) tiled `columns` wide: z (rows*(H+g)-g, columns*(W+g)-g), NaN in gutters."""

    z: np.ndarray
    columns: int
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
    # every map with its gutter below and to the right, then the grid of those blocks
    blocks = np.full((rows * cols, h + GUTTER, w + GUTTER), np.nan, dtype=np.float32)
    blocks[:c, :h, :w] = maps
    z = blocks.reshape(rows, cols, h + GUTTER, w + GUTTER).transpose(0, 2, 1, 3)
    z = z.reshape(rows * (h + GUTTER), cols * (w + GUTTER))[:-GUTTER, :-GUTTER]
    return Mosaic(np.ascontiguousarray(z), cols, (h, w))


def normalize(maps: np.ndarray, how: Normalization, scale: ColorScale = "gray") -> np.ndarray:
    """Display values of maps (C, H, W): 'layer' unchanged; 'nnc' clip(255 v) to 0..255
    (diverging: -255..255); 'map' each map to 0..1 by its min..max (a flat map 0.5), or on
    the diverging scale each map / its max |v| into -1..1, so 0 stays 0 (white)."""
    maps = np.asarray(maps, dtype=np.float32)
    if how == "layer":
        return maps
    if how == "nnc":
        return np.clip(maps * 255, -255 if scale == "diverging" else 0, 255)
    if scale == "diverging":
        bound = np.abs(maps).max(axis=(1, 2), keepdims=True)
        return (maps / np.where(bound > 0, bound, 1)).astype(np.float32)
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1), 0.5).astype(np.float32)


HIGHLIGHT = "#ffb000"  # boxes around the inspected pixel, its window and receptive field
GRAY_STOPS = ("#000000", "#ffffff")
# ColorBrewer RdBu (11 classes) reversed: blue for negative, white at 0, red for positive.
DIVERGING_STOPS = ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
                   "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f")
