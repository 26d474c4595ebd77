"""Reading a layer's token in the stack text: bounded numbers and plain errors.

A token is a head and fields joined by "-" (`conv-16-5x5-s2x2`); each layer kind
reads its own fields with these helpers. Numbers follow the one grammar of cnnlab.numbers
(ASCII digits and a point, short: int() would also take "٣" or "1_0"); each kind's LIMITS
then bound them. A field that does
not read says what the grammar expects at its place (EXPECTED).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cnnlab import numbers
from cnnlab.initializers import INITIALIZERS

EXPECTED = {  # what the grammar expects at a place, in English; a page shows its catalogue's "stack.what.KEY"
    "out_maps": "OutMaps, a whole number like 16",
    "kernel_shape": "a KernelShape like 5x5",
    "strides": "Strides like 2x2",
    "padding": "a Padding like 1x1",
    "dilation": "a Dilation like 2x2",
    "multiplier": "a Multiplier, a whole number like 2",
    "group": "a Group, a whole number like 2",
    "w_initializer": "a W.Initializer ({initializers})",
    "initializer_multiplier": "a W.InitializerMultiplier like 0.5",
    "alpha": "an alpha like 0.2",
    "option": "an option ({options})",
}


class TokenError(ValueError):
    """A token's problem, by key (one of cnnlab.presets.MESSAGES) so a page can say it in its
    own language: `what` (a key of EXPECTED) is what the grammar expects there; `part` the
    user's text at fault (kept apart so a page can show it literally); `at` = (i, skip)
    where: the i-th "-"-separated piece of the token (the head is 0) after its first
    `skip` characters (an option's letter); `fields` fill the message's other names."""

    def __init__(self, key: str, part: str | None = None, what: str | None = None,
                 at: tuple[int, int] | None = None, **fields: str) -> None:
        super().__init__(key if part is None else f"{key}: {part!r}")
        self.key, self.part, self.what, self.at, self.fields = key, part, what, at, fields


def integer(text: str) -> int | None:
    """'16' -> 16; None for anything but a whole number (cnnlab.numbers)."""
    return numbers.whole(text)


def number(text: str) -> float | None:
    """'0.5' -> 0.5; None for anything but an unsigned decimal (cnnlab.numbers)."""
    return numbers.decimal(text)


def pair(text: str) -> tuple[int, int] | None:
    """'5x3' -> (5, 3); '5' -> (5, 5); None for anything else."""
    h, _, w = text.partition("x")
    h, w = integer(h), integer(w or h)
    return None if h is None or w is None else (h, w)


def initializer(text: str) -> str | None:
    """'Uniform' -> 'Uniform'; None for a name that is not one of INITIALIZERS."""
    return text if text in INITIALIZERS else None


def read(pieces: list[str], i: int, reader: Callable[[str], object], what: str, skip: int = 0) -> object:
    """pieces[i][skip:] as `reader` reads it (pieces: a token's fields after its head, so
    pieces[i] is the token's piece i + 1); TokenError saying `what` the grammar expects
    there when the piece is missing or `reader` gives None."""
    if i >= len(pieces):
        raise TokenError("missing", what=what, at=(i + 1, 0))
    value = reader(pieces[i][skip:])
    if value is None:
        raise TokenError("expected", pieces[i][skip:], what, (i + 1, skip),
                         **({"initializers": ", ".join(INITIALIZERS)} if what == "w_initializer" else {}))
    return value


def unknown(pieces: list[str], i: int, options: str) -> TokenError:
    """pieces[i] is none of a kind's options (listed in `options`, as the grammar writes them)."""
    return TokenError("expected", pieces[i], "option", (i + 1, 0), options=options)


# The options of the convolution family's tokens, in the order a token writes them:
# (field, letter before the value, how the value is read, how it is written, as the grammar names it).
_OPTIONS = (
    ("multiplier", "x", integer, str, "xM"),
    ("strides", "s", pair, lambda v: "%dx%d" % v, "sSHxSW"),
    ("padding", "p", pair, lambda v: "%dx%d" % v, "pPHxPW"),
    ("dilation", "d", pair, lambda v: "%dx%d" % v, "dDHxDW"),
    ("group", "g", integer, str, "gG"),
    ("w_initializer", "i", initializer, str, "iINIT"),
    ("initializer_multiplier", "m", number, lambda v: f"{v:g}", "mMULT"),
)


def read_options(kind: type, pieces: list[str], start: int, **given: object):
    """A convolution-family spec of class `kind` from its token's options pieces[start:]
    (same | full | valid, nobias, and _OPTIONS' letters), each taken only if `kind` has that field."""
    fields = {f.name for f in dataclasses.fields(kind)}
    words = [w for w in ("same", "full", "valid") if "border_mode" in fields] + ["nobias"] * ("with_bias" in fields)
    spec = dict(given)
    for i in range(start, len(pieces)):
        o = pieces[i]
        if o in words:
            field, value = ("with_bias", False) if o == "nobias" else ("border_mode", o)
            spec[field] = value
            continue
        for field, letter, reader, _, _ in _OPTIONS:
            if field in fields and o[:1] == letter:
                spec[field] = read(pieces, i, reader, field, skip=1)
                break
        else:
            options = [form for field, _, _, _, form in _OPTIONS if field in fields]
            raise unknown(pieces, i, ", ".join(options + words))
    return kind(**spec)


def option_tokens(spec) -> list[str]:
    """The options read_options reads back, for the fields not at their defaults (an
    explicit Padding, when a spec has one, stands for BorderMode too)."""
    defaults = {f.name: f.default for f in dataclasses.fields(spec)}
    parts = []
    for field, letter, _, write, _ in _OPTIONS:
        if field in defaults and getattr(spec, field) != defaults[field]:
            parts.append(letter + write(getattr(spec, field)))
        if field == "padding" and getattr(spec, "padding", None) is None and spec.border_mode != "valid":
            parts.append(spec.border_mode)
    if not getattr(spec, "with_bias", True):
        parts.append("nobias")
    return parts
