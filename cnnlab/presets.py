"""Layer stacks: presets, and a compact text form that fits in a URL.

    conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2

Layers are joined by "_", fields by "-":
  conv-OutMaps-KhxKw[-sSHxSW][-pPHxPW | -same | -full][-dDHxDW][-gGROUP][-nobias][-iINITIALIZER][-mMULT]
  max|avg|sum-KhxKw[-sSHxSW][-pPHxPW][-keep (IgnoreBorder off)][-nopad (IncludingPad off)]
  relu | leaky[-ALPHA] | tanh | sigmoid
"""

from __future__ import annotations

import re

from cnnlab.initializers import INITIALIZERS
from cnnlab.limits import MAX_LAYERS
from cnnlab.shapes import LayerShapeError
from cnnlab.specs import ActivationSpec, ConvolutionSpec, LayerSpec, PoolingSpec

POOL_NAMES = {"max": "MaxPooling", "avg": "AveragePooling", "sum": "SumPooling"}
ACT_NAMES = {"relu": "ReLU", "leaky": "LeakyReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
MAX_TEXT = 400  # characters of stack text read at all
_INT = re.compile(r"[0-9]{1,4}")  # ASCII digits only: int() would also take "٣" or "1_0"
_FLOAT = re.compile(r"[0-9]{1,4}(\.[0-9]{1,6})?")


class StackFormatError(ValueError):
    """A stack text that does not parse. `reason` is the app's own words; `layer` (1-based)
    and `token` say where, and `part` (user text) fills the reason's {part}. Kept apart so
    a page can show the user's text literally (see describe)."""

    def __init__(self, reason: str, layer: int | None = None, token: str | None = None,
                 part: str | None = None) -> None:
        self.reason, self.layer, self.token, self.part = reason, layer, token, part
        super().__init__(self.describe(repr))

    def describe(self, quote) -> str:
        """The message with every piece of user text passed through quote (repr for plain text)."""
        reason = self.reason.format(part=quote(self.part)) if self.part is not None else self.reason
        if self.layer is None:
            return reason
        return f"Layer {self.layer} ({quote(self.token)}) is not understood: {reason}"


class _Bad(ValueError):
    """A layer token's problem: reason (may hold {part}) and the user's part."""

    def __init__(self, reason: str, part: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.part = reason, part


def _int(text: str) -> int:
    if not _INT.fullmatch(text):
        raise _Bad("{part} is not a whole number of at most 4 digits", text)
    return int(text)


def _float(text: str) -> float:
    if not _FLOAT.fullmatch(text):
        raise _Bad("{part} is not a number like 0.5", text)
    return float(text)


def _pair(text: str) -> tuple[int, int]:
    h, _, w = text.partition("x")
    return _int(h), _int(w or h)


def format_stack(specs: tuple[LayerSpec, ...]) -> str:
    """Specs -> text (defaults left out)."""
    return "_".join(_format_layer(s) for s in specs)


def _format_layer(s: LayerSpec) -> str:
    if isinstance(s, ConvolutionSpec):
        parts = ["conv", str(s.out_maps), "%dx%d" % s.kernel_shape]
        if s.strides != (1, 1):
            parts.append("s%dx%d" % s.strides)
        if s.padding is not None:
            parts.append("p%dx%d" % s.padding)
        elif s.border_mode != "valid":
            parts.append(s.border_mode)
        if s.dilation != (1, 1):
            parts.append("d%dx%d" % s.dilation)
        if s.group != 1:
            parts.append(f"g{s.group}")
        if not s.with_bias:
            parts.append("nobias")
        if s.w_initializer != "NormalConvolutionGlorot":
            parts.append(f"i{s.w_initializer}")
        if s.initializer_multiplier != 1.0:
            parts.append(f"m{s.initializer_multiplier:g}")
        return "-".join(parts)
    if isinstance(s, PoolingSpec):
        short = {v: k for k, v in POOL_NAMES.items()}[s.kind]
        parts = [short, "%dx%d" % s.kernel_shape]
        if s.strides is not None and s.strides != s.kernel_shape:
            parts.append("s%dx%d" % s.strides)
        if s.padding != (0, 0):
            parts.append("p%dx%d" % s.padding)
        if not s.ignore_border:
            parts.append("keep")
        if not s.including_pad:
            parts.append("nopad")
        return "-".join(parts)
    short = {v: k for k, v in ACT_NAMES.items()}[s.kind]
    return f"leaky-{s.alpha:g}" if s.kind == "LeakyReLU" and s.alpha != 0.1 else short


def parse_stack(text: str) -> tuple[LayerSpec, ...]:
    """Text -> specs; StackFormatError naming the layer that does not parse. Every number
    is ASCII digits, and every setting within cnnlab.limits (the widgets' ranges)."""
    if len(text) > MAX_TEXT:
        raise StackFormatError(f"The stack text is {len(text):,} characters long; at most {MAX_TEXT} are read.")
    layers = [t for t in text.strip().split("_") if t]
    if not layers:
        raise StackFormatError("The stack is empty.")
    if len(layers) > MAX_LAYERS:
        raise StackFormatError(f"At most {MAX_LAYERS} layers, got {len(layers)}.")
    specs = []
    for n, token in enumerate(layers, start=1):
        try:
            spec = _parse_layer(token)
            spec.check_limits()
        except _Bad as err:
            raise StackFormatError(err.reason, n, token, err.part) from None
        except (LayerShapeError, IndexError, KeyError) as err:
            reason = str(err) if isinstance(err, LayerShapeError) else "a number is missing"
            raise StackFormatError(reason, n, token) from None
        specs.append(spec)
    return tuple(specs)


def _parse_layer(token: str) -> LayerSpec:
    head, *fields = token.split("-")
    if head in ACT_NAMES:
        if fields and (len(fields) > 1 or head != "leaky"):
            raise _Bad("only leaky takes one number, alpha in 0..1")
        return ActivationSpec(ACT_NAMES[head], _float(fields[0]) if fields else 0.1)
    if head in POOL_NAMES:
        kernel, opts = _pair(fields[0]), fields[1:]
        spec = dict(kind=POOL_NAMES[head], kernel_shape=kernel, strides=kernel, padding=(0, 0),
                    ignore_border=True, including_pad=True)
        for o in opts:
            if o[:1] == "s":
                spec["strides"] = _pair(o[1:])
            elif o[:1] == "p":
                spec["padding"] = _pair(o[1:])
            elif o == "keep":
                spec["ignore_border"] = False
            elif o == "nopad":
                spec["including_pad"] = False
            else:
                raise _Bad("unknown option {part}", o)
        return PoolingSpec(**spec)
    if head != "conv":
        raise _Bad("a layer starts with conv, max, avg, sum, relu, leaky, tanh or sigmoid")
    spec = dict(out_maps=_int(fields[0]), kernel_shape=_pair(fields[1]))
    for o in fields[2:]:
        if o in ("same", "full", "valid"):
            spec["border_mode"] = o
        elif o == "nobias":
            spec["with_bias"] = False
        elif o[:1] == "s":
            spec["strides"] = _pair(o[1:])
        elif o[:1] == "p":
            spec["padding"] = _pair(o[1:])
        elif o[:1] == "d":
            spec["dilation"] = _pair(o[1:])
        elif o[:1] == "g":
            spec["group"] = _int(o[1:])
        elif o[:1] == "i" and o[1:] in INITIALIZERS:
            spec["w_initializer"] = o[1:]
        elif o[:1] == "m":
            spec["initializer_multiplier"] = _float(o[1:])
        else:
            raise _Bad("unknown option {part}", o)
    return ConvolutionSpec(**spec)


PRESETS: dict[str, tuple[LayerSpec, ...]] = {
    "seed": parse_stack("conv-16-5x5_max-2x2"),
    "lenet": parse_stack("conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2"),
    "allconv": parse_stack("conv-16-3x3-s2x2-same_relu_conv-16-3x3-s2x2-same_relu_avg-7x7"),
}
"""The blog post's network; a LeNet-like stack; an all-convolutional one (strided
convolutions instead of pooling, global average at the end)."""
