"""Hand-edited kernel cells: read and written as a compact text (for the URL) and laid
over a layer's weights.

A cell is named as the Kernels view draws it: layer (1-based), output map, input
channel, row, column of `spec.kernels(params)` (OutMaps, C/group, kh, kw). Text form:

    1.4.0.1.2:-1.5_1.4.0.0.0:2     (layer.map.channel.row.column:value, joined by "_")

Values are signed decimals (cnnlab.numbers: -1.5, 2, .5) within +-MAX_VALUE; at most MAX_EDITS cells; a later entry
for the same cell wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnnlab import numbers
from cnnlab.explain import kernel_fractions

MAX_EDITS = 128
MAX_VALUE = 100.0
# layer.map.channel.row.column:value; the value a signed decimal of cnnlab.numbers, as in a typed cell
_ENTRY = re.compile(r"([0-9]{1,2})\.([0-9]{1,4})\.([0-9]{1,4})\.([0-9]{1,2})\.([0-9]{1,2}):(.{1,24})")
_FRACTION = re.compile(r"([+-]?[0-9]{1,4})/([0-9]{1,4})")  # 1/9, -2/16: as a kernel with exact fractions is shown


MESSAGES = {  # English; a page shows its catalogue's "edit.KEY" with the same fields
    "too_many": "At most {most} edited kernel cells, got {count}.",
    "entry": "A kernel edit is written layer.map.channel.row.column:value, e.g. 1.4.0.1.2:-1.5.",
    "range": "Kernel values are within -{limit} to {limit}, and layers start at 1.",
    "rows": "The kernel has {rows} rows; the text has {lines}.",
    "columns": "Row {row} has {count} numbers; the kernel has {columns} columns.",
    "cell": "Row {row}, column {column}: {text} is not a number within -{limit} to {limit}.",
    # why an edit names no cell of the network (ignored_edits)
    "no_layer": "the network has no layer {layer}",
    "no_kernels": "layer {layer} ({name}) has no kernels",
    "outside.map": "layer {layer} has maps 0-{last}",
    "outside.channel": "layer {layer}'s kernels have input channels 0-{last}",
    "outside.row": "layer {layer}'s kernels have rows 0-{last}",
    "outside.column": "layer {layer}'s kernels have columns 0-{last}",
}


class EditError(ValueError):
    """Edits that cannot be used: `key` (one of MESSAGES) and the `fields` it names."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(MESSAGES[key].format(**fields))
        self.key, self.fields = key, fields


@dataclass(frozen=True)
class KernelEdit:
    """Cell (map, channel, row, column) of layer `layer`'s kernels set to `value`."""

    layer: int
    map: int
    channel: int
    row: int
    column: int
    value: float

    @property
    def cell(self) -> tuple[int, int, int, int, int]:
        return self.layer, self.map, self.channel, self.row, self.column


def parse_edits(text: str) -> tuple[KernelEdit, ...]:
    """The text form -> edits (one per cell, the last entry for a cell wins, in cell
    order); EditError for anything else."""
    if not text:
        return ()
    entries = text.split("_")
    if len(entries) > MAX_EDITS:
        raise EditError("too_many", most=MAX_EDITS, count=len(entries))
    cells: dict[tuple, KernelEdit] = {}
    for entry in entries:
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise EditError("entry")
        layer, m, c, row, col = (int(g) for g in match.groups()[:5])
        value = numbers.decimal(match.group(6), signed=True)
        if value is None:
            raise EditError("entry")
        if layer < 1 or abs(value) > MAX_VALUE:
            raise EditError("range", limit=f"{MAX_VALUE:g}")
        edit = KernelEdit(layer, m, c, row, col, value)
        cells[edit.cell] = edit
    return tuple(cells[cell] for cell in sorted(cells))


def format_edits(edits: tuple[KernelEdit, ...]) -> str:
    return "_".join(f"{e.layer}.{e.map}.{e.channel}.{e.row}.{e.column}:{number_text(e.value)}" for e in edits)


