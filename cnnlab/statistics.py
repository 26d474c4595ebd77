"""NNC's statistics: what each layer and the whole network cost for one image.

NNC shows, per layer and in total, CostParameter (weights + biases) and the operation
counts CostAdd, CostMultiply, CostMultiplyAdd, CostDivision, CostExp and CostIf. Each
layer kind states its own counts (`spec.statistics(in_shape)`, following the cost
properties of NNC's layer definitions in sony/nnc-desktop); this module adds them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnnlab.layers import LayerSpec, Shape3
from cnnlab.shapes import LayerShapeError

COSTS = ("CostParameter", "CostMultiplyAdd", "CostAdd", "CostMultiply", "CostDivision", "CostExp", "CostIf")


@dataclass(frozen=True)
class LayerStatistics:
    """One layer: its name (NNC's), output shape (C, H, W) and every cost in COSTS."""

    name: str
    output: Shape3
    costs: dict[str, int]


def network_statistics(specs: Sequence[LayerSpec], in_shape: Shape3) -> tuple[list[LayerStatistics], dict[str, int]]:
    """(one LayerStatistics per layer that can run, the totals); stops at the first layer
    that cannot take its input (LayerShapeError is not raised here)."""
    rows, totals, shape = [], dict.fromkeys(COSTS, 0), in_shape
    for spec in specs:
        try:
            out = spec.output_shape(shape)
            costs = {**dict.fromkeys(COSTS, 0), **spec.statistics(shape)}
        except LayerShapeError:
            break
        rows.append(LayerStatistics(spec.kind, out, costs))
        for name, value in costs.items():
            totals[name] += value
        shape = out
    return rows, totals


def summary(costs: dict[str, int], words: dict[str, str]) -> str:
    """'416 parameters · 230,400 multiply-adds · ...': the counts that are not zero, in COSTS'
    order, each with its word from `words` (cost name -> word in the UI's language)."""
    return " · ".join(f"{costs[name]:,} {words[name]}" for name in COSTS if costs.get(name))
