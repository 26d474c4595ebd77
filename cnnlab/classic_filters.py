"""Classic image filters as kernels, for 3x3 and 5x5: the W.Initializer "ClassicFilters"
(map m gets filter m mod 10, in the order of CLASSIC), and the filter closest to a
learned kernel.

The layers compute cross-correlation (as nnabla and NNC do), so a kernel is applied as
written: Sobel x = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] is large where the image gets
brighter to the right.
"""

from __future__ import annotations

import numpy as np

from cnnlab.shapes import LayerShapeError

_SMOOTH = {3: np.array([1, 2, 1.0]), 5: np.array([1, 4, 6, 4, 1.0])}  # binomial rows
_SLOPE = {3: np.array([-1, 0, 1.0]), 5: np.array([-1, -2, 0, 2, 1.0])}  # Sobel's derivative rows


def _identity(k: int) -> np.ndarray:
    kernel = np.zeros((k, k))
    kernel[k // 2, k // 2] = 1
    return kernel


def _gaussian(k: int) -> np.ndarray:
    return np.outer(_SMOOTH[k], _SMOOTH[k]) / _SMOOTH[k].sum() ** 2


def _sobel_x(k: int) -> np.ndarray:
    return np.outer(_SMOOTH[k], _SLOPE[k])


def _prewitt_x(k: int) -> np.ndarray:
    return np.tile(np.arange(k) - k // 2, (k, 1)).astype(float)


def _laplacian(k: int) -> np.ndarray:
    if k == 3:
        return np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0.0]])
    return np.array([[0, 0, 1, 0, 0], [0, 1, 2, 1, 0], [1, 2, -16, 2, 1], [0, 1, 2, 1, 0], [0, 0, 1, 0, 0.0]])


def _emboss(k: int) -> np.ndarray:
    """3x3: [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]; 5x5 the same ramp, corners at -2 and 2."""
    i, j = np.indices((k, k)) - k // 2
    return (i + j) / (k // 2) + _identity(k)


def _edge_45(k: int) -> np.ndarray:
    i, j = np.indices((k, k))
    return (j - i).astype(float)


CLASSIC = {
    "identity": _identity,
    "box blur": lambda k: np.full((k, k), 1.0 / (k * k)),
    "Gaussian": _gaussian,
    "sharpen": lambda k: (np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0.0]]) if k == 3
                          else 2 * _identity(k) - _gaussian(k)),
    "Sobel x": _sobel_x,
    "Sobel y": lambda k: _sobel_x(k).T,
    "Prewitt x": _prewitt_x,
    "Laplacian": _laplacian,
    "emboss": _emboss,
    "45° edge": _edge_45,
}
"""Name -> kernel(k) for k = 3 or 5."""
SIZES = (3, 5)


def classic_kernel(name: str, size: int) -> np.ndarray:
    """The (size, size) float32 kernel of a classic filter; size 3 or 5."""
    return CLASSIC[name](size).astype(np.float32)


def classic_name(m: int) -> str:
    """The filter map m gets: the CLASSIC order, over and over."""
    return list(CLASSIC)[m % len(CLASSIC)]


def classic_weight(shape: tuple[int, int, int, int], multiplier: float = 1.0) -> np.ndarray:
    """W (M, N, k, k): map m's kernel is classic_name(m) divided by N in each of its N input
    channels (so on N equal channels it is the filter itself), times `multiplier`.
    LayerShapeError (key classic_shape) unless the kernel is 3x3 or 5x5."""
    m_out, n_in, kh, kw = shape
    if kh != kw or kh not in SIZES:
        raise LayerShapeError(key="classic_shape", kh=kh, kw=kw)
    kernels = np.stack([classic_kernel(classic_name(m), kh) for m in range(m_out)])
    return (np.repeat(kernels[:, None], n_in, axis=1) * np.float32(multiplier / n_in)).astype(np.float32)


def closest_classic(kernel: np.ndarray) -> tuple[str, float]:
    """(name, score): the classic filter of the kernel's size closest to `kernel` (kh, kw),
    or (C, kh, kw) summed over channels, by normalised correlation: sum(a * b) / (|a| |b|),
    in [-1, 1] (1: the same up to a positive factor). ("", 0.0) for sizes other than 3x3
    and 5x5 or an all-zero kernel."""
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim == 3:
        k = k.sum(axis=0)
    if k.shape[0] != k.shape[1] or k.shape[0] not in SIZES or not k.any():
        return "", 0.0
    scores = {name: _correlation(k, classic_kernel(name, k.shape[0]).astype(np.float64)) for name in CLASSIC}
    name = max(scores, key=scores.get)
    return name, scores[name]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float((a * b).sum() / (np.linalg.norm(a) * np.linalg.norm(b)))
