"""Main-area panels: one small typed function per view (Streamlit only here)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from cnnlab import figures
from cnnlab.explain import size_arithmetic
from cnnlab.figures import Display
from cnnlab.pipeline import Stage
from cnnlab.specs import ActivationSpec, ConvolutionSpec
from cnnlab.ui.i18n import Text

PLOT_CONFIG = {"displayModeBar": False, "scrollZoom": False}


def shape_text(shape: Sequence[int]) -> str:
    """(16, 24, 24) -> '16 x 24 x 24'."""
    return " x ".join(str(n) for n in shape)


def url_notice_view(tx: Text, problems: Sequence[tuple[str, str, object]]) -> None:
    """The URL values that were refused, and the defaults used instead."""
    items = ", ".join(tx("url.item", key=k, value=v, default=d) for k, v, d in problems)
    st.warning(tx("url.notice", items=items), icon=":material/link_off:")


def chain_view(tx: Text, stages: Sequence[Stage]) -> None:
    """Input 1 x 28 x 28 -> Convolution 16 x 24 x 24 -> MaxPooling 16 x 12 x 12."""
    parts = [f"**{s.name}** {shape_text(s.shape)}" if s.error is None else f"**{s.name}** :red[✕]" for s in stages]
    st.markdown(f"{tx('app.chain')}: " + " → ".join(parts))


def input_view(tx: Text, stage: Stage, display: Display) -> None:
    st.subheader(tx("input.title", shape=shape_text(stage.shape)))
    st.caption(tx("input.explain"))
    st.plotly_chart(figures.input_figure(stage.output, display), key="chart-input", config=PLOT_CONFIG, theme=None)


def kernels_view(tx: Text, stage: Stage, display: Display, seed: int) -> None:
    spec: ConvolutionSpec = stage.spec
    weight = stage.params[0]
    st.subheader(tx("kernels.title", shape=shape_text(weight.shape)))
    st.caption(tx("kernels.explain", count=weight.shape[0] * weight.shape[1], kh=weight.shape[2],
                  kw=weight.shape[3], init=spec.w_initializer, seed=seed))
    st.plotly_chart(figures.kernels_figure(weight, display), key=f"chart-kernels-{stage.index}",
                    config=PLOT_CONFIG, theme=None)


def stage_view(tx: Text, stage: Stage, display: Display) -> None:
    """A layer's title with its shape, what it computes, its size arithmetic and every map."""
    st.subheader(tx("stage.title", name=stage.name, shape=shape_text(stage.shape)))
    if isinstance(stage.spec, ActivationSpec):
        st.caption(tx("explain.activation", name=stage.name))
    else:
        explanation = tx(f"explain.{stage.name}")
        if isinstance(stage.spec, ConvolutionSpec):
            explanation += " " + tx("explain.why16", count=stage.spec.out_maps)
        st.caption(explanation)
    for axis, arithmetic in size_arithmetic(stage.spec, stage.input_shape):
        st.markdown(tx("stage.size", axis=axis, arithmetic=f"`{arithmetic}`"))
    st.plotly_chart(figures.maps_figure(stage.output, display), key=f"chart-stage-{stage.index}",
                    config=PLOT_CONFIG, theme=None)


def stage_error_view(tx: Text, stage: Stage) -> None:
    st.error(tx("stage.error", name=stage.name, message=stage.error), icon=":material/error:")
