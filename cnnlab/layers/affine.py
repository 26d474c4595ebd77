"""NNC's Affine (nnabla's PF.affine, base axis 1), all in one place: every output is a
weighted sum of every input value, plus a bias.

    W (D, OutShape) as nnabla shapes it (inputs, outputs), D = C * H * W; b (OutShape,)
    y[o] = b[o] + sum_{c, i, j} x[c, i, j] * W[(c * H + i) * W + j, o];  output (OutShape, 1, 1)
    backward: dW = X^T . dY, db = sum dY, dX = dY . W^T
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import explain
from cnnlab.layers import text
from cnnlab.layers.base import LayerKind, Params, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range

LIMITS: dict[str, Range] = {"outputs": Range("OutShape", 1, 1024)}


def affine(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """(N, C, H, W) -> (N, OutShape, 1, 1): flatten(x) (N, D) . W (D, OutShape) + b."""
    y = x.reshape(len(x), -1) @ np.asarray(weight, dtype=x.dtype)
    if bias is not None:
        y += np.asarray(bias, dtype=x.dtype)
    return y.reshape(*y.shape, 1, 1)


def affine_backward(dy: np.ndarray, x: np.ndarray, weight: np.ndarray,
                    with_bias: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(dx (N, C, H, W), dW (D, OutShape), db (OutShape,) or None) from dy (N, OutShape, 1, 1)."""
    d = dy.reshape(len(dy), -1)
    flat = x.reshape(len(x), -1)
    return (d @ weight.T).reshape(x.shape), flat.T @ d, (d.sum(axis=0) if with_bias else None)


@dataclass(frozen=True)
class AffineSpec(LayerKind):
    """NNC's Affine: OutShape outputs, each reading every input value."""

    outputs: int = 10
    with_bias: bool = True

    kind = "Affine"
    HEADS = ("affine",)
    WORK_UNIT = "multiply-adds"
    LIMITS = LIMITS
    SCOPE = "affine"
    TRAINED = ("W", "b")
    FIELDS = (Field("outputs", "int", "affine_outputs"), Field("with_bias", "bool", "with_bias", main=False))
    EXPECTED = {"outputs": "an OutShape, a whole number like 10"}
    EXPLANATION = "explain.Affine"
    WORDS = {
        "en": {
            "affine_outputs.label": "OutShape",
            "affine_outputs.help": "How many outputs. Each output weighs every input value with its own weights.",
            "explain.Affine": ("Each of the {outputs} outputs is a weighted sum of every input value (plus the "
                               "bias). An Affine at a network's end is often its classifier, one output per class; "
                               "here training always adds its own Affine 10 after the stack (shown on the Trained tab)."),
        },
        "ja": {
            "affine_outputs.label": "OutShape",
            "affine_outputs.help": "出力の数。各出力は、すべての入力値にそれぞれの重みを掛けて足します。",
            "explain.Affine": ("{outputs} 個の出力のそれぞれが、すべての入力値の重み付き和（とバイアス）です。"
                               "ネットワークの最後の Affine は、クラスごとに 1 つの出力を出す分類器であることが多いです。"
                               "ここでは学習が常にスタックの後に自分の Affine 10 を加えます（「学習後」タブに表示）。"),
            "stack.what.outputs": "OutShape（10 のような整数）",
        },
    }

    @classmethod
    def addable(cls) -> tuple["AffineSpec", ...]:
        return (cls(10),)

    def output_shape(self, in_shape: Shape3) -> Shape3:
        return (self.outputs, 1, 1)

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        """['16 x 4 x 4 = 256 -> 10', ...]: every input value feeds every output."""
        c, h, w = in_shape
        line = f"{c} x {h} x {w} = {c * h * w} -> {self.outputs}"
        return [line, line]

    def init_params(self, in_shape: Shape3, rng: np.random.Generator) -> Params:
        """W (D, OutShape) drawn as nnabla's NormalAffineGlorot, sigma = sqrt(2 / (D + OutShape)); b = 0."""
        d = int(np.prod(in_shape))
        weight = (rng.standard_normal((d, self.outputs)) * np.sqrt(2.0 / (d + self.outputs))).astype(np.float32)
        return {"W": weight, **({"b": np.zeros(self.outputs, dtype=np.float32)} if self.with_bias else {})}

    def forward(self, x: np.ndarray, params: Params) -> np.ndarray:
        return affine(x, params["W"], params.get("b"))

    def backward(self, dy: np.ndarray, x: np.ndarray, params: Params, y: np.ndarray, kept: None,
                 need_dx: bool = True) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        dx, dw, db = affine_backward(dy, x, params["W"], "b" in params)
        return (dx if need_dx else None), {"W": dw, **({"b": db} if db is not None else {})}

    def explain(self, params: Params, x: np.ndarray, out: tuple[int, int, int]) -> explain.ConvolutionStep:
        """Output o: every input value times its weight W[:, o] (shaped as the input), summed, + bias."""
        o = out[0]
        c, h, w = x.shape
        return explain.weighted_sum(x, out, tuple(range(c)), np.arange(h), np.arange(w),
                                    params["W"][:, o].reshape(c, h, w),
                                    float(params["b"][o]) if "b" in params else None)

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        """Any output reads every input value."""
        return np.full(in_shape, bool(mask.any()))

    def torch_code(self, in_shape: Shape3) -> str:
        """nn.Linear between a Flatten and an Unflatten (torch's weight is W transposed)."""
        d = int(np.prod(in_shape))
        return (f"nn.Sequential(nn.Flatten(), nn.Linear({d}, {self.outputs}, bias={self.with_bias}), "
                f"nn.Unflatten(1, ({self.outputs}, 1, 1)))")

    def torch_load(self, module: str, name: str, array: str) -> str:
        """nnabla's W (inputs, outputs) is torch's Linear weight (outputs, inputs) transposed."""
        if name == "W":
            return f"{module}[1].weight.data = torch.from_numpy({array}.T.copy())"
        return f"{module}[1].bias.data = torch.from_numpy({array})"

    def nnabla_code(self, var: str, name: str) -> tuple[str, str]:
        return (f"F.reshape(PF.affine({var}, {self.outputs}, with_bias={self.with_bias}, name={name!r}), "
                f"({var}.shape[0], {self.outputs}, 1, 1))", f"{name}/affine")

    def token(self) -> str:
        """affine-OUTSHAPE[-nobias]"""
        return f"affine-{self.outputs}" + ("" if self.with_bias else "-nobias")

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "AffineSpec":
        outputs = text.read(fields, 0, text.integer, "outputs")
        for i, o in enumerate(fields[1:], start=1):
            if o != "nobias":
                raise text.unknown(fields, i, "nobias")
        return cls(outputs, "nobias" not in fields[1:])

    def parameter_count(self, in_shape: Shape3) -> int:
        """D * OutShape weights, plus OutShape biases with WithBias."""
        return int(np.prod(in_shape)) * self.outputs + (self.outputs if self.with_bias else 0)

    def work(self, in_shape: Shape3) -> int:
        """Every output reads every input value once: D * OutShape multiply-adds."""
        return int(np.prod(in_shape)) * self.outputs

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """CostParameter D * OutShape (+ OutShape biases), CostMultiplyAdd D * OutShape, CostAdd (bias)."""
        d = int(np.prod(in_shape))
        return {"CostParameter": self.parameter_count(in_shape), "CostAdd": self.outputs if self.with_bias else 0,
                "CostMultiplyAdd": d * self.outputs}
