"""Every URL-bound control: its key (the query parameter), value type, range and default.

One table drives the widgets and the check of tampered URLs, so both always agree. The
whole network is one value, `net` (the stack text, checked by the layer kinds' own
parsers and LIMITS); links from before it (the first block's `out_maps`, `kernel_h`,
..., and `more=`) are translated by legacy_network.
No Streamlit import: the check is plain Python and tested as such.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cnnlab import numbers
from cnnlab.data import PHOTOS
from cnnlab.initializers import INITIALIZERS
from cnnlab.ink import MAX_INK
from cnnlab.ink import decode as decode_ink
from cnnlab.kernel_edits import MAX_EDITS, EditError, parse_edits
from cnnlab.lesson import LESSONS, MAX_STEPS, NOTE_MAX, check_note, parse_allowed
from cnnlab.layers import (ACTIVATION_KINDS, BLOG_NETWORK, POOLING_KINDS, ActivationSpec, ConvolutionSpec,
                           PoolingSpec, activation, convolution, pooling)
from cnnlab.limits import Range
from cnnlab.mosaic import COLOR_SCALES, NORMALIZATIONS
from cnnlab.presets import MAX_TEXT, StackFormatError, format_stack, parse_stack
from cnnlab.questions import parse_kinds
from cnnlab.shapes import BORDER_MODES

NONE = "none"
VIEWS = ("maps", "inspect", "trained", "learn", "quiz", "compare")  # the tabs, as the URL names them
DEFAULT_NET = format_stack(BLOG_NETWORK)  # conv-16-5x5_max-2x2
# ASCII only (int() and float() also take "٣", "1_000", " 7", "inf", "1e309"), and short.


@dataclass(frozen=True)
class Param:
    """An int or float in [lo, hi], a bool, one of `options`, or a text that `check` accepts."""

    key: str
    default: object
    lo: float | None = None
    hi: float | None = None
    options: tuple[str, ...] | None = None
    check: Callable[[str], object] | None = None
    longest: int = MAX_TEXT  # characters of a text read at all

    @property
    def value_type(self) -> str:
        """What the URL value is: "choice", "bool", "text", "float" or "int"."""
        if self.options is not None:
            return "choice"
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, str):
            return "text"
        return "float" if isinstance(self.default, float) else "int"

    # The control's words, by one convention: "{key}.label", "{key}.help", a choice's
    # "{key}.option.{o}" and a radio's "{key}.caption.{o}" (tests/test_i18n.py looks every
    # one of them up in both languages).

    @property
    def label_key(self) -> str:
        """The catalogue key of the control's label."""
        return self.key + ".label"

    @property
    def help_key(self) -> str:
        """The catalogue key of the control's help."""
        return self.key + ".help"

    def option_key(self, option: str) -> str:
        """The catalogue key of one option of a choice, as shown."""
        return f"{self.key}.option.{option}"

    def caption_key(self, option: str) -> str:
        """The catalogue key of the caption under one option of a radio."""
        return f"{self.key}.caption.{option}"

    def parse(self, raw: str) -> object:
        """The value a URL string stands for; ValueError if it is not one this control takes.
        Numbers are cnnlab.numbers' whole numbers and unsigned decimals (every range here
        starts at 0 or above), within [lo, hi]."""
        if self.value_type == "text":
            if len(raw) > self.longest:
                raise ValueError
            if self.check is not None:
                self.check(raw)
            return raw
        if self.value_type == "choice":
            if raw not in self.options:
                raise ValueError
            return raw
        if self.value_type == "bool":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
        value = numbers.decimal(raw) if self.value_type == "float" else numbers.whole(raw)
        if value is None or not (math.isfinite(value) and self.lo <= value <= self.hi):
            raise ValueError
        return value


def _pair(prefix: str, default: tuple[int, int], allowed: Range) -> list[Param]:
    lo, hi = int(allowed.lo), int(allowed.hi)
    return [Param(f"{prefix}_h", default[0], lo, hi), Param(f"{prefix}_w", default[1], lo, hi)]


