"""Output-size arithmetic of Convolution (and DepthwiseConvolution, a Convolution with Group = C)
and the poolings, and the one error impossible settings raise. A kind whose size rule is
its own alone keeps it in its module (Deconvolution: deconvolution_output_size in
cnnlab.layers.deconvolution; Unpooling, GlobalAveragePooling, Affine in theirs).

All rules work on one spatial axis; layers apply them to (H, W) separately.
"""

from __future__ import annotations

from typing import Literal

BorderMode = Literal["valid", "same", "full"]
BORDER_MODES: tuple[BorderMode, ...] = ("valid", "same", "full")


MESSAGES = {  # the English text of the common refusals; a page shows its catalogue's "shape.KEY"
    "kernel_fit": ("KernelShape {kh}x{kw} does not fit the {h}x{w} input (after Padding {pad}): "
                   "the padded input is {ph}x{pw}."),
    "kernel_fit_dilated": ("KernelShape {kh}x{kw} (dilated to {eh}x{ew}) does not fit the {h}x{w} input (after "
                           "Padding {pad}): the padded input is {ph}x{pw}."),
    "pool_fit": ("Pooling KernelShape {kh}x{kw} does not fit the {h}x{w} input (after Padding {pad}); "
                 "make the kernel smaller or set IgnoreBorder off."),
    "pool_padding": ("Padding {pad} must be smaller than the pooling KernelShape {kh}x{kw}, "
                     "or some windows would hold padding only."),
    "group": "Group {group} must divide both the input channels ({channels}) and OutMaps ({out_maps}).",
    "deconv_crop": "Padding {pad} crops more than the {h}x{w} input spreads to: the output would be {ho}x{wo}.",
    "range": "{name} {value} is outside {lo}-{hi}.",
    "classic_shape": ("ClassicFilters are defined for 3x3 and 5x5 kernels, not {kh}x{kw}: choose KernelShape 3 "
                      "or 5, or another W.Initializer."),
}


class LayerShapeError(ValueError):
    """A layer setting that cannot produce an output; the message is for people. A common
    one is raised by key (one of the class's MESSAGES) with its fields, so a page can say
    it in its own language: `detail` is then ("NAMESPACE.KEY", fields), a catalogue key."""

    MESSAGES = MESSAGES
    NAMESPACE = "shape"

    def __init__(self, message: str | None = None, key: str | None = None, **fields: object) -> None:
        self.detail = None if key is None else (f"{self.NAMESPACE}.{key}", fields)
        super().__init__(self.MESSAGES[key].format(**fields) if key is not None else message)


def pair(value: int | tuple[int, int] | list[int], name: str) -> tuple[int, int]:
    """(h, w) from an int or a 2-sequence, with a plain error otherwise."""
    if isinstance(value, int):
        return (value, value)
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int:
        return value  # already a pair: the per-call cost matters for one small image
    pair = tuple(int(v) for v in value)
    if len(pair) != 2:
        raise LayerShapeError(f"{name} needs two numbers (height, width), got {value!r}.")
    return pair  # type: ignore[return-value]


def effective_kernel(k: int, dilation: int = 1) -> int:
    """Extent of a dilated kernel: k_eff = (k - 1) * d + 1."""
    return (k - 1) * dilation + 1


def border_mode_padding(mode: BorderMode, k: int, dilation: int = 1) -> int:
    """NNC's padding per side: valid 0, same floor((k_eff - 1) / 2), full k_eff - 1."""
    k_eff = effective_kernel(k, dilation)
    if mode == "valid":
        return 0
    if mode == "same":
        return (k_eff - 1) // 2
    if mode == "full":
        return k_eff - 1
    raise LayerShapeError(f"BorderMode must be one of valid, same, full; got {mode!r}.")


def _check_positive(name: str, values: tuple[int, int]) -> None:
    if min(values) < 1:
        raise LayerShapeError(f"{name} must be at least 1, got {values[0]}x{values[1]}.")


def _check_padding(values: tuple[int, int]) -> None:
    if min(values) < 0:
        raise LayerShapeError(f"Padding cannot be negative, got {values[0]},{values[1]}.")


def conv_output_size(length: int, k: int, pad: int, stride: int, dilation: int = 1) -> int:
    """out = floor((L + 2p - d(k - 1) - 1) / s) + 1, or 0 if the kernel does not fit."""
    span = length + 2 * pad - effective_kernel(k, dilation)
    return span // stride + 1 if span >= 0 else 0


