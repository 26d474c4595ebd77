"""Limits: a Range type, the check every layer kind runs on its own table of limits
(LIMITS in each module of cnnlab.layers), and the stack's length.

The sidebar's widgets, the URL check and the stack text all read a kind's LIMITS, so a
value that one of them refuses is refused by all. The ranges keep a single setting
sane; what a whole network costs is priced by :mod:`cnnlab.budget`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab.shapes import LayerShapeError


@dataclass(frozen=True)
class Range:
    """lo <= value <= hi; `name` is NNC's property name, used in messages."""

    name: str
    lo: float
    hi: float

    def check(self, value: float) -> None:
        """LayerShapeError naming the property when value is outside [lo, hi] (or not finite)."""
        if not (self.lo <= value <= self.hi):  # NaN fails this too
            raise LayerShapeError(key="range", name=self.name, value=f"{value:g}", lo=f"{self.lo:g}", hi=f"{self.hi:g}")


MAX_LAYERS = 12  # layers in a stack (the first block included)


def check_fields(spec: object, table: dict[str, Range]) -> None:
    """Every field of `spec` named in `table` (a number or an (h, w) pair, None skipped)
    within its range; LayerShapeError naming the first that is not."""
    for field, allowed in table.items():
        value = getattr(spec, field)
        if value is None:
            continue
        for v in value if isinstance(value, tuple) else (value,):
            allowed.check(v)
