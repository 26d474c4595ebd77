"""Backward passes (gradients) of every layer in cnnlab.functions, for training.

Each `*_backward` takes the upstream gradient dy (the forward output's shape) and the
forward's inputs, and returns the gradient of the same loss w.r.t. each input. The
forward is recomputed where that is cheaper than storing it.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from cnnlab import functions as F
from cnnlab.shapes import conv_output_shape


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
    (ph, pw), stride, dilation = F.conv_geometry(pad, stride, dilation)
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
    """F.convolution for training: y, and each group's patch matrix cols (K, N*Ho*Wo),
    K = C/group * kh * kw, which convolution_backward reuses instead of rebuilding.
    y[:, group g] = W_g (Mg, K) . cols_g, reordered to (N, Mg, Ho, Wo)."""
    x = F.as_float(x)
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
    x = F.as_float(x)
    dy = F.as_float(dy)
    n, c, h, w = x.shape
    m, cg, kh, kw = weight.shape
    (ph, pw), (sh, sw), (dh, dw) = F.conv_geometry(pad, stride, dilation)
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
            dxp[:, g * cg:(g + 1) * cg] = F.convolution(dy_full, w_flipped)
            continue
        dcols = (weight[g * mg:(g + 1) * mg].reshape(mg, k).T @ dy_g).reshape(cg, kh, kw, n, ho, wo)
        for u in range(kh):
            for v in range(kw):
                dxp[:, g * cg:(g + 1) * cg, u * dh:u * dh + (ho - 1) * sh + 1:sh,
                    v * dw:v * dw + (wo - 1) * sw + 1:sw] += dcols[:, u, v].transpose(1, 0, 2, 3)
    dx = None if dxp is None else dxp[:, :, ph:ph + h, pw:pw + w]
    db = dy_rows.sum(axis=1) if with_bias else None
    return dx, dweight, db


def _crop(dxp: np.ndarray, p, hw) -> np.ndarray:
    return dxp[..., p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]]


def max_pooling_backward(dy, x, kernel, stride=None, ignore_border=True, pad=None,
                         y: np.ndarray | None = None) -> np.ndarray:
    """The gradient goes to each window's maximum (the first one in scan order on ties).
    y, the forward's output, is recomputed when not given."""
    x = F.as_float(x)
    dy = F.as_float(dy)
    xp, k, s, p, out_hw = F.pad_for_pooling(x, kernel, stride, pad, ignore_border, -np.inf)
    if y is None:
        y = F.fold(np.maximum, F.window_slices(xp, k, s, out_hw))
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    taken = np.zeros(y.shape, dtype=bool)
    winner = np.empty(y.shape, dtype=bool)
    overlap = s[0] < k[0] or s[1] < k[1]
    for window, grad in zip(F.window_slices(xp, k, s, out_hw), F.window_slices(dxp, k, s, out_hw)):
        np.equal(window, y, out=winner)
        np.greater(winner, taken, out=winner)  # a maximum not taken by an earlier cell
        taken |= winner
        if overlap:
            grad += dy * winner
        else:  # each cell belongs to one window at most: assign
            np.multiply(dy, winner, out=grad)
    return _crop(dxp, p, x.shape[2:])


def sum_pooling_backward(dy, x, kernel, stride=None, ignore_border=True, pad=None) -> np.ndarray:
    """Every cell of a window receives the window's gradient."""
    x = F.as_float(x)
    xp, k, s, p, out_hw = F.pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    for grad in F.window_slices(dxp, k, s, out_hw):
        grad += dy
    return _crop(dxp, p, x.shape[2:])


def average_pooling_backward(dy, x, kernel, stride=None, ignore_border=True, pad=None,
                             including_pad=True) -> np.ndarray:
    """Every cell of a window receives the window's gradient / its divisor."""
    x = F.as_float(x)
    _, k, s, p, out_hw = F.pad_for_pooling(x, kernel, stride, pad, ignore_border, 0.0)
    h, w = x.shape[2:]
    div = np.outer(F.pool_divisors(h, k[0], s[0], p[0], out_hw[0], including_pad),
                   F.pool_divisors(w, k[1], s[1], p[1], out_hw[1], including_pad)).astype(x.dtype)
    return sum_pooling_backward(F.as_float(dy) / div, x, kernel, stride, ignore_border, pad)


def activation_backward(kind: str, dy: np.ndarray, x: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """dL/dx of an element-wise activation, from its input x."""
    x = F.as_float(x)
    if kind == "ReLU":
        return dy * (x > 0)
    if kind == "LeakyReLU":
        return dy * np.where(x > 0, 1.0, alpha).astype(x.dtype)
    if kind == "Tanh":
        return dy * (1 - np.tanh(x) ** 2)
    if kind == "Sigmoid":
        y = F.sigmoid(x)
        return dy * y * (1 - y)
    return F.as_float(dy)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean cross-entropy of softmax(logits (N, 10)) against labels (N,): (loss, probabilities, dlogits)."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    prob = e / e.sum(axis=1, keepdims=True)
    n = len(labels)
    loss = float(-np.log(prob[np.arange(n), labels] + 1e-12).mean())
    grad = prob.copy()
    grad[np.arange(n), labels] -= 1
    return loss, prob, grad / n


def deconvolution_backward(
    dy: np.ndarray, x: np.ndarray, weight: np.ndarray, with_bias: bool = True,
    pad=None, stride=None, dilation=None, group: int = 1, need_dx: bool = True,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """dy (N, M, Ho, Wo), x (N, C, H, W), W (C, M/group, kh, kw) -> (dx, dW, db).

    A deconvolution is the adjoint of the convolution with the same weight, so
        dx = F.convolution(dy, W)  (the convolution from M to C channels),
        dW = that convolution's weight gradient with x as its upstream gradient,
        db[m] = sum dy[:, m].
    """
    x = F.as_float(x)
    dy = F.as_float(dy)
    dx = F.convolution(dy, weight, None, pad, stride, dilation, group) if need_dx else None
    _, dweight, _ = convolution_backward(x, dy, weight, False, pad, stride, dilation, group, need_dx=False)
    db = dy.sum(axis=(0, 2, 3)) if with_bias else None
    return dx, dweight, db
