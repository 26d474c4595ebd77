"""Layer stacks: presets, and a compact text form that fits in a URL.

    conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2

Layers are joined by "_", fields by "-"; each layer kind reads and writes its own token
(its token() docstring gives the grammar; cnnlab.layers.GRAMMAR lists them all).
"""

from __future__ import annotations

from cnnlab.layers import BY_HEAD, LayerSpec
from cnnlab.layers.text import TokenError
from cnnlab.limits import MAX_LAYERS
from cnnlab.shapes import LayerShapeError

MAX_TEXT = 1200  # characters of stack text read at all (12 layers with every option fit)


class StackFormatError(ValueError):
    """A stack text that does not parse. `reason` is the app's own words; `layer` (1-based)
    and `token` say where, and `part` (user text) fills the reason's {part}. Kept apart so
    a page can show the user's text literally (see describe)."""

    def __init__(self, reason: str, layer: int | None = None, token: str | None = None,
                 part: str | None = None) -> None:
        self.reason, self.layer, self.token, self.part = reason, layer, token, part
        super().__init__(self.describe(repr))

    def describe(self, quote) -> str:
        """The message with every piece of user text passed through quote (repr for plain text)."""
        reason = self.reason.format(part=quote(self.part)) if self.part is not None else self.reason
        if self.layer is None:
            return reason
        return f"Layer {self.layer} ({quote(self.token)}) is not understood: {reason}"


def format_stack(specs: tuple[LayerSpec, ...]) -> str:
    """Specs -> text (defaults left out): each layer's own token, joined by "_"."""
    return "_".join(s.token() for s in specs)


def parse_stack(text: str) -> tuple[LayerSpec, ...]:
    """Text -> specs; StackFormatError naming the layer that does not parse. Every number
    is ASCII digits, and every setting within cnnlab.limits (the widgets' ranges)."""
    if len(text) > MAX_TEXT:
        raise StackFormatError(f"The stack text is {len(text):,} characters long; at most {MAX_TEXT} are read.")
    layers = [t for t in text.strip().split("_") if t]
    if not layers:
        raise StackFormatError("The stack is empty.")
    if len(layers) > MAX_LAYERS:
        raise StackFormatError(f"At most {MAX_LAYERS} layers, got {len(layers)}.")
    specs = []
    for n, token in enumerate(layers, start=1):
        try:
            spec = _parse_layer(token)
            spec.check_limits()
        except TokenError as err:
            raise StackFormatError(err.reason, n, token, err.part) from None
        except LayerShapeError as err:
            raise StackFormatError(str(err), n, token) from None
        except (IndexError, KeyError):
            raise StackFormatError("a number is missing", n, token) from None
        except (TypeError, ValueError):
            raise StackFormatError("its options do not fit this layer", n, token) from None
        specs.append(spec)
    return tuple(specs)


def _parse_layer(token: str) -> LayerSpec:
    head, *fields = token.split("-")
    if head not in BY_HEAD:
        raise TokenError("a layer starts with " + ", ".join(sorted(BY_HEAD)))
    return BY_HEAD[head].from_token(head, fields)


PRESETS: dict[str, tuple[LayerSpec, ...]] = {
    "blog": parse_stack("conv-16-5x5_max-2x2"),
    "lenet": parse_stack("conv-16-5x5_relu_max-2x2_conv-8-5x5_relu_max-2x2"),
    "allconv": parse_stack("conv-16-3x3-s2x2-same_relu_conv-16-3x3-s2x2-same_relu_avg-7x7"),
    "separable": parse_stack("conv-16-3x3-same_relu_dwconv-3x3-same_conv-16-1x1_relu_max-2x2"),
    "updown": parse_stack("conv-8-4x4-s2x2-p1x1_relu_deconv-1-4x4-s2x2-p1x1"),
    "classic": parse_stack("conv-10-3x3-same-iClassicFilters"),
}
"""The blog post's network; a LeNet-like stack; an all-convolutional one (strided
convolutions instead of pooling, global average at the end); a depthwise-separable
block (DepthwiseConvolution, then a 1x1 Convolution that mixes the channels, as in
MobileNet); down and up again (a strided Convolution halves the digit to 14x14, a
Deconvolution brings it back to 28x28); the ten classic filters (identity, blurs,
sharpen, Sobel, Prewitt, Laplacian, emboss, 45° edge), one per map."""
