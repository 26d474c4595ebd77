"""The window sliding over a layer's input, as data for the browser to animate (pure NumPy).

Any layer's output map m is a tour: output cell (i, j), row by row, reads input rows
rows[i] and columns cols[j] of the channels of m's group and reduces them:
    "sum"       sum over channels c, u, v of x[c, rows[i][u], cols[j][v]] * kernel[c, u, v] + bias
                (Convolution, DepthwiseConvolution, Deconvolution; an index outside the
                input, or -1 where no input lands, reads 0)
    "max"       the largest of the window (outside the input never wins)
    "sum-only"  the window's sum;  "mean"  that sum / divisors[i][j]
    "function"  f(x[m, i, j]) for an activation (rows[i] = [i], cols[j] = [j])
The rows and columns come from the layer's own `explain` (one call per output row and
per output column), so every layer kind tours the way its inspector explains it.
The browser (`cnnlab/ui/window_player.js`) recomputes each step from these arrays and
draws it; the output it fills in is the layer's own.
"""

from __future__ import annotations

import base64

import numpy as np

from cnnlab import explain
from cnnlab.heatmaps import LUTS
from cnnlab.mosaic import Display

REDUCE = {"max": "max", "sum": "sum-only", "mean": "mean"}
MAX_VALUES = 1_000_000  # input and output values a tour may send (4 MB as float32, ~5.3 MB in base64)


class TourTooLarge(ValueError):
    """The tour would send more than MAX_VALUES values; `values` says how many."""

    def __init__(self, values: int) -> None:
        super().__init__(f"{values} values")
        self.values = values


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def tour(spec, params, x: np.ndarray, y: np.ndarray, map_index: int, display: Display) -> dict:
    """The tour of output map `map_index` of `spec` applied to x (C, H, W) giving y (M, Ho, Wo).
    A JSON-able dict: reduce (above), channels, input (Cg, H, W) float32 base64, rows
    (Ho, k) and cols (Wo, k) int lists, kernel (Cg, kh, kw) float32 base64 or None, bias,
    divisors (Ho*Wo) for "mean", output (Ho, Wo) float32 base64, formula (activation), and
    the colour table with each picture's range (lo, hi). TourTooLarge past MAX_VALUES."""
    _, ho, wo = y.shape
    first = spec.explain(params, x, (map_index, 0, 0))
    depth = 1 if isinstance(first, (explain.ActivationStep, explain.PoolingStep)) else len(first.channels)
    values = depth * x.shape[1] * x.shape[2] + ho * wo
    if values > MAX_VALUES:  # priced before anything is built
        raise TourTooLarge(values)
    down = [spec.explain(params, x, (map_index, i, 0)) for i in range(ho)]
    across = [spec.explain(params, x, (map_index, 0, j)) for j in range(wo)]
    base = {"kernel": None, "bias": None, "divisors": None, "formula": None}
    if isinstance(first, explain.ActivationStep):
        channels = (map_index,)
        rows, cols = [[i] for i in range(ho)], [[j] for j in range(wo)]
        base.update(reduce="function", formula=f"{first.kind}(x) = {first.formula}")
    elif isinstance(first, explain.PoolingStep):
        channels = (map_index,)
        rows, cols = [s.rows.tolist() for s in down], [s.cols.tolist() for s in across]
        base["reduce"] = REDUCE[first.reduce]
        if first.reduce == "mean":
            # divisor(i, j) = per-row count x per-column count (NNC's including_pad rule per axis)
            by_row = np.array([s.divisor for s in down], dtype=np.int64)
            by_col = np.array([s.divisor for s in across], dtype=np.int64)
            base["divisors"] = (np.outer(by_row, by_col) // first.divisor).ravel().tolist()
    else:
        channels = first.channels
        rows, cols = [s.rows.tolist() for s in down], [s.cols.tolist() for s in across]
        base.update(reduce="sum", kernel=_b64(first.kernel), bias=first.bias)
    source = np.asarray(x[list(channels)], dtype=np.float32)
    out = np.asarray(y[map_index], dtype=np.float32)
    scale = "diverging" if display.color_scale == "diverging" else "gray"
    return {
        **base,
        "channels": list(channels), "depth": len(channels), "height": x.shape[1], "width": x.shape[2],
        "out_height": ho, "out_width": wo, "rows": rows, "cols": cols, "map": map_index,
        "input": _b64(source), "output": _b64(out),
        "lut": base64.b64encode(LUTS[scale].tobytes()).decode("ascii"),
        "input_range": _range(source, scale), "output_range": _range(out, scale),
    }


def _range(values: np.ndarray, scale: str) -> list[float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return [0.0, 1.0]
    if scale == "diverging":
        bound = float(np.abs(finite).max()) or 1.0
        return [-bound, bound]
    lo, hi = float(finite.min()), float(finite.max())
    return [lo, hi] if hi > lo else [lo - 0.5, hi + 0.5]


def step_value(payload: dict, x: np.ndarray, kernel: np.ndarray | None, step: int) -> float:
    """What the browser computes at `step` (output cell step // Wo, step % Wo), restated in
    NumPy from the payload's arrays (x the payload's input (Cg, H, W)): the tests hold the
    player to it and to the layer's own output."""
    i, j = divmod(step, payload["out_width"])
    rows, cols = np.array(payload["rows"][i]), np.array(payload["cols"][j])
    fill = np.nan if payload["reduce"] in ("max", "sum-only", "mean") else 0.0
    window = explain.gather(x, rows, cols, fill=fill)
    if payload["reduce"] == "sum":
        return float((window * kernel).sum() + (payload["bias"] or 0.0))
    if payload["reduce"] == "max":
        return float(np.nanmax(window))
    if payload["reduce"] == "sum-only":
        return float(np.nansum(window))
    if payload["reduce"] == "mean":
        return float(np.nansum(window) / payload["divisors"][step])
    return float(window[0, 0, 0])
