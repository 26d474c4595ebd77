"""NNC's BatchNormalization (nnabla's PF.batch_normalization over the channel axis), all in
one place: spec, limits, forward and backward math, explanation, token, code and costs.

Parameters, as nnabla names and shapes them, each (1, C, 1, 1): beta, gamma (trained), and
mean, var (the running statistics, not trained by gradient).
    inference (the app's maps, nnabla's batch_stat=False):
        y = gamma * (x - mean) / sqrt(var + eps) + beta
    training (batch_stat=True): the batch's own mean m and (biased) variance v over N, H, W,
        y = gamma * (x - m) / sqrt(v + eps) + beta,
    and after each batch the running statistics move towards the batch's:
        mean <- decay * mean + (1 - decay) * m
        var  <- decay * var  + (1 - decay) * v * n / (n - 1)   (n = N * H * W; unbiased)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import explain
from cnnlab.layers import text
from cnnlab.layers.base import LayerKind, Params, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range

LIMITS: dict[str, Range] = {
    "decay_rate": Range("DecayRate", 0.0, 1.0),
    "epsilon": Range("Epsilon", 0.000001, 1.0),
}


def decimal(value: float) -> str:
    """A number as the token writes it: the shortest plain decimal (at most 9 places) that
    reads back as the same float, never an exponent ('0.00001', '0.9')."""
    for places in range(10):
        written = f"{value:.{places}f}"
        if float(written) == value:
            return written
    return f"{value:.9f}".rstrip("0").rstrip(".")


def _channel(a: np.ndarray) -> np.ndarray:
    """(C,) or (1, C, 1, 1) -> (1, C, 1, 1) float64, to broadcast over (N, C, H, W)."""
    return np.asarray(a, dtype=np.float64).reshape(1, -1, 1, 1)


def batch_normalization(x: np.ndarray, beta: np.ndarray, gamma: np.ndarray, mean: np.ndarray, var: np.ndarray,
                        eps: float) -> np.ndarray:
    """Inference: (N, C, H, W) -> gamma * (x - mean) / sqrt(var + eps) + beta, per channel."""
    scale = _channel(gamma) / np.sqrt(_channel(var) + eps)
    return ((x - _channel(mean)) * scale + _channel(beta)).astype(x.dtype, copy=False)


def batch_normalization_training(x: np.ndarray, beta: np.ndarray, gamma: np.ndarray,
                                 eps: float) -> tuple[np.ndarray, tuple]:
    """Training: normalised by the batch's own mean and biased variance over (N, H, W).
    Returns (y, kept): kept = (x_hat (N, C, H, W), 1 / sqrt(v + eps) (1, C, 1, 1), the batch's
    sum and sum of squares per channel (C,), and n = N * H * W)."""
    n = x.shape[0] * x.shape[2] * x.shape[3]
    total = x.sum(axis=(0, 2, 3), dtype=np.float64)
    squares = np.square(x, dtype=np.float64).sum(axis=(0, 2, 3))
    m = _channel(total / n)
    v = _channel(np.maximum(squares / n - np.square(total / n), 0.0))
    inv_std = 1.0 / np.sqrt(v + eps)
    x_hat = ((x - m) * inv_std).astype(x.dtype, copy=False)
    y = (x_hat * _channel(gamma) + _channel(beta)).astype(x.dtype, copy=False)
    return y, (x_hat, inv_std.astype(x.dtype), total, squares, n)


def batch_normalization_backward(dy: np.ndarray, gamma: np.ndarray,
                                 kept: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dbeta, dgamma) of the training forward, the batch statistics differentiated too:
        dbeta = sum dy, dgamma = sum dy * x_hat (over N, H, W, shaped (1, C, 1, 1))
        dx = gamma / sqrt(v + eps) / n * (n * dy - dbeta - x_hat * dgamma)."""
    x_hat, inv_std, _, _, n = kept
    dbeta = dy.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dy * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    dx = _channel(gamma) * inv_std / n * (n * dy - dbeta - x_hat * dgamma)
    return dx.astype(dy.dtype, copy=False), dbeta, dgamma