def _ranged(key: str, default: object, allowed: Range) -> Param:
    if isinstance(default, float):
        return Param(key, default, float(allowed.lo), float(allowed.hi))
    return Param(key, default, int(allowed.lo), int(allowed.hi))


CONV, POOL, ACT = convolution.LIMITS, pooling.LIMITS, activation.LIMITS


URL_PARAMS: dict[str, Param] = {  # the page's URL query parameters (not a layer's params)
    p.key: p
    for p in [
        Param("lang", "en", options=("en", "ja")),
        Param("pick", "digit", options=("digit", "index", "draw", "upload", "camera", "photo")),
        Param("photo", "cat", options=PHOTOS),
        Param("photo_color", True),
        Param("color", False),
        Param("digit", 4, 0, 9),
        Param("example", 0, 0, 1134),
        Param("index", 4, 0, 9999),
        Param("mnist_style", True),
        Param("ink", "", check=decode_ink, longest=MAX_INK),  # a drawing's strokes (pick=draw)
        Param("seed", 0, 0, 2**31 - 1),
        Param("net", DEFAULT_NET, check=parse_stack),
        Param("kernels", "", check=parse_edits, longest=MAX_EDITS * 24),
        Param("max_epoch", 0, 0, 10),
        Param("train_images", 10000, 1000, 20000),
        Param("show_epoch", 10, 0, 10),  # its slider runs to Max Epoch, the default (url_problems checks)
        Param("insp_layer", 1, 1, 16),
        Param("insp_map", 0, 0, 1023),
        Param("insp_row", 14, 0, 4095),  # on the blog post's digit's stroke
        Param("insp_col", 10, 0, 4095),
        Param("view", "maps", options=VIEWS),
        Param("slide", False),
        Param("learn_k", 3, 1, 5),
        Param("learn_s", 2, 1, 3),
        Param("learn_p", 0, 0, 2),
        Param("learn_conv_pos", 0, 0, 48),
        Param("learn_pk", 2, 1, 4),
        Param("learn_ps", 2, 1, 4),
        Param("learn_pool_pos", 0, 0, 63),
        Param("lesson", NONE, options=(NONE, *LESSONS)),
        Param("step", 0, 0, MAX_STEPS - 1),
        Param("note", "", check=check_note, longest=NOTE_MAX),
        Param("allow", "", check=parse_allowed, longest=120),
        Param("quiz", 0, 0, 2**31 - 1),
        Param("net_b", "conv-16-5x5-s2x2_max-2x2", check=parse_stack),  # A/B: the second network
        Param("seed_b", 0, 0, 2**31 - 1),
        Param("ab_layer", 1, 1, 16),
        Param("quiz_kinds", "", check=parse_kinds, longest=120),
        Param("color_scale", "gray", options=COLOR_SCALES),
        Param("normalization", "layer", options=NORMALIZATIONS),
        Param("colorbar", True),
        Param("columns", 8, 1, 32),
    ]
}


LEGACY: dict[str, Param] = {
    p.key: p
    for p in [
        _ranged("out_maps", 16, CONV["out_maps"]),
        *_pair("kernel", (5, 5), CONV["kernel_shape"]),
        Param("border_mode", "valid", options=(*BORDER_MODES, "explicit")),
        *_pair("pad", (0, 0), CONV["padding"]),
        *_pair("stride", (1, 1), CONV["strides"]),
        *_pair("dilation", (1, 1), CONV["dilation"]),
        Param("with_bias", True),
        Param("initializer", "NormalConvolutionGlorot", options=INITIALIZERS),
        _ranged("multiplier", 1.0, CONV["initializer_multiplier"]),
        Param("activation", NONE, options=(NONE, *[a for a in ACTIVATION_KINDS if a != "Identity"])),
        _ranged("alpha", 0.1, ACT["alpha"]),
        Param("pooling", "MaxPooling", options=(*POOLING_KINDS, NONE)),
        *_pair("pool_kernel", (2, 2), POOL["kernel_shape"]),
        *_pair("pool_stride", (2, 2), POOL["strides"]),
        *_pair("pool_pad", (0, 0), POOL["padding"]),
        Param("ignore_border", True),
        Param("including_pad", True),
        Param("more", "", check=lambda text: parse_stack(text) if text else ()),  # "": no further layers
    ]
}
"""The first block's controls of links made before the network was one list (`net`):
read only to translate such a link (see legacy_network)."""


