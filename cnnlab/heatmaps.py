"""Canvas heatmaps of maps, kernels and the input (pure NumPy, no Streamlit here).

The Maps tab draws every layer as ONE canvas picture: the maps tiled into a mosaic with
one-cell gutters (`mosaic.tile`), one colour per cell computed here, and the true value
of every cell for the hover. The browser component (`cnnlab/ui/heatmap.js`) only paints
the colours, scales them up pixel-exact and names the cell under the cursor, so a
control change updates the picture in place instead of rebuilding a plotly chart.

A payload is a JSON-able dict:
    width, height   mosaic size in cells;  px   screen pixels per cell
    rgba            base64 of uint8 (height, width, 4), gutters transparent
    values          base64 of float32 little-endian (height, width), NaN in gutters
    tile            {h, w, columns, count}: map size, maps per row, number of maps
    item, label     hover words: "map"/"kernel"/"channel" (or "" for one map) and "value"/"weight"
    raw             the hover adds "raw v / 255" (the input image)
    boxes           [[top, left, bottom, right], ...] mosaic cells to outline (inclusive)
    colorbar        {stops: [css colours], min, max} or None
"""

from __future__ import annotations

import base64

import numpy as np

from cnnlab.mosaic import DIVERGING_STOPS, GRAY_STOPS, HIGHLIGHT, Display, Mosaic, normalize, tile

Payload = dict
TINT_ALPHA = 0.45


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def lookup_table(stops: tuple[str, ...], size: int = 256) -> np.ndarray:
    """(size, 3) uint8 colours interpolated linearly between evenly spaced `stops`."""
    points = np.array([_rgb(s) for s in stops], dtype=np.float64)
    where = np.linspace(0, 1, len(stops))
    t = np.linspace(0, 1, size)
    return np.rint(np.stack([np.interp(t, where, points[:, k]) for k in range(3)], axis=1)).astype(np.uint8)


LUTS = {"gray": lookup_table(GRAY_STOPS), "diverging": lookup_table(DIVERGING_STOPS)}
STOPS = {"gray": GRAY_STOPS, "diverging": DIVERGING_STOPS}


def color_range(shown: np.ndarray, display: Display) -> tuple[float, float]:
    """(lo, hi) mapped to the two ends of the colour scale: NNC style 0..255, per map
    0..1, a diverging scale symmetric around 0, else the layer's own min..max."""
    if display.normalization == "nnc":
        return 0.0, 255.0
    if display.normalization == "map":
        return 0.0, 1.0
    finite = shown[np.isfinite(shown)]
    if not finite.size:
        return 0.0, 1.0
    if display.color_scale == "diverging":
        bound = float(np.abs(finite).max()) or 1.0
        return -bound, bound
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def colorize(z: np.ndarray, lo: float, hi: float, scale: str) -> np.ndarray:
    """z (H, W) -> RGBA uint8 (H, W, 4): (z - lo) / (hi - lo) through the scale's table,
    clipped at the ends; NaN cells are transparent."""
    lut = LUTS[scale]
    finite = np.isfinite(z)
    t = np.clip((np.where(finite, z, lo) - lo) / (hi - lo), 0, 1)
    rgba = np.empty((*z.shape, 4), dtype=np.uint8)
    rgba[..., :3] = lut[np.rint(t * (len(lut) - 1)).astype(np.intp)]
    rgba[..., 3] = np.where(finite, 255, 0)
    return rgba