def number_text(value: float) -> str:
    """A kernel value as the text forms write it: a plain decimal, 6 decimals at most."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def apply_edits(spec: Any, params: Any, edits: tuple[KernelEdit, ...], layer: int) -> tuple[Any, int]:
    """(params with `layer`'s edited cells set, how many edits of that layer name no cell
    of it). The cells are found through spec.kernels, so every kind's layout works the
    same way: a kernel cell is the weight W's element that the Kernels view draws there."""
    mine = [e for e in edits if e.layer == layer]
    if not mine or params is None or spec.kernels(params) is None:
        return params, len(mine)
    weight = params["W"]
    where = spec.kernels({**params, "W": np.arange(weight.size).reshape(weight.shape)})
    new = weight.copy()
    missed = 0
    for e in mine:
        if e.map < where.shape[0] and e.channel < where.shape[1] and e.row < where.shape[2] and e.column < where.shape[3]:
            new.flat[where[e.map, e.channel, e.row, e.column]] = e.value
        else:
            missed += 1
    return {**params, "W": new}, missed


def ignored_edits(text: str, stages: Sequence[Any], layers: int) -> list[tuple[str, str, dict]]:
    """The entries of the edits' text, as written, that name no kernel cell of the network,
    each with why: [(entry, key of MESSAGES, its fields)]. `stages` are the network's stages
    (cnnlab.pipeline.run: index, name, spec, params, error; the input first), `layers` how
    many layers it has. An entry of a layer that did not run is left out (that layer's own
    error says why), and so is a text that cannot be read (parse_edits says why)."""
    try:
        parse_edits(text)
    except EditError:
        return []
    ran = {s.index: s for s in stages[1:] if s.error is None}
    found = []
    for entry in dict.fromkeys(text.split("_") if text else []):
        edit = parse_edits(entry)[0]
        stage = ran.get(edit.layer)
        if edit.layer > layers:
            found.append((entry, "no_layer", {"layer": edit.layer}))
        elif stage is None:
            continue
        elif stage.spec.kernels(stage.params) is None:
            found.append((entry, "no_kernels", {"layer": edit.layer, "name": stage.name}))
        else:
            shape = stage.spec.kernels(stage.params).shape
            for axis, (name, index) in enumerate(zip(("map", "channel", "row", "column"), edit.cell[1:])):
                if index >= shape[axis]:
                    found.append((entry, f"outside.{name}", {"layer": edit.layer, "last": shape[axis] - 1}))
                    break
    return found


def kernel_text(kernel: np.ndarray) -> str:
    """(kh, kw) -> one line per row, the numbers separated by spaces: the kernel's exact
    fractions where it has them (explain.kernel_fractions: a box blur's 1/9), else number_text."""
    fractions = kernel_fractions(kernel)
    if fractions is not None:
        return "\n".join(" ".join(row) for row in fractions)
    return "\n".join(" ".join(number_text(v) for v in row) for row in np.asarray(kernel, dtype=np.float64))


def _cell_value(cell: str) -> float | None:
    """A typed kernel cell: a plain decimal or a fraction p/q within +-MAX_VALUE, else None."""
    fraction = _FRACTION.fullmatch(cell)
    if fraction and int(fraction.group(2)) > 0:
        value = int(fraction.group(1)) / int(fraction.group(2))
    else:
        value = numbers.decimal(cell, signed=True)
    if value is None:
        return None
    return value if abs(value) <= MAX_VALUE else None


def read_kernel_text(text: str, shape: tuple[int, int]) -> np.ndarray:
    """The text of a kernel (rows on lines, numbers (decimals or fractions p/q) separated by
    spaces or commas) -> (kh, kw) float32; EditError naming the first row or cell that is not right."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) != shape[0]:
        raise EditError("rows", rows=shape[0], lines=len(lines))
    rows = []
    for r, line in enumerate(lines):
        cells = line.replace(",", " ").split()
        if len(cells) != shape[1]:
            raise EditError("columns", row=r, count=len(cells), columns=shape[1])
        row = [_cell_value(cell) for cell in cells]
        for c, value in enumerate(row):
            if value is None:
                raise EditError("cell", row=r, column=c, text=cells[c][:20], limit=f"{MAX_VALUE:g}")
        rows.append(row)
    return np.array(rows, dtype=np.float32)
