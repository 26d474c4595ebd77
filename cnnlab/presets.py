"""Layer stacks: presets, and a compact text form that fits in a URL.

    conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2

Layers are joined by "_", fields by "-"; each layer kind reads and writes its own token
(its token() docstring gives the grammar; cnnlab.layers.GRAMMAR lists them all). What
can mean one thing only is read too (tidy: `conv-16-5X5 max-2x2`), and a text that
cannot be read says what the grammar expects where (StackFormatError, MESSAGES).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cnnlab.layers import BY_HEAD, LayerSpec
from cnnlab.layers.text import EXPECTED, TokenError
from cnnlab.limits import MAX_LAYERS
from cnnlab.shapes import MESSAGES as SHAPE_MESSAGES
from cnnlab.shapes import LayerShapeError

MAX_TEXT = 1200  # characters of stack text read at all (12 layers with every option fit)

MESSAGES = {  # the English text of the stack's refusals; a page shows its catalogue's "stack.KEY"
    "too_long": "The stack text is {length} characters long; at most {most} are read.",
    "empty": "The stack is empty.",
    "too_many": "At most {most} layers, got {count}.",
    "layer": "Layer {layer} ({token}) is not understood: {reason}",
    "kind": "a layer starts with its kind ({kinds}), not {part}.",
    "expected": "after {after} the grammar expects {what}, not {part}.",
    "missing": "after {after} the grammar expects {what}, but the layer ends there.",
    "ends": "after {after} the layer ends, not {part}.",
    "ends_alpha": "after {after} the layer ends (only leaky takes a number, its alpha: leaky-0.2), not {part}.",
    "fit": "its options do not fit this layer.",
    "plain": "{message}",
    **{f"what.{key}": text for key, text in EXPECTED.items()},
}
ENGLISH = {**{f"stack.{k}": v for k, v in MESSAGES.items()}, **{f"shape.{k}": v for k, v in SHAPE_MESSAGES.items()}}
USER_TEXT = ("part", "after", "token")  # the fields that hold a visitor's text


def english(key: str, **fields: object) -> str:
    """A catalogue key ("stack.KEY" or "shape.KEY") said in English, as a page's tx says it."""
    return ENGLISH[key].format(**fields)


class StackFormatError(ValueError):
    """A stack text that does not parse, by catalogue key ("stack.KEY", or "shape.KEY" for a
    setting outside its range) and fields, so a page can say it in its own language;
    `layer` (1-based) and `token` say where, `what` (a key of EXPECTED) what the grammar
    expects there. The fields in USER_TEXT are the visitor's text, kept apart so a page can
    show them literally (see describe)."""

    def __init__(self, key: str, layer: int | None = None, token: str | None = None, what: str | None = None,
                 **fields: object) -> None:
        self.key, self.layer, self.token, self.what, self.fields = key, layer, token, what, fields
        super().__init__(self.describe(repr))

    def describe(self, quote: Callable[[object], str], say: Callable[..., str] = english) -> str:
        """The message in say's language (say(key, **fields), e.g. a page's tx), every piece
        of the visitor's text passed through quote (repr for plain text)."""
        fields = {k: quote(v) if k in USER_TEXT else v for k, v in self.fields.items()}
        if self.what is not None:
            fields["what"] = say(f"stack.what.{self.what}", **fields)
        reason = say(self.key, **fields)
        if self.layer is None:
            return reason
        return say("stack.layer", layer=self.layer, token=quote(self.token), reason=reason)


_AROUND = re.compile(r"\s*([_-])\s*")
_TIMES = re.compile(r"(?<=[0-9])\s*[xX]\s*(?=[0-9])")


def tidy(text: str) -> str:
    """The stack text with what it can only mean written as the grammar writes it: spaces
    around "_" and "-" dropped, "5X5" and "5 x 5" as 5x5, and any other spaces as the
    separator they stand for: "-" before a number (a field), else "_" (a new layer)."""
    words = _TIMES.sub("x", _AROUND.sub(r"\1", text.strip())).split()
    return "".join(w if n == 0 else ("-" if w[0] in "0123456789" else "_") + w for n, w in enumerate(words))


