"""Reading a layer's token in the stack text: bounded numbers and plain errors.

A token is a head and fields joined by "-" (`conv-16-5x5-s2x2`); each layer kind
reads its own fields with these helpers. Numbers are ASCII digits only (int() would
also take "٣" or "1_0") and short, so no field can stand for a huge value.
"""

from __future__ import annotations

import dataclasses
import re

from cnnlab.initializers import INITIALIZERS

_INT = re.compile(r"[0-9]{1,4}")
_FLOAT = re.compile(r"[0-9]{1,4}(\.[0-9]{1,6})?")


class TokenError(ValueError):
    """A token's problem: `reason` in the app's words, which may hold {part}, the user's
    text that is at fault (kept apart so a page can show it literally)."""

    def __init__(self, reason: str, part: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.part = reason, part


def integer(text: str) -> int:
    if not _INT.fullmatch(text):
        raise TokenError("{part} is not a whole number of at most 4 digits", text)
    return int(text)


def number(text: str) -> float:
    if not _FLOAT.fullmatch(text):
        raise TokenError("{part} is not a number like 0.5", text)
    return float(text)


def pair(text: str) -> tuple[int, int]:
    """'5x3' -> (5, 3); '5' -> (5, 5)."""
    h, _, w = text.partition("x")
    return integer(h), integer(w or h)


def unknown(option: str) -> TokenError:
    return TokenError("unknown option {part}", option)


# The options of the convolution family's tokens, in the order a token writes them:
# (field, letter before the value, how the value is read, how it is written).
_OPTIONS = (
    ("multiplier", "x", integer, str),
    ("strides", "s", pair, lambda v: "%dx%d" % v),
    ("padding", "p", pair, lambda v: "%dx%d" % v),
    ("dilation", "d", pair, lambda v: "%dx%d" % v),
    ("group", "g", integer, str),
    ("w_initializer", "i", lambda t: t if t in INITIALIZERS else None, str),
    ("initializer_multiplier", "m", number, lambda v: f"{v:g}"),
)


def read_options(kind: type, options: list[str], **given: object):
    """A convolution-family spec of class `kind` from its token's options (same | full |
    valid, nobias, and _OPTIONS' letters), each taken only if `kind` has that field."""
    fields = {f.name for f in dataclasses.fields(kind)}
    spec = dict(given)
    for o in options:
        if o in ("same", "full", "valid", "nobias"):
            field, value = ("with_bias", False) if o == "nobias" else ("border_mode", o)
            if field not in fields:
                raise unknown(o)
            spec[field] = value
        else:
            for field, letter, read, _ in _OPTIONS:
                if field in fields and o[:1] == letter and read(o[1:]) is not None:
                    spec[field] = read(o[1:])
                    break
            else:
                raise unknown(o)
    return kind(**spec)


def option_tokens(spec) -> list[str]:
    """The options read_options reads back, for the fields not at their defaults (an
    explicit Padding, when a spec has one, stands for BorderMode too)."""
    defaults = {f.name: f.default for f in dataclasses.fields(spec)}
    parts = []
    for field, letter, _, write in _OPTIONS:
        if field in defaults and getattr(spec, field) != defaults[field]:
            parts.append(letter + write(getattr(spec, field)))
        if field == "padding" and getattr(spec, "padding", None) is None and spec.border_mode != "valid":
            parts.append(spec.border_mode)
    if not getattr(spec, "with_bias", True):
        parts.append("nobias")
    return parts
