"""Main-area panels: one small typed function per view (Streamlit only here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st

from cnnlab import explain, figures, heatmaps
from cnnlab.statistics import COSTS, network_statistics, summary
from cnnlab.explain import size_arithmetic
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage
from cnnlab.ui import controls
from cnnlab.ui.heatmap import heatmap
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal

@dataclass(frozen=True)
class Inspected:
    """The inspected pixel, its explanation, its receptive field on the input (C, H, W bool)
    and the window it reads in the layer before (bool, that layer's shape)."""

    pixel: "controls.Pixel"
    step: explain.PixelStep
    field: np.ndarray
    window: np.ndarray

    @classmethod
    def of(cls, stages: Sequence[Stage], specs, pixel) -> "Inspected":
        stage, prev = stages[pixel.layer], stages[pixel.layer - 1]
        step = explain.explain_pixel(stage.spec, stage.params, prev.output, pixel.out)
        shapes = [s.output.shape for s in stages[:pixel.layer]]
        field = explain.receptive_field(specs, shapes, pixel.layer, pixel.out)
        here = np.zeros(stage.shape, dtype=bool)
        here[pixel.out] = True
        return cls(pixel, step, field, explain.back_one(stage.spec, prev.shape, here))


def maps_view(tx: Text, stages: Sequence[Stage], display: Display, seed: int,
              inspected: Inspected | None) -> None:
    """The input, the kernels and every layer's maps; the inspected pixel, the window it
    reads and its receptive field are marked."""
    pixel = inspected.pixel if inspected else None
    chain_view(tx, stages, pixel)
    left, right = st.columns([2, 3])
    with left:
        input_view(tx, stages[0], display, inspected.field if inspected else None)
    with right:
        if stages[1].error is None and kernels_of(stages[1]) is not None:
            kernels_view(tx, stages[1], display, seed, pixel.map if pixel and pixel.layer == 1 else None)
    for s in stages[1:]:
        if s.error is not None:
            stage_error_view(tx, s)
            continue
        stage_view(tx, s, display, pixel.out if pixel and s.index == pixel.layer else None,
                   inspected.window if pixel and s.index == pixel.layer - 1 else None)
    statistics_view(tx, stages)


def shape_text(shape: Sequence[int]) -> str:
    """(16, 24, 24) -> '16 x 24 x 24'."""
    return " x ".join(str(n) for n in shape)


def pixel_value(stage: Stage, pixel: "controls.Pixel") -> str:
    """The inspected pixel's value as the page writes it (6 significant digits)."""
    return f"{float(stage.output[pixel.out]):.6g}"


def url_notice_view(tx: Text, problems: Sequence[tuple[str, str, object]]) -> None:
    """The URL values that were refused (shown literally), and the values used instead."""
    items = ", ".join(tx("url.item", item=literal(f"{k}={v}"), default=literal(d)) for k, v, d in problems)
    st.warning(tx("url.notice", items=items), icon=":material/link_off:")


def chain_view(tx: Text, stages: Sequence[Stage], pixel: "controls.Pixel | None" = None) -> None:
    """Input 1 x 28 x 28 -> Convolution 16 x 24 x 24 -> MaxPooling 16 x 12 x 12, and the
    inspected pixel's value (one element: every element costs the browser a redraw)."""
    parts = [f"**{s.name}** {shape_text(s.shape)}" if s.error is None else f"**{s.name}** :red[✕]" for s in stages]
    text = f"{tx('app.chain')}: " + " → ".join(parts)
    if pixel is not None:
        stage = stages[pixel.layer]
        text += "  \n" + tx("maps.inspected", name=stage.name, map=pixel.map, row=pixel.row, col=pixel.col,
                            value=pixel_value(stage, pixel))
    st.markdown(text)


def input_view(tx: Text, stage: Stage, display: Display, field: np.ndarray | None = None) -> None:
    """The input image; `field` (the inspected pixel's receptive field) is tinted."""
    st.subheader(tx("input.title", shape=shape_text(stage.shape)))
    st.caption(tx("input.explain"))
    heatmap(tx, heatmaps.input_heatmap(stage.output, display, field=field), key="chart-input")


def kernels_view(tx: Text, stage: Stage, display: Display, seed: int, selected: int | None = None) -> None:
    spec = stage.spec
    weight = kernels_of(stage)
    st.subheader(tx("kernels.title", shape=shape_text(weight.shape)))
    st.caption(tx("kernels.explain", count=weight.shape[0] * weight.shape[1], kh=weight.shape[2],
                  kw=weight.shape[3], init=spec.w_initializer, seed=seed))
    heatmap(tx, heatmaps.kernels_heatmap(weight, display, selected=selected), key=f"chart-kernels-{stage.index}")


def stage_view(tx: Text, stage: Stage, display: Display, pixel: tuple[int, int, int] | None = None,
               window: np.ndarray | None = None) -> None:
    """A layer's title with its shape, what it computes, its size arithmetic and every map;
    the inspected `pixel` and the `window` feeding the next layer's inspected pixel are boxed."""
    st.subheader(tx("stage.title", name=stage.name, shape=shape_text(stage.shape)))
    explanation = tx(f"explain.{stage.name}", **vars(stage.spec))
    costs = summary(stage.spec.statistics(stage.input_shape), cost_words(tx))
    st.caption(f"**{costs}**  \n{explanation}" if costs else explanation)
    for axis, arithmetic in size_arithmetic(stage.spec, stage.input_shape):
        st.markdown(tx("stage.size", axis=axis, arithmetic=f"`{arithmetic}`"))
    heatmap(tx, heatmaps.maps_heatmap(stage.output, display, pixel=pixel, window=window),
            key=f"chart-stage-{stage.index}", on_pick=partial(controls.pick_from_map, stage.index))


def cost_words(tx: Text) -> dict[str, str]:
    return {name: tx(f"cost.{name}") for name in COSTS}


def statistics_view(tx: Text, stages: Sequence[Stage]) -> None:
    """NNC's statistics of every layer that runs, and their total, as one table."""
    specs = [s.spec for s in stages[1:] if s.error is None]
    rows, totals = network_statistics(specs, stages[0].shape)
    shown = [name for name in COSTS if totals[name]]
    table = {tx("stats.layer"): [f"{k}. {r.name}" for k, r in enumerate(rows, start=1)] + [tx("stats.total")],
             tx("stats.output"): [shape_text(r.output) for r in rows] + [""]}
    for name in shown:
        table[name] = [f"{r.costs[name]:,}" for r in rows] + [f"{totals[name]:,}"]
    st.markdown(f"**{tx('stats.title')}**")
    st.table(table)


def kernels_of(stage: Stage) -> np.ndarray | None:
    """A layer's weights as kernels (maps, channels, kh, kw) to draw, or None."""
    return stage.spec.kernels(stage.params)


def stage_error_view(tx: Text, stage: Stage) -> None:
    st.error(tx("stage.error", name=stage.name, message=stage.error), icon=":material/error:")


def inspector_view(tx: Text, stages: Sequence[Stage], inspected: Inspected, display: Display) -> None:
    """The inspected pixel: the input with its receptive field, its map enlarged (click a
    cell to pick it), and why its value is what it is."""
    pixel, step = inspected.pixel, inspected.step
    stage, prev = stages[pixel.layer], stages[pixel.layer - 1]
    left, right = st.columns([2, 3])
    with left:
        st.caption(tx("insp.click", name=stage.name, map=pixel.map))
        heatmap(tx, heatmaps.maps_heatmap(stage.output[pixel.map][None], display, item="", max_width=460,
                                          pixel=(0, pixel.row, pixel.col)),
                key="chart-pick", on_pick=partial(controls.pick_from_map, pixel.layer, map_index=pixel.map))
        st.caption(tx("insp.field", count=int(inspected.field.sum())))
        heatmap(tx, heatmaps.input_heatmap(stages[0].output, display, field=inspected.field, max_width=300),
                key="chart-insp-input")
    with right:
        st.markdown(tx("insp.title", name=stage.name, map=pixel.map, row=pixel.row, col=pixel.col,
                       value=pixel_value(stage, pixel)))
        if isinstance(step, explain.ConvolutionStep):
            _convolution_step_view(tx, step, prev.output.shape)
        elif isinstance(step, explain.PoolingStep):
            _pooling_step_view(tx, step)
        else:
            st.markdown(tx("insp.activation", name=step.kind, formula=step.formula,
                           x=f"{step.x:.6g}", y=f"{step.value:.6g}"))


def _convolution_step_view(tx: Text, step: explain.ConvolutionStep, in_shape: tuple[int, int, int]) -> None:
    """The patch, kernel and products of each input channel the pixel reads (named when the
    layer's input has several), and the sums."""
    st.caption(tx("insp.conv.window", rows=_span(step.rows), cols=_span(step.cols)))
    padded = step.padded(in_shape[1:])
    for k, channel in enumerate(step.channels[:3]):
        if in_shape[0] > 1:
            st.markdown(tx("insp.channel", channel=channel))
        st.html(
            figures.grid_html(step.patch[k], tx("insp.patch"), marked=padded)
            + figures.grid_html(step.kernel[k], tx("insp.kernel", map=step.out[0]))
            + figures.grid_html(step.products[k], tx("insp.products"))
        )
    if len(step.channels) > 3:
        st.caption(tx("insp.more_channels", count=len(step.channels) - 3))
    st.code("\n".join(explain.sum_lines(step)), language=None, wrap_lines=True)
    st.markdown(tx("insp.conv.total", line=f"`{explain.total_line(step)}`"))


def _pooling_step_view(tx: Text, step: explain.PoolingStep) -> None:
    st.caption(tx("insp.pool.window", rows=_span(step.rows), cols=_span(step.cols)))
    st.html(figures.grid_html(step.values, tx("insp.window"), chosen=step.chosen))
    st.code(explain.pooling_line(step), language=None, wrap_lines=True)
    st.caption(tx(f"insp.pool.{step.kind}", divisor=step.divisor))


def _span(idx: np.ndarray) -> str:
    """[3, 4, 5] -> '3-5'; [0, 2, 4] -> '0, 2, 4'."""
    idx = [int(v) for v in idx]
    if len(idx) > 1 and all(b - a == 1 for a, b in zip(idx, idx[1:])):
        return f"{idx[0]}-{idx[-1]}"
    return ", ".join(map(str, idx))


def trained_view(tx: Text, untrained: Sequence[Stage], trained: Sequence[Stage], epochs: int,
                 probabilities: np.ndarray, display: Display) -> None:
    """The predicted class, then every layer untrained (left) beside trained (right)."""
    digit = int(probabilities.argmax())
    st.markdown(tx("trained.prediction", digit=digit, probability=float(probabilities[digit])))
    st.bar_chart({str(d): [float(p)] for d, p in enumerate(probabilities)}, height=160, horizontal=False,
                 stack=False, x_label=None, y_label=None)
    left, right = st.columns(2)
    left.subheader(tx("trained.untrained"))
    right.subheader(tx("trained.trained", epochs=epochs))
    for before, after in zip(untrained[1:], trained[1:]):
        for column, stage, tag in ((left, before, "untrained"), (right, after, "trained")):
            with column:
                if kernels_of(stage) is not None:
                    st.caption(tx("trained.kernels", name=stage.name, index=stage.index))
                    heatmap(tx, heatmaps.kernels_heatmap(kernels_of(stage), display, max_width=480),
                            key=f"chart-{tag}-kernels-{stage.index}")
                st.caption(tx("trained.maps", name=stage.name, index=stage.index, shape=shape_text(stage.shape)))
                heatmap(tx, heatmaps.maps_heatmap(stage.output, display, max_width=480),
                        key=f"chart-{tag}-stage-{stage.index}")