def format_stack(specs: tuple[LayerSpec, ...]) -> str:
    """Specs -> text (defaults left out): each layer's own token, joined by "_"."""
    return "_".join(s.token() for s in specs)


def parse_stack(text: str) -> tuple[LayerSpec, ...]:
    """Text -> specs; StackFormatError naming the layer that does not parse and what the
    grammar expected there. The text is tidied first (tidy). Every number is ASCII digits,
    and every setting within cnnlab.limits (the widgets' ranges)."""
    if len(text) > MAX_TEXT:
        raise StackFormatError("stack.too_long", length=f"{len(text):,}", most=MAX_TEXT)
    layers = [t for t in tidy(text).split("_") if t]
    if not layers:
        raise StackFormatError("stack.empty")
    if len(layers) > MAX_LAYERS:
        raise StackFormatError("stack.too_many", most=MAX_LAYERS, count=len(layers))
    specs = []
    for n, token in enumerate(layers, start=1):
        try:
            spec = _parse_layer(token)
            spec.check_limits()
        except TokenError as err:
            raise _placed(err, n, token) from None
        except LayerShapeError as err:
            key, fields = err.detail or ("stack.plain", {"message": str(err)})
            raise StackFormatError(key, n, token, **fields) from None
        except (TypeError, ValueError, IndexError, KeyError):
            raise StackFormatError("stack.fit", n, token) from None
        specs.append(spec)
    return tuple(specs)


def _parse_layer(token: str) -> LayerSpec:
    head, *fields = token.split("-")
    if head not in BY_HEAD:
        raise TokenError("kind", head, kinds=", ".join(sorted(BY_HEAD)))
    return BY_HEAD[head].from_token(head, fields)


def _placed(err: TokenError, layer: int, token: str) -> StackFormatError:
    """A token's error as the stack's: `after` is the token up to the faulty place."""
    fields: dict = dict(err.fields)
    if err.part is not None:
        fields["part"] = err.part
    if err.at is not None:
        pieces, (i, skip) = token.split("-"), err.at
        after = "-".join(pieces[:i]) + "-" + (pieces[i][:skip] if i < len(pieces) else "")
        fields["after"] = after.rstrip("-") if err.key in ("ends", "ends_alpha") else after
    return StackFormatError(f"stack.{err.key}", layer, token, err.what, **fields)


PRESETS: dict[str, tuple[LayerSpec, ...]] = {
    "blog": parse_stack("conv-16-5x5_max-2x2"),
    "lenet": parse_stack("conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2"),
    "allconv": parse_stack("conv-16-3x3-s2x2-same_relu_conv-16-3x3-s2x2-same_relu_avg-7x7"),
    "separable": parse_stack("conv-16-3x3-same_relu_dwconv-3x3-same_conv-16-1x1_relu_max-2x2"),
    "updown": parse_stack("conv-8-4x4-s2x2-p1x1_relu_deconv-1-4x4-s2x2-p1x1"),
    "classic": parse_stack("conv-10-3x3-same-iClassicFilters"),
    "modern": parse_stack("conv-32-5x5_bn_relu_max-2x2_conv-64-5x5_bn_relu_max-2x2_gap_affine-10"),
}
"""The blog post's network; a LeNet-like stack; an all-convolutional one (strided
convolutions instead of pooling, global average at the end); a depthwise-separable
block (DepthwiseConvolution, then a 1x1 Convolution that mixes the channels, as in
MobileNet); down and up again (a strided Convolution halves the digit to 14x14, a
Deconvolution brings it back to 28x28); the ten classic filters (identity, blurs,
sharpen, Sobel, Prewitt, Laplacian, emboss, 45° edge), one per map; a "modern" one
(Convolution-BatchNormalization-ReLU-MaxPooling twice, GlobalAveragePooling, Affine to 10 outputs)."""
