"""Layer functions with nnabla's names and arguments: ``from cnnlab import functions as F``.

Arrays are NCHW float32 (float64 inputs stay float64, for gradient checks). Every
function reads like its formula; the output-size rules live in :mod:`cnnlab.shapes`,
so shapes and arrays always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from cnnlab.shapes import LayerShapeError, conv_output_shape, pair, pool_output_shape

IntPair = int | Sequence[int]

# The im2col buffer is filled in blocks of at most this many floats (16 MiB), so a
# 10,000-image batch or a 512x512 image never builds one huge patch matrix.
_COLUMN_BLOCK_FLOATS = 4 * 1024 * 1024
_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)
FLOAT_BYTES = 4  # a float32, what the layers' working_bytes / training_bytes price
BUFFER_BYTES = 256 * 1024  # NumPy's own buffers (a few 8,192-element iteration and casting buffers)
# CPU seconds of these functions on the reference machine (one BLAS thread), per unit, as the layers'
# seconds() price them (fitted with benchmarks/bench_budget.py, which prints measured / priced per kind):
SECONDS_PER_MULTIPLY_ADD = 5e-11  # inside a GEMM
SECONDS_PER_COLUMN_FLOAT = 1e-9  # a patch-matrix float copied out of the input (im2col)
SECONDS_PER_SCATTERED_FLOAT = 3e-9  # a column-matrix float added back onto strided output slices (col2im)
SECONDS_PER_OUTPUT_VALUE = 1e-9  # a value written to a layer's output (and padded copies)
SECONDS_PER_WINDOW_READ = 5e-10  # a pooling window's cell
SECONDS_PER_CALL = 5e-6  # one NumPy call in a layer's Python loop (a block's GEMM, an offset's slice)
SECONDS_PER_FUNCTION_VALUE = {"Identity": 0.0, "ReLU": 1e-9, "LeakyReLU": 8e-9, "Tanh": 2e-9, "Sigmoid": 4e-9}


def as_float(x) -> np.ndarray:
    """float64 stays float64 (gradient checks); everything else becomes float32."""
    if type(x) is np.ndarray and (x.dtype is _FLOAT32 or x.dtype is _FLOAT64):
        return x  # already one of the two: no conversion to ask numpy for (once per layer and image)
    x = np.asarray(x)
    return x if x.dtype == np.float64 else x.astype(np.float32, copy=False)


def _as_nchw(x: np.ndarray, what: str = "x") -> np.ndarray:
    x = as_float(x)
    if x.ndim != 4:
        raise LayerShapeError(f"{what} must have 4 axes (N, C, H, W); got shape {x.shape}.")
    return x


def conv_geometry(pad: IntPair | None, stride: IntPair | None, dilation: IntPair | None):
    """((ph, pw), (sh, sw), (dh, dw)) with nnabla's defaults: no padding, stride 1, dilation 1."""
    if pad is None and stride is None and dilation is None:
        return (0, 0), (1, 1), (1, 1)
    return (pair(0 if pad is None else pad, "Padding"), pair(1 if stride is None else stride, "Strides"),
            pair(1 if dilation is None else dilation, "Dilation"))


