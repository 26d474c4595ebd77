"""The window sliding over a layer's input, as data for the browser to animate (pure NumPy).

Any layer's output map m is a tour: output cell (i, j), row by row, reads input rows
rows[i] and columns cols[j] of the channels of m's group and reduces them:
    "sum"       sum over channels c, u, v of x[c, rows[i][u], cols[j][v]] * kernel[c, u, v] + bias
                (Convolution, DepthwiseConvolution, Deconvolution; an index outside the
                input, or -1 where no input lands, reads 0)
    "max"       the largest of the window (outside the input never wins)
    "sum-only"  the window's sum;  "mean"  that sum / divisors[i][j]
    "function"  f(x[m, i, j]) for an activation (rows[i] = [i], cols[j] = [j])
The description is the explanation step's own (explain.Step.player): the rows and columns
come from the layer's own `explain` (one call per output row and per output column), so
every layer kind tours the way its inspector explains it, and a kind with a step of its
own tours without any change here or in the browser's code.
The browser (`cnnlab/ui/assets/window_player.js`) recomputes each step from these arrays and
draws it; the output it fills in is the layer's own.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from cnnlab.heatmaps import LUTS, b64, color_range
from cnnlab.mosaic import Display

MAX_VALUES = 1_000_000  # input and output values a tour may send (4 MB as float32, ~5.3 MB in base64)


class TourTooLarge(ValueError):
    """The tour would send more than MAX_VALUES values; `values` says how many."""

    def __init__(self, values: int) -> None:
        super().__init__(f"{values} values")
        self.values = values


def tour(spec, params, x: np.ndarray, y: np.ndarray, map_index: int, display: Display) -> dict:
    """The tour of output map `map_index` of `spec` applied to x (C, H, W) giving y (M, Ho, Wo).
    A JSON-able dict: the step's own description (explain.Step.player: reduce, rows (Ho, k),
    cols (Wo, k), kernel (Cg, kh, kw) float32 base64 or None, bias, divisors (Ho*Wo) for
    "mean", formula, grids and lines, their words as catalogue keys; words: the player's own
    words the step names otherwise, e.g. {"output": key}), and channels, input
    (Cg, H, W) float32 base64, output (Ho, Wo) float32 base64, the colour table with each
    picture's range (lo, hi) in true values. TourTooLarge past MAX_VALUES, priced before
    anything is built."""
    _, ho, wo = y.shape
    first = spec.explain(params, x, (map_index, 0, 0))
    channels = first.input_channels()
    values = len(channels) * x.shape[1] * x.shape[2] + ho * wo
    if values > MAX_VALUES:
        raise TourTooLarge(values)
    base = {"kernel": None, "bias": None, "divisors": None, "formula": None, "words": {},
            **first.player(spec, params, x, (ho, wo))}
    if base["kernel"] is not None:
        base["kernel"] = b64(np.asarray(base["kernel"], dtype="<f4"))
    source = np.asarray(x[list(channels)], dtype="<f4")
    out = np.asarray(y[map_index], dtype="<f4")
    true_values = replace(display, normalization="layer")
    return {
        **base,
        "channels": list(channels), "depth": len(channels), "height": x.shape[1], "width": x.shape[2],
        "out_height": ho, "out_width": wo, "map": map_index,
        "input": b64(source), "output": b64(out), "lut": b64(LUTS[display.color_scale]),
        "input_range": list(color_range(source, true_values)), "output_range": list(color_range(out, true_values)),
    }
