"""Layer stacks: presets, and a compact text form that fits in a URL.

    conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2

Layers are joined by "_", fields by "-":
  conv-OutMaps-KhxKw[-sSHxSW][-pPHxPW | -same | -full][-dDHxDW][-gGROUP][-nobias][-iINITIALIZER][-mMULT]
  max|avg|sum-KhxKw[-sSHxSW][-pPHxPW][-keep (IgnoreBorder off)][-nopad (IncludingPad off)]
  relu | leaky[-ALPHA] | tanh | sigmoid
"""

from __future__ import annotations

from cnnlab.initializers import INITIALIZERS
from cnnlab.specs import ActivationSpec, ConvolutionSpec, LayerSpec, PoolingSpec

POOL_NAMES = {"max": "MaxPooling", "avg": "AveragePooling", "sum": "SumPooling"}
ACT_NAMES = {"relu": "ReLU", "leaky": "LeakyReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
MAX_LAYERS = 12


class StackFormatError(ValueError):
    """A stack text that does not parse; the message says which part and why."""


def _pair(text: str) -> tuple[int, int]:
    h, _, w = text.partition("x")
    return int(h), int(w or h)


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
    """Text -> specs; StackFormatError naming the layer that does not parse."""
    layers = [t for t in text.strip().split("_") if t]
    if not layers:
        raise StackFormatError("The stack is empty.")
    if len(layers) > MAX_LAYERS:
        raise StackFormatError(f"At most {MAX_LAYERS} layers, got {len(layers)}.")
    specs = []
    for n, token in enumerate(layers, start=1):
        try:
            specs.append(_parse_layer(token))
        except (ValueError, KeyError, IndexError) as err:
            raise StackFormatError(f"Layer {n} ({token!r}) is not understood: {err}") from None
    return tuple(specs)


def _parse_layer(token: str) -> LayerSpec:
    head, *fields = token.split("-")
    if head in ACT_NAMES:
        alpha = float(fields[0]) if fields else 0.1
        if fields and (len(fields) > 1 or head != "leaky" or not 0 <= alpha <= 1):
            raise ValueError("only leaky takes one number, alpha in 0..1")
        return ActivationSpec(ACT_NAMES[head], alpha)
    if head in POOL_NAMES:
        kernel, opts = _pair(fields[0]), fields[1:]
        spec = dict(kind=POOL_NAMES[head], kernel_shape=kernel, strides=kernel, padding=(0, 0),
                    ignore_border=True, including_pad=True)
        for o in opts:
            if o[0] == "s":
                spec["strides"] = _pair(o[1:])
            elif o[0] == "p":
                spec["padding"] = _pair(o[1:])
            elif o == "keep":
                spec["ignore_border"] = False
            elif o == "nopad":
                spec["including_pad"] = False
            else:
                raise ValueError(f"unknown option {o!r}")
        return PoolingSpec(**spec)
    if head != "conv":
        raise ValueError("a layer starts with conv, max, avg, sum, relu, leaky, tanh or sigmoid")
    spec = dict(out_maps=int(fields[0]), kernel_shape=_pair(fields[1]))
    for o in fields[2:]:
        if o in ("same", "full", "valid"):
            spec["border_mode"] = o
        elif o == "nobias":
            spec["with_bias"] = False
        elif o[0] == "s":
            spec["strides"] = _pair(o[1:])
        elif o[0] == "p":
            spec["padding"] = _pair(o[1:])
        elif o[0] == "d":
            spec["dilation"] = _pair(o[1:])
        elif o[0] == "g":
            spec["group"] = int(o[1:])
        elif o[0] == "i" and o[1:] in INITIALIZERS:
            spec["w_initializer"] = o[1:]
        elif o[0] == "m":
            spec["initializer_multiplier"] = float(o[1:])
        else:
            raise ValueError(f"unknown option {o!r}")
    if not 1 <= spec["out_maps"] <= 256 or max(spec["kernel_shape"]) > 15:
        raise ValueError("OutMaps must be 1-256 and KernelShape at most 15")
    return ConvolutionSpec(**spec)


PRESETS: dict[str, tuple[LayerSpec, ...]] = {
    "seed": parse_stack("conv-16-5x5_max-2x2"),
    "lenet": parse_stack("conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2"),
    "allconv": parse_stack("conv-16-3x3-s2x2-same_relu_conv-16-3x3-s2x2-same_relu_avg-7x7"),
}
"""The blog post's network; a LeNet-like stack; an all-convolutional one (strided
convolutions instead of pooling, global average at the end)."""
