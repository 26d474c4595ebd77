"""The Learn tab: the blog post's worked examples, stepped window by window."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import examples, explain, figures
from cnnlab import functions as F
from cnnlab.shapes import LayerShapeError
from cnnlab.layers import ConvolutionSpec, PoolingSpec
from cnnlab.ui.widgets import current
from cnnlab.ui.i18n import Text
from cnnlab.ui.params import URL_PARAMS

STATIC = {"staticPlot": True}


def _setting(tx: Text, key: str) -> int:
    """A Learn slider, in the URL under `key` (its range and default from URL_PARAMS)."""
    p = URL_PARAMS[key]
    return st.slider(tx(p.label_key), int(p.lo), int(p.hi), p.default, key=key, help=tx(p.help_key),
                     bind="query-params")


def _stepper(tx: Text, key: str, count: int) -> int:
    """Prev / Next buttons and a slider over output positions 0..count-1."""
    st.session_state[key] = min(int(current(key)), count - 1)  # the URL's on a first run

    def move(delta: int) -> None:
        st.session_state[key] = (st.session_state[key] + delta) % count

    prev, slider, nxt = st.columns([1, 6, 1], vertical_alignment="bottom")
    prev.button("◀", key=f"{key}-prev", on_click=move, args=(-1,), help=tx("learn.prev"))
    nxt.button("▶", key=f"{key}-next", on_click=move, args=(1,), help=tx("learn.next"))
    with slider:
        if count == 1:
            st.caption(tx("learn.single"))
            return 0
        return st.slider(tx("learn.position"), 0, count - 1, key=key, bind="query-params")


def _grid(key: str, values, **kw) -> None:
    _show(key, figures.grid_figure(values, fmt="g", diverging=False, **kw))


def convolution_example(tx: Text) -> None:
    st.subheader(tx("learn.conv.title", k=current("learn_k")))  # as set (the sliders come below)
    st.caption(tx("learn.conv.intro"))
    a, b, c = st.columns(3)
    with a:
        k = _setting(tx, "learn_k")
    with b:
        s = _setting(tx, "learn_s")
    with c:
        p = _setting(tx, "learn_p")
    x, w = examples.convolution_input(), examples.convolution_kernel(k)
    spec = ConvolutionSpec(1, (k, k), padding=(p, p), strides=(s, s), with_bias=False)
    try:
        y = F.convolution(x[None, None], w[None, None], None, p, s)[0, 0]
    except LayerShapeError as err:
        st.error(str(err))
        return
    st.markdown(tx("learn.size", arithmetic=f"`{spec.size_arithmetic((1, 7, 7))[0]}`"))
    pos = _stepper(tx, "learn_conv_pos", y.size)
    i, j = divmod(pos, y.shape[1])
    step = explain.explain_pixel(spec, {"W": w[None, None]}, x[None], (0, i, j))
    padded = np.pad(x, p, constant_values=np.nan)
    left, mid, right = st.columns([7, 4, 4])
    with left:
        st.caption(tx("learn.input", size=f"{7}x{7}", pad=p))
        fig = figures.grid_figure(padded, fmt="g", diverging=False, marked=np.isnan(padded) if p else None)
        top, lft = i * s, j * s
        _show("chart-learn-conv-input", figures.add_box(fig, top, lft, top + k - 1, lft + k - 1))
    with mid:
        st.caption(tx("learn.kernel"))
        _grid("chart-learn-conv-kernel", w)
    with right:
        st.caption(tx("learn.output", shape=f"{y.shape[0]}x{y.shape[1]}"))
        _grid("chart-learn-conv-output", _filled(y, pos), chosen=(i, j))
    st.code(explain.sum_lines(step)[0], language=None, wrap_lines=True)


def pooling_example(tx: Text) -> None:
    st.subheader(tx("learn.pool.title", k=current("learn_pk"), s=current("learn_ps")))
    st.caption(tx("learn.pool.intro"))
    a, b = st.columns(2)
    with a:
        k = _setting(tx, "learn_pk")
    with b:
        s = _setting(tx, "learn_ps")
    x = examples.pooling_input()
    spec = PoolingSpec("MaxPooling", (k, k), (s, s))
    y = F.max_pooling(x[None, None], k, s)[0, 0]
    st.markdown(tx("learn.size", arithmetic=f"`{spec.size_arithmetic((1, 8, 8))[0]}`"))
    pos = _stepper(tx, "learn_pool_pos", y.size)
    i, j = divmod(pos, y.shape[1])
    step = explain.explain_pixel(spec, None, x[None], (0, i, j))
    left, right = st.columns([8, 5])
    with left:
        st.caption(tx("learn.sample"))
        fig = figures.grid_figure(x, fmt="g", diverging=False)
        _show("chart-learn-pool-input", figures.add_box(fig, i * s, j * s, i * s + k - 1, j * s + k - 1))
    with right:
        st.caption(tx("learn.output", shape=f"{y.shape[0]}x{y.shape[1]}"))
        _grid("chart-learn-pool-output", _filled(y, pos), chosen=(i, j))
    st.code(explain.pooling_line(step), language=None)


def _filled(y: np.ndarray, pos: int) -> np.ndarray:
    """The output with the positions after `pos` not computed yet (blank)."""
    shown = y.astype(np.float64).ravel().copy()
    shown[pos + 1:] = np.nan
    return shown.reshape(y.shape)


def _show(key: str, fig) -> None:
    st.plotly_chart(fig, config=STATIC, theme=None, width="content", key=key)


def learn_view(tx: Text) -> None:
    """Both worked examples, and the output-size rule."""
    st.markdown(tx("learn.intro"))
    st.latex(tx("learn.formula"))
    convolution_example(tx)
    st.divider()
    pooling_example(tx)