def url_problems(query: Mapping[str, Sequence[str]]) -> list[tuple[str, str, object]]:
    """[(key, bad raw value, the value used instead: the default)] for query parameters a
    control cannot take (wrong type, out of range, unknown option, repeated; an epoch to
    show past Max Epoch, whose last epoch is then its default). The app
    removes them from the URL before any widget reads it, so the default is what is
    used. Unknown keys are ignored."""
    problems = []
    for key, values in query.items():
        param = URL_PARAMS.get(key) or LEGACY.get(key)
        if param is None:
            continue
        values = _values(values)
        try:
            if len(values) != 1:
                raise ValueError
            param.parse(values[0])
        except ValueError:
            problems.append((key, ",".join(values), param.default))
    return problems + _epoch_problems(query, {key for key, _, _ in problems})


def _epoch_problems(query: Mapping[str, Sequence[str]], refused: set[str]) -> list[tuple[str, str, object]]:
    """show_epoch past Max Epoch (the epochs trained): refused, the last epoch used."""
    if "show_epoch" not in query or "show_epoch" in refused:
        return []
    raw = _values(query["show_epoch"])[0]
    epochs = URL_PARAMS["max_epoch"]
    last = epochs.parse(_values(query["max_epoch"])[0]) if "max_epoch" in query and "max_epoch" not in refused \
        else epochs.default
    return [("show_epoch", raw, last)] if URL_PARAMS["show_epoch"].parse(raw) > last else []


def refusal(key: str, raw: str) -> StackFormatError | EditError | None:
    """Why the text control `key` (net, more, kernels) refuses the URL value `raw`: the
    error its own check raises, which the page says as the text box would. None for
    another control, or a value its check takes."""
    param = URL_PARAMS.get(key) or LEGACY.get(key)
    if param is None or param.value_type != "text" or param.check is None:
        return None
    try:
        param.check(raw)
    except (StackFormatError, EditError) as err:
        return err
    except ValueError:  # a check without words of its own (quiz_kinds): the notice names the value only
        return None
    return None


def _values(values: str | Sequence[str]) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def legacy_network(query: Mapping[str, Sequence[str]]) -> tuple[str | None, list[tuple[str, str, object]]]:
    """The `net` text that a link from before `net=` stands for: its first block
    (out_maps, kernel_h, ..., activation, pooling) followed by its `more=` layers; None if
    the link has none of those keys or has `net` itself. Values url_problems refuses must
    be taken out first; the second item names `more` when the whole would be too long
    (then the first block alone is used)."""
    if "net" in query or not any(key in LEGACY for key in query):
        return None, []

    def value(key: str):
        return LEGACY[key].parse(_values(query[key])[0]) if key in query else LEGACY[key].default

    def pair(prefix: str) -> tuple[int, int]:
        return value(f"{prefix}_h"), value(f"{prefix}_w")

    explicit = value("border_mode") == "explicit"
    block: list = [ConvolutionSpec(
        out_maps=value("out_maps"), kernel_shape=pair("kernel"),
        border_mode="valid" if explicit else value("border_mode"), padding=pair("pad") if explicit else None,
        strides=pair("stride"), dilation=pair("dilation"), with_bias=value("with_bias"),
        w_initializer=value("initializer"), initializer_multiplier=float(value("multiplier")))]
    if value("activation") != NONE:
        block.append(ActivationSpec(value("activation"), float(value("alpha"))))
    if value("pooling") != NONE:
        block.append(PoolingSpec(value("pooling"), pair("pool_kernel"), pair("pool_stride"), pair("pool_pad"),
                                 value("ignore_border"), value("including_pad")))
    first = format_stack(tuple(block))
    more = value("more")
    if not more:
        return first, []
    try:
        return format_stack(parse_stack(f"{first}_{more}")), []
    except StackFormatError:
        return first, [("more", more, "")]
