"""NNC's weight initialisers, seeded with a NumPy Generator.

W has shape (M, N, kh, kw): M = OutMaps, N = input channels per group, K = kh * kw,
m = InitializerMultiplier. Formulas are nnabla's (``nnabla.initializer.calc_*``),
which NNC runs, each multiplied by m:

  NormalConvolutionGlorot     N(0, sigma^2),  sigma = m * sqrt(2 / (N*K + M))   (NNC's default)
  UniformConvolutionGlorot    U(-b, b),       b     = m * sqrt(6 / (N*K + M))
  NormalConvolutionHeForward  N(0, sigma^2),  sigma = m * sqrt(2 / (N*K))
  NormalConvolutionHeBackward N(0, sigma^2),  sigma = m * sqrt(2 / (M*K))
  Normal                      N(0, m^2)
  Uniform                     U(-m, m)
  Constant                    every weight = m
  ClassicFilters              map j: classic filter j mod 10 (identity, box blur, Gaussian,
                              sharpen, Sobel x, Sobel y, Prewitt x, Laplacian, emboss, 45° edge),
                              / N in each channel, times m; 3x3 and 5x5 only (not in NNC)
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import numpy as np

from cnnlab.classic_filters import classic_weight

InitializerName = Literal[
    "NormalConvolutionGlorot",
    "UniformConvolutionGlorot",
    "NormalConvolutionHeForward",
    "NormalConvolutionHeBackward",
    "Normal",
    "Uniform",
    "Constant",
    "ClassicFilters",
]
INITIALIZERS: tuple[InitializerName, ...] = get_args(InitializerName)


def initializer_scale(name: InitializerName, shape: tuple[int, int, int, int], multiplier: float = 1.0) -> float:
    """The sigma (normal), bound b (uniform) or value (constant) for W of `shape` (M, N, kh, kw)."""
    m_out, n_in, kh, kw = shape
    k = kh * kw
    scales = {
        "NormalConvolutionGlorot": math.sqrt(2.0 / (n_in * k + m_out)),
        "UniformConvolutionGlorot": math.sqrt(6.0 / (n_in * k + m_out)),
        "NormalConvolutionHeForward": math.sqrt(2.0 / (n_in * k)),
        "NormalConvolutionHeBackward": math.sqrt(2.0 / (m_out * k)),
        "Normal": 1.0,
        "Uniform": 1.0,
        "Constant": 1.0,
        "ClassicFilters": 1.0,
    }
    if name not in scales:
        raise ValueError(f"Unknown W.Initializer {name!r}; choose one of {', '.join(INITIALIZERS)}.")
    return multiplier * scales[name]


def initialize_weight(
    name: InitializerName,
    shape: tuple[int, int, int, int],
    multiplier: float = 1.0,
    rng: np.random.Generator | int | None = 0,
) -> np.ndarray:
    """Draw W (M, N, kh, kw) as float32; the same seed gives the same weights everywhere."""
    scale = initializer_scale(name, shape, multiplier)
    if name == "ClassicFilters":
        return classic_weight(shape, scale)
    if name == "Constant":
        return np.full(shape, scale, dtype=np.float32)
    rng = np.random.default_rng(rng)
    if name.startswith("Uniform"):
        return rng.uniform(-scale, scale, size=shape).astype(np.float32)
    return (rng.standard_normal(size=shape) * scale).astype(np.float32)
