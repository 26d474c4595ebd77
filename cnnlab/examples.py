"""The blog post's two worked examples as data (no Streamlit).

Convolution: a 7x7 input whose top-left 3x3 patch is 0..8 and a 3x3 kernel 8..0,
stride 2: the top-left output is 0*8 + 1*7 + ... + 8*0 = 84 and the output is 3x3.
Max pooling: an 8x8 sample whose top-left 2x2 window holds 1, 2, 7, 8: the output is 8.
"""

from __future__ import annotations

import numpy as np


def convolution_input(size: int = 7) -> np.ndarray:
    """(size, size) with x[r, c] = (3r + c) mod 10: the top-left 3x3 reads 0 1 2 / 3 4 5 / 6 7 8."""
    r, c = np.mgrid[0:size, 0:size]
    return ((3 * r + c) % 10).astype(np.float32)


def convolution_kernel(k: int = 3) -> np.ndarray:
    """(k, k) counting down from k*k - 1 to 0: for k = 3, 8 7 6 / 5 4 3 / 2 1 0."""
    return np.arange(k * k - 1, -1, -1, dtype=np.float32).reshape(k, k)


def pooling_input(size: int = 8) -> np.ndarray:
    """(size, size) with x[r, c] = (6r + c) mod 9 + 1: the top-left 2x2 window holds 1, 2, 7, 8."""
    r, c = np.mgrid[0:size, 0:size]
    return ((6 * r + c) % 9 + 1).astype(np.float32)
