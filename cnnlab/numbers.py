"""The one grammar of the numbers a visitor writes: the network text's fields
(cnnlab.layers.text), the URL's values (cnnlab.ui.params) and the kernel edits (the
`kernels=` entries and the typed kernel cells, cnnlab.kernel_edits).

    whole:    ASCII digits                           "16"
    decimal:  digits, a point, digits (either side)  "0.5", "2", "2.", ".5"
    signed:   a decimal led by "+" or "-", where the place takes negatives (kernel values)

At most MAX_DIGITS digits before the point and MAX_DECIMALS after it. Never an exponent,
inf, nan, "_", a space or a non-ASCII digit (all of which int() and float() would take);
each place's own range then bounds the value and says why in its own words. A typed kernel
cell also takes a fraction p/q, as the Kernels view shows an exact kernel (1/9).
"""

from __future__ import annotations

import re

MAX_DIGITS = 10
MAX_DECIMALS = 9
_WHOLE = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
_DECIMAL = re.compile(rf"([0-9]{{1,{MAX_DIGITS}}}(\.[0-9]{{0,{MAX_DECIMALS}}})?|\.[0-9]{{1,{MAX_DECIMALS}}})")
_SIGNED = re.compile(rf"[+-]?{_DECIMAL.pattern}")


def whole(text: str) -> int | None:
    """'16' -> 16; None for anything but 1 to MAX_DIGITS ASCII digits."""
    return int(text) if _WHOLE.fullmatch(text) else None


def decimal(text: str, signed: bool = False) -> float | None:
    """'0.5' -> 0.5 ('2.' and '.5' too; '-1.5' when signed); None for anything else."""
    return float(text) if (_SIGNED if signed else _DECIMAL).fullmatch(text) else None
