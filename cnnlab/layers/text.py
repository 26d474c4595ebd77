"""Reading a layer's token in the stack text: bounded numbers and plain errors.

A token is a head and fields joined by "-" (`conv-16-5x5-s2x2`); each layer kind
reads its own fields with these helpers. Numbers are ASCII digits only (int() would
also take "٣" or "1_0") and short, so no field can stand for a huge value.
"""

from __future__ import annotations

import re

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
