"""The kernel editor: one map's kernel as a grid of numbers (one row per line) to change
cell by cell; the edits are kept as compact text in the URL (`kernels`), so a copied
link reproduces them. The cells live in cnnlab.kernel_edits."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab.kernel_edits import (EditError, KernelEdit, format_edits, ignored_edits, kernel_text, number_text,
                                 parse_edits, read_kernel_text)
from cnnlab.pipeline import Stage, fresh_params
from cnnlab.ui import widgets as w
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal
from cnnlab.ui.params import URL_PARAMS

KEY = "kernels"  # the session and URL key of the edits' text
READABLE = "kernels-readable"  # the last edits' text that could be read
ERROR = "kernel-error"  # (text area key, EditError) of a grid that could not be read
GRID_CHARS = 15 * 15 * 32  # a 15x15 kernel of cells up to 30 characters: the browser stops there


def edits_control(tx: Text) -> tuple[KernelEdit, ...]:
    """The edited cells as text (bound to the URL, so always drawn): clear it to undo every
    edit. A text that cannot be read leaves every kernel as drawn, with a message."""
    text = w.text(tx, KEY, tx("kernels.label"), lambda: st.session_state.get(READABLE, URL_PARAMS[KEY].default),
                  help=tx("kernels.help"), placeholder=tx("kernels.placeholder"))
    try:
        edits = parse_edits(text)
        st.session_state[READABLE] = text
        return edits
    except EditError as err:
        st.error(tx.edit_error(err), icon=":material/grid_off:")
        return ()


def ignored_notice(tx: Text, stages: list[Stage], layers: int) -> None:
    """A notice naming (literally) each edited cell that is no cell of this network (a layer,
    map, channel, row or column it does not have), and why; the other edits are used."""
    ignored = ignored_edits(st.session_state.get(KEY, ""), stages, layers)
    if ignored:
        items = ", ".join(tx("edit.ignored.item", entry=literal(entry), why=tx.edit_error(EditError(key, **fields)))
                          for entry, key, fields in ignored)
        st.warning(tx("edit.ignored", items=items), icon=":material/grid_off:")


def kernel_editor(tx: Text, stage: Stage, in_channels: int, map_index: int, seed: int) -> None:
    """Map `map_index`'s kernel of `stage` (one input channel at a time) as editable text;
    nothing for a layer without kernels."""
    kernels = stage.spec.kernels(stage.params)
    if kernels is None:
        return
    st.subheader(tx("kernel.editor", map=map_index, name=stage.name, index=stage.index))
    channel = 0
    if kernels.shape[1] > 1:
        channel = st.selectbox(tx("kernel.channel"), range(kernels.shape[1]), key=f"kernel-channel-{stage.index}")
    key = f"kernel-{stage.index}-{map_index}-{channel}"
    shown = kernel_text(kernels[map_index, channel])
    pending = st.session_state.get(ERROR)
    if pending is not None and pending[0] == key:
        st.error(tx.edit_error(pending[1]), icon=":material/grid_off:")
    elif st.session_state.get(key) != shown:
        st.session_state[key] = shown
    rows = kernels.shape[2]
    st.text_area(tx("kernel.grid", kh=kernels.shape[2], kw=kernels.shape[3]), key=key, height=28 * rows + 24,
                 max_chars=GRID_CHARS, help=tx("kernel.grid.help"), on_change=_on_grid,
                 args=(key, stage, in_channels, map_index, channel, seed))
    st.button(tx("kernel.reset"), key=f"kernel-reset-{stage.index}", on_click=_on_reset,
              args=(stage.index, map_index, channel), help=tx("kernel.reset.help"))


def _on_grid(key: str, stage: Stage, in_channels: int, map_index: int, channel: int, seed: int) -> None:
    """Cells typed differently from what was shown become edits; a cell typed back to the
    untrained value drops its edit."""
    kernels = stage.spec.kernels(stage.params)
    try:
        typed = read_kernel_text(st.session_state[key], kernels.shape[2:])
        edits = parse_edits(st.session_state.get(KEY, ""))
    except EditError as err:
        st.session_state[ERROR] = (key, err)
        return
    st.session_state.pop(ERROR, None)
    fresh = stage.spec.kernels(fresh_params(stage.spec, stage.input_shape, seed, stage.index))
    cells = {e.cell: e for e in edits}
    for row, column in np.ndindex(typed.shape):
        value = float(typed[row, column])
        cell = (stage.index, map_index, channel, row, column)
        if number_text(value) == number_text(kernels[map_index, channel, row, column]):
            continue
        if number_text(value) == number_text(fresh[map_index, channel, row, column]):
            cells.pop(cell, None)
        else:
            cells[cell] = KernelEdit(*cell, float(value))
    st.session_state[KEY] = format_edits(tuple(cells[c] for c in sorted(cells)))


def _on_reset(layer: int, map_index: int, channel: int) -> None:
    try:
        edits = parse_edits(st.session_state.get(KEY, ""))
    except EditError:
        edits = ()
    kept = tuple(e for e in edits if (e.layer, e.map, e.channel) != (layer, map_index, channel))
    st.session_state[KEY] = format_edits(kept)
    st.session_state.pop(ERROR, None)
