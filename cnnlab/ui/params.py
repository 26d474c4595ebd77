"""Every URL-bound control: its key (the query parameter), kind, range and default.

One table drives the widgets and the check of tampered URLs, so both always agree.
No Streamlit import: the check is plain Python and tested as such.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cnnlab.mosaic import COLOR_SCALES, NORMALIZATIONS
from cnnlab.initializers import INITIALIZERS
from cnnlab.presets import parse_stack
from cnnlab.specs import ACTIVATION_KINDS, POOLING_KINDS
from cnnlab.shapes import BORDER_MODES

NONE = "none"


@dataclass(frozen=True)
class Param:
    """An int or float in [lo, hi], a bool, one of `options`, or a text that `check` accepts."""

    key: str
    default: object
    lo: float | None = None
    hi: float | None = None
    options: tuple[str, ...] | None = None
    check: Callable[[str], object] | None = None

    @property
    def kind(self) -> str:
        if self.options is not None:
            return "choice"
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, str):
            return "text"
        return "float" if isinstance(self.default, float) else "int"

    def parse(self, raw: str) -> object:
        """The value a URL string stands for; ValueError if it is not one this control takes."""
        if self.kind == "text":
            if raw and self.check is not None:
                self.check(raw)
            return raw
        if self.kind == "choice":
            if raw not in self.options:
                raise ValueError
            return raw
        if self.kind == "bool":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
        value = float(raw) if self.kind == "float" else int(raw)
        if not (self.lo <= value <= self.hi):
            raise ValueError
        return value


def _pair(prefix: str, default: tuple[int, int], lo: int, hi: int) -> list[Param]:
    return [Param(f"{prefix}_h", default[0], lo, hi), Param(f"{prefix}_w", default[1], lo, hi)]


PARAMS: dict[str, Param] = {
    p.key: p
    for p in [
        Param("lang", "en", options=("en", "ja")),
        Param("pick", "digit", options=("digit", "index", "upload")),
        Param("digit", 4, 0, 9),
        Param("example", 0, 0, 1134),
        Param("index", 4, 0, 9999),
        Param("mnist_style", True),
        Param("out_maps", 16, 1, 256),
        *_pair("kernel", (5, 5), 1, 15),
        Param("border_mode", "valid", options=(*BORDER_MODES, "explicit")),
        *_pair("pad", (0, 0), 0, 15),
        *_pair("stride", (1, 1), 1, 15),
        *_pair("dilation", (1, 1), 1, 8),
        Param("with_bias", True),
        Param("initializer", "NormalConvolutionGlorot", options=INITIALIZERS),
        Param("multiplier", 1.0, 0.0, 100.0),
        Param("seed", 0, 0, 2**31 - 1),
        Param("activation", NONE, options=(NONE, *[a for a in ACTIVATION_KINDS if a != "Identity"])),
        Param("alpha", 0.1, 0.0, 1.0),
        Param("pooling", "MaxPooling", options=(*POOLING_KINDS, NONE)),
        *_pair("pool_kernel", (2, 2), 1, 15),
        *_pair("pool_stride", (2, 2), 1, 15),
        *_pair("pool_pad", (0, 0), 0, 14),
        Param("ignore_border", True),
        Param("including_pad", True),
        Param("more", "", check=parse_stack),
        Param("max_epoch", 0, 0, 10),
        Param("train_images", 10000, 1000, 20000),
        Param("insp_layer", 1, 1, 16),
        Param("insp_map", 0, 0, 1023),
        Param("insp_row", 14, 0, 4095),  # on the seed digit's stroke
        Param("insp_col", 10, 0, 4095),
        Param("color_scale", "gray", options=COLOR_SCALES),
        Param("normalization", "layer", options=NORMALIZATIONS),
        Param("colorbar", True),
        Param("columns", 8, 1, 32),
    ]
}


def url_problems(query: Mapping[str, Sequence[str]]) -> list[tuple[str, str, object]]:
    """[(key, bad raw value, default used instead)] for query parameters a control
    cannot take (wrong type, out of range, unknown option, repeated). Unknown keys
    are ignored."""
    problems = []
    for key, values in query.items():
        param = PARAMS.get(key)
        if param is None:
            continue
        values = [values] if isinstance(values, str) else list(values)
        try:
            if len(values) != 1:
                raise ValueError
            param.parse(values[0])
        except ValueError:
            problems.append((key, ",".join(values), param.default))
    return problems
