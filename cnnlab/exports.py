"""Files to take results out of the app: a layer's mosaic as PNG (the page's colours), every
map as its own PNG in a zip (like NNC's output images), the values as NPZ and CSV, and
the whole network (every stage and weight) as one NPZ with a JSON manifest. Pure NumPy,
Pillow and the standard library; each function returns the file's bytes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence

import numpy as np
from PIL import Image

from cnnlab.heatmaps import LUTS, decode, maps_heatmap
from cnnlab.mosaic import Display

MAX_PNG_SIDE = 4096  # a mosaic PNG is scaled up by a whole factor while it stays within this


def _png(rgba: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, format="PNG")
    return out.getvalue()


def mosaic_png(maps: np.ndarray, display: Display, scale: int | None = None, colorbar: bool = False) -> bytes:
    """Maps (C, H, W) as the page draws them (one mosaic, the page's colour scale and
    normalisation, transparent gutters), each cell `scale` x `scale` pixels (default: the
    largest whole factor up to 8 that keeps the PNG within MAX_PNG_SIDE); with `colorbar`,
    the colour scale as a bar on the right (top: the highest value)."""
    rgba, _ = decode(maps_heatmap(maps, display))
    h, w = rgba.shape[:2]
    scale = scale or max(1, min(8, MAX_PNG_SIDE // max(h, w)))
    big = np.repeat(np.repeat(rgba, scale, axis=0), scale, axis=1)
    if colorbar:
        lut = LUTS[display.color_scale][::-1]  # top = highest
        rows = np.linspace(0, len(lut) - 1, big.shape[0]).round().astype(int)
        bar = np.zeros((big.shape[0], 2 * scale + 16, 4), dtype=np.uint8)
        bar[:, 2 * scale:, :3] = lut[rows][:, None, :]
        bar[:, 2 * scale:, 3] = 255
        big = np.concatenate([big, bar], axis=1)
    return _png(big)


def maps_zip(maps: np.ndarray, display: Display, prefix: str = "map") -> bytes:
    """One PNG per map (prefix_000.png, ...), each in the page's colours with the layer's
    colour range (or each map's own, as the page's normalisation says), one pixel a cell."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        rgba, _ = decode(maps_heatmap(maps, Display(display.color_scale, display.normalization, False, 1)))
        h, w = maps.shape[1:]
        for m in range(maps.shape[0]):
            top = m * (h + 1)  # one map per row of a one-column mosaic
            zf.writestr(f"{prefix}_{m:03d}.png", _png(np.ascontiguousarray(rgba[top:top + h, :w])))
    return out.getvalue()


def values_npz(**arrays: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def values_csv(maps: np.ndarray) -> str:
    """map,row,column,value: one line per value of (C, H, W), values with 9 significant digits
    (float32's every digit; never '-0')."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["map", "row", "column", "value"])
    c, h, w = maps.shape
    m, i, j = np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")
    for row in zip(m.ravel(), i.ravel(), j.ravel(), maps.ravel()):
        writer.writerow([int(row[0]), int(row[1]), int(row[2]), f"{float(row[3]) + 0.0:.9g}"])
    return out.getvalue()


def parameter_key(stage, name: str) -> str:
    """A layer's parameter as nnabla names it: 'layer1/conv/W', 'layer2/bn/mean'."""
    return f"layer{stage.index}/{stage.spec.SCOPE}/{name}"


def network_npz(stages: Sequence, manifest: dict) -> bytes:
    """Every stage's output (stage_0 is the input), every layer's parameters under nnabla's
    names (parameter_key: layer1/conv/W, layer1/conv/b, ...) and `manifest` (the settings and
    the link) as JSON text."""
    arrays: dict[str, np.ndarray] = {"manifest": np.array(json.dumps(manifest, sort_keys=True))}
    for stage in stages:
        if stage.output is None:
            continue
        arrays[f"stage_{stage.index}"] = stage.output
        for name, array in (stage.params or {}).items():
            arrays[parameter_key(stage, name)] = array
    return values_npz(**arrays)
