"""Slow, obviously-correct references written with plain loops (float64).

They restate the rules independently of cnnlab: window positions are found by
walking, not by the size formulas under test.
"""

from __future__ import annotations

import numpy as np


def conv_reference(x, w, b, pad, stride, dilation, group):
    """Plain-loop convolution; returns None when the kernel does not fit."""
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    (ph, pw), (sh, sw), (dh, dw) = pad, stride, dilation
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    rows = [i for i in range(0, xp.shape[2]) if i * sh + (kh - 1) * dh < xp.shape[2]]
    cols = [j for j in range(0, xp.shape[3]) if j * sw + (kw - 1) * dw < xp.shape[3]]
    if not rows or not cols:
        return None
    y = np.zeros((n, m, len(rows), len(cols)))
    per_group = m // group
    for ni in range(n):
        for mi in range(m):
            g = mi // per_group
            for i in rows:
                for j in cols:
                    total = 0.0 if b is None else float(b[mi])
                    for ci in range(cg):
                        for u in range(kh):
                            for v in range(kw):
                                total += w[mi, ci, u, v] * xp[ni, g * cg + ci, i * sh + u * dh, j * sw + v * dw]
                    y[ni, mi, i, j] = total
    return y


def _window_starts(length, k, stride, pad, ignore_border):
    starts, i = [], 0
    while True:
        start = i * stride - pad
        keep = start + k <= length + pad if ignore_border else start <= length - 1
        if not keep:
            return starts
        starts.append(start)
        i += 1


def pool_reference(x, kind, kernel, stride, pad, ignore_border, including_pad=True):
    """nnabla's pooling by loops: windows clipped to the input; padding never counted
    in max or sum; AveragePooling divides by the window clipped to [-p, L + p) when
    including_pad, else by the count of input cells."""
    n, c, h, w = x.shape
    rows = _window_starts(h, kernel[0], stride[0], pad[0], ignore_border)
    cols = _window_starts(w, kernel[1], stride[1], pad[1], ignore_border)
    if not rows or not cols:
        return None
    y = np.zeros((n, c, len(rows), len(cols)))
    for ni in range(n):
        for ci in range(c):
            for a, r0 in enumerate(rows):
                for bb, c0 in enumerate(cols):
                    cells = [x[ni, ci, r, q]
                             for r in range(max(r0, 0), min(r0 + kernel[0], h))
                             for q in range(max(c0, 0), min(c0 + kernel[1], w))]
                    if kind == "MaxPooling":
                        y[ni, ci, a, bb] = max(cells)
                    elif kind == "SumPooling":
                        y[ni, ci, a, bb] = sum(cells)
                    else:
                        if including_pad:
                            hh = min(r0 + kernel[0], h + pad[0]) - r0
                            ww = min(c0 + kernel[1], w + pad[1]) - c0
                            divisor = hh * ww
                        else:
                            divisor = len(cells)
                        y[ni, ci, a, bb] = sum(cells) / divisor
    return y


def assert_close(fast, ref, rel=1e-5):
    """max |fast - ref| <= rel * max |ref| (or rel when ref is all zeros)."""
    assert fast.shape == ref.shape, (fast.shape, ref.shape)
    scale = max(float(np.abs(ref).max(initial=0.0)), 1e-12)
    err = float(np.abs(fast.astype(np.float64) - ref).max(initial=0.0))
    assert err <= rel * scale, f"max abs error {err} > {rel} x {scale}"


def depthwise_reference(x, w, b, pad, stride, dilation, multiplier):
    """Plain-loop depthwise convolution: output map m reads input channel m // multiplier."""
    n, c, h, wd = x.shape
    m, kh, kw = w.shape
    (ph, pw), (sh, sw), (dh, dw) = pad, stride, dilation
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    rows = [i for i in range(xp.shape[2]) if i * sh + (kh - 1) * dh < xp.shape[2]]
    cols = [j for j in range(xp.shape[3]) if j * sw + (kw - 1) * dw < xp.shape[3]]
    if not rows or not cols:
        return None
    y = np.zeros((n, m, len(rows), len(cols)))
    for ni in range(n):
        for mi in range(m):
            for i in rows:
                for j in cols:
                    total = 0.0 if b is None else float(b[mi])
                    for u in range(kh):
                        for v in range(kw):
                            total += w[mi, u, v] * xp[ni, mi // multiplier, i * sh + u * dh, j * sw + v * dw]
                    y[ni, mi, i, j] = total
    return y


def deconv_reference(x, w, b, pad, stride, dilation, group):
    """Plain-loop transposed convolution: scatter every input value times the kernel into a
    padded output, then crop the padding (the output size found by walking, not by formula)."""
    n, c, h, wd = x.shape
    _, mg, kh, kw = w.shape
    (ph, pw), (sh, sw), (dh, dw) = pad, stride, dilation
    full_h = (h - 1) * sh + (kh - 1) * dh + 1
    full_w = (wd - 1) * sw + (kw - 1) * dw + 1
    if full_h - 2 * ph < 1 or full_w - 2 * pw < 1:
        return None
    cg = c // group
    yp = np.zeros((n, mg * group, full_h, full_w))
    for ni in range(n):
        for ci in range(c):
            g = ci // cg
            for i in range(h):
                for j in range(wd):
                    for mi in range(mg):
                        for u in range(kh):
                            for v in range(kw):
                                yp[ni, g * mg + mi, i * sh + u * dh, j * sw + v * dw] += w[ci, mi, u, v] * x[ni, ci, i, j]
    y = yp[:, :, ph:full_h - ph, pw:full_w - pw].copy()
    if b is not None:
        y += np.asarray(b).reshape(1, -1, 1, 1)
    return y


def draw_window(data, size_max: int, dilation_max: int = 3):
    """Hypothesis draws of a convolution-like layer's geometry on an input of at most
    size_max a side: ((H, W), kernel, pad, stride, dilation), each a pair."""
    from hypothesis import strategies as st

    hw = (data.draw(st.integers(1, size_max)), data.draw(st.integers(1, size_max)))
    kernel = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    pad, stride, dilation = (data.draw(st.tuples(st.integers(lo, hi), st.integers(lo, hi)))
                             for lo, hi in ((0, 3), (1, 3), (1, dilation_max)))
    return hw, kernel, pad, stride, dilation


def assert_gradient_close(analytic, numeric):
    """An analytic gradient against numerical_grad's, both float64."""
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


def numerical_grad(f, x, eps=1e-6):
    """d f(x) / dx by central differences, f scalar, x float64 (modified in place, restored)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = f()
        x[idx] = old - eps
        minus = f()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad
