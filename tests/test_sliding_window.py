"""The sliding window's tour (what the player animates) restates every layer kind's own
output: at every step the window's arrays, reduced as the tour says, give the layer's
value there; checked over each kind's whole parameter space, and its window against
plain loops for a Convolution."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab import explain
from cnnlab.layers import ConvolutionSpec, PoolingSpec
from cnnlab.mosaic import Display
from cnnlab.sliding_window import tour
from test_layer_contract import _setup, any_spec, pairs


def step_value(payload: dict, x: np.ndarray, kernel: np.ndarray | None, step: int) -> float:
    """What the browser (window_player.js) computes at `step` (output cell step // Wo,
    step % Wo), restated in NumPy from the payload's arrays (x the payload's input (Cg, H, W))."""
    i, j = divmod(step, payload["out_width"])
    rows, cols = np.array(payload["rows"][i]), np.array(payload["cols"][j])
    fill = np.nan if payload["reduce"] in ("max", "sum-only", "mean") else 0.0
    window = explain.gather(x, rows, cols, fill=fill)
    if payload["reduce"] == "sum":
        return float((window * kernel).sum() + (payload["bias"] or 0.0))
    if payload["reduce"] == "max":
        return float(np.nanmax(window))
    if payload["reduce"] == "sum-only":
        return float(np.nansum(window))
    if payload["reduce"] == "mean":
        return float(np.nansum(window) / payload["divisors"][step])
    return float(window[0, 0, 0])


def _floats(payload: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(payload[name]), dtype="<f4").reshape(shape)


def _check_every_step(spec, x, params, out_shape, map_index):
    y = spec.forward(x[None], params)[0]
    payload = tour(spec, params, x, y, map_index, Display())
    _, ho, wo = out_shape
    assert (payload["out_height"], payload["out_width"]) == (ho, wo)
    source = _floats(payload, "input", (payload["depth"], *x.shape[1:])).astype(np.float64)
    np.testing.assert_array_equal(source, x[payload["channels"]].astype(np.float32))
    np.testing.assert_array_equal(_floats(payload, "output", (ho, wo)), y[map_index].astype(np.float32))
    kernel = None
    if payload["kernel"] is not None:
        kernel = _floats(payload, "kernel", (payload["depth"], len(payload["rows"][0]), len(payload["cols"][0])))
    for step in range(ho * wo):
        i, j = divmod(step, wo)
        got = step_value(payload, source, kernel, step)
        want = x[map_index, i, j] if payload["reduce"] == "function" else y[map_index, i, j]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    return payload


@settings(max_examples=60, deadline=None)
@given(any_spec, st.integers(0, 999), st.data())
def test_every_step_of_every_kind_gives_the_layer_s_own_value(spec, seed, data):
    x, params, out_shape = _setup(spec, seed)
    _check_every_step(spec, x, params, out_shape, data.draw(st.integers(0, out_shape[0] - 1)))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["MaxPooling", "AveragePooling", "SumPooling"]), pairs(1, 3), pairs(1, 3), pairs(0, 1),
       st.booleans(), st.booleans(), st.integers(0, 999))
def test_padded_pooling_tours_including_nnc_s_divisors(kind, kernel, stride, pad, ignore_border, including_pad, seed):
    pad = tuple(min(p, k - 1) for p, k in zip(pad, kernel))
    spec = PoolingSpec(kind, kernel, stride, pad, ignore_border, including_pad)
    x, params, out_shape = _setup(spec, seed)
    payload = _check_every_step(spec, x, params, out_shape, 1)
    assert (payload["divisors"] is not None) == (kind == "AveragePooling")


@settings(max_examples=30, deadline=None)
@given(pairs(1, 3), pairs(0, 2), pairs(1, 3), pairs(1, 2), st.integers(0, 999), st.data())
def test_a_convolution_s_window_is_where_plain_loops_put_it(kernel, pad, stride, dilation, seed, data):
    spec = ConvolutionSpec(2, kernel, "valid", pad, stride, dilation, 1, True)
    x, params, (_, ho, wo) = _setup(spec, seed)
    payload = tour(spec, params, x, spec.forward(x[None], params)[0], 1, Display())
    i, j = data.draw(st.integers(0, ho - 1)), data.draw(st.integers(0, wo - 1))
    assert payload["rows"][i] == [i * stride[0] - pad[0] + u * dilation[0] for u in range(kernel[0])]
    assert payload["cols"][j] == [j * stride[1] - pad[1] + v * dilation[1] for v in range(kernel[1])]
    total = float(params["b"][1])
    for c in range(2):
        for u in range(kernel[0]):
            for v in range(kernel[1]):
                r, q = payload["rows"][i][u], payload["cols"][j][v]
                if 0 <= r < x.shape[1] and 0 <= q < x.shape[2]:
                    total += x[c, r, q] * float(params["W"][1, c, u, v])
    source = _floats(payload, "input", (2, *x.shape[1:])).astype(np.float64)
    kernels = _floats(payload, "kernel", (2, *kernel))
    assert step_value(payload, source, kernels, i * wo + j) == pytest.approx(total, abs=1e-5)


def test_a_tour_too_large_to_send_is_refused_before_anything_is_built():
    from cnnlab.sliding_window import MAX_VALUES, TourTooLarge

    spec = ConvolutionSpec(2, (3, 3), "valid", None, (1, 1), (1, 1), 1, True)
    side = int((MAX_VALUES / 3) ** 0.5) + 1  # 3 input channels of side x side: past the limit
    x = np.zeros((3, side, side), dtype=np.float32)
    params = spec.init_params((3, 8, 8), np.random.default_rng(0))
    y = spec.forward(x[None], params)[0]
    with pytest.raises(TourTooLarge) as refused:
        tour(spec, params, x, y, 0, Display())
    assert refused.value.values == 3 * side * side + y.shape[1] * y.shape[2] > MAX_VALUES
    small = np.zeros((3, 30, 30), dtype=np.float32)
    assert tour(spec, params, small, spec.forward(small[None], params)[0], 0, Display())["depth"] == 3
