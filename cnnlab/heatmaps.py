"""Canvas heatmaps of maps, kernels and the input (pure NumPy, no Streamlit here).

The Maps tab draws every layer as ONE canvas picture: the maps tiled into a mosaic with
one-cell gutters (`mosaic.tile`), a colour index per cell computed here, and the true
value of every cell for the hover. The browser component (`cnnlab/ui/assets/heatmap.js`) only
paints the colours, scales them up pixel-exact and names the cell under the cursor, so a
control change repaints the picture in place instead of rebuilding a plotly chart.

A payload is a dict of plain values and NumPy arrays, sent to the browser as ONE binary
blob (`pack`; `unpack` and `decode` read it back):
    width, height   mosaic size in cells;  px   screen pixels per cell
    colors          uint8 (height, width): index into `lut`, GAP (255) in gutters
    lut             uint8 (LEVELS, 3): the colour scale
    tint            uint8 (height, width), 1 where `highlight` is blended in (weight tint_alpha), or None
    highlight       css colour of the tint, the boxes and the hovered cell's outline
    values          float32 (height, width): the true values, NaN in gutters; in a mosaic of
                    more than EXACT_CELLS cells float16 (`values_bits` 16), each chosen so the
                    hover writes the float32 value's own 3 significant digits
                    (explain.format_number), which more than halves what such a page sends
    exact           with float16 values, how many cells float16 cannot write so (|v| < 1e-5
                    or >= 999.5): their flat indices `exact_index` (int32) and float32 values
                    `exact_value`, laid over them; else 0 (and no such arrays)
    tile            {h, w, columns, count}: map size, maps per row, number of maps
    item, label     hover words: "map"/"kernel"/"channel" (or "" for one map) and "value"/"weight"
    raw             the hover adds "raw v / 255" (the input image)
    boxes           [[top, left, bottom, right], ...] mosaic cells to outline (inclusive)
    colorbar        {stops: [css colours], min, max, labels: [top, middle, bottom]} or None;
                    the labels say what the ends mean in true values (numbers in
                    explain.format_number's format; a normalised display's words as {map_max},
                    {map_min}, {map_abs} placeholders the page fills in its language)
The Streamlit wrapper (`cnnlab/ui/heatmap.py`) adds `words` (hover words in the UI's
language), `pick` (a click on a cell reports it: click a layer's pixel to inspect it) and
`inspected`, and sends `pack(payload)` as the component's data: Streamlit forwards bytes
as they are (no JSON, no base64), and heatmap.js reads the arrays in place.

The blob (all little-endian): uint32 n, then n bytes of UTF-8 JSON (the header: every
field but the arrays, padded with spaces to a multiple of 4 bytes), then the arrays, each
from a multiple of 4 bytes; header["arrays"] = {name: [dtype, offset, shape]}, dtype "u1",
"f2", "f4" or "i4", offset in bytes from the header's end; header["filtered"] names the
arrays written Sub-filtered (each cell minus its left neighbour, mod 256: the colours, so
the connection's deflate packs them about twice as well). About 1 byte a cell for the
colours, 2 or 4 for the values. A mosaic of more than INLINE_VALUE_CELLS cells sends its
values as a second blob (`split_values`), fetched by the browser on the first hover.
"""

from __future__ import annotations

import base64
import hashlib
import json

import numpy as np

from cnnlab.cache import ByteCache
from cnnlab.explain import format_number
from cnnlab.mosaic import DIVERGING_STOPS, GRAY_STOPS, HIGHLIGHT, Display, Mosaic, normalize, tile

Payload = dict
TINT_ALPHA = 0.45
LEVELS = 255  # colour table entries; the index GAP marks a gutter (transparent)
GAP = 255


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def lookup_table(stops: tuple[str, ...], size: int = LEVELS) -> np.ndarray:
    """(size, 3) uint8 colours interpolated linearly between evenly spaced `stops`."""
    points = np.array([_rgb(s) for s in stops], dtype=np.float64)
    where = np.linspace(0, 1, len(stops))
    t = np.linspace(0, 1, size)
    return np.rint(np.stack([np.interp(t, where, points[:, k]) for k in range(3)], axis=1)).astype(np.uint8)


LUTS = {"gray": lookup_table(GRAY_STOPS), "diverging": lookup_table(DIVERGING_STOPS)}
STOPS = {"gray": GRAY_STOPS, "diverging": DIVERGING_STOPS}


