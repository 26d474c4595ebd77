"""The Maps tab: the input, the kernels and every layer's maps with their size arithmetic
and costs; the network line, the statistics table and the notices above them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import streamlit as st

from cnnlab import code_export, exports, heatmaps
from cnnlab.explain import size_arithmetic
from cnnlab.kernel_edits import EditError
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage
from cnnlab.presets import StackFormatError
from cnnlab.statistics import COSTS, LayerStatistics, summary
from cnnlab.ui import inspector
from cnnlab.ui.display import colours_caption
from cnnlab.ui.heatmap import heatmap
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal
from cnnlab.ui.params import refusal
from cnnlab.ui.widgets import shape_text
from cnnlab.ui.window_player import window_player


def maps_view(tx: Text, stages: Sequence[Stage], statistics: tuple[list[LayerStatistics], dict[str, int]],
              display: Display, seed: int, inspected: inspector.Inspected | None, manifest: dict) -> None:
    """The input, the kernels and every layer's maps; the inspected pixel, the window it
    reads and its receptive field are marked."""
    pixel = inspected.pixel if inspected else None
    inspected_line(tx, stages, pixel)
    st.caption(tx("maps.zoom"), help=tx("maps.zoom.help"))
    st.caption(colours_caption(tx, display))
    left, right = st.columns([2, 3])
    with left:
        input_view(tx, stages[0], display, inspected.field if inspected else None)
    with right:
        if stages[1].error is None and kernels_of(stages[1]) is not None:
            kernels_view(tx, stages[1], display, seed, pixel.map if pixel and pixel.layer == 1 else None)
    rows, totals = statistics
    for s in stages[1:]:
        if s.error is not None:
            stage_error_view(tx, s)
            continue
        here = pixel is not None and s.index == pixel.layer
        stage_view(tx, s, display, rows[s.index - 1].costs, seed, pixel.out if here else None,
                   inspected.window if pixel and s.index == pixel.layer - 1 else None,
                   stages[s.index - 1] if here else None)
    statistics_view(tx, rows, totals)
    network_download(tx, stages, manifest)
    code_view(tx, stages)


def url_notice_view(tx: Text, problems: Sequence[tuple[str, str, object]]) -> None:
    """The URL values that were refused (shown literally), and the values used instead; for
    a text (the network, the kernel edits) also why, as its text box would say it."""
    items = ", ".join(tx("url.item", item=literal(f"{k}={v}"), default=literal(d)) for k, v, d in problems)
    lines = [tx("url.notice", items=items)]
    for key, raw, _ in problems:
        err = refusal(key, raw)
        if isinstance(err, StackFormatError):
            lines.append(tx("url.why", key=literal(f"{key}="), reason=tx.stack_error(err)))
        elif isinstance(err, EditError):
            lines.append(tx("url.why", key=literal(f"{key}="), reason=tx.edit_error(err)))
    st.warning("\n\n".join(lines), icon=":material/link_off:")


def inspected_line(tx: Text, stages: Sequence[Stage], pixel: "inspector.Pixel | None" = None) -> None:
    """The inspected pixel and its value (the network itself: the overview above the tabs)."""
    if pixel is not None:
        stage = stages[pixel.layer]
        st.markdown(tx("maps.inspected", name=stage.name, place=stage.spec.place(tx, pixel.out),
                       value=inspector.pixel_value(stage, pixel)))


def input_view(tx: Text, stage: Stage, display: Display, field: np.ndarray | None = None) -> None:
    """The input image; `field` (the inspected pixel's receptive field) is tinted."""
    st.subheader(tx("input.title", shape=shape_text(stage.shape)))
    if stage.shape[0] == 3:
        st.caption(tx("input.colour"))
        pixels = heatmaps.to_pixels(stage.output)
        st.image(pixels, width=min(420, 2 * pixels.shape[1]))
    st.caption(tx("input.explain"))
    heatmap(tx, heatmaps.input_heatmap(stage.output, display, field=field), key="chart-input")


def kernels_view(tx: Text, stage: Stage, display: Display, seed: int, selected: int | None = None,
                 heading: bool = True) -> None:
    """A layer's kernels (under a subheading for the first layer, a bold line inside a deeper
    layer's section); the kernels of output map `selected` boxed."""
    spec = stage.spec
    weight = kernels_of(stage)
    title = tx("kernels.title", shape=shape_text(weight.shape))
    if heading:
        st.subheader(title)
    else:
        st.markdown(f"**{title}**")
    explain = "kernels.explain.classic" if spec.w_initializer == "ClassicFilters" else "kernels.explain"
    st.caption(tx(explain, count=weight.shape[0] * weight.shape[1], kh=weight.shape[2],
                  kw=weight.shape[3], init=spec.w_initializer, seed=seed))
    heatmap(tx, heatmaps.kernels_heatmap(weight, display, selected=selected), key=f"chart-kernels-{stage.index}")


def bars_view(tx: Text, stage: Stage) -> None:
    """A layer of one value per map (M, 1, 1) as M bars, map by map."""
    st.caption(tx("stage.bars", count=stage.shape[0]))
    st.bar_chart({tx("stage.bars.value"): stage.output[:, 0, 0].astype(np.float64)},
                 x_label=tx("stage.bars.map"), y_label=tx("stage.bars.value"), height=220)


def stage_view(tx: Text, stage: Stage, display: Display, costs: dict[str, int], seed: int,
               pixel: tuple[int, int, int] | None = None, window: np.ndarray | None = None,
               before: Stage | None = None) -> None:
    """A layer's title with its shape, its NNC costs, what it computes, its size arithmetic
    and every map; the inspected `pixel` and the `window` feeding the next layer's inspected
    pixel are boxed. With `before` (the inspected layer's input), the sliding window's player."""
    st.subheader(tx("stage.title", name=stage.name, shape=shape_text(stage.shape)))
    explanation = tx(stage.spec.explanation_key(), **vars(stage.spec))
    counts = summary(costs, cost_words(tx))
    st.caption(f"**{counts}**  \n{explanation}" if counts else explanation)
    for axis, arithmetic in size_arithmetic(stage.spec, stage.input_shape):
        st.markdown(tx("stage.size", axis=axis, arithmetic=f"`{arithmetic}`"))
    shown = shown_maps(tx, stage, pixel)
    heatmap(tx, heatmaps.maps_heatmap(stage.output[:shown], display, pixel=pixel,
                                      window=None if window is None else window[:shown]),
            key=f"chart-stage-{stage.index}", on_pick=partial(inspector.pick_from_map, stage.index),
            inspected=pixel)
    if stage.shape[1:] == (1, 1):  # one value per map (GlobalAveragePooling, Affine): also drawn as bars
        bars_view(tx, stage)
    if before is not None and pixel is not None:
        window_player(tx, stage, before, pixel, display)
    if stage.index > 1 and kernels_of(stage) is not None:  # the first layer's kernels sit beside the input
        kernels_view(tx, stage, display, seed, pixel[0] if pixel is not None else None, heading=False)
    downloads_view(tx, stage, display)


FIRST_MAPS = 64  # a layer with more maps shows these first, and a switch to show them all


def shown_maps(tx: Text, stage: Stage, pixel: tuple[int, int, int] | None) -> int:
    """How many of the layer's maps to draw: all of them up to FIRST_MAPS; past it the first
    FIRST_MAPS unless the switch is on (or the inspected pixel lies beyond them)."""
    count = stage.output.shape[0]
    if count <= FIRST_MAPS:
        return count
    if pixel is not None and pixel[0] >= FIRST_MAPS:
        st.caption(tx("maps.all.inspected", n=count))
        return count
    if st.toggle(tx("maps.all", n=count), key=f"all-maps-{stage.index}"):
        return count
    st.caption(tx("maps.first", shown=FIRST_MAPS, n=count))
    return FIRST_MAPS


def downloads_view(tx: Text, stage: Stage, display: Display) -> None:
    """The layer's files: their buttons built only while the popover is open, each file
    only when its button is clicked."""
    name = f"layer{stage.index}-{stage.name}"
    maps = stage.output
    box = st.popover(tx("download.layer"), icon=":material/download:", key=f"downloads-{stage.index}", on_change="rerun")
    if not box.open:
        return
    with box:
        st.download_button(tx("download.png"), lambda: exports.mosaic_png(maps, display, colorbar=display.colorbar),
                           file_name=f"{name}.png", mime="image/png", key=f"dl-png-{stage.index}", on_click="ignore")
        st.download_button(tx("download.zip"), lambda: exports.maps_zip(maps, display),
                           file_name=f"{name}-maps.zip", mime="application/zip", key=f"dl-zip-{stage.index}",
                           on_click="ignore")
        st.download_button(tx("download.npz"), lambda: exports.values_npz(maps=maps), file_name=f"{name}.npz",
                           mime="application/octet-stream", key=f"dl-npz-{stage.index}", on_click="ignore")
        st.download_button(tx("download.csv"), lambda: exports.values_csv(maps), file_name=f"{name}.csv",
                           mime="text/csv", key=f"dl-csv-{stage.index}", on_click="ignore")


def code_view(tx: Text, stages: Sequence[Stage]) -> None:
    """The network as PyTorch and nnabla code that load the whole-network NPZ (copy button on each)."""
    with st.popover(tx("code.title"), icon=":material/code:"):
        st.caption(tx("code.explain"))
        st.markdown("**PyTorch**")
        st.code(code_export.torch_code(stages), language="python")
        st.markdown("**nnabla**")
        st.code(code_export.nnabla_code(stages), language="python")


def network_download(tx: Text, stages: Sequence[Stage], manifest: dict, key: str = "dl-network") -> None:
    """Every stage and weight of the network as one NPZ, with the settings and the link."""
    st.download_button(tx("download.all"), lambda: exports.network_npz(stages, manifest), file_name="cnnlab-network.npz",
                       mime="application/octet-stream", key=key, icon=":material/download:",
                       help=tx("download.all.help"), on_click="ignore")


def kernels_of(stage: Stage) -> np.ndarray | None:
    """A layer's weights as kernels (maps, channels, kh, kw) to draw, or None."""
    return stage.spec.kernels(stage.params)


COST_WORDS: dict[str, str] = {"CostParameter": "cost.CostParameter", "CostMultiplyAdd": "cost.CostMultiplyAdd",
                              "CostAdd": "cost.CostAdd", "CostMultiply": "cost.CostMultiply",
                              "CostDivision": "cost.CostDivision", "CostExp": "cost.CostExp", "CostIf": "cost.CostIf"}
"""NNC's cost names (cnnlab.statistics.COSTS) -> their catalogue keys."""


def cost_words(tx: Text) -> dict[str, str]:
    """NNC's cost names in tx's language."""
    return {name: tx(COST_WORDS[name]) for name in COSTS}


def statistics_view(tx: Text, rows: Sequence[LayerStatistics], totals: dict[str, int]) -> None:
    """NNC's statistics of every layer that runs, and their total, as one table."""
    st.markdown(f"**{tx('stats.title')}**\n\n" + statistics_table(tx, rows, totals))


def statistics_table(tx: Text, rows: Sequence[LayerStatistics], totals: dict[str, int]) -> str:
    """The statistics as a markdown table (a table element would build a dataframe each run):
    a row per layer and the total; a column per cost that is not 0 anywhere. Every cell is
    the app's own text (kind names, shapes, numbers)."""
    shown = [name for name in COSTS if totals[name]]
    header = [tx("stats.layer"), tx("stats.output"), *shown]
    body = [[f"{k}. {r.name}", shape_text(r.output), *(f"{r.costs[name]:,}" for name in shown)]
            for k, r in enumerate(rows, start=1)]
    body.append([tx("stats.total"), "", *(f"{totals[name]:,}" for name in shown)])
    lines = [header, ["---"] * 2 + ["--:"] * len(shown), *body]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def stage_error_view(tx: Text, stage: Stage) -> None:
    message = tx.refusal(*stage.error_detail) if stage.error_detail else stage.error
    st.error(tx("stage.error", name=stage.name, message=message), icon=":material/error:")
