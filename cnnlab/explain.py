"""Plain-text explanations of the numbers: output-size arithmetic with the current values."""

from __future__ import annotations

from cnnlab.shapes import pool_output_size
from cnnlab.specs import ConvolutionSpec, LayerSpec, PoolingSpec


def conv_size_arithmetic(length: int, k: int, pad: int, stride: int, dilation: int) -> str:
    """'floor((28 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = 24'."""
    out = (length + 2 * pad - dilation * (k - 1) - 1) // stride + 1
    return f"floor(({length} + 2*{pad} - {dilation}*({k} - 1) - 1) / {stride}) + 1 = {out}"


def pool_size_arithmetic(length: int, k: int, pad: int, stride: int, ignore_border: bool) -> str:
    """'floor((24 + 2*0 - 2) / 2) + 1 = 12' (IgnoreBorder) or 'floor((5 + 0 - 1) / 2) + 1 = 3'."""
    out = pool_output_size(length, k, pad, stride, ignore_border)
    if ignore_border:
        return f"floor(({length} + 2*{pad} - {k}) / {stride}) + 1 = {out}"
    return f"floor(({length} + {pad} - 1) / {stride}) + 1 = {out}"


def size_arithmetic(spec: LayerSpec, in_shape: tuple[int, int, int]) -> list[tuple[str, str]]:
    """[(axis, arithmetic)] for H and W of a layer taking in_shape (C, H, W); one
    entry 'H, W' when both axes compute alike. Activations keep the shape: []."""
    _, h, w = in_shape
    if isinstance(spec, ConvolutionSpec):
        pad = spec.pad()
        lines = [conv_size_arithmetic(n, k, p, s, d) for n, k, p, s, d in
                 zip((h, w), spec.kernel_shape, pad, spec.strides, spec.dilation)]
    elif isinstance(spec, PoolingSpec):
        lines = [pool_size_arithmetic(n, k, p, s, spec.ignore_border) for n, k, p, s in
                 zip((h, w), spec.kernel_shape, spec.padding, spec.stride())]
    else:
        return []
    if lines[0] == lines[1]:
        return [("H, W", lines[0])]
    return [("H", lines[0]), ("W", lines[1])]