def color_range(shown: np.ndarray, display: Display) -> tuple[float, float]:
    """(lo, hi) of the display values `shown` (mosaic.normalize) mapped to the two ends of the
    colour scale: NNC style 0..255, per map 0..1; a diverging scale symmetric around 0
    (NNC style -255..255, per map -1..1); else the layer's own min..max."""
    diverging = display.color_scale == "diverging"
    if display.normalization == "nnc":
        return (-255.0 if diverging else 0.0), 255.0
    if display.normalization == "map":
        return (-1.0 if diverging else 0.0), 1.0
    finite = shown[np.isfinite(shown)]
    if not finite.size:
        return 0.0, 1.0
    if diverging:
        bound = float(np.abs(finite).max()) or 1.0
        return -bound, bound
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def color_index(z: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """z (H, W) -> uint8 colour-table index round((z - lo) / (hi - lo) * (LEVELS - 1)),
    clipped to the table; NaN cells (gutters) get GAP."""
    finite = np.isfinite(z)
    t = np.clip((np.where(finite, z, lo) - lo) / (hi - lo), 0, 1)
    return np.where(finite, np.rint(t * (LEVELS - 1)), GAP).astype(np.uint8)


def to_rgba(colors: np.ndarray, lut: np.ndarray, tint: np.ndarray | None = None,
            color: str = HIGHLIGHT, alpha: float = TINT_ALPHA) -> np.ndarray:
    """What heatmap.js paints: (H, W, 4) uint8 from colour indices, with `color` blended in
    at weight alpha (rounded half up) where tint is set; gutters transparent."""
    gap = colors == GAP
    rgb = lut[np.where(gap, 0, colors)].astype(np.float64)
    if tint is not None:
        blended = np.floor((1 - alpha) * rgb + alpha * np.array(_rgb(color), dtype=np.float64) + 0.5)
        rgb = np.where(tint[..., None].astype(bool), blended, rgb)
    rgba = np.empty((*colors.shape, 4), dtype=np.uint8)
    rgba[..., :3] = rgb.astype(np.uint8)
    rgba[..., 3] = np.where(gap, 0, 255)
    return rgba


def colorize(z: np.ndarray, lo: float, hi: float, scale: str) -> np.ndarray:
    """z (H, W) -> RGBA uint8 (H, W, 4) through the scale's table; NaN cells transparent."""
    return to_rgba(color_index(z, lo, hi), LUTS[scale])


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


def b64(array: np.ndarray) -> str:
    """An array's bytes (C order) as base64 text, as the other browser components read them."""
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def to_pixels(image: np.ndarray) -> np.ndarray:
    """An image (H, W) or (3, H, W) in [0, 1] -> uint8 (H, W) or (H, W, 3), rounded."""
    pixels = np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8)
    return pixels.transpose(1, 2, 0) if pixels.ndim == 3 else pixels


def colorbar_labels(display: Display, lo: float, hi: float) -> list[str | None]:
    """[top, middle, bottom]: what the colour bar's ends (and a diverging bar's white middle)
    mean in true values. Per layer the numbers lo, 0, hi; per map its own min and max
    (gray) or +- its largest |value| (diverging); NNC style 0 and 1 (-1 and 1), clipped."""
    diverging = display.color_scale == "diverging"
    if display.normalization == "map":
        return ["+{map_abs}", "0", "-{map_abs}"] if diverging else ["{map_max}", None, "{map_min}"]
    if display.normalization == "nnc":
        return ["≥ 1", "0", "≤ -1"] if diverging else ["≥ 1", None, "≤ 0"]
    return [format_number(hi), "0" if diverging else None, format_number(lo)]


EXACT_CELLS = 262_144  # a mosaic of up to this many cells sends its values as float32
_POW10 = np.array([1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9])
_HALF_LO, _HALF_HI = 1e-5, 999.5  # float16 can hold every 3-significant-digit text of |v| in this range


