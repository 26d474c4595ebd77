"""What every layer kind's math shares: its arrays (NCHW, float32; float64 inputs stay float64
for gradient checks), the block size of the patch matrices the convolution family builds,
and the unit prices the kinds' working_bytes / seconds are computed from. Nothing here is
one kind's: each kind's forward and backward live in its own module (cnnlab.layers.*).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cnnlab.shapes import LayerShapeError

IntPair = int | Sequence[int]

# The im2col buffers of Convolution (patch matrix) and Deconvolution (column matrix) are filled
# in blocks of at most this many floats (16 MiB), so a 10,000-image batch or a 512x512 image
# never builds one huge matrix. Read at call time, so a test may shrink it.
COLUMN_BLOCK_FLOATS = 4 * 1024 * 1024
_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)
FLOAT_BYTES = 4  # a float32, what the layers' working_bytes / training_bytes price
BUFFER_BYTES = 256 * 1024  # NumPy's own buffers (a few 8,192-element iteration and casting buffers)
# CPU seconds of the kinds' math on the reference machine (one BLAS thread), per unit, as the layers'
# seconds() price them (fitted with benchmarks/bench_budget.py, which prints measured / priced per kind):
SECONDS_PER_MULTIPLY_ADD = 5e-11  # inside a GEMM
SECONDS_PER_COLUMN_FLOAT = 1e-9  # a patch-matrix float copied out of the input (im2col)
SECONDS_PER_SCATTERED_FLOAT = 3e-9  # a column-matrix float added back onto strided output slices (col2im)
SECONDS_PER_OUTPUT_VALUE = 1e-9  # a value written to a layer's output (and padded copies)
SECONDS_PER_WINDOW_READ = 5e-10  # a pooling window's cell
SECONDS_PER_CALL = 5e-6  # one NumPy call in a layer's Python loop (a block's GEMM, an offset's slice)


def as_float(x) -> np.ndarray:
    """float64 stays float64 (gradient checks); everything else becomes float32."""
    if type(x) is np.ndarray and (x.dtype is _FLOAT32 or x.dtype is _FLOAT64):
        return x  # already one of the two: no conversion to ask numpy for (once per layer and image)
    x = np.asarray(x)
    return x if x.dtype == np.float64 else x.astype(np.float32, copy=False)


def as_nchw(x: np.ndarray, what: str = "x") -> np.ndarray:
    """as_float(x), which must have 4 axes (N, C, H, W); LayerShapeError otherwise."""
    x = as_float(x)
    if x.ndim != 4:
        raise LayerShapeError(f"{what} must have 4 axes (N, C, H, W); got shape {x.shape}.")
    return x