def tint(rgba: np.ndarray, mask: np.ndarray, color: str = HIGHLIGHT, alpha: float = TINT_ALPHA) -> np.ndarray:
    """Blend `color` over the cells where mask (H, W) is True."""
    out = rgba.copy()
    blended = (1 - alpha) * out[..., :3] + alpha * np.array(_rgb(color), dtype=np.float64)
    out[..., :3] = np.where(mask[..., None], np.rint(blended), out[..., :3]).astype(np.uint8)
    return out


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def cell_px(width_cells: int, height_cells: int, max_width: int, max_height: int = 2400) -> int:
    """Screen pixels per cell: the mosaic fits max_width x max_height, cells 1..24 px."""
    return max(1, min(24, max_width // max(1, width_cells), max_height // max(1, height_cells)))


def mask_boxes(mosaic: Mosaic, mask: np.ndarray) -> list[list[int]]:
    """For each map where mask (C, H, W) has cells: the box around them, in mosaic cells."""
    boxes = []
    for c in np.flatnonzero(mask.any(axis=(1, 2))):
        rows, cols = np.flatnonzero(mask[c].any(axis=1)), np.flatnonzero(mask[c].any(axis=0))
        top, left = mosaic.cell_origin(int(c))
        boxes.append([top + int(rows.min()), left + int(cols.min()), top + int(rows.max()), left + int(cols.max())])
    return boxes


def _payload(mosaic: Mosaic, values: np.ndarray, rgba: np.ndarray, count: int, display: Display,
             lo: float, hi: float, scale: str, max_width: int, item: str, label: str,
             raw: bool = False, boxes: list[list[int]] | None = None) -> Payload:
    height, width = mosaic.z.shape
    return {
        "width": width, "height": height, "px": cell_px(width, height, max_width),
        "rgba": _b64(rgba), "values": _b64(values.astype("<f4")),
        "tile": {"h": mosaic.map_hw[0], "w": mosaic.map_hw[1], "columns": mosaic.columns, "count": count},
        "item": item, "label": label, "raw": raw, "boxes": boxes or [],
        "colorbar": {"stops": list(STOPS[scale]), "min": lo, "max": hi} if display.colorbar else None,
    }


def maps_heatmap(maps: np.ndarray, display: Display, label: str = "value", item: str = "map",
                 max_width: int = 1000, pixel: tuple[int, int, int] | None = None,
                 window: np.ndarray | None = None) -> Payload:
    """Every map of a layer (C, H, W) as one mosaic; hover names map, row, column and the
    true value. `pixel` (map, row, column) is boxed; `window` (C, H, W bool) is boxed map by map."""
    maps = np.asarray(maps, dtype=np.float32)
    shown = tile(normalize(maps, display.normalization), display.columns)
    lo, hi = color_range(shown.z, display)
    rgba = colorize(shown.z, lo, hi, display.color_scale)
    boxes = mask_boxes(shown, window) if window is not None else []
    if pixel is not None:
        top, left = shown.cell_origin(pixel[0])
        boxes.append([top + pixel[1], left + pixel[2], top + pixel[1], left + pixel[2]])
    return _payload(shown, tile(maps, display.columns).z, rgba, maps.shape[0], display, lo, hi,
                    display.color_scale, max_width, item, label, boxes=boxes)


def input_heatmap(image: np.ndarray, display: Display, max_width: int = 420,
                  field: np.ndarray | None = None) -> Payload:
    """The input (C, H, W) or (H, W) in [0, 1], gray 0..1; hover adds the raw 0-255 value.
    `field` (C, H, W bool), a receptive field, is tinted cell by cell and boxed."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[None]
    mosaic = tile(image, display.columns)
    rgba = colorize(mosaic.z, 0.0, 1.0, "gray")
    boxes = []
    if field is not None:
        rgba = tint(rgba, tile(field.astype(np.float32), display.columns).z == 1)
        boxes = mask_boxes(mosaic, field)
    item = "channel" if image.shape[0] > 1 else ""
    return _payload(mosaic, mosaic.z, rgba, image.shape[0], display, 0.0, 1.0, "gray", max_width,
                    item, "value", raw=True, boxes=boxes)


def kernels_heatmap(weight: np.ndarray, display: Display, max_width: int = 560,
                    selected: int | None = None) -> Payload:
    """Kernels W (M, C, kh, kw) as one mosaic of M*C small maps, diverging around 0
    (kernel index in the hover = m * C + c). The kernels of output map `selected` are boxed."""
    m, c, kh, kw = weight.shape
    window = None
    if selected is not None:
        window = np.zeros((m * c, kh, kw), dtype=bool)
        window[selected * c:(selected + 1) * c] = True
    kernel_display = Display("diverging", "layer", display.colorbar, display.columns)
    return maps_heatmap(weight.reshape(m * c, kh, kw), kernel_display, "weight", "kernel", max_width,
                        window=window)


def decode(payload: Payload) -> tuple[np.ndarray, np.ndarray]:
    """(rgba (H, W, 4) uint8, values (H, W) float32) of a payload, as the browser reads them."""
    h, w = payload["height"], payload["width"]
    rgba = np.frombuffer(base64.b64decode(payload["rgba"]), dtype=np.uint8).reshape(h, w, 4)
    values = np.frombuffer(base64.b64decode(payload["values"]), dtype="<f4").reshape(h, w)
    return rgba, values
