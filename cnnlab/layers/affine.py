"""NNC's Affine (nnabla's PF.affine, base axis 1), all in one place: every output is a
weighted sum of every input value, plus a bias.

    W (D, OutShape) as nnabla shapes it (inputs, outputs), D = C * H * W; b (OutShape,)
    y[o] = b[o] + sum_{c, i, j} x[c, i, j] * W[(c * H + i) * W + j, o];  output (OutShape, 1, 1)
    backward: dW = X^T . dY, db = sum dY, dX = dY . W^T
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

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
class AffineStep(explain.ConvolutionStep):
    """Output o of an Affine: a ConvolutionStep over the whole input (rows 0..H-1, cols 0..W-1,
    every channel), its patch the input values (C, H, W), its kernel W[:, o] (column o of
    nnabla's W (D, OutShape)) drawn in the input's shape, products their product;
    value = products.sum() + b[o]. Its views name these as an Affine's (input values,
    weights W[:, o], output o), never a patch, a kernel or a map's row and column.
    outputs: OutShape (W's columns)."""

    outputs: int

    SHEET_WORDS: ClassVar[dict[str, str]] = {"inputs": "sheet.Affine.inputs", "weights": "sheet.Affine.weights",
                                              "terms": "sheet.Affine.products", "total": "sheet.Affine.sum"}

    def window_caption(self, tx, padded: np.ndarray) -> list[explain.Block]:
        """Every input value is read, each times its own weight of W's column o."""
        c, h, w = self.patch.shape
        return [("caption", tx("insp.Affine.reads", output=self.out[0], count=c * h * w, shape=f"{c} x {h} x {w}",
                                inputs=c * h * w, outputs=self.outputs))]

    def grid_titles(self, tx) -> tuple[str, str, str]:
        return (tx("insp.Affine.inputs"), tx("insp.Affine.weights", output=self.out[0]),
                tx("insp.Affine.products"))

    def total_words(self, tx) -> list[explain.Block]:
        line = f"`{explain.total_line(self, tx('sheet.bias'))}`"
        return [("markdown", tx("insp.Affine.total", output=self.out[0], line=line)),
                ("caption", tx("insp.Affine.rounding"))]

    def csv_rows(self) -> list[list]:
        """One row per input value: its channel, row, column, W's row (c * H + i) * W + j, the
        value, its weight and their product; then the bias and the sum."""
        c_in, h, w = self.patch.shape
        rows: list[list] = [["channel", "input_row", "input_column", "W_row", "input", "weight", "product"]]
        for c in range(c_in):
            for i in range(h):
                for j in range(w):
                    rows.append([c, i, j, (c * h + i) * w + j, explain.sheet_number(self.patch[c, i, j]),
                                 explain.sheet_number(self.kernel[c, i, j]),
                                 explain.sheet_number(self.products[c, i, j])])
        rows.append(["bias", "", "", "", "", "", explain.sheet_number(self.bias or 0.0)])
        rows.append(["sum", "", "", "", "", "", explain.sheet_number(self.value)])
        return rows

    def sheet_titles(self, words: dict[str, str]) -> tuple[str, str, str, str]:
        """Input values, their weights W[:, o], the products; their total."""
        return (words["inputs"], words["weights"].replace("{output}", str(self.out[0])), words["terms"],
                words["total"])

    def player(self, spec, params, x: np.ndarray, size: tuple[int, int]) -> dict:
        """The convolution's tour of one step, named as an Affine's: input values, weights W[:, o]."""
        data = super().player(spec, params, x, size)
        sums = ["slide.Affine.grids", "slide.Affine.channels"] if len(self.channels) > 1 else ["slide.Affine.sum"]
        return {**data, "grids": [{"of": "patch", "title": "slide.Affine.inputs"},
                                  {"of": "kernel", "title": "slide.Affine.weights"},
                                  {"of": "products", "title": "slide.Affine.products"}],
                "lines": [*sums, data["lines"][-1]],
                "words": {"where": "slide.Affine.where", "output": "slide.Affine.output"}}


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
                               "bias). An Affine at a network's end is often its classifier, one output per "
                               "class; here training always adds its own Affine 10 after the stack (shown on the "
                               "Trained tab)."),
            "insp.Affine.place": "output {output}",
            "insp.Affine.reads": ("Output {output} reads all {count:,} input values ({shape}), each times its own "
                                  "weight: W[:, {output}], column {output} of nnabla's W ({count:,} inputs x "
                                  "{outputs} outputs), drawn in the input's shape."),
            "insp.Affine.inputs": "input values",
            "insp.Affine.weights": "weights W[:, {output}]",
            "insp.Affine.products": "input value x weight",
            "insp.Affine.total": "Sum of the products (plus the bias) = output {output}: {line}",
            "insp.Affine.rounding": ("Every number is written to 3 significant digits; the sums add the unrounded "
                                     "values, so the written terms can add up to a last digit more or less."),
            "sheet.Affine.inputs": "Input values",
            "sheet.Affine.weights": "Weights W[:, {output}]",
            "sheet.Affine.products": "Input value x weight",
            "sheet.Affine.sum": "Sum of the products",
            "slide.Affine.inputs": "input values",
            "slide.Affine.weights": "weights W[:, {map}]",
            "slide.Affine.products": "input value x weight",
            "slide.Affine.grids": "The grids show input channel {channel} of {depth}.",
            "slide.Affine.channels": "Sum of input value x weight over all {depth} channels = {sum}",
            "slide.Affine.sum": "Sum of the {cells} products input value x weight = {sum}",
            "slide.Affine.where": "Step {step} of {n}: every input value times its weight, summed",
            "slide.Affine.output": "Output {map}: one value, read from every input value",
        },
        "ja": {
            "affine_outputs.label": "OutShape",
            "affine_outputs.help": "出力の数。各出力は、すべての入力値にそれぞれの重みを掛けて足します。",
            "explain.Affine": ("{outputs} 個の出力のそれぞれが、すべての入力値の重み付き和（とバイアス）です。"
                               "ネットワークの最後の Affine は、クラスごとに 1 つの出力を出す分類器であることが多いです。"
                               "ここでは学習が常にスタックの後に自分の Affine 10 を加えます（「学習後」タブに表示）。"),
            "insp.Affine.place": "出力 {output}",
            "insp.Affine.reads": ("出力 {output} は {count:,} 個の入力値（{shape}）をすべて読み、それぞれに自分の重みを"
                                  "掛けます。重みは W[:, {output}]、つまり nnabla の W（入力 {count:,} x 出力 {outputs}）"
                                  "の列 {output} で、入力と同じ形に並べて描いています。"),
            "insp.Affine.inputs": "入力値",
            "insp.Affine.weights": "重み W[:, {output}]",
            "insp.Affine.products": "入力値 × 重み",
            "insp.Affine.total": "積の合計（＋バイアス）＝出力 {output}: {line}",
            "insp.Affine.rounding": ("数はすべて有効数字 3 桁で書いています。合計は丸める前の値を足すので、"
                                     "書かれた項を足すと最後の桁が 1 ずれることがあります。"),
            "sheet.Affine.inputs": "入力値",
            "sheet.Affine.weights": "重み W[:, {output}]",
            "sheet.Affine.products": "入力値 × 重み",
            "sheet.Affine.sum": "積の合計",
            "slide.Affine.inputs": "入力値",
            "slide.Affine.weights": "重み W[:, {map}]",
            "slide.Affine.products": "入力値 × 重み",
            "slide.Affine.grids": "表は入力チャネル {channel}（全 {depth} チャネル中）です。",
            "slide.Affine.channels": "{depth} チャネル全部の 入力値 × 重み の合計 = {sum}",
            "slide.Affine.sum": "{cells} 個の 入力値 × 重み の合計 = {sum}",
            "slide.Affine.where": "ステップ {step} / {n}: すべての入力値に重みを掛けて足します",
            "slide.Affine.output": "出力 {map}: すべての入力値から読む 1 つの値",
            "stack.what.outputs": "OutShape（10 のような整数）",
        },
    }

    @classmethod
    def addable(cls) -> tuple["AffineSpec", ...]:
        return (cls(10),)

    def place(self, tx, out: tuple[int, int, int]) -> str:
        """'output 3': an Affine's output o is one value (o, 0, 0), no map of rows and columns."""
        return tx("insp.Affine.place", output=out[0])

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

    def explain(self, params: Params, x: np.ndarray, out: tuple[int, int, int]) -> AffineStep:
        """Output o: every input value times its weight W[:, o] (shaped as the input), summed, + bias."""
        o = out[0]
        c, h, w = x.shape
        step = explain.weighted_sum(x, out, tuple(range(c)), np.arange(h), np.arange(w),
                                    params["W"][:, o].reshape(c, h, w),
                                    float(params["b"][o]) if "b" in params else None)
        return AffineStep(**{f.name: getattr(step, f.name) for f in fields(step)}, outputs=self.outputs)

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
