"""A layer kind's settings as its editor shows them: one Field per setting.

Each kind lists its FIELDS (beside its LIMITS, which give the numbers' ranges); the
app draws every layer's editor from that list, so a kind's settings are described in
its own module only. No Streamlit here: a Field reads a value from a spec and writes
one back into a new spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

Control = Literal["int", "pair", "float", "bool", "choice"]


def _always(spec: Any) -> bool:
    return True


@dataclass(frozen=True)
class Field:
    """One setting: the spec's field `name`, its `control` ("pair" is an (h, w) pair shown
    as two controls), the catalogue key `text` of its label and help ("{text}.label";
    a pair's halves "{text}_h.label" and "{text}_w.label"), the `options` of a choice,
    the `step` and printf-style `format` of a float (None: Streamlit's two decimals), `main` (shown at once; else under the layer's "More"),
    `shown(spec)` (whether the setting applies to this spec), and `read` / `write` when
    the value shown is not the field itself (a BorderMode that stands for an explicit
    Padding, a pooling's Strides None that means its KernelShape)."""

    name: str
    control: Control
    text: str
    options: tuple = ()
    step: float = 1
    format: str | None = None
    main: bool = True
    shown: Callable[[Any], bool] = _always
    read: Callable[[Any], Any] | None = None
    write: Callable[[Any, Any], Any] | None = None

    def texts(self) -> tuple[tuple[str, str], ...]:
        """The catalogue keys (label, help) of each control the setting shows: one, or a
        pair's height then width ("{text}_h.label", ...). The kind's WORDS hold them;
        tests/test_i18n.py looks every one up in both languages."""
        names = (self.text + "_h", self.text + "_w") if self.control == "pair" else (self.text,)
        return tuple((name + ".label", name + ".help") for name in names)

    def value(self, spec: Any) -> Any:
        """The value the editor shows for `spec`."""
        return self.read(spec) if self.read is not None else getattr(spec, self.name)

    def edited(self, spec: Any, value: Any) -> Any:
        """`spec` with this setting set to `value` (a pair's value is the whole pair)."""
        if self.write is not None:
            return self.write(spec, value)
        return replace(spec, **{self.name: value})

    def edited_half(self, spec: Any, half: int, value: int) -> Any:
        """`spec` with one half (0 height, 1 width) of this pair set to `value`."""
        pair = list(self.value(spec))
        pair[half] = value
        return self.edited(spec, tuple(pair))
