"""The element-wise activations (NNC's ReLU, LeakyReLU, Tanh, Sigmoid; Identity), all in
one place: spec, limits, forward, backward, explanation, stack-text token and costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from cnnlab import explain
from cnnlab.layers import arrays, text
from cnnlab.layers.arrays import as_float
from cnnlab.layers.base import LayerKind, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range
from cnnlab.shapes import LayerShapeError


def identity(x: np.ndarray) -> np.ndarray:
    """y = x. Every activation is element-wise: y has x's shape (float32; float64 stays float64)."""
    return as_float(x)


def relu(x: np.ndarray) -> np.ndarray:
    """y = max(0, x)."""
    x = as_float(x)
    return np.maximum(x, x.dtype.type(0))


def leaky_relu(x: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """y = x if x > 0 else alpha * x."""
    x = as_float(x)
    return np.where(x > 0, x, x.dtype.type(alpha) * x)


def tanh(x: np.ndarray) -> np.ndarray:
    """y = tanh(x)."""
    return np.tanh(as_float(x))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """y = 1 / (1 + exp(-x)), computed as (1 + tanh(x / 2)) / 2 so it never overflows."""
    x = as_float(x)
    half = x.dtype.type(0.5)
    return half * (1 + np.tanh(half * x))


def activation_backward(kind: str, dy: np.ndarray, x: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """dL/dx (x's shape) of an element-wise activation from dy and its input x (one shape):
        ReLU dy * [x > 0],  LeakyReLU dy * (1 if x > 0 else alpha),  Tanh dy * (1 - tanh(x)^2),
        Sigmoid dy * s * (1 - s) with s = sigmoid(x),  Identity dy."""
    x = as_float(x)
    if kind == "ReLU":
        return dy * (x > 0)
    if kind == "LeakyReLU":
        return dy * np.where(x > 0, 1.0, alpha).astype(x.dtype)
    if kind == "Tanh":
        return dy * (1 - np.tanh(x) ** 2)
    if kind == "Sigmoid":
        y = sigmoid(x)
        return dy * y * (1 - y)
    return as_float(dy)


ActivationKind = Literal["Identity", "ReLU", "LeakyReLU", "Tanh", "Sigmoid"]
ACTIVATION_KINDS: tuple[ActivationKind, ...] = get_args(ActivationKind)
SHORT = {"ReLU": "relu", "LeakyReLU": "leaky", "Tanh": "tanh", "Sigmoid": "sigmoid"}
FUNCTIONS = {"Identity": identity, "ReLU": relu, "Tanh": tanh, "Sigmoid": sigmoid}
EXPLANATIONS = {"ReLU": "explain.ReLU", "LeakyReLU": "explain.LeakyReLU", "Tanh": "explain.Tanh",
                "Sigmoid": "explain.Sigmoid", "Identity": "explain.Identity"}  # LayerKind.explanation_key
FORMULAS = {"ReLU": "max(0, x)", "LeakyReLU": "x if x > 0 else {alpha} * x", "Tanh": "tanh(x)",
            "Sigmoid": "1 / (1 + exp(-x))", "Identity": "x"}

LIMITS: dict[str, Range] = {"alpha": Range("alpha", 0.0, 1.0)}
# Bytes a value the forward / backward allocate at their peak (float32 arrays of 4 bytes, masks of 1,
# LeakyReLU's backward slope of 8): e.g. LeakyReLU's forward x > 0, alpha * x and the output.
FORWARD_BYTES = {"Identity": 0, "ReLU": 4, "LeakyReLU": 9, "Tanh": 4, "Sigmoid": 12}
BACKWARD_BYTES = {"Identity": 0, "ReLU": 5, "LeakyReLU": 17, "Tanh": 12, "Sigmoid": 20}
# CPU seconds per value of each function on the reference machine, as seconds() prices them (see
# cnnlab.layers.arrays for the other unit prices; fitted with benchmarks/bench_budget.py):
SECONDS_PER_FUNCTION_VALUE = {"Identity": 0.0, "ReLU": 1e-9, "LeakyReLU": 8e-9, "Tanh": 2e-9, "Sigmoid": 4e-9}


@dataclass(frozen=True)
class ActivationSpec(LayerKind):
    """An element-wise activation; alpha is LeakyReLU's slope for x < 0."""

    kind: ActivationKind = "ReLU"
    alpha: float = 0.1

    HEADS = tuple(SHORT.values())
    WORK_UNIT = "function values"
    LIMITS = LIMITS
    FIELDS = (Field("kind", "choice", "activation", options=tuple(SHORT)),
              Field("alpha", "float", "alpha", step=0.01, shown=lambda spec: spec.kind == "LeakyReLU"))
    WORDS = {
        "en": {
            "activation.label": "Activation",
            "activation.help": "An element-wise function on every value of the layer before. The blog post uses none.",
            "alpha.label": "alpha (LeakyReLU)",
            "alpha.help": "LeakyReLU's slope for negative values: y = alpha * x when x < 0.",
            "explain.ReLU": "{kind} is applied to every value; the shape does not change.",
            "explain.LeakyReLU": "{kind} is applied to every value; the shape does not change.",
            "explain.Tanh": "{kind} is applied to every value; the shape does not change.",
            "explain.Sigmoid": "{kind} is applied to every value; the shape does not change.",
            "explain.Identity": "{kind} is applied to every value; the shape does not change.",
        },
        "ja": {
            "activation.label": "活性化関数",
            "activation.help": "前の層の値 1 つ 1 つに掛ける関数。ブログ記事では使っていません。",
            "alpha.label": "alpha（LeakyReLU）",
            "alpha.help": "LeakyReLU の負の側の傾き: x < 0 のとき y = alpha * x。",
            "explain.ReLU": "{kind} をすべての値に掛けます。形は変わりません。",
            "explain.LeakyReLU": "{kind} をすべての値に掛けます。形は変わりません。",
            "explain.Tanh": "{kind} をすべての値に掛けます。形は変わりません。",
            "explain.Sigmoid": "{kind} をすべての値に掛けます。形は変わりません。",
            "explain.Identity": "{kind} をすべての値に掛けます。形は変わりません。",
            "stack.what.alpha": "0.2 のような alpha",
        },
    }

    def explanation_key(self) -> str:
        return EXPLANATIONS[self.kind]

    @classmethod
    def addable(cls) -> tuple["ActivationSpec", ...]:
        """The layers the editor's "Add a layer" offers of this kind."""
        return tuple(cls(kind) for kind in SHORT)

    def output_shape(self, in_shape: Shape3) -> Shape3:
        return in_shape

    def forward(self, x: np.ndarray, params: None = None) -> np.ndarray:
        if self.kind == "LeakyReLU":
            return leaky_relu(x, self.alpha)
        if self.kind not in FUNCTIONS:
            raise LayerShapeError(f"Unknown activation {self.kind!r}.")
        return FUNCTIONS[self.kind](x)

    def backward(self, dy: np.ndarray, x: np.ndarray, params: None, y: np.ndarray, kept: None,
                 need_dx: bool = True) -> tuple[np.ndarray, dict]:
        return activation_backward(self.kind, dy, x, self.alpha), {}

    def swaps_with_next(self, following: object) -> bool:
        """A ReLU directly before a MaxPooling may run after it: max(relu(a), relu(b)) =
        relu(max(a, b)) (padding never wins a max), on a map kh*kw times smaller."""
        return self.kind == "ReLU" and getattr(following, "kind", None) == "MaxPooling"

    def explain(self, params: None, x: np.ndarray, out: tuple[int, int, int]) -> explain.ActivationStep:
        value = float(x[out])
        y = float(self.forward(np.array([[[[value]]]], dtype=np.float32))[0, 0, 0, 0])
        formula = FORMULAS[self.kind].format(alpha=explain.format_number(self.alpha))
        return explain.ActivationStep(self.kind, formula, out, value, y)

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        return mask.copy()

    def torch_code(self, in_shape: Shape3) -> str:
        """The same function as a torch.nn module."""
        return {"ReLU": "nn.ReLU()", "LeakyReLU": f"nn.LeakyReLU({self.alpha})", "Tanh": "nn.Tanh()",
                "Sigmoid": "nn.Sigmoid()", "Identity": "nn.Identity()"}[self.kind]

    def nnabla_code(self, var: str, name: str) -> tuple[str, None]:
        """(nnabla's call on `var`, None: no parameters)."""
        return {"ReLU": f"F.relu({var})", "LeakyReLU": f"F.leaky_relu({var}, alpha={self.alpha})",
                "Tanh": f"F.tanh({var})", "Sigmoid": f"F.sigmoid({var})", "Identity": f"F.identity({var})"}[self.kind], None

    def token(self) -> str:
        """relu | leaky[-ALPHA] | tanh | sigmoid"""
        short = SHORT[self.kind]
        return f"leaky-{self.alpha:g}" if self.kind == "LeakyReLU" and self.alpha != 0.1 else short

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "ActivationSpec":
        extra = 0 if head != "leaky" else 1  # the first piece past what the kind takes
        if len(fields) > extra:
            raise text.TokenError("ends_alpha", fields[extra], at=(extra + 1, 0))
        kind = {v: k for k, v in SHORT.items()}[head]
        return cls(kind, text.read(fields, 0, text.number, "alpha") if fields else 0.1)

    def work(self, in_shape: Shape3) -> int:
        """What one image costs to compute here: one function value per input value."""
        return in_shape[0] * in_shape[1] * in_shape[2]

    def working_bytes(self, in_shape: Shape3, batch: int = 1) -> int:
        """Peak bytes the forward allocates for `batch` images, float32 (input not counted):
        FORWARD_BYTES per value (the output and the temporaries of its formula)."""
        return FORWARD_BYTES[self.kind] * batch * int(np.prod(in_shape)) + arrays.BUFFER_BYTES

    def seconds(self, in_shape: Shape3, batch: int = 1) -> float:
        """CPU seconds the forward is priced at for `batch` images: per value, its function's."""
        return SECONDS_PER_FUNCTION_VALUE[self.kind] * batch * int(np.prod(in_shape)) + 3 * arrays.SECONDS_PER_CALL

    def training_bytes(self, in_shape: Shape3, batch: int) -> int:
        """Peak bytes of train_forward then backward on a batch (input and dy not counted): the
        output kept (4 bytes a value) + BACKWARD_BYTES per value (the gradient and the
        temporaries of its formula, see activation_backward)."""
        values = batch * int(np.prod(in_shape))
        return max(FORWARD_BYTES[self.kind], 4 + BACKWARD_BYTES[self.kind]) * values + arrays.BUFFER_BYTES

    def training_values(self, in_shape: Shape3) -> int:
        return 2 * int(np.prod(in_shape))

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs for one image, per input value: ReLU one CostIf; LeakyReLU a CostIf
        and a CostMultiply; Tanh two CostAdd, a CostDivision and a CostExp; Sigmoid one of each."""
        n = in_shape[0] * in_shape[1] * in_shape[2]
        return {
            "Identity": {},
            "ReLU": {"CostIf": n},
            "LeakyReLU": {"CostIf": n, "CostMultiply": n},
            "Tanh": {"CostAdd": 2 * n, "CostDivision": n, "CostExp": n},
            "Sigmoid": {"CostAdd": n, "CostDivision": n, "CostExp": n},
        }[self.kind]
