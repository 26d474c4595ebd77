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
The browser (`cnnlab/ui/assets/window_player.js`) recomputes each step from these arrays and
draws it; the output it fills in is the layer's own.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from cnnlab import explain
from cnnlab.heatmaps import LUTS, b64, color_range
from cnnlab.mosaic import Display

REDUCE = {"max": "max", "sum": "sum-only", "mean": "mean"}
MAX_VALUES = 1_000_000  # input and output values a tour may send (4 MB as float32, ~5.3 MB in base64)


class TourTooLarge(ValueError):
    """The tour would send more than MAX_VALUES values; `values` says how many."""

    def __init__(self, values: int) -> None:
        super().__init__(f"{values} values")
        self.values = values


def tour(spec, params, x: np.ndarray, y: np.ndarray, map_index: int, display: Display) -> dict:
    """The tour of output map `map_index` of `spec` applied to x (C, H, W) giving y (M, Ho, Wo).
    A JSON-able dict: reduce (above), channels, input (Cg, H, W) float32 base64, rows
    (Ho, k) and cols (Wo, k) int lists, kernel (Cg, kh, kw) float32 base64 or None, bias,
    divisors (Ho*Wo) for "mean", output (Ho, Wo) float32 base64, formula (activation), and
    the colour table with each picture's range (lo, hi) in true values. TourTooLarge past
    MAX_VALUES, priced before anything is built."""
    _, ho, wo = y.shape
    first = spec.explain(params, x, (map_index, 0, 0))
    weighted = isinstance(first, explain.ConvolutionStep)
    channels = first.channels if weighted else (map_index,)
    values = len(channels) * x.shape[1] * x.shape[2] + ho * wo
    if values > MAX_VALUES:
        raise TourTooLarge(values)
    base = {"kernel": None, "bias": None, "divisors": None, "formula": None}
    if isinstance(first, explain.ActivationStep):
        rows, cols = [[i] for i in range(ho)], [[j] for j in range(wo)]
        base.update(reduce="function", formula=f"{first.kind}(x) = {first.formula}")
    else:
        down = [spec.explain(params, x, (map_index, i, 0)) for i in range(ho)]
        across = [spec.explain(params, x, (map_index, 0, j)) for j in range(wo)]
        rows, cols = [s.rows.tolist() for s in down], [s.cols.tolist() for s in across]
        if weighted:
            base.update(reduce="sum", kernel=b64(first.kernel.astype("<f4")), bias=first.bias)
        else:
            base["reduce"] = REDUCE[first.reduce]
            if first.reduce == "mean":
                # divisor(i, j) = per-row count x per-column count (NNC's including_pad rule per axis)
                by_row = np.array([s.divisor for s in down], dtype=np.int64)
                by_col = np.array([s.divisor for s in across], dtype=np.int64)
                base["divisors"] = (np.outer(by_row, by_col) // first.divisor).ravel().tolist()
    source = np.asarray(x[list(channels)], dtype="<f4")
    out = np.asarray(y[map_index], dtype="<f4")
    true_values = replace(display, normalization="layer")
    return {
        **base,
        "channels": list(channels), "depth": len(channels), "height": x.shape[1], "width": x.shape[2],
        "out_height": ho, "out_width": wo, "rows": rows, "cols": cols, "map": map_index,
        "input": b64(source), "output": b64(out), "lut": b64(LUTS[display.color_scale]),
        "input_range": list(color_range(source, true_values)), "output_range": list(color_range(out, true_values)),
    }
