"""NNC's GlobalAveragePooling (nnabla's F.global_average_pooling), all in one place: every
map becomes its mean, one value per map.

    y[c, 0, 0] = sum_{i, j} x[c, i, j] / (H * W);  output (C, 1, 1)
    backward: dx[c, i, j] = dy[c, 0, 0] / (H * W)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import explain
from cnnlab.layers import text
from cnnlab.layers.base import LayerKind, Shape3


def global_average_pooling(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, C, 1, 1): each map's mean."""
    return x.mean(axis=(2, 3), keepdims=True, dtype=np.float64).astype(x.dtype, copy=False)


def global_average_pooling_backward(dy: np.ndarray, in_shape: tuple[int, ...]) -> np.ndarray:
    """dy (N, C, 1, 1) -> dx (N, C, H, W): each map's gradient spread evenly over its H * W cells."""
    h, w = in_shape[2:]
    return np.broadcast_to(dy / (h * w), in_shape).astype(dy.dtype)


@dataclass(frozen=True)
class GlobalAveragePoolingSpec(LayerKind):
    """NNC's GlobalAveragePooling: no settings."""

    kind = "GlobalAveragePooling"
    HEADS = ("gap",)
    WORK_UNIT = "values read"
    EXPLANATION = "explain.GlobalAveragePooling"
    WORDS = {
        "en": {
            "explain.GlobalAveragePooling": "Each map becomes one value, its mean: a map's overall response.",
            "insp.pool.GlobalAveragePooling": "The mean of the whole map: its sum divided by {divisor}.",
        },
        "ja": {
            "explain.GlobalAveragePooling": "各マップが 1 つの値（その平均）になります。マップ全体の反応の強さです。",
            "insp.pool.GlobalAveragePooling": "マップ全体の平均: 合計を {divisor} で割ります。",
        },
    }

    def output_shape(self, in_shape: Shape3) -> Shape3:
        return (in_shape[0], 1, 1)

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        """['12 -> 1', '12 -> 1'] for H and W: every map, whatever its size, becomes one value."""
        return [f"{in_shape[1]} -> 1", f"{in_shape[2]} -> 1"]

    def forward(self, x: np.ndarray, params: None = None) -> np.ndarray:
        return global_average_pooling(x)

    def backward(self, dy: np.ndarray, x: np.ndarray, params: None, y: np.ndarray, kept: None,
                 need_dx: bool = True) -> tuple[np.ndarray, dict]:
        return global_average_pooling_backward(dy, x.shape), {}

    def explain(self, params: None, x: np.ndarray, out: tuple[int, int, int]) -> explain.PoolingStep:
        """Output (map, 0, 0): the whole map is the window, its mean the value."""
        c = out[0]
        h, w = x.shape[1:]
        values = np.asarray(x[c], dtype=np.float64)
        return explain.PoolingStep(self.kind, out, np.arange(h), np.arange(w), values, h * w, None,
                                   float(values.sum() / (h * w)), "mean", "insp.pool.GlobalAveragePooling")

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        """A map's one output reads every cell of that map."""
        return np.broadcast_to(mask.any(axis=(1, 2))[:, None, None], in_shape).copy()

    def torch_code(self, in_shape: Shape3) -> str:
        return "nn.AdaptiveAvgPool2d(1)"

    def nnabla_code(self, var: str, name: str) -> tuple[str, None]:
        return f"F.global_average_pooling({var})", None

    def token(self) -> str:
        """gap"""
        return "gap"

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "GlobalAveragePoolingSpec":
        if fields:
            raise text.TokenError("ends", fields[0], at=(1, 0))
        return cls()

    def work(self, in_shape: Shape3) -> int:
        """Every input value is read once."""
        return int(np.prod(in_shape))

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """As AveragePooling's: one CostAdd per input value, one CostMultiply per output value."""
        return {"CostAdd": int(np.prod(in_shape)), "CostMultiply": in_shape[0]}