def convolution_blocks(n: int, k: int, ho: int, wo: int) -> tuple[int, int, int]:
    """(images, output rows, output columns) per block of F.convolution's patch matrix (k =
    C/group * kh * kw rows): imgs x k x rows x cols floats, at most _COLUMN_BLOCK_FLOATS (or
    2k floats when even that is more: two columns keep every block a matrix product, whose
    sums BLAS adds in the same order as the whole one's). Columns are cut only when one output
    row is too many."""
    cols = min(wo, max(2, _COLUMN_BLOCK_FLOATS // max(1, k)))
    rows = max(1, min(ho, _COLUMN_BLOCK_FLOATS // max(1, k * wo))) if cols == wo else 1
    imgs = 1 if rows < ho else max(1, min(n, _COLUMN_BLOCK_FLOATS // max(1, k * ho * wo)))
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
    x = _as_nchw(x)
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


def window_slices(
    xp: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
):
    """Yield the kh*kw strided views xp[..., u::sh, v::sw] cut to out_hw (one per offset)."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    for u in range(kh):
        for v in range(kw):
            yield xp[..., u:u + (ho - 1) * sh + 1:sh, v:v + (wo - 1) * sw + 1:sw]


def pad_for_pooling(
    x: np.ndarray, kernel, stride, pad, ignore_border: bool, fill: float
) -> tuple[np.ndarray, tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Check shapes; pad x with `fill` so every window lies inside. Returns xp, k, s, p, out_hw."""
    x = _as_nchw(x)
    k = pair(kernel, "KernelShape")
    s = k if stride is None else pair(stride, "Strides")
    p = (0, 0) if pad is None else pair(pad, "Padding")
    out_hw = pool_output_shape(x.shape[2:], k, s, p, ignore_border)
    if ignore_border and p == (0, 0):
        return x, k, s, p, out_hw  # whole windows only, no padding: every window already lies inside
    # Windows start at i*s - p; the last one ends at (out - 1)*s - p + k.
    after = [max(0, (o - 1) * st - pp + kk - n) for o, st, pp, kk, n in zip(out_hw, s, p, k, x.shape[2:])]
    if p[0] or p[1] or after[0] or after[1]:
        x = np.pad(x, ((0, 0), (0, 0), (p[0], after[0]), (p[1], after[1])), constant_values=fill)
    return x, k, s, p, out_hw


def fold(op: Callable, views) -> np.ndarray:
    """op(op(v0, v1), v2)... over equally shaped views, in place in a fresh array."""
    views = iter(views)
    first = next(views)
    second = next(views, None)
    if second is None:
        return np.array(first)
    out = op(first, second)
    for view in views:
        op(out, view, out=out)
    return out


def max_pooling(
    x: np.ndarray,
    kernel: IntPair,
    stride: IntPair | None = None,
    ignore_border: bool = True,
    pad: IntPair | None = None,
) -> np.ndarray:
    """y[n, c, i, j] = max of x[n, c, i*sh - ph + u, j*sw - pw + v] over the window's cells
    that lie inside the input (padding never wins, as in nnabla). (N, C, H, W) -> (N, C, Ho, Wo);
    sizes from :func:`cnnlab.shapes.pool_output_size`. Stride defaults to the kernel.

    Computed separably on the input padded with -inf (xp): rows[n, c, i, q] = max_u xp[n, c, i*sh + u, q],
    then y[n, c, i, j] = max_v rows[n, c, i, j*sw + v], i.e. (kh - 1) + (kw - 1) np.maximum passes
    instead of kh*kw - 1, with the same values (a maximum does not round)."""
    xp, (kh, kw), (sh, sw), _, (ho, wo) = pad_for_pooling(x, kernel, stride, pad, ignore_border, -np.inf)
    rows_end, width, cols_end = (ho - 1) * sh + 1, (wo - 1) * sw + kw, (wo - 1) * sw + 1
    rows = xp[..., 0:rows_end:sh, :width]
    for u in range(1, kh):
        row = xp[..., u:u + rows_end:sh, :width]
        rows = np.maximum(rows, row) if u == 1 else np.maximum(rows, row, out=rows)
    if kw == 1:
        return np.array(rows[..., 0:cols_end:sw])  # a fresh array, as from a fold
    y = np.maximum(rows[..., 0:cols_end:sw], rows[..., 1:1 + cols_end:sw])
    for v in range(2, kw):
        np.maximum(y, rows[..., v:v + cols_end:sw], out=y)
    return y


def sum_pooling(
    x: np.ndarray,
    kernel: IntPair,
    stride: IntPair | None = None,
    ignore_border: bool = True,
    pad: IntPair | None = None,
) -> np.ndarray:
    """y[n, c, i, j] = sum of the window's cells inside the input. (N, C, H, W) -> (N, C, Ho, Wo)."""
    xp, k, s, _, out_hw = pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    return fold(np.add, window_slices(xp, k, s, out_hw))


def pool_divisors(
    length: int, k: int, stride: int, pad: int, out: int, including_pad: bool
) -> np.ndarray:
    """Per-window divisor of AveragePooling along one axis (nnabla's rule).

    Window i covers [i*s - p, i*s - p + k). including_pad: the part inside the padded
    input [-p, L + p); otherwise the part inside the input [0, L).
    """
    start = np.arange(out) * stride - pad
    end = start + k
    if including_pad:
        return np.minimum(end, length + pad) - start
    return np.minimum(end, length) - np.maximum(start, 0)


def average_pooling(
    x: np.ndarray,
    kernel: IntPair,
    stride: IntPair | None = None,
    ignore_border: bool = True,
    pad: IntPair | None = None,
    including_pad: bool = True,
) -> np.ndarray:
    """y[n, c, i, j] = (sum of the window's input cells) / divisor[i, j], the divisor counting
    padding cells too when including_pad (see :func:`pool_divisors`). (N, C, H, W) -> (N, C, Ho, Wo)."""
    xp, k, s, p, out_hw = pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    total = fold(np.add, window_slices(xp, k, s, out_hw))
    h, w = np.shape(x)[2:]
    div_h = pool_divisors(h, k[0], s[0], p[0], out_hw[0], including_pad)
    div_w = pool_divisors(w, k[1], s[1], p[1], out_hw[1], including_pad)
    total /= np.outer(div_h, div_w).astype(total.dtype)
    return total


def identity(x: np.ndarray) -> np.ndarray:
    """y = x."""
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


def depthwise_convolution(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    pad: IntPair | None = None,
    stride: IntPair | None = None,
    dilation: IntPair | None = None,
    multiplier: int = 1,
) -> np.ndarray:
    """Depthwise convolution (nnabla's F.depthwise_convolution): each input channel has
    its own `multiplier` kernels.

    x (N, C, H, W), weight (C * multiplier, kh, kw), bias (C * multiplier,) -> y (N, C * multiplier, Ho, Wo):
        y[n, m, i, j] = b[m] + sum_{u, v} w[m, u, v] * x_pad[n, m // multiplier, i*sh + u*dh, j*sw + v*dw]
    Ho as for convolution. It is a convolution with Group = C and W (C * multiplier, 1, kh, kw).
    """
    x = _as_nchw(x)
    weight = np.asarray(weight, dtype=x.dtype)
    if weight.ndim != 3 or weight.shape[0] != x.shape[1] * multiplier:
        raise LayerShapeError(
            f"weight must be (C x Multiplier, kh, kw) = ({x.shape[1] * multiplier}, kh, kw); got {weight.shape}."
        )
    return convolution(x, weight[:, None], bias, pad, stride, dilation, group=x.shape[1])


def deconvolution_output_size(length: int, k: int, pad: int, stride: int, dilation: int = 1) -> int:
    """out = (L - 1) * s - 2p + d(k - 1) + 1 (nnabla's Deconvolution)."""
    return (length - 1) * stride - 2 * pad + dilation * (k - 1) + 1


def deconvolution_blocks(n: int, h: int, w: int, maps: int, kh: int, kw: int) -> tuple[int, int, int]:
    """(output maps, input rows, images) per block of F.deconvolution, so that each block's
    column matrix (maps x kh x kw) x (images x rows x W) holds at most _COLUMN_BLOCK_FLOATS
    floats, or one map x one row x one image (kh * kw * W floats) when even that is more.
    `maps` is OutMaps / Group."""
    per_map_row = kh * kw * w
    mb = max(1, min(maps, _COLUMN_BLOCK_FLOATS // per_map_row))
    rb = max(1, min(h, _COLUMN_BLOCK_FLOATS // (mb * per_map_row)))
    nb = 1 if rb < h else max(1, min(n, _COLUMN_BLOCK_FLOATS // (mb * per_map_row * h)))
    return mb, rb, nb


def deconvolution(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    pad: IntPair | None = None,
    stride: IntPair | None = None,
    dilation: IntPair | None = None,
    group: int = 1,
) -> np.ndarray:
    """2-D transposed convolution (nnabla's F.deconvolution): every input value, times the
    kernel, is added into the output; the adjoint of F.convolution with the same weight.

    x (N, C, H, W), weight (C, M/group, kh, kw), bias (M,) -> y (N, M, Ho, Wo):
        y_pad[n, g*M/G + m, i*sh + u*dh, j*sw + v*dw] += w[c, m, u, v] * x[n, c, i, j]  (c in group g)
        y = y_pad cropped by the padding (ph, pw) on each side, plus b
        Ho = (H - 1) * sh - 2ph + dh(kh - 1) + 1, likewise Wo.
    With Strides 1 it is the convolution of x with the flipped kernels (padded by d(k - 1) - p,
    see deconvolution_as_convolution_weight), in F.convolution's blocks; else one GEMM per group
    and block (deconvolution_blocks: output maps x input rows x images), each block's products
    added onto strided slices of the output, so the column matrix W^T . x never holds more than
    about _COLUMN_BLOCK_FLOATS floats.
    """
    x = _as_nchw(x)
    weight = np.asarray(weight, dtype=x.dtype)
    n, c, h, w = x.shape
    if weight.ndim != 4 or weight.shape[0] != c or group < 1 or c % group:
        raise LayerShapeError(
            f"weight must be (C, OutMaps/Group, kh, kw) with C = {c} input channels divisible by Group {group}; "
            f"got {weight.shape}."
        )
    _, mg, kh, kw = weight.shape
    (ph, pw), (sh, sw), (dh, dw) = conv_geometry(pad, stride, dilation)
    ho = deconvolution_output_size(h, kh, ph, sh, dh)
    wo = deconvolution_output_size(w, kw, pw, sw, dw)
    if ho < 1 or wo < 1 or min(ph, pw) < 0 or min(sh, sw, dh, dw) < 1:
        raise LayerShapeError(
            f"Padding {ph},{pw} is too large for a {h}x{w} input with KernelShape {kh}x{kw}: "
            f"the output would be {ho}x{wo}."
        )
    cg, m = c // group, mg * group
    if sh == sw == 1:
        return _deconvolution_as_convolution(x, weight, bias, (ph, pw), (dh, dw), group)
    yp = np.zeros((n, m, ho + 2 * ph, wo + 2 * pw), dtype=x.dtype)
    mb, rb, nb = deconvolution_blocks(n, h, w, mg, kh, kw)
    w_maps = weight.reshape(c, mg, kh * kw)
    for g in range(group):
        for m0 in range(0, mg, mb):
            mm = min(mb, mg - m0)
            # W's rows for this block of output maps, transposed: (mm*kh*kw, cg)
            w_cols = w_maps[g * cg:(g + 1) * cg, m0:m0 + mm].reshape(cg, mm * kh * kw).T
            for n0 in range(0, n, nb):
                nn = min(nb, n - n0)
                for r0 in range(0, h, rb):
                    rr = min(rb, h - r0)
                    x_rows = x[n0:n0 + nn, g * cg:(g + 1) * cg, r0:r0 + rr].transpose(1, 0, 2, 3).reshape(cg, -1)
                    cols = (w_cols @ x_rows).reshape(mm, kh, kw, nn, rr, w)
                    top = r0 * sh
                    for u in range(kh):
                        for v in range(kw):
                            yp[n0:n0 + nn, g * mg + m0:g * mg + m0 + mm,
                               top + u * dh:top + u * dh + (rr - 1) * sh + 1:sh,
                               v * dw:v * dw + (w - 1) * sw + 1:sw] += cols[:, u, v].transpose(1, 0, 2, 3)
                    del cols, x_rows  # before the next block's product: one block alive at a time
    y = np.ascontiguousarray(yp[:, :, ph:ph + ho, pw:pw + wo])
    if bias is not None:
        y += np.asarray(bias, dtype=x.dtype).reshape(1, m, 1, 1)
    return y


def deconvolution_as_convolution_weight(weight: np.ndarray, group: int) -> np.ndarray:
    """Deconvolution's W (C, M/group, kh, kw) -> the weight Wc (M, C/group, kh, kw) of the
    convolution that gives the same output with Strides 1:
        Wc[g*M/G + m, c, u, v] = W[g*C/G + c, m, kh - 1 - u, kw - 1 - v]."""
    c, mg, kh, kw = weight.shape
    cg = c // group
    flipped = weight.reshape(group, cg, mg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
    return flipped.reshape(group * mg, cg, kh, kw)


def _deconvolution_as_convolution(x: np.ndarray, weight: np.ndarray, bias, pad: tuple[int, int],
                                  dilation: tuple[int, int], group: int) -> np.ndarray:
    """F.deconvolution with Strides 1: y = F.convolution(x, Wc, padding d(k - 1) - p, dilation d)
    (a negative padding crops x by as much on each side)."""
    kh, kw = weight.shape[2:]
    qh, qw = (d * (k - 1) - p for d, k, p in zip(dilation, (kh, kw), pad))
    if qh < 0 or qw < 0:
        h, w = x.shape[2:]
        ch, cw = max(0, -qh), max(0, -qw)
        x = x[:, :, ch:h - ch, cw:w - cw]
        qh, qw = max(0, qh), max(0, qw)
    return convolution(x, deconvolution_as_convolution_weight(weight, group), bias, (qh, qw), (1, 1), dilation,
                       group)
