"""NNC's Convolution, all in one place: spec and defaults, limits, forward, backward, size
arithmetic, the window one output pixel reads, its explanation, its stack-text token and
its costs.

    y[m, i, j] = b[m] + sum_{c, u, v} W[m, c, u, v] * x_pad[g*C/G + c, i*sh + u*dh, j*sw + v*dw]
    out = floor((L + 2p - d(k - 1) - 1) / s) + 1
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.lib.stride_tricks import as_strided

from cnnlab import explain
from cnnlab.initializers import INITIALIZERS, InitializerName, initialize_weight
from cnnlab.layers import arrays, text
from cnnlab.layers.arrays import IntPair, as_float, as_nchw
from cnnlab.layers.base import LayerKind, Params, Shape3
from cnnlab.layers.fields import Field
from cnnlab.limits import Range
from cnnlab.shapes import (BORDER_MODES, BorderMode, LayerShapeError, border_mode_padding, conv_output_shape,
                           conv_output_size, pair)


def conv_geometry(pad: IntPair | None, stride: IntPair | None, dilation: IntPair | None):
    """((ph, pw), (sh, sw), (dh, dw)) with nnabla's defaults: no padding, stride 1, dilation 1."""
    if pad is None and stride is None and dilation is None:
        return (0, 0), (1, 1), (1, 1)
    return (pair(0 if pad is None else pad, "Padding"), pair(1 if stride is None else stride, "Strides"),
            pair(1 if dilation is None else dilation, "Dilation"))