def three_digits(v: np.ndarray) -> np.ndarray:
    """The text explain.format_number writes for each v (float16 or float32 values with
    1e-5 <= |v| < 999.5, or 0), as one int64 code: sign * (n * 100 + e + 50), n the three
    digits (100..999) and e the power of ten of the first. Exact: |v| * 10**(2 - e) needs
    at most 24 + 24 bits, so the rounding (half to even, as Python's) sees the true value."""
    a = np.abs(np.asarray(v, dtype=np.float64))
    nonzero = a > 0
    a = np.where(nonzero, a, 1.0)
    e = np.clip(np.floor(np.log10(a)).astype(np.int64), -5, 2)
    e = np.where(a * _POW10[2 - e] >= 1000, e + 1, e)  # log10 may land a power of ten one off
    e = np.where(a * _POW10[np.clip(2 - e, 0, 9)] < 100, e - 1, e)
    n = np.rint(a * _POW10[np.clip(2 - e, 0, 9)]).astype(np.int64)
    e, n = np.where(n >= 1000, e + 1, e), np.where(n >= 1000, 100, n)  # 999.6 -> 1.00e+03
    return np.where(nonzero, np.sign(v).astype(np.int64) * (n * 100 + e + 50), 0)


HALF_BLOCK = 131_072  # values converted at once: the float64 temporaries stay near 10 MB


