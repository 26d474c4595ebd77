"""NNC's Dropout (nnabla's F.dropout), all in one place: at inference every value passes
unchanged; in training each value is dropped with probability P and the kept ones are
scaled up so the expected value stays the same.

    inference: y = x
    training:  mask[k] ~ Bernoulli(1 - P) (kept where a uniform draw u >= P),
               y = x * mask / (1 - P);  backward: dx = dy * mask / (1 - P)
    output (C, H, W), the input's shape
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import explain
from cnnlab.layers import text
from cnnlab.layers.base import LayerKind, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range

LIMITS: dict[str, Range] = {"p": Range("P", 0.0, 0.95)}  # P = 1 would drop every value (and divide by 0)


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    """bool mask of `shape`: True (kept) where a uniform draw in [0, 1) is >= p, so each
    value is kept with probability 1 - p."""
    return rng.random(shape, dtype=np.float32) >= np.float32(p)


def dropout(x: np.ndarray, mask: np.ndarray, p: float) -> np.ndarray:
    """x (N, C, H, W) with the values where mask is False set to 0 and the others times 1 / (1 - p)."""
    y = x * mask
    y *= x.dtype.type(1.0 / (1.0 - p))
    return y


@dataclass(frozen=True)
class DropoutSpec(LayerKind):
    """NNC's Dropout: P is the probability that training drops a value."""

    p: float = 0.5

    kind = "Dropout"
    HEADS = ("dropout",)
    WORK_UNIT = "values written"
    LIMITS = LIMITS
    FIELDS = (Field("p", "float", "dropout_p", step=0.05, format="%g"),)
    EXPLANATION = "explain.Dropout"
    EXPECTED = {"p": "a P like 0.5"}
    WORDS = {
        "en": {
            "dropout_p.label": "P",
            "dropout_p.help": ("The probability that training drops a value (sets it to 0); the kept ones are "
                               "divided by 1 - P. The maps show the trained network: nothing is dropped there."),
            "explain.Dropout": ("Passes every value on unchanged here. Only in training does it drop each value with "
                                "probability P = {p:g} and divide the kept ones by 1 - P, so no map can rely on "
                                "one value."),
        },
        "ja": {
            "dropout_p.label": "P",
            "dropout_p.help": ("学習のときに値を落とす（0 にする）確率。残った値は 1 - P で割ります。"
                               "マップは学習後のネットワークを示すので、そこでは何も落としません。"),
            "explain.Dropout": ("ここではすべての値をそのまま渡します。学習のときだけ、各値を確率 P = {p:g} で落とし、"
                                "残った値を 1 - P で割ります。どのマップも 1 つの値に頼れなくなります。"),
            "stack.what.p": "0.5 のような P",
        },
    }

    def output_shape(self, in_shape: Shape3) -> Shape3:
        return in_shape

    def forward(self, x: np.ndarray, params: None = None) -> np.ndarray:
        """Inference: the identity (a copy of x)."""
        return np.array(x, dtype=x.dtype if x.dtype.kind == "f" else np.float32)

    def train_forward(self, x: np.ndarray, params: None = None,
                      rng: np.random.Generator | None = None) -> tuple[np.ndarray, tuple | None]:
        """Training with training's generator `rng`: (x * mask / (1 - P), (mask,)); without
        one, as at inference."""
        if rng is None:
            return self.forward(x), None
        mask = dropout_mask(x.shape, self.p, rng)
        return dropout(x, mask, self.p), (mask,)

    def backward(self, dy: np.ndarray, x: np.ndarray, params: None, y: np.ndarray, kept: tuple | None,
                 need_dx: bool = True) -> tuple[np.ndarray, dict]:
        """dx = dy * mask / (1 - P) (the training forward's mask); dy itself without one."""
        if kept is None:
            return np.array(dy), {}
        return dropout(dy, kept[0], self.p), {}

    def explain(self, params: None, x: np.ndarray, out: tuple[int, int, int]) -> explain.ActivationStep:
        """Output (map, row, column) is the input value there (inference)."""
        value = float(x[out])
        return explain.ActivationStep(self.kind, "x", out, value, value)

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        return mask.copy()

    def torch_code(self, in_shape: Shape3) -> str:
        """nn.Dropout: the identity in eval mode, as here."""
        return f"nn.Dropout(p={self.p:g})"

    def nnabla_code(self, var: str, name: str) -> tuple[str, None]:
        """NNC's inference network: the identity (training would call F.dropout(var, p=P))."""
        return f"F.identity({var})", None

    def token(self) -> str:
        """dropout[-pP]"""
        return "dropout" if self.p == 0.5 else f"dropout-p{self.p:g}"

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "DropoutSpec":
        if fields and fields[0][:1] != "p":
            raise text.unknown(fields, 0, "pP")
        if len(fields) > 1:
            raise text.TokenError("ends", fields[1], at=(2, 0))
        return cls(text.read(fields, 0, text.number, "p", skip=1)) if fields else cls()

    def work(self, in_shape: Shape3) -> int:
        """Every value is written once."""
        return int(np.prod(in_shape))

    def training_values(self, in_shape: Shape3) -> int:
        """Its input, its output and the mask backward reuses."""
        return 3 * int(np.prod(in_shape))

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """No arithmetic at inference (NNC counts none)."""
        return {}
