"""The written contract of a layer kind, with defaults for its trivial parts.

A kind is a frozen dataclass deriving from LayerKind, in one module of its own. It must give:

    kind            NNC's name ("Convolution"); a field where one class stands for several
    HEADS           its stack-text heads ("conv",)
    WORK_UNIT       what `work` counts ("multiply-adds")
    output_shape(in_shape) -> Shape3, LayerShapeError when the input does not fit
    forward(x (N, C, H, W), params) -> (N, *output_shape): inference
    backward(dy, x, params, y, kept, need_dx) -> (dx or None, {name: gradient} of TRAINED)
    explain(params, x (C, H, W), out) -> a cnnlab.explain.Step (ConvolutionStep,
                    PoolingStep, ActivationStep or a kind's own subclass, e.g.
                    DeconvolutionStep): it carries its own views, what the inspector, the
                    worksheet and the sliding-window player show
    input_cells(mask (M, Ho, Wo) bool, in_shape) -> the input cells (C, H, W bool) it reads
    torch_code(in_shape) -> a torch.nn module's text for an input (C, H, W), or None where
                    torch has none
    nnabla_code(var, name) -> (nnabla's call, its parameters' scope or None)
    token() (its grammar as docstring) and from_token(head, fields)
    work(in_shape), statistics(in_shape) (NNC's Cost* names)

and may override the defaults below: LIMITS and FIELDS (its settings, see
cnnlab.layers.fields), addable, check_limits, size_arithmetic, init_params, train_forward
(training's forward; its `rng` a generator for a kind whose training draws random numbers),
swaps_with_next, kernels, parameter_count, training_values, batch_statistics,
update_statistics, torch_load, place (how the page names an output pixel), FEATURE_MAPS
(a convolution: Grad-CAM's layer). Its words (field labels, its explanation) are WORDS,
merged into the app's catalogue (cnnlab.ui.i18n).

Parameters are named as nnabla names them (W, b, gamma, beta, mean, var): a layer's
params are a dict {name: array} in nnabla's order, or None for a layer without any.
TRAINED lists the names gradient descent changes; the others (BatchNormalization's
mean and var) are statistics, updated by update_statistics.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from cnnlab.layers import arrays
from cnnlab.limits import Range, check_fields

Shape3 = tuple[int, int, int]
Params = dict[str, np.ndarray]
"""A layer's parameters by nnabla's names ({"W": ..., "b": ...}); None for a layer without any."""

TORCH_NAMES: dict[str, str] = {"W": "weight", "b": "bias", "gamma": "weight", "beta": "bias",
                               "mean": "running_mean", "var": "running_var"}
"""nnabla's parameter names -> the torch.nn module attributes that hold them."""