def half_values(values: np.ndarray, block: int = HALF_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """values (float32, NaN allowed) -> (float16 values, flat indices of the cells float16
    cannot carry). Each float16 is the nearest one whose 3 significant digits are the float32
    value's (the nearest, or its neighbour towards the value: every 3-digit interval in the
    range is wider than float16's spacing), so the hover writes what the page writes.
    Converted `block` values at a time (each value on its own, so the result is the same)."""
    flat = np.asarray(values, dtype=np.float32).ravel()
    if flat.size <= block:
        return _half_block(flat)
    halves, exact = [], []
    for start in range(0, flat.size, block):
        half, cells = _half_block(flat[start:start + block])
        halves.append(half)
        exact.append(cells + start)
    return np.concatenate(halves), np.concatenate(exact)


def _half_block(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """half_values of a flat float32 array."""
    half = flat.astype(np.float16)
    a = np.abs(flat)
    fits = np.isfinite(flat) & ((a == 0) | ((a >= _HALF_LO) & (a < _HALF_HI)))
    idx = np.flatnonzero(fits & (a > 0))
    # both rounded to 3 digits at the value's own power of ten (exact products, see three_digits)
    av = a[idx]
    e = np.clip(np.floor(np.log10(av)).astype(np.int64), -5, 2)
    q = av * _POW10[2 - e]
    e += (q >= 1000).astype(np.int64) - (q < 100)  # log10 may land a power of ten one off
    scale = _POW10[np.clip(2 - e, 0, 9)]
    n, q_half = np.rint(av * scale), np.abs(half[idx]).astype(np.float64) * scale
    n_half = np.rint(q_half)
    differ = (n != n_half) & ~((n == 1000) & (n_half > 1000) & (np.rint(q_half / 10) == 100))  # 999.7, 1004: 1e+03
    off = idx[differ]
    toward = np.where(flat[off] > half[off], np.inf, -np.inf).astype(np.float16)
    half[off] = np.nextafter(half[off], toward)
    still = off[three_digits(half[off]) != three_digits(flat[off])]
    return half, np.union1d(np.flatnonzero(np.isfinite(flat) & ~fits), still)


HALF_VALUES = ByteCache(16 * 2**20)  # half_values of large mosaics by content, shared by every visitor


def half_values_by_content(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """half_values, computed once per content: a mosaic whose values were seen before (the
    same maps redrawn after a click, a colour or an inspected-pixel change, or by another
    visitor) is looked up by a digest of its float32 bytes instead of converted again."""
    values = np.ascontiguousarray(values, dtype=np.float32)
    key = (values.shape, hashlib.blake2b(values.data, digest_size=16).digest())
    return HALF_VALUES.get_or_compute(key, lambda: half_values(values))


def _values(values: np.ndarray) -> dict:
    """The payload's hover values: float32 up to EXACT_CELLS cells, else float16 (half_values)
    with the cells it cannot carry sent exactly; float32 when those would be many."""
    if values.size <= EXACT_CELLS:
        return {"values": values.astype("<f4"), "values_bits": 32, "exact": 0}
    half, exact = half_values_by_content(values)
    if exact.size > values.size // 8:
        return {"values": values.astype("<f4"), "values_bits": 32, "exact": 0}
    laid_over = {"exact_index": exact.astype("<i4"), "exact_value": values.ravel()[exact].astype("<f4")}
    return {"values": half.reshape(values.shape).astype("<f2"), "values_bits": 16, "exact": int(exact.size),
            **(laid_over if exact.size else {})}


def _payload(mosaic: Mosaic, values: np.ndarray, colors: np.ndarray, count: int, display: Display,
             lo: float, hi: float, scale: str, max_width: int, item: str, label: str, raw: bool = False,
             boxes: list[list[int]] | None = None, tint: np.ndarray | None = None,
             labels: list[str | None] | None = None) -> Payload:
    height, width = mosaic.z.shape
    return {
        "width": width, "height": height, "px": cell_px(width, height, max_width),
        "colors": colors, "lut": LUTS[scale], **_values(values),
        "tint": None if tint is None else tint.astype(np.uint8),
        "highlight": HIGHLIGHT, "tint_alpha": TINT_ALPHA,
        "tile": {"h": mosaic.map_hw[0], "w": mosaic.map_hw[1], "columns": mosaic.columns, "count": count},
        "item": item, "label": label, "raw": raw, "boxes": boxes or [],
        "colorbar": {"stops": list(STOPS[scale]), "min": lo, "max": hi,
                     "labels": labels or [format_number(hi), None, format_number(lo)]} if display.colorbar else None,
    }


def maps_heatmap(maps: np.ndarray, display: Display, label: str = "value", item: str = "map",
                 max_width: int = 1000, pixel: tuple[int, int, int] | None = None,
                 window: np.ndarray | None = None) -> Payload:
    """Every map of a layer (C, H, W) as one mosaic; hover names map, row, column and the
    true value. `pixel` (map, row, column) is boxed; `window` (C, H, W bool) is boxed map by map."""
    maps = np.asarray(maps, dtype=np.float32)
    mosaic = tile(maps, display.columns)
    shown = mosaic if display.normalization == "layer" else tile(
        normalize(maps, display.normalization, display.color_scale), display.columns)
    lo, hi = color_range(shown.z, display)
    boxes = mask_boxes(shown, window) if window is not None else []
    if pixel is not None:
        top, left = shown.cell_origin(pixel[0])
        boxes.append([top + pixel[1], left + pixel[2], top + pixel[1], left + pixel[2]])
    return _payload(shown, mosaic.z, color_index(shown.z, lo, hi), maps.shape[0],
                    display, lo, hi, display.color_scale, max_width, item, label, boxes=boxes,
                    labels=colorbar_labels(display, lo, hi))


def input_heatmap(image: np.ndarray, display: Display, max_width: int = 420,
                  field: np.ndarray | None = None) -> Payload:
    """The input (C, H, W) or (H, W) in [0, 1], gray 0..1; hover adds the raw 0-255 value.
    `field` (C, H, W bool), a receptive field, is tinted cell by cell and boxed."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[None]
    mosaic = tile(image, display.columns)
    tinted = None if field is None else tile(field.astype(np.float32), display.columns).z == 1
    item = "channel" if image.shape[0] > 1 else ""
    return _payload(mosaic, mosaic.z, color_index(mosaic.z, 0.0, 1.0), image.shape[0], display, 0.0, 1.0,
                    "gray", max_width, item, "value", raw=True,
                    boxes=None if field is None else mask_boxes(mosaic, field), tint=tinted)


def kernels_heatmap(weight: np.ndarray, display: Display, max_width: int = 560,
                    selected: int | None = None) -> Payload:
    """Kernels W (M, C, kh, kw) as one mosaic of M*C small maps, diverging around 0; with
    several input channels each output map's C kernels sit side by side in a row (when
    they fit in the display's columns), and the hover names the map and the channel.
    The kernels of output map `selected` are boxed."""
    m, c, kh, kw = weight.shape
    window = None
    if selected is not None:
        window = np.zeros((m * c, kh, kw), dtype=bool)
        window[selected * c:(selected + 1) * c] = True
    columns = c * (display.columns // c) if 1 < c <= display.columns else display.columns
    kernel_display = Display("diverging", "layer", display.colorbar, columns)
    payload = maps_heatmap(weight.reshape(m * c, kh, kw), kernel_display, "weight", "kernel", max_width,
                           window=window)
    return {**payload, "group": c}


_DTYPES = {"u1": np.dtype("u1"), "f2": np.dtype("<f2"), "f4": np.dtype("<f4"), "i4": np.dtype("<i4")}


def _code(array: np.ndarray) -> str:
    code = f"{array.dtype.kind}{array.dtype.itemsize}"
    if code not in _DTYPES:
        raise TypeError(f"a heatmap array of dtype {array.dtype} cannot be sent")
    return code


def sub_filter(colors: np.ndarray) -> np.ndarray:
    """uint8 (H, W) -> each cell minus its left neighbour, mod 256 (PNG's Sub filter): a
    smooth picture becomes mostly small numbers, which the connection's deflate packs
    into far fewer bytes. `unsub` undoes it."""
    c = np.asarray(colors, dtype=np.uint8)
    out = c.copy()
    out[..., 1:] -= c[..., :-1]  # uint8 arithmetic wraps mod 256
    return out


def unsub(filtered: np.ndarray) -> np.ndarray:
    """The inverse of sub_filter: a running sum along each row, mod 256."""
    return np.cumsum(np.asarray(filtered, dtype=np.uint8), axis=-1, dtype=np.uint8)


FILTERED = ("colors",)  # arrays `pack` writes Sub-filtered (rows of at least 2 cells)

INLINE_VALUE_CELLS = 32_768
"""A mosaic of more cells sends its hover values apart (`split_values`): the page shows its
colours at once and the browser fetches the values when the pointer first reaches it."""
VALUE_FIELDS = ("values", "values_bits", "exact", "exact_index", "exact_value")


def split_values(payload: Payload) -> tuple[Payload, bytes | None]:
    """(the payload without its hover values, those values as a blob of their own) for a
    mosaic of more than INLINE_VALUE_CELLS cells; (payload, None) for a smaller one."""
    if np.asarray(payload["values"]).size <= INLINE_VALUE_CELLS:
        return payload, None
    values = {name: payload[name] for name in VALUE_FIELDS if name in payload}
    rest = {name: value for name, value in payload.items() if name not in VALUE_FIELDS}
    return rest, pack(values)


def pack(payload: Payload) -> bytes:
    """The payload as one blob (layout in the module's docstring): its arrays' bytes as
    they are (C order, little-endian; the FILTERED ones Sub-filtered), every other field
    in the JSON header."""
    header = {name: value for name, value in payload.items() if not isinstance(value, np.ndarray)}
    arrays = {name: np.ascontiguousarray(value, dtype=_DTYPES[_code(value)])
              for name, value in payload.items() if isinstance(value, np.ndarray)}
    filtered = [name for name in FILTERED if name in arrays and arrays[name].ndim == 2]
    for name in filtered:
        arrays[name] = sub_filter(arrays[name])
    if filtered:
        header["filtered"] = filtered
    places, at = {}, 0
    for name, array in arrays.items():
        places[name] = [_code(array), at, list(array.shape)]
        at += -(-array.nbytes // 4) * 4
    text = json.dumps({**header, "arrays": places}, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 4)
    parts: list = [len(text).to_bytes(4, "little"), text]
    for array in arrays.values():
        parts += [memoryview(array).cast("B"), bytes(-array.nbytes % 4)]
    return b"".join(parts)


def unpack(blob: bytes) -> Payload:
    """The payload of a blob from `pack`: its header's fields and its arrays (read-only
    views of the blob)."""
    n = int.from_bytes(blob[:4], "little")
    payload = json.loads(bytes(blob[4:4 + n]))
    filtered = payload.pop("filtered", [])
    for name, (code, offset, shape) in payload.pop("arrays").items():
        dtype = _DTYPES[code]
        count = int(np.prod(shape, dtype=np.int64))
        payload[name] = np.frombuffer(blob, dtype, count, 4 + n + offset).reshape(shape)
        if name in filtered:
            payload[name] = unsub(payload[name])
    return payload


def decode(payload: Payload | bytes, values: bytes | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rgba (H, W, 4) uint8 as heatmap.js paints it, values (H, W) float32) of a payload
    or of its blob; `values`: the blob of its hover values when `split_values` sent them apart."""
    if isinstance(payload, (bytes, bytearray, memoryview)):
        payload = unpack(payload)
    if values is not None:
        payload = {**payload, **unpack(values)}
    h, w = payload["height"], payload["width"]
    tint = None if payload["tint"] is None else np.asarray(payload["tint"]).reshape(h, w)
    rgba = to_rgba(np.asarray(payload["colors"]).reshape(h, w), np.asarray(payload["lut"]).reshape(-1, 3), tint,
                   payload["highlight"], payload["tint_alpha"])
    values = np.array(payload["values"], dtype=np.float32).ravel()
    if payload.get("exact"):
        values[payload["exact_index"]] = payload["exact_value"]
    return rgba, values.reshape(h, w)