def convolution_blocks(n: int, k: int, ho: int, wo: int) -> tuple[int, int, int]:
    """(images, output rows, output columns) per block of convolution's patch matrix (k =
    C/group * kh * kw rows): imgs x k x rows x cols floats, at most arrays.COLUMN_BLOCK_FLOATS (or
    2k floats when even that is more: two columns keep every block a matrix product, whose
    sums BLAS adds in the same order as the whole one's). Columns are cut only when one output
    row is too many."""
    cols = min(wo, max(2, arrays.COLUMN_BLOCK_FLOATS // max(1, k)))
    rows = max(1, min(ho, arrays.COLUMN_BLOCK_FLOATS // max(1, k * wo))) if cols == wo else 1
    imgs = 1 if rows < ho else max(1, min(n, arrays.COLUMN_BLOCK_FLOATS // max(1, k * ho * wo)))
    return imgs, rows, cols


def convolution(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    pad: IntPair | None = None,
    stride: IntPair | None = None,
    dilation: IntPair | None = None,
    group: int = 1,
) -> np.ndarray:
    """2-D convolution (cross-correlation, as in nnabla and NNC).

    x (N, C, H, W), weight (M, C/group, kh, kw), bias (M,) -> y (N, M, Ho, Wo):
        y[n, m, i, j] = b[m] + sum_{c, u, v} w[m, c, u, v]
                        * x_pad[n, g*C/group + c, i*sh + u*dh, j*sw + v*dw],  g = m // (M/group)
        Ho = floor((H + 2ph - dh(kh - 1) - 1) / sh) + 1, likewise Wo.
    Zero padding. im2col (one strided copy of all patches) and one GEMM per group and block.
    """
    x = as_nchw(x)
    weight = np.asarray(weight, dtype=x.dtype)
    if weight.ndim != 4:
        raise LayerShapeError(f"weight must be (OutMaps, C/group, kh, kw); got {weight.shape}.")
    n, c, h, w = x.shape
    m, cg, kh, kw = weight.shape
    (ph, pw), (sh, sw), (dh, dw) = conv_geometry(pad, stride, dilation)
    if group >= 1 and cg * group != c:
        raise LayerShapeError(
            f"The weight expects {cg * group} input channels ({cg} per group x Group {group}) "
            f"but the input has {c}."
        )
    _, ho, wo = conv_output_shape((h, w), c, m, (kh, kw), (ph, pw), (sh, sw), (dh, dw), group)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else np.ascontiguousarray(x)
    mg, k, p = m // group, cg * kh * kw, ho * wo
    w_rows = weight.reshape(group, mg, k)
    y = np.empty((n, m, ho, wo), dtype=x.dtype)
    y_rows = y.reshape(n, m, p)
    s_n, s_c, s_h, s_w = xp.strides
    # patches[n, c, u, v, i, j] = xp[n, g*cg + c, i*sh + u*dh, j*sw + v*dw] of group g, a strided view
    # built directly on xp's buffer (cheaper per call than as_strided): offset g*cg*s_c, these strides.
    strides = (s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw)

    imgs_per_block, rows_per_block, cols_per_block = convolution_blocks(n, k, ho, wo)
    if rows_per_block == ho and imgs_per_block == n:  # one block: one small image, or a batch of them
        cols = np.empty((n, cg, kh, kw, ho, wo), dtype=x.dtype)
        for g in range(group):
            np.copyto(cols, np.ndarray(cols.shape, xp.dtype, xp, g * cg * s_c, strides))
            out = y_rows if group == 1 else y_rows[:, g * mg:(g + 1) * mg]
            np.matmul(w_rows[g], cols.reshape(n, k, p), out=out)
    elif cols_per_block < wo:  # one output row is too many: blocks of columns of one row
        cols_buf = np.empty(k * cols_per_block, dtype=x.dtype)
        for n0 in range(n):
            for r0 in range(ho):
                for c0 in range(0, wo, cols_per_block):
                    cb = min(cols_per_block, wo - c0)
                    cols = cols_buf[: k * cb].reshape(k, cb)
                    for g in range(group):
                        offset = n0 * s_n + g * cg * s_c + r0 * sh * s_h + c0 * sw * s_w
                        patches = np.ndarray((cg, kh, kw, cb), xp.dtype, xp, offset, strides[1:4] + strides[5:])
                        np.copyto(cols.reshape(cg, kh, kw, cb), patches)
                        np.matmul(w_rows[g], cols, out=y[n0, g * mg:(g + 1) * mg, r0, c0:c0 + cb])
    else:
        cols_buf = np.empty(imgs_per_block * k * rows_per_block * wo, dtype=x.dtype)
        for n0 in range(0, n, imgs_per_block):
            nb = min(imgs_per_block, n - n0)
            for r0 in range(0, ho, rows_per_block):
                rb = min(rows_per_block, ho - r0)
                cols = cols_buf[: nb * k * rb * wo].reshape(nb, k, rb * wo)
                for g in range(group):
                    patches = np.ndarray((nb, cg, kh, kw, rb, wo), xp.dtype, xp,
                                         n0 * s_n + g * cg * s_c + r0 * sh * s_h, strides)
                    np.copyto(cols.reshape(nb, cg, kh, kw, rb, wo), patches)
                    out = y_rows[n0:n0 + nb, g * mg:(g + 1) * mg, r0 * wo:(r0 + rb) * wo]
                    np.matmul(w_rows[g], cols, out=out)
    if bias is not None:
        y += np.asarray(bias, dtype=x.dtype).reshape(m, 1, 1)
    return y


def _patches(xp: np.ndarray, cg: int, g: int, kernel, stride, dilation, out_hw) -> np.ndarray:
    """View (Cg, kh, kw, N, Ho, Wo) of group g's patches of the padded input xp."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    s_n, s_c, s_h, s_w = xp.strides
    base = xp[:, g * cg:(g + 1) * cg]
    return as_strided(base, (cg, kh, kw, xp.shape[0], ho, wo),
                      (s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw), writeable=False)


def patch_columns(x: np.ndarray, weight_shape, pad=None, stride=None, dilation=None,
                  group: int = 1) -> tuple[list[np.ndarray], tuple[int, int]]:
    """Each group's patch matrix cols (K, N*Ho*Wo), K = C/group * kh * kw, and (Ho, Wo)."""
    n, c, h, w = x.shape
    m, cg, kh, kw = weight_shape
    (ph, pw), stride, dilation = conv_geometry(pad, stride, dilation)
    _, ho, wo = conv_output_shape((h, w), c, m, (kh, kw), (ph, pw), stride, dilation, group)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    k = cg * kh * kw
    cols = [_patches(xp, cg, g, (kh, kw), stride, dilation, (ho, wo)).reshape(k, n * ho * wo)
            for g in range(group)]
    return cols, (ho, wo)


def convolution_with_columns(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
    pad=None, stride=None, dilation=None, group: int = 1,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """convolution() for training: y, and each group's patch matrix cols (K, N*Ho*Wo),
    K = C/group * kh * kw, which convolution_backward reuses instead of rebuilding.
    y[:, group g] = W_g (Mg, K) . cols_g, reordered to (N, Mg, Ho, Wo)."""
    x = as_float(x)
    n = x.shape[0]
    m, cg, kh, kw = weight.shape
    cols, (ho, wo) = patch_columns(x, weight.shape, pad, stride, dilation, group)
    mg, k, p = m // group, cg * kh * kw, n * ho * wo
    y_rows = np.empty((m, p), dtype=x.dtype)
    for g in range(group):
        np.matmul(weight[g * mg:(g + 1) * mg].reshape(mg, k), cols[g], out=y_rows[g * mg:(g + 1) * mg])
    if bias is not None:
        y_rows += bias.astype(x.dtype)[:, None]
    return np.ascontiguousarray(y_rows.reshape(m, n, ho, wo).transpose(1, 0, 2, 3)), cols


def convolution_backward(
    dy: np.ndarray, x: np.ndarray, weight: np.ndarray, with_bias: bool = True,
    pad=None, stride=None, dilation=None, group: int = 1,
    columns: list[np.ndarray] | None = None, need_dx: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """dy (N, M, Ho, Wo), x (N, C, H, W), W (M, C/group, kh, kw) -> (dx, dW, db).

    With the patch matrix cols (K, N*P) of each group (P = Ho*Wo; from
    convolution_with_columns, else rebuilt) and dY (M, N*P):
        dW = dY . cols^T (one GEMM),  db[m] = sum dy[:, m],
        dx = col2im(W^T . dY): each kernel offset's gradient is added back on a strided slice
        (with Strides and Dilation 1: a full convolution of dy with the flipped kernels).
    need_dx=False skips dx (the first layer's input needs no gradient).
    """
    x = as_float(x)
    dy = as_float(dy)
    n, c, h, w = x.shape
    m, cg, kh, kw = weight.shape
    (ph, pw), (sh, sw), (dh, dw) = conv_geometry(pad, stride, dilation)
    ho, wo = dy.shape[2:]
    mg, k = m // group, cg * kh * kw
    if columns is None:
        columns, _ = patch_columns(x, weight.shape, (ph, pw), (sh, sw), (dh, dw), group)
    dy_rows = dy.transpose(1, 0, 2, 3).reshape(m, n * ho * wo)  # dY (M, N*P)
    dweight = np.empty(weight.shape, dtype=x.dtype)
    dxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype) if need_dx else None
    for g in range(group):
        dy_g = dy_rows[g * mg:(g + 1) * mg]
        dweight[g * mg:(g + 1) * mg] = (columns[g] @ dy_g.T).T.reshape(mg, cg, kh, kw)  # faster than dy_g @ cols.T
        if not need_dx:
            continue
        if (sh, sw, dh, dw) == (1, 1, 1, 1):  # a "full" convolution of dy with the flipped kernels
            w_flipped = weight[g * mg:(g + 1) * mg, :, ::-1, ::-1].transpose(1, 0, 2, 3)
            dy_full = np.pad(dy[:, g * mg:(g + 1) * mg], ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
            dxp[:, g * cg:(g + 1) * cg] = convolution(dy_full, w_flipped)
            continue
        dcols = (weight[g * mg:(g + 1) * mg].reshape(mg, k).T @ dy_g).reshape(cg, kh, kw, n, ho, wo)
        for u in range(kh):
            for v in range(kw):
                dxp[:, g * cg:(g + 1) * cg, u * dh:u * dh + (ho - 1) * sh + 1:sh,
                    v * dw:v * dw + (wo - 1) * sw + 1:sw] += dcols[:, u, v].transpose(1, 0, 2, 3)
    dx = None if dxp is None else dxp[:, :, ph:ph + h, pw:pw + w]
    db = dy_rows.sum(axis=1) if with_bias else None
    return dx, dweight, db


LIMITS: dict[str, Range] = {
    "out_maps": Range("OutMaps", 1, 256),
    "kernel_shape": Range("KernelShape", 1, 15),
    "padding": Range("Padding", 0, 15),
    "strides": Range("Strides", 1, 15),
    "dilation": Range("Dilation", 1, 8),
    "group": Range("Group", 1, 256),
    "initializer_multiplier": Range("W.InitializerMultiplier", 0.0, 100.0),
}


def padding_per_side(padding: tuple[int, int] | None, border_mode: BorderMode, kernel: tuple[int, int],
                     dilation: tuple[int, int]) -> tuple[int, int]:
    """(ph, pw): an explicit Padding, else BorderMode's rule (valid 0, same (k_eff - 1) // 2,
    full k_eff - 1) for the dilated kernel."""
    if padding is not None:
        return padding
    return (border_mode_padding(border_mode, kernel[0], dilation[0]),
            border_mode_padding(border_mode, kernel[1], dilation[1]))


def size_lines(in_shape: Shape3, kernel, pad, strides, dilation) -> list[str]:
    """['floor((28 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = 24', ...] for H and W of a convolution."""
    return [f"floor(({n} + 2*{p} - {d}*({k} - 1) - 1) / {s}) + 1 = {conv_output_size(n, k, p, s, d)}"
            for n, k, p, s, d in zip(in_shape[1:], kernel, pad, strides, dilation)]


EXPLICIT = "explicit"  # the editor's BorderMode choice that stands for an explicit Padding


def _border_choice(spec) -> str:
    return EXPLICIT if spec.padding is not None else spec.border_mode


def _with_border_choice(spec, choice: str):
    """BorderMode set, or "explicit": the Padding it gave, now editable."""
    if choice == EXPLICIT:
        pad = padding_per_side(spec.padding, spec.border_mode, spec.kernel_shape, spec.dilation)
        return replace(spec, padding=tuple(min(p, int(LIMITS["padding"].hi)) for p in pad))
    return replace(spec, border_mode=choice, padding=None)


BORDER_MODE = Field("border_mode", "choice", "border_mode", options=(*BORDER_MODES, EXPLICIT),
                    read=_border_choice, write=_with_border_choice)
EXPLICIT_PADDING = Field("padding", "pair", "pad", shown=lambda spec: spec.padding is not None)
WEIGHT_FIELDS = (
    Field("with_bias", "bool", "with_bias", main=False),
    Field("w_initializer", "choice", "initializer", options=INITIALIZERS, main=False),
    Field("initializer_multiplier", "float", "initializer_multiplier", step=0.1, main=False),
)
"""Settings the convolution family shares: BorderMode with its Padding, and the weights'."""

FLOAT, SLACK_BYTES = arrays.FLOAT_BYTES, arrays.BUFFER_BYTES


def forward_bytes(n: int, in_shape: Shape3, out_maps: int, kernel: tuple[int, int], pad: tuple[int, int],
                  strides: tuple[int, int], dilation: tuple[int, int], group: int) -> int:
    """Peak bytes convolution() allocates for n images (C, H, W), float32 (the input itself
    not counted): the padded copy n*C*(H + 2ph)*(W + 2pw) (none without Padding), the output
    n*M*Ho*Wo, one block of the patch matrix (convolution_blocks), one block of the
    GEMM's output and a copy of the weight (M * C/group * kh * kw)."""
    c, h, w = in_shape
    _, ho, wo = conv_output_shape((h, w), c, out_maps, kernel, pad, strides, dilation, group)
    k = c // group * kernel[0] * kernel[1]
    imgs, rows, cols = convolution_blocks(n, k, ho, wo)
    padded = n * c * (h + 2 * pad[0]) * (w + 2 * pad[1]) if pad[0] or pad[1] else 0
    out_block = out_maps // group * imgs * rows * cols
    floats = padded + n * out_maps * ho * wo + imgs * k * rows * cols + out_block + out_maps * k
    return FLOAT * floats + SLACK_BYTES


def seconds(n: int, in_shape: Shape3, out_maps: int, kernel: tuple[int, int], pad: tuple[int, int],
            strides: tuple[int, int], dilation: tuple[int, int], group: int) -> float:
    """CPU seconds convolution() is priced at for n images: its multiply-adds (the GEMMs), its
    patch matrix (C * kh * kw x Ho * Wo floats per image, copied out of the input: what makes
    a DepthwiseConvolution, one GEMM row per group, cost more per multiply-add than a dense
    one), its output and padded input, and its NumPy calls (two per group and block)."""
    c, h, w = in_shape
    _, ho, wo = conv_output_shape((h, w), c, out_maps, kernel, pad, strides, dilation, group)
    columns = n * c * kernel[0] * kernel[1] * ho * wo
    values = n * (out_maps * ho * wo + (c * (h + 2 * pad[0]) * (w + 2 * pad[1]) if pad[0] or pad[1] else 0))
    imgs, rows, cols = convolution_blocks(n, c // group * kernel[0] * kernel[1], ho, wo)
    calls = 2 * group * -(-n // imgs) * -(-ho // rows) * -(-wo // cols)  # a copy and a GEMM per group and block
    return (arrays.SECONDS_PER_MULTIPLY_ADD * columns * (out_maps // group) + arrays.SECONDS_PER_COLUMN_FLOAT * columns
            + arrays.SECONDS_PER_OUTPUT_VALUE * values + arrays.SECONDS_PER_CALL * calls)


def training_bytes(n: int, in_shape: Shape3, out_maps: int, kernel: tuple[int, int], pad: tuple[int, int],
                   strides: tuple[int, int], dilation: tuple[int, int], group: int) -> int:
    """Peak bytes of train_forward then backward (convolution_with_columns and
    convolution_backward) for a batch of n, float32, the input and dy not counted:
        forward:  padded copy + every group's patch matrix (C*kh*kw x n*Ho*Wo, kept) + 2 outputs;
        backward: the kept patches and output + dY's rows (n*M*Ho*Wo) + dW (x 3) + the padded dx
                  + either (Strides and Dilation 1) dy padded by k - 1 and convolution()'s peak
                  on it, or W^T . dY (C/group*kh*kw x n*Ho*Wo)."""
    c, h, w = in_shape
    _, ho, wo = conv_output_shape((h, w), c, out_maps, kernel, pad, strides, dilation, group)
    (kh, kw), mg, cg = kernel, out_maps // group, c // group
    padded = n * c * (h + 2 * pad[0]) * (w + 2 * pad[1])
    patches, y, weight = n * c * kh * kw * ho * wo, n * out_maps * ho * wo, out_maps * cg * kh * kw
    forward = FLOAT * ((padded if pad[0] or pad[1] else 0) + patches + 2 * y)
    if tuple(strides) == (1, 1) and tuple(dilation) == (1, 1):
        full_shape = (mg, ho + 2 * (kh - 1), wo + 2 * (kw - 1))
        dx_group = FLOAT * n * int(np.prod(full_shape)) + forward_bytes(n, full_shape, cg, kernel, (0, 0), (1, 1),
                                                                         (1, 1), 1)
    else:
        dx_group = FLOAT * cg * kh * kw * n * ho * wo
    backward = FLOAT * (patches + y + y + 3 * weight + padded) + dx_group
    return max(forward, backward) + SLACK_BYTES


@dataclass(frozen=True)
class ConvolutionSpec(LayerKind):
    """NNC's Convolution layer. Padding, when given, overrides BorderMode."""

    out_maps: int = 16
    kernel_shape: tuple[int, int] = (5, 5)
    border_mode: BorderMode = "valid"
    padding: tuple[int, int] | None = None
    strides: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    group: int = 1
    with_bias: bool = True
    w_initializer: InitializerName = "NormalConvolutionGlorot"
    initializer_multiplier: float = 1.0

    kind = "Convolution"
    HEADS = ("conv",)
    WORK_UNIT = "multiply-adds"
    LIMITS = LIMITS
    SCOPE = "conv"
    FEATURE_MAPS = True
    TRAINED = ("W", "b")
    FIELDS = (Field("out_maps", "int", "out_maps"), Field("kernel_shape", "pair", "kernel"),
              Field("strides", "pair", "stride"), BORDER_MODE, EXPLICIT_PADDING,
              Field("dilation", "pair", "dilation", main=False), Field("group", "int", "group", main=False),
              *WEIGHT_FIELDS)
    EXPLANATION = "explain.Convolution"
    WORDS = {
        "en": {
            "out_maps.label": "OutMaps",
            "out_maps.help": "How many output maps (filters). Each map has its own kernel, so each map differs.",
            "kernel_h.label": "KernelShape (height)",
            "kernel_h.help": "Kernel (filter) height: the window that slides over the input.",
            "kernel_w.label": "KernelShape (width)",
            "kernel_w.help": "Kernel (filter) width.",
            "stride_h.label": "Strides (height)",
            "stride_h.help": "How many rows the window moves each step.",
            "stride_w.label": "Strides (width)",
            "stride_w.help": "How many columns the window moves each step.",
            "border_mode.label": "BorderMode",
            "border_mode.help": (
                "valid: no padding (the output shrinks). same: pad so a stride-1 output keeps the input size "
                "(odd kernels). full: pad by kernel-1 so every overlap counts. explicit: set Padding yourself."
            ),
            "pad_h.label": "Padding (height)",
            "pad_h.help": "Rows of zeros added above and below the input.",
            "pad_w.label": "Padding (width)",
            "pad_w.help": "Columns of zeros added left and right of the input.",
            "dilation_h.label": "Dilation (height)",
            "dilation_h.help": "Spacing between kernel rows: 1 is a plain kernel, 2 skips every other row.",
            "dilation_w.label": "Dilation (width)",
            "dilation_w.help": "Spacing between kernel columns.",
            "group.label": "Group",
            "group.help": "Split the input maps and the output maps into this many groups; each output map sees its group's input maps only. Must divide both.",
            "with_bias.label": "WithBias",
            "with_bias.help": "Add a bias b to every output map. Untrained, b starts at 0.",
            "initializer.label": "W.Initializer",
            "initializer.help": "How the kernel numbers are drawn (NNC's names; Glorot is NNC's default). ClassicFilters (not in NNC): map 0 identity, 1 box blur, 2 Gaussian, 3 sharpen, 4 Sobel x, 5 Sobel y, 6 Prewitt x, 7 Laplacian, 8 emboss, 9 45° edge, then again; 3x3 and 5x5 only.",
            "initializer_multiplier.label": "W.InitializerMultiplier",
            "initializer_multiplier.help": "Scales the initialiser: sigma (normal), the bound (uniform) or the value (Constant).",
            "explain.Convolution": (
                "Each output value = the input patch under the kernel, multiplied element by element "
                "with the kernel and summed (plus the bias). The window moves by Strides. "
                "Why {out_maps} maps? OutMaps is {out_maps}: one map per kernel."
            ),
        },
        "ja": {
            "out_maps.label": "OutMaps",
            "out_maps.help": "出力マップ（フィルター）の数。マップごとにカーネルが違うので、マップもそれぞれ違います。",
            "kernel_h.label": "KernelShape（高さ）",
            "kernel_h.help": "カーネル（フィルター）の高さ。入力の上をずれていく窓です。",
            "kernel_w.label": "KernelShape（幅）",
            "kernel_w.help": "カーネル（フィルター）の幅。",
            "stride_h.label": "Strides（高さ）",
            "stride_h.help": "窓が 1 回に縦に動く行数。",
            "stride_w.label": "Strides（幅）",
            "stride_w.help": "窓が 1 回に横に動く列数。",
            "border_mode.label": "BorderMode",
            "border_mode.help": (
                "valid: パディングなし（出力は小さくなる）。same: Strides 1 で入力と同じ大きさになるように"
                "パディング（奇数のカーネル）。full: カーネル−1 だけパディング。explicit: Padding を自分で設定。"
            ),
            "pad_h.label": "Padding（高さ）",
            "pad_h.help": "入力の上下に加える 0 の行数。",
            "pad_w.label": "Padding（幅）",
            "pad_w.help": "入力の左右に加える 0 の列数。",
            "dilation_h.label": "Dilation（高さ）",
            "dilation_h.help": "カーネルの行の間隔。1 は普通のカーネル、2 は 1 行おき。",
            "dilation_w.label": "Dilation（幅）",
            "dilation_w.help": "カーネルの列の間隔。",
            "group.label": "Group",
            "group.help": "入力マップと出力マップをこの数のグループに分けます。各出力マップは自分のグループの入力マップだけを見ます。両方を割り切る数にしてください。",
            "with_bias.label": "WithBias",
            "with_bias.help": "各出力マップにバイアス b を足します。学習前の b は 0 です。",
            "initializer.label": "W.Initializer",
            "initializer.help": "カーネルの数値の作り方（NNC の名前。Glorot が NNC の既定値）。ClassicFilters（NNC にはありません）: マップ 0 恒等、1 平均ぼかし、2 ガウシアン、3 シャープ化、4 Sobel x、5 Sobel y、6 Prewitt x、7 ラプラシアン、8 エンボス、9 45° エッジ、以下くり返し。3x3 と 5x5 のみ。",
            "initializer_multiplier.label": "W.InitializerMultiplier",
            "initializer_multiplier.help": "初期化の倍率: 正規分布なら σ、一様分布なら範囲、Constant なら値に掛かります。",
            "explain.Convolution": (
                "出力の値 1 つ = カーネルの下の入力の一部とカーネルを要素ごとに掛けて全部足したもの（＋バイアス）。"
                "窓は Strides ずつずれていきます。"
                "なぜ {out_maps} 枚？ OutMaps が {out_maps} だからです。カーネル 1 つにマップ 1 枚です。"
            ),
            "stack.what.out_maps": "OutMaps（16 のような整数）",
            "stack.what.group": "Group（2 のような整数）",
            "stack.what.w_initializer": "W.Initializer（{initializers}）",
            "stack.what.initializer_multiplier": "0.5 のような W.InitializerMultiplier",
        },
    }

    @classmethod
    def addable(cls) -> tuple["ConvolutionSpec", ...]:
        """The layers the editor's "Add a layer" offers of this kind."""
        return (cls(8, (3, 3)),)

    # --- settings and shapes -----------------------------------------------------------

    def pad(self) -> tuple[int, int]:
        """Padding per side (ph, pw): the explicit Padding, else BorderMode's rule."""
        return padding_per_side(self.padding, self.border_mode, self.kernel_shape, self.dilation)

    def output_shape(self, in_shape: Shape3) -> Shape3:
        """(OutMaps, Ho, Wo) for an input (C, H, W); LayerShapeError if impossible."""
        return conv_output_shape(
            in_shape[1:], in_shape[0], self.out_maps, self.kernel_shape,
            self.pad(), self.strides, self.dilation, self.group,
        )

    def size_arithmetic(self, in_shape: Shape3) -> list[str]:
        """['floor((28 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = 24', ...] for H and W."""
        return size_lines(in_shape, self.kernel_shape, self.pad(), self.strides, self.dilation)

    # --- parameters and compute --------------------------------------------------------

    def weight_shape(self, in_channels: int) -> tuple[int, int, int, int]:
        """W's shape (OutMaps, C/group, kh, kw)."""
        return (self.out_maps, in_channels // self.group, *self.kernel_shape)

    def init_params(self, in_shape: Shape3, rng: np.random.Generator) -> Params:
        """Fresh (untrained, "Max Epoch 0") W and b: W from W.Initializer, b = 0 (no b
        without WithBias)."""
        weight = initialize_weight(
            self.w_initializer, self.weight_shape(in_shape[0]), self.initializer_multiplier, rng
        )
        return {"W": weight, **({"b": np.zeros(self.out_maps, dtype=np.float32)} if self.with_bias else {})}

    def forward(self, x: np.ndarray, params: Params) -> np.ndarray:
        """(N, C, H, W) -> (N, OutMaps, Ho, Wo)."""
        return convolution(x, params["W"], params.get("b"), self.pad(), self.strides, self.dilation, self.group)

    def train_forward(self, x: np.ndarray, params: Params,
                      rng: np.random.Generator | None = None) -> tuple[np.ndarray, object]:
        """forward, and what backward reuses: each group's patch matrix."""
        return convolution_with_columns(x, params["W"], params.get("b"), self.pad(), self.strides, self.dilation,
                                          self.group)

    def backward(self, dy: np.ndarray, x: np.ndarray, params: Params, y: np.ndarray, kept: object,
                 need_dx: bool = True) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """(dx, {W: dW, b: db}) from dy (N, M, Ho, Wo); see convolution_backward."""
        dx, dw, db = convolution_backward(dy, x, params["W"], "b" in params, self.pad(), self.strides,
                                            self.dilation, self.group, kept, need_dx=need_dx)
        return dx, {"W": dw, **({"b": db} if db is not None else {})}

    def kernels(self, params: Params | None) -> np.ndarray | None:
        """The weights to draw as kernels: W (OutMaps, C/group, kh, kw)."""
        return None if params is None else params["W"]

    # --- explanation -------------------------------------------------------------------

    def window(self, in_channels: int, out: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
        """(rows, cols, channels) of the input that output pixel (map, row, column) reads:
        rows = i*sh - ph + u*dh for u < kh (likewise cols); may fall on padding."""
        m, i, j = out
        (ph, pw), (sh, sw), (dh, dw) = self.pad(), self.strides, self.dilation
        cg = in_channels // self.group
        g = m // (self.out_maps // self.group)
        rows = i * sh - ph + np.arange(self.kernel_shape[0]) * dh
        cols = j * sw - pw + np.arange(self.kernel_shape[1]) * dw
        return rows, cols, tuple(range(g * cg, (g + 1) * cg))

    def explain(self, params: Params, x: np.ndarray, out: tuple[int, int, int]) -> explain.ConvolutionStep:
        """Output pixel out = (map, row, column) on x (C, H, W): patch x kernel, summed, + bias."""
        rows, cols, channels = self.window(x.shape[0], out)
        return explain.weighted_sum(x, out, channels, rows, cols, params["W"][out[0]],
                                    float(params["b"][out[0]]) if "b" in params else None)

    def input_cells(self, mask: np.ndarray, in_shape: Shape3) -> np.ndarray:
        """The input cells (C, H, W bool) feeding the True cells of an output mask."""
        return explain.spread_windows(mask, in_shape, self.kernel_shape, self.pad(), self.strides,
                                      self.dilation, self.group)

    # --- code ------------------------------------------------------------------------

    def torch_code(self, in_shape: Shape3) -> str:
        """The same layer as a torch.nn module (weights loaded separately)."""
        return (f"nn.Conv2d({in_shape[0]}, {self.out_maps}, {self.kernel_shape}, stride={self.strides}, "
                f"padding={self.pad()}, dilation={self.dilation}, groups={self.group}, bias={self.with_bias})")

    def nnabla_code(self, var: str, name: str) -> tuple[str, str]:
        """(nnabla's call on `var` in scope `name`, its parameters' scope: W and b under it)."""
        return (f"PF.convolution({var}, {self.out_maps}, {self.kernel_shape}, pad={self.pad()}, stride={self.strides}, "
                f"dilation={self.dilation}, group={self.group}, with_bias={self.with_bias}, name={name!r})", f"{name}/conv")

    # --- stack text --------------------------------------------------------------------

    def token(self) -> str:
        """conv-OutMaps-KhxKw[-sSHxSW][-pPHxPW | -same | -full][-dDHxDW][-gG][-nobias][-iINIT][-mMULT]"""
        return "-".join(["conv", str(self.out_maps), "%dx%d" % self.kernel_shape, *text.option_tokens(self)])

    @classmethod
    def from_token(cls, head: str, fields: list[str]) -> "ConvolutionSpec":
        return text.read_options(cls, fields, 2, out_maps=text.read(fields, 0, text.integer, "out_maps"),
                                 kernel_shape=text.read(fields, 1, text.pair, "kernel_shape"))

    # --- costs -------------------------------------------------------------------------

    def parameter_count(self, in_shape: Shape3) -> int:
        """NNC's CostParameter: weights M * C/group * kh * kw, plus M biases with WithBias."""
        m, cg, kh, kw = self.weight_shape(in_shape[0])
        return m * cg * kh * kw + (m if self.with_bias else 0)

    def multiply_adds(self, in_shape: Shape3) -> int:
        """NNC's CostMultiplyAdd: every output value is C/group * kh * kw multiply-adds."""
        m, ho, wo = self.output_shape(in_shape)
        return m * ho * wo * (in_shape[0] // self.group) * self.kernel_shape[0] * self.kernel_shape[1]

    def work(self, in_shape: Shape3) -> int:
        """What one image costs to compute here: its multiply-adds."""
        return self.multiply_adds(in_shape)

    def working_bytes(self, in_shape: Shape3, batch: int = 1) -> int:
        """Peak bytes the forward allocates for `batch` images (see forward_bytes)."""
        return forward_bytes(batch, in_shape, self.out_maps, self.kernel_shape, self.pad(), self.strides,
                             self.dilation, self.group)

    def seconds(self, in_shape: Shape3, batch: int = 1) -> float:
        """CPU seconds the forward is priced at for `batch` images (see seconds)."""
        return seconds(batch, in_shape, self.out_maps, self.kernel_shape, self.pad(), self.strides, self.dilation,
                       self.group)

    def training_bytes(self, in_shape: Shape3, batch: int) -> int:
        """Peak bytes of train_forward then backward on a batch (see training_bytes)."""
        return training_bytes(batch, in_shape, self.out_maps, self.kernel_shape, self.pad(), self.strides,
                              self.dilation, self.group)

    def training_values(self, in_shape: Shape3) -> int:
        """Values one image keeps for the backward pass: input, output and every group's patch
        matrix (C/group * kh * kw rows each, Ho * Wo columns: C * kh * kw * Ho * Wo in all)."""
        out = self.output_shape(in_shape)
        patches = in_shape[0] * self.kernel_shape[0] * self.kernel_shape[1] * out[1] * out[2]
        return int(np.prod(in_shape)) + int(np.prod(out)) + patches

    def statistics(self, in_shape: Shape3) -> dict[str, int]:
        """NNC's costs for one image: CostParameter, CostAdd (a bias add per output value
        with WithBias) and CostMultiplyAdd."""
        m, ho, wo = self.output_shape(in_shape)
        return {"CostParameter": self.parameter_count(in_shape),
                "CostAdd": m * ho * wo if self.with_bias else 0,
                "CostMultiplyAdd": self.multiply_adds(in_shape)}