class LayerKind:
    """Defaults of the contract (see the module's docstring); a kind overrides what is its own."""

    HEADS: ClassVar[tuple[str, ...]] = ()
    WORK_UNIT: ClassVar[str] = "values"
    LIMITS: ClassVar[dict[str, Range]] = {}
    FIELDS: ClassVar[tuple] = ()
    SCOPE: ClassVar[str | None] = None
    """nnabla's parameter scope under the layer's name (conv, bn, affine): NPZ keys are
    layer{index}/{SCOPE}/{name}, as nnabla's parametric functions name them."""
    TRAINED: ClassVar[tuple[str, ...]] = ()
    FEATURE_MAPS: ClassVar[bool] = False
    """Whether its outputs are learned spatial feature maps (a convolution): Grad-CAM weighs
    the last such layer's maps (cnnlab.attribution.last_convolution)."""
    WORDS: ClassVar[dict[str, dict[str, str]]] = {"en": {}, "ja": {}}
    """The kind's own words, by language: its settings' labels and help (Field.texts), what
    it does (EXPLANATION), its inspector and player notes and, in Japanese,
    "stack.what.{field}" (the English is EXPECTED's). cnnlab.ui.i18n merges them."""
    EXPLANATION: ClassVar[str] = ""
    """The catalogue key (in WORDS) of what the kind does, formatted with the spec's fields:
    the Maps tab's sentence under the layer's title. A class standing for several kinds
    overrides explanation_key instead."""
    EXPECTED: ClassVar[dict[str, str]] = {}
    """What the stack-text grammar expects at its own fields, in English (cnnlab.layers.text.EXPECTED)."""

    @classmethod
    def addable(cls) -> tuple[Any, ...]:
        """The layers the editor's "Add a layer" offers of this kind."""
        return (cls(),)

    def explanation_key(self) -> str:
        """The catalogue key of what this layer does (EXPLANATION)."""
        return self.EXPLANATION

    def place(self, tx, out: tuple[int, int, int]) -> str:
        """Output pixel out = (map, row, column) as the page names it, in tx's language (the
        inspector's heading and sidebar, the inspected line, the worksheet's title): 'map 3,
        row 0, column 0'. A kind whose output is no map of rows and columns names it its way."""
        return tx("insp.place", map=out[0], row=out[1], col=out[2])

    def check_limits(self) -> None:
        """LayerShapeError naming the first setting outside LIMITS."""
        check_fields(self, self.LIMITS)

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        """The output's H and W as arithmetic with this layer's numbers; [] when it keeps them."""
        return []

    def init_params(self, in_shape: Shape3, rng: np.random.Generator) -> Params | None:
        """Fresh (untrained, "Max Epoch 0") parameters for an input (C, H, W); None for a layer without any."""
        return None

    def train_forward(self, x: np.ndarray, params: Params | None,
                      rng: np.random.Generator | None = None) -> tuple[np.ndarray, Any]:
        """forward for training, and what backward reuses (None: nothing). `rng`: training's
        generator for this batch (seeded by the training's seed, epoch, batch and part, so a
        training stays deterministic), shared by its layers in the order they run; None
        outside training (a gradient of the network as the page shows it), where a kind whose
        training is random runs as at inference."""
        return self.forward(x, params), None

    def swaps_with_next(self, following: object) -> bool:
        """Whether training may run this layer after the next one (same outputs, less work)."""
        return False

    def kernels(self, params: Params | None) -> np.ndarray | None:
        """The weights to draw and edit as kernels, (OutMaps, C', kh, kw); None without any."""
        return None

    def parameter_count(self, in_shape: Shape3) -> int:
        """NNC's CostParameter for an input (C, H, W): how many numbers the parameters hold."""
        return 0

    def training_values(self, in_shape: Shape3) -> int:
        """Values one image keeps for the backward pass: its input and output."""
        return int(np.prod(in_shape)) + int(np.prod(self.output_shape(in_shape)))

    def working_bytes(self, in_shape: Shape3, batch: int = 1) -> int:
        """Peak bytes the forward allocates for `batch` images, float32 (input not counted).
        Default, for a kind of a few whole-array steps: three arrays of the input's or the
        output's size (the output and two temporaries), float64 where a step widens."""
        values = batch * (int(np.prod(in_shape)) + int(np.prod(self.output_shape(in_shape))))
        return 2 * arrays.FLOAT_BYTES * 3 * values + arrays.BUFFER_BYTES

    def seconds(self, in_shape: Shape3, batch: int = 1) -> float:
        """CPU seconds the forward is priced at for `batch` images. Default: its work as window
        reads, every input and output value written once, and a few NumPy calls."""
        values = int(np.prod(in_shape)) + int(np.prod(self.output_shape(in_shape)))
        return (batch * (arrays.SECONDS_PER_WINDOW_READ * self.work(in_shape) + arrays.SECONDS_PER_OUTPUT_VALUE * values)
                + 8 * arrays.SECONDS_PER_CALL)

    def training_bytes(self, in_shape: Shape3, batch: int) -> int:
        """Peak bytes of train_forward then backward on a batch (input and dy not counted).
        Default: the forward's, or what training keeps (training_values) and a gradient and
        two temporaries of the input's size, float64 where a step widens."""
        backward = 2 * arrays.FLOAT_BYTES * batch * (self.training_values(in_shape) + 3 * int(np.prod(in_shape)))
        return max(self.working_bytes(in_shape, batch), backward) + arrays.BUFFER_BYTES

    def batch_statistics(self, kept: Any) -> dict[str, np.ndarray]:
        """Statistics of a training batch (from train_forward's `kept`) that update_statistics
        folds into the parameters gradient descent does not train; sums over the batch (so
        the parts of a batch trained on different threads add up); {} for most kinds."""
        return {}

    def update_statistics(self, params: Params, statistics: dict[str, np.ndarray]) -> None:
        """Fold a batch's statistics (batch_statistics, summed over its parts) into params, in place."""

    def torch_load(self, module: str, name: str, array: str) -> str:
        """The line that puts parameter `name` (its array's expression) into torch `module`."""
        attr = TORCH_NAMES[name]
        return f"{module}.{attr}.data = torch.from_numpy({array}).reshape({module}.{attr}.shape)"