def pool_output_size(length: int, k: int, pad: int, stride: int, ignore_border: bool) -> int:
    """nnabla's pooling size rule.

    IgnoreBorder=True:  out = floor((L + 2p - k) / s) + 1 (only whole windows).
    IgnoreBorder=False: out = floor((L + p - 1) / s) + 1, i.e. every window whose start
    (i * s - p) lies inside the input is kept, even if it runs past the input's end.
    """
    if ignore_border:
        span = length + 2 * pad - k
        return span // stride + 1 if span >= 0 else 0
    return (length + pad - 1) // stride + 1


def conv_output_shape(
    in_hw: tuple[int, int],
    in_channels: int,
    out_maps: int,
    kernel: tuple[int, int],
    pad: tuple[int, int] = (0, 0),
    stride: tuple[int, int] = (1, 1),
    dilation: tuple[int, int] = (1, 1),
    group: int = 1,
) -> tuple[int, int, int]:
    """(OutMaps, H_out, W_out) of a convolution, or LayerShapeError in plain words."""
    (kh, kw), (ph, pw), (sh, sw), (dh, dw) = kernel, pad, stride, dilation
    if (min(out_maps, kh, kw, sh, sw, dh, dw, group) >= 1 and min(ph, pw) >= 0
            and not (in_channels % group or out_maps % group)):
        # The common case in one pass (called once per layer and image); the checks below word the rest.
        ho = (in_hw[0] + 2 * ph - (kh - 1) * dh - 1) // sh + 1
        wo = (in_hw[1] + 2 * pw - (kw - 1) * dw - 1) // sw + 1
        if ho >= 1 and wo >= 1:
            return (out_maps, ho, wo)
    _check_positive("OutMaps", (out_maps, out_maps))
    _check_positive("KernelShape", kernel)
    _check_positive("Strides", stride)
    _check_positive("Dilation", dilation)
    _check_padding(pad)
    if group < 1:
        raise LayerShapeError(f"Group must be at least 1, got {group}.")
    if in_channels % group or out_maps % group:
        raise LayerShapeError(key="group", group=group, channels=in_channels, out_maps=out_maps)
    h_eff = effective_kernel(kernel[0], dilation[0])
    w_eff = effective_kernel(kernel[1], dilation[1])
    out = tuple(
        conv_output_size(n, k, p, s, d)
        for n, k, p, s, d in zip(in_hw, kernel, pad, stride, dilation)
    )
    if min(out) < 1:
        fields = dict(kh=kernel[0], kw=kernel[1], h=in_hw[0], w=in_hw[1], pad=_fmt_pad(pad),
                      ph=in_hw[0] + 2 * pad[0], pw=in_hw[1] + 2 * pad[1])
        if dilation == (1, 1):
            raise LayerShapeError(key="kernel_fit", **fields)
        raise LayerShapeError(key="kernel_fit_dilated", eh=h_eff, ew=w_eff, **fields)
    return (out_maps, out[0], out[1])


def pool_output_shape(
    in_hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pad: tuple[int, int] = (0, 0),
    ignore_border: bool = True,
) -> tuple[int, int]:
    """(H_out, W_out) of a pooling layer, or LayerShapeError in plain words."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    if ignore_border and min(kh, kw, sh, sw) >= 1 and 0 <= ph < kh and 0 <= pw < kw:
        # The common case in one pass (called once per layer and image); the checks below word the rest.
        ho = (in_hw[0] + 2 * ph - kh) // sh + 1
        wo = (in_hw[1] + 2 * pw - kw) // sw + 1
        if ho >= 1 and wo >= 1:
            return (ho, wo)
    _check_positive("KernelShape", kernel)
    _check_positive("Strides", stride)
    _check_padding(pad)
    if pad[0] >= kernel[0] or pad[1] >= kernel[1]:
        raise LayerShapeError(key="pool_padding", pad=_fmt_pad(pad), kh=kernel[0], kw=kernel[1])
    out = tuple(
        pool_output_size(n, k, p, s, ignore_border)
        for n, k, p, s in zip(in_hw, kernel, pad, stride)
    )
    if min(out) < 1:
        raise LayerShapeError(key="pool_fit", kh=kernel[0], kw=kernel[1], h=in_hw[0], w=in_hw[1], pad=_fmt_pad(pad))
    return out  # type: ignore[return-value]


def _fmt_pad(pad: tuple[int, int]) -> str:
    return str(pad[0]) if pad[0] == pad[1] else f"{pad[0]},{pad[1]}"
