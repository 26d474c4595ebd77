"""The inspected pixel: its controls (also set by clicking a map), and why its value is
what it is: the patch x kernel sums, the pooling window or the function applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st

from cnnlab import explain, heatmaps, worksheet
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage
from cnnlab.ui import widgets as w
from cnnlab.ui.heatmap import heatmap
from cnnlab.ui.i18n import Text
from cnnlab.ui.params import URL_PARAMS


@dataclass(frozen=True)
class Pixel:
    """The inspected output pixel: layer (stage index, 1-based), map, row, column."""

    layer: int
    map: int
    row: int
    col: int

    @property
    def out(self) -> tuple[int, int, int]:
        return (self.map, self.row, self.col)


def inspector_controls(tx: Text, stages) -> tuple[Pixel | None, list[str]]:
    """Layer, map, row and column of the pixel to explain (also set by clicking a map), in
    a popover labelled with the pixel. Values past the layer's size are clamped, with a
    note. None when no layer could run."""
    usable = [s for s in stages[1:] if s.error is None]
    if not usable:
        return None, []
    layers = [s.index for s in usable]
    asked = w.current("insp_layer")
    layer = asked if asked in layers else layers[0]
    _keep_place(layer, stages[layer].shape)
    shown = [min(int(w.current(key)), size - 1) for key, size in zip(("insp_map", "insp_row", "insp_col"),
                                                                     stages[layer].shape)]
    where = tx("insp.where", layer=layer, place=stages[layer].spec.place(tx, tuple(shown)))  # as clamped below
    with w.more_popover(tx, tx("insp.header"), where, icon=":material/my_location:"):
        pixel, notes = _pixel_controls(tx, stages, usable, layers)
    if asked != layer:
        notes.insert(0, tx("insp.layer_missing", asked=asked, last=layers[-1], layer=layer))
    return pixel, notes


PLACE_LABELS = {"insp_map": "insp_map.label", "insp_row": "insp_row.label", "insp_col": "insp_col.label"}
"""The inspected place's controls -> their labels' catalogue keys (a clamped value's note names them)."""


def _pixel_controls(tx: Text, stages, usable, layers) -> tuple[Pixel, list[str]]:
    st.session_state["_insp_shapes"] = {s.index: s.shape for s in usable}
    layer = st.radio(tx("insp_layer.label"), layers, index=0, key="insp_layer", horizontal=True,
                     captions=[s.name for s in usable], help=tx("insp_layer.help"),
                     on_change=follow_layer, bind="query-params")
    st.session_state["_insp_layer_seen"] = layer
    shape = stages[layer].shape
    values, notes = [], []
    row = w.row()
    for key, size in zip(("insp_map", "insp_row", "insp_col"), shape):
        with row:
            value = int(w.number(tx, key))
        if value >= size:
            notes.append(tx("insp.clamped", name=tx(PLACE_LABELS[key]), value=value, last=size - 1))
            value = size - 1
        values.append(value)
    return Pixel(layer, *values), notes


def _keep_place(layer: int, shape: tuple[int, int, int]) -> None:
    """The inspected layer changed size (a KernelShape or Strides edit): the pixel keeps
    its place in the image instead of being clamped into a corner."""
    seen = st.session_state.get("_insp_shapes", {}).get(layer)
    if seen is not None and seen != shape and st.session_state.get("_insp_layer_seen") == layer:
        _move_place(seen, shape)


def follow_layer() -> None:
    """Switching layers keeps the same place: row and column scale with the map size."""
    shapes, old = st.session_state.get("_insp_shapes", {}), st.session_state.get("_insp_layer_seen")
    new = st.session_state.get("insp_layer")
    if old not in shapes or new not in shapes:
        return
    _move_place(shapes[old], shapes[new])
    st.session_state["insp_map"] = min(int(st.session_state.get("insp_map", 0)), shapes[new][0] - 1)


def _move_place(old: tuple[int, int, int], new: tuple[int, int, int]) -> None:
    """The inspected row and column of a map of shape `old` scaled onto one of shape `new`."""
    for key, axis in (("insp_row", 1), ("insp_col", 2)):
        value = int(st.session_state.get(key, URL_PARAMS[key].default))
        st.session_state[key] = min(new[axis] - 1, value * new[axis] // old[axis])


def pick_from_map(layer: int, cell: dict, map_index: int | None = None) -> None:
    """A clicked heatmap cell {map, row, column} becomes the inspected pixel (`map_index`
    for a heatmap of one enlarged map). Values come from the browser: anything malformed
    is ignored, anything out of range clamped."""
    try:
        where = {name: int(cell[field]) for name, field in
                 (("insp_map", "map"), ("insp_row", "row"), ("insp_col", "column"))}
    except (KeyError, TypeError, ValueError):
        return
    if map_index is not None:
        where["insp_map"] = map_index
    st.session_state["insp_layer"] = st.session_state["_insp_layer_seen"] = layer
    for name, value in where.items():
        st.session_state[name] = min(max(value, int(URL_PARAMS[name].lo)), int(URL_PARAMS[name].hi))


def pixel_value(stage: Stage, pixel: "Pixel") -> str:
    """The inspected pixel's value as every place of the page writes it: the map's own
    value in explain.format_number's one format."""
    return explain.format_number(stage.output[pixel.out])


@dataclass(frozen=True)
class Inspected:
    """The inspected pixel, its explanation, its receptive field on the input (C, H, W bool)
    and the window it reads in the layer before (bool, that layer's shape)."""

    pixel: "Pixel"
    step: explain.PixelStep
    field: np.ndarray
    window: np.ndarray

    @classmethod
    def of(cls, stages: Sequence[Stage], specs, pixel) -> "Inspected":
        stage, prev = stages[pixel.layer], stages[pixel.layer - 1]
        step = explain.explain_pixel(stage.spec, stage.params, prev.output, pixel.out, stage.output)
        shapes = [s.output.shape for s in stages[:pixel.layer]]
        field = explain.receptive_field(specs, shapes, pixel.layer, pixel.out)
        here = np.zeros(stage.shape, dtype=bool)
        here[pixel.out] = True
        return cls(pixel, step, field, explain.back_one(stage.spec, prev.shape, here))


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
                key="chart-pick", on_pick=partial(pick_from_map, pixel.layer, map_index=pixel.map),
                inspected=(0, pixel.row, pixel.col))
        st.caption(tx("insp.field", count=int(inspected.field.sum())))
        heatmap(tx, heatmaps.input_heatmap(stages[0].output, display, field=inspected.field, max_width=300),
                key="chart-insp-input")
    with right:
        st.markdown(tx("insp.title", name=stage.name, place=stage.spec.place(tx, pixel.out),
                       value=pixel_value(stage, pixel)))
        if pixel.layer > 1:  # layer 1's input, with the same window, is on the left
            st.caption(tx("insp.before", layer=pixel.layer - 1, name=prev.name))
            heatmap(tx, heatmaps.maps_heatmap(prev.output, display, max_width=520, window=inspected.window),
                    key="chart-insp-before")
        show_blocks(step.inspector_view(tx, prev.output.shape))
        worksheet_downloads(tx, step, tx("sheet.title", name=stage.name, layer=pixel.layer,
                                         place=stage.spec.place(tx, pixel.out)))


def worksheet_downloads(tx: Text, step: explain.PixelStep, title: str) -> None:
    """The pixel's numbers as CSV, a printable worksheet and an exercise (answers blank)."""
    words = {k: tx(key) for k, key in worksheet.sheet_words(step).items()}
    row = st.container(horizontal=True, gap="small", wrap=True)
    row.download_button(tx("sheet.csv"), lambda: worksheet.worksheet_csv(step), file_name="pixel.csv", mime="text/csv",
                        key="dl-sheet-csv", on_click="ignore", icon=":material/download:")
    row.download_button(tx("sheet.html"), lambda: worksheet.worksheet_html(step, title, words),
                        file_name="worksheet.html", mime="text/html", key="dl-sheet-html", on_click="ignore")
    row.download_button(tx("sheet.exercise"), lambda: worksheet.worksheet_html(step, title, words, exercise=True),
                        file_name="exercise.html", mime="text/html", key="dl-sheet-exercise", on_click="ignore")


SHOW = {"caption": st.caption, "markdown": st.markdown, "html": st.html,
        "code": lambda text: st.code(text, language=None, wrap_lines=True)}
"""How each kind of block of a step's inspector view is drawn (explain.Block)."""


def show_blocks(blocks: Sequence[explain.Block]) -> None:
    """A step's inspector view, block by block, whatever the step."""
    for how, content in blocks:
        SHOW[how](content)