@dataclass(frozen=True)
class BatchNormalizationSpec(LayerKind):
    """NNC's BatchNormalization over the channels: DecayRate and Epsilon as nnabla's defaults."""

    decay_rate: float = 0.9
    epsilon: float = 0.00001

    kind = "BatchNormalization"
    HEADS = ("bn",)
    WORK_UNIT = "values"
    LIMITS = LIMITS
    SCOPE = "bn"
    TRAINED = ("beta", "gamma")
    FIELDS = (Field("decay_rate", "float", "bn_decay", step=0.01, format="%g"),
              Field("epsilon", "float", "bn_eps", step=0.00001, format="%g"))
    EXPECTED = {"decay_rate": "a DecayRate like 0.9", "epsilon": "an Epsilon like 0.00001"}
    EXPLANATION = "explain.BatchNormalization"
    WORDS = {
        "en": {
            "bn_decay.label": "DecayRate",
            "bn_decay.help": ("In training, after each batch: mean <- DecayRate * mean + (1 - DecayRate) * the "
                              "batch's mean (likewise var)."),
            "bn_eps.label": "Epsilon",
            "bn_eps.help": "Added to var before its square root, so a channel that never varies is not divided by 0.",
            "explain.BatchNormalization": (
                "Each channel is shifted and scaled: y = gamma * (x - mean) / sqrt(var + {epsilon}) + beta, "
                "with the stored mean and var (untrained: 0 and 1, so it changes little). Training uses each "
                "batch's own mean and var, and keeps their running averages."),
        },
        "ja": {
            "bn_decay.label": "DecayRate",
            "bn_decay.help": ("学習では各バッチの後に mean ← DecayRate × mean + (1 − DecayRate) × バッチの平均"
                              "（var も同様）。"),
            "bn_eps.label": "Epsilon",
            "bn_eps.help": "平方根の前に var に足す値。値が変わらないチャンネルでも 0 で割らずに済みます。",
            "explain.BatchNormalization": (
                "チャンネルごとにずらして拡大縮小します: y = gamma × (x − mean) / sqrt(var + {epsilon}) + beta。"
                "mean と var は保存された値です（未学習では 0 と 1 なので、ほとんど変わりません）。"
                "学習では各バッチ自身の平均と分散を使い、その移動平均を保存します。"),
            "stack.what.decay_rate": "0.9 のような DecayRate",
            "stack.what.epsilon": "0.00001 のような Epsilon",
        },
    }

    # --- shapes and parameters ---------------------------------------------------------

    def output_shape(self, in_shape: Shape3) -> Shape3:
        return in_shape

    def init_params(self, in_shape: Shape3, rng: np.random.Generator) -> Params:
        """nnabla's initial values: beta 0, gamma 1, mean 0, var 1, each (1, C, 1, 1)."""
        zeros, ones = (np.full((1, in_shape[0], 1, 1), v, dtype=np.float32) for v in (0.0, 1.0))
        return {"beta": zeros, "gamma": ones, "mean": zeros.copy(), "var": ones.copy()}

    # --- compute -----------------------------------------------------------------------

    def forward(self, x: np.ndarray, params: Params) -> np.ndarray:
        """Inference, with the stored statistics: (N, C, H, W) -> (N, C, H, W)."""
        return batch_normalization(x, params["beta"], params["gamma"], params["mean"], params["var"], self.epsilon)

    def train_forward(self, x: np.ndarray, params: Params,
                      rng: np.random.Generator | None = None) -> tuple[np.ndarray, tuple]:
        """Training, with the batch's statistics (see batch_normalization_training)."""
        return batch_normalization_training(x, params["beta"], params["gamma"], self.epsilon)

    def backward(self, dy: np.ndarray, x: np.ndarray, params: Params, y: np.ndarray, kept: tuple,
                 need_dx: bool = True) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """(dx, {beta, gamma}) of the training forward."""
        dx, dbeta, dgamma = batch_normalization_backward(dy, params["gamma"], kept)
        return (dx if need_dx else None), {"beta": dbeta.astype(params["beta"].dtype),
                                           "gamma": dgamma.astype(params["gamma"].dtype)}

    def batch_statistics(self, kept: tuple) -> dict[str, np.ndarray]:
        """The batch's sums per channel, so the parts of a batch add up: sum, sum of squares, n."""
        _, _, total, squares, n = kept
        return {"sum": total, "squares": squares, "count": np.array(float(n))}

    def update_statistics(self, params: Params, statistics: dict[str, np.ndarray]) -> None:
        """mean <- decay * mean + (1 - decay) * m; var <- decay * var + (1 - decay) * v * n / (n - 1)."""
        n = float(statistics["count"])
        m = statistics["sum"] / n
        v = np.maximum(statistics["squares"] / n - m * m, 0.0) * (n / max(n - 1.0, 1.0))
        d = self.decay_rate
        params["mean"][...] = d * params["mean"] + (1 - d) * _channel(m)
        params["var"][...] = d * params["var"] + (1 - d) * _channel(v)

    # --- explanation -------------------------------------------------------------------

    def explain(self, params: Params, x: np.ndarray, out: tuple[int, int, int]) -> explain.ActivationStep:
        """Output pixel (channel, row, column): its channel's numbers in the formula, applied to x there."""
        c = out[0]
        g, b, m, v = (float(params[name].reshape(-1)[c]) for name in ("gamma", "beta", "mean", "var"))
        f = explain.format_number
        formula = f"{f(g)} * (x - {f(m)}) / sqrt({f(v)} + {f(self.epsilon)}) + {f(b)}"
        value = float(x[out])
        return explain.ActivationStep(self.kind, formula, out, value, g * (value - m) / np.sqrt(v + self.epsilon) + b)

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        return mask.copy()

    # --- code --------------------------------------------------------------------------

    def torch_code(self, in_shape: Shape3) -> str:
        """torch.nn.BatchNorm2d: momentum = 1 - DecayRate; eval() uses the stored statistics,
        train() the batch's (and updates them, with the unbiased variance as nnabla)."""
        return f"nn.BatchNorm2d({in_shape[0]}, eps={self.epsilon}, momentum={1 - self.decay_rate:.6g})"

    def nnabla_code(self, var: str, name: str) -> tuple[str, str]:
        """(nnabla's call on `var` in scope `name`, its parameters' scope: beta, gamma, mean, var)."""
        return (f"PF.batch_normalization({var}, decay_rate={self.decay_rate}, eps={self.epsilon}, "
                f"batch_stat=False, name={name!r})", f"{name}/bn")

    # --- stack text --------------------------------------------------------------------

    def token(self) -> str:
        """bn[-dDECAY][-eEPSILON]"""
        parts = ["bn"]
        if self.decay_rate != 0.9:
            parts.append("d" + decimal(self.decay_rate))
        if self.epsilon != 0.00001:
            parts.append("e" + decimal(self.epsilon))
        return "-".join(parts)

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "BatchNormalizationSpec":
        spec: dict = {}
        for i, o in enumerate(fields):
            field = {"d": "decay_rate", "e": "epsilon"}.get(o[:1])
            if field is None:
                raise text.unknown(fields, i, "dDECAY, eEPSILON")
            spec[field] = text.read(fields, i, text.number, field, skip=1)
        return cls(**spec)

    # --- costs -------------------------------------------------------------------------

    def parameter_count(self, in_shape: Shape3) -> int:
        """beta, gamma, mean and var: 4 per channel."""
        return 4 * in_shape[0]

    def work(self, in_shape: Shape3) -> int:
        """One multiply-add per value (the channel's scale and shift)."""
        return int(np.prod(in_shape))

    def training_values(self, in_shape: Shape3) -> int:
        """Input, output, the normalised input x_hat and three numbers per channel."""
        return 3 * int(np.prod(in_shape)) + 3 * in_shape[0]

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """CostParameter (4 per channel) and, per value, one CostMultiplyAdd (y = x * scale + shift)."""
        return {"CostParameter": self.parameter_count(in_shape), "CostMultiplyAdd": int(np.prod(in_shape))}
