"""Sidebar widgets -> specs. Each function draws one group and returns what it sets.

Every widget is bound to the URL under its PARAMS key, so a copied link reproduces
the view. A control that does not apply is disabled and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st
from PIL import Image

from cnnlab.data import BLOG_DIGIT_INDEX, Mnist
from cnnlab.mosaic import Display
from cnnlab.presets import PRESETS, StackFormatError, format_stack, parse_stack
from cnnlab.shapes import BORDER_MODES
from cnnlab.layers import GRAMMAR, ActivationSpec, ConvolutionSpec, PoolingSpec
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal
from cnnlab.ui.params import NONE, PARAMS

LABEL_CHARS = 60  # a popover label's summary beyond this is cut (a long network text)
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


def _slider(tx: Text, key: str, disabled: bool = False) -> int:
    p = PARAMS[key]
    return st.slider(tx(f"{key}.label"), int(p.lo), int(p.hi), p.default, key=key,
                     help=tx(f"{key}.help"), disabled=disabled, bind="query-params")


def _number(tx: Text, key: str, step: float | int = 1, disabled: bool = False, fmt: str | None = None):
    p = PARAMS[key]
    lo, hi = (float(p.lo), float(p.hi)) if p.kind == "float" else (int(p.lo), int(p.hi))
    return st.number_input(tx(f"{key}.label"), lo, hi, p.default, step=step, key=key, format=fmt,
                           help=tx(f"{key}.help"), disabled=disabled, bind="query-params")


def _choice(tx: Text, key: str, disabled: bool = False, radio: bool = False) -> str:
    """Options show as their codes (NNC's names), which are also the URL values, so a
    link means the same in every language; radios add translated captions."""
    p = PARAMS[key]
    common = dict(index=p.options.index(p.default), key=key, help=tx(f"{key}.help"),
                  disabled=disabled, bind="query-params")
    if radio:
        captions = [tx(f"{key}.caption.{o}") for o in p.options]
        return st.radio(tx(f"{key}.label"), p.options, horizontal=True, captions=captions, **common)
    return st.selectbox(tx(f"{key}.label"), p.options, **common)


def _toggle(tx: Text, key: str, disabled: bool = False) -> bool:
    p = PARAMS[key]
    return st.toggle(tx(f"{key}.label"), p.default, key=key, help=tx(f"{key}.help"),
                     disabled=disabled, bind="query-params")


def _pair(tx: Text, prefix: str, disabled: bool = False) -> tuple[int, int]:
    with _row():
        h = _slider(tx, f"{prefix}_h", disabled)
        w = _slider(tx, f"{prefix}_w", disabled)
    return h, w


def _row():
    """Widgets side by side, sharing the width (one flex block: cheaper to redraw than columns)."""
    return st.container(horizontal=True, gap="small", wrap=False)


def _why_disabled(tx: Text, key: str, **fmt) -> None:
    st.caption(":material/block: " + tx(key, **fmt))


def _current(key: str) -> object:
    """A control's value before its widget is drawn this run: the session's, else the URL's
    (when valid), else the default."""
    if key in st.session_state:
        return st.session_state[key]
    raw = st.query_params.get(key)
    if raw is not None:
        try:
            return PARAMS[key].parse(raw)
        except ValueError:
            pass
    return PARAMS[key].default


def _changed(tx: Text, groups: dict[str, tuple[str, ...]]) -> str:
    """'Padding 1,1, Dilation 2,1' for the groups (label key -> control keys) not at their defaults."""
    items = []
    for label, keys in groups.items():
        values = [_current(k) for k in keys]
        if values != [PARAMS[k].default for k in keys]:
            items.append(f"{tx(label)} {','.join(str(v) for v in values)}")
    return ", ".join(items)


def _more_popover(tx: Text, title: str, summary: str, icon: str = ":material/tune:", visitor_text: bool = False):
    """A popover holding secondary controls; its label names what is not at its default
    (`visitor_text`: the summary is the visitor's own text, shown literally).
    A closed popover's widgets are not drawn in the browser (they still run and stay in
    the URL), which keeps every control change quick."""
    if visitor_text:
        summary = literal(summary, LABEL_CHARS) if summary else ""
    elif len(summary) > LABEL_CHARS:
        summary = summary[:LABEL_CHARS - 1] + "…"
    label = tx("more.changed", title=title, items=summary) if summary else title
    return st.popover(label, icon=icon, width="stretch")


@dataclass(frozen=True)
class InputChoice:
    """The chosen input: MNIST test image `index`, or an uploaded image (its bytes)."""

    index: int
    upload: bytes | None = None
    mnist_style: bool = True
    name: str = ""


def thumbnail(image: np.ndarray, scale: int = 4) -> Image.Image:
    """(H, W) in [0, 1] -> a nearest-neighbour enlarged grayscale picture."""
    pixels = Image.fromarray(np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8))
    scale = max(1, min(scale, 160 // max(pixels.width, pixels.height, 1)))
    return pixels.resize((pixels.width * scale, pixels.height * scale), Image.Resampling.NEAREST)


def input_controls(tx: Text, mnist: Mnist) -> InputChoice:
    """MNIST test image by digit class and example, by raw index, or an upload."""
    st.header(tx("input.header"))
    pick = _choice(tx, "pick", radio=True)
    if pick == "upload":
        file = st.file_uploader(tx("upload.label"), type=UPLOAD_TYPES, key="upload", help=tx("upload.help"))
        mnist_style = _toggle(tx, "mnist_style")
        if file is not None:
            return InputChoice(BLOG_DIGIT_INDEX, file.getvalue(), mnist_style, file.name)
        st.caption(tx("upload.none"))
        return InputChoice(BLOG_DIGIT_INDEX)
    if pick == "digit":
        digit = st.selectbox(tx("digit.label"), range(10), index=PARAMS["digit"].default, key="digit",
                             help=tx("digit.help"), bind="query-params")
        of_digit = mnist.indices_of(digit)
        example = _number(tx, "example")
        if example >= len(of_digit):
            st.info(tx("example.clamped", digit=digit, count=len(of_digit), last=len(of_digit) - 1))
            example = len(of_digit) - 1
        index = int(of_digit[example])
    else:
        index = int(_number(tx, "index"))
    st.image(thumbnail(mnist.image(index)))
    st.caption(tx("input.caption", index=index, label=int(mnist.labels[index])))
    return InputChoice(index)


def upload_thumbnail(tx: Text, image: np.ndarray, choice: InputChoice) -> None:
    """The prepared upload, as the network sees it."""
    st.image(thumbnail(image if image.ndim == 2 else image.mean(axis=0)))
    shape = "x".join(str(n) for n in image.shape[-2:])
    st.caption(tx("upload.caption", name=literal(choice.name), shape=shape))


def convolution_controls(tx: Text) -> tuple[ConvolutionSpec, int]:
    """The Convolution layer and the seed of its random (untrained) weights."""
    st.header(tx("conv.header"))
    out_maps = _slider(tx, "out_maps")
    kernel = _pair(tx, "kernel")
    strides = _pair(tx, "stride")
    summary = _changed(tx, {"border_mode.label": ("border_mode",), "pad.name": ("pad_h", "pad_w"),
                           "dilation.name": ("dilation_h", "dilation_w"), "with_bias.label": ("with_bias",),
                           "initializer.label": ("initializer",), "multiplier.label": ("multiplier",)})
    with _more_popover(tx, tx("conv.more"), summary):
        border_mode = _choice(tx, "border_mode")
        explicit = border_mode == "explicit"
        padding = _pair(tx, "pad", disabled=not explicit)
        if not explicit:
            _why_disabled(tx, "pad.disabled", mode=border_mode)
        dilation = _pair(tx, "dilation")
        with_bias = _toggle(tx, "with_bias")
        initializer = _choice(tx, "initializer")
        multiplier = _number(tx, "multiplier", step=0.1, fmt="%.2f")
    st.button(tx("seed.new"), on_click=_next_seed, help=tx("seed.new.help"), width="stretch")
    seed = int(_number(tx, "seed"))
    spec = ConvolutionSpec(
        out_maps=out_maps,
        kernel_shape=kernel,
        border_mode="valid" if explicit else border_mode,
        padding=padding if explicit else None,
        strides=strides,
        dilation=dilation,
        with_bias=with_bias,
        w_initializer=initializer,
        initializer_multiplier=float(multiplier),
    )
    return spec, seed


def _next_seed() -> None:
    st.session_state["seed"] = (int(st.session_state.get("seed", 0)) + 1) % (PARAMS["seed"].hi + 1)


def activation_controls(tx: Text) -> ActivationSpec | None:
    """The activation after the convolution (none by default, as in the blog post)."""
    st.header(tx("act.header"))
    kind = _choice(tx, "activation")
    leaky = kind == "LeakyReLU"
    alpha = _number(tx, "alpha", step=0.01, disabled=not leaky, fmt="%.2f")
    if not leaky:
        _why_disabled(tx, "alpha.disabled")
    return None if kind == NONE else ActivationSpec(kind, float(alpha))


def pooling_controls(tx: Text) -> PoolingSpec | None:
    """The pooling layer (MaxPooling 2x2 / 2 by default, as in the blog post)."""
    st.header(tx("pool.header"))
    kind = _choice(tx, "pooling")
    off = kind == NONE
    kernel = _pair(tx, "pool_kernel", disabled=off)
    strides = _pair(tx, "pool_stride", disabled=off)
    if off:
        _why_disabled(tx, "pool.disabled")
    summary = _changed(tx, {"pad.name": ("pool_pad_h", "pool_pad_w"), "ignore_border.label": ("ignore_border",),
                           "including_pad.label": ("including_pad",)})
    with _more_popover(tx, tx("pool.more"), summary):
        padding = _pair(tx, "pool_pad", disabled=off)
        ignore_border = _toggle(tx, "ignore_border", disabled=off)
        average = kind == "AveragePooling"
        including_pad = _toggle(tx, "including_pad", disabled=not average)
        if off:
            _why_disabled(tx, "pool.disabled")
        elif not average:
            _why_disabled(tx, "including_pad.disabled", kind=kind)
    if off:
        return None
    return PoolingSpec(kind, kernel, strides, padding, ignore_border, including_pad)


def display_controls(tx: Text) -> Display:
    """How maps are coloured and laid out."""
    summary = _changed(tx, {key + ".label": (key,) for key in ("color_scale", "normalization", "colorbar", "columns")})
    with _more_popover(tx, tx("display.header"), summary, icon=":material/palette:"):
        color_scale = _choice(tx, "color_scale", radio=True)
        normalization = _choice(tx, "normalization")
        colorbar = _toggle(tx, "colorbar")
        columns = _slider(tx, "columns")
    return Display(color_scale, normalization, colorbar, columns)


def language_control(default: str) -> str:
    """en / ja, bound to the URL (?lang=ja); the default follows the browser."""
    return st.segmented_control(
        "Language / 言語", PARAMS["lang"].options, default=default, key="lang", required=True,
        help="English / 日本語", bind="query-params",
    ) or default


@dataclass(frozen=True)
class Pixel:
    """The inspected output pixel: layer (stage index, 1-based), map, row, column."""

    layer: int
    map: int
    row: int
    col: int

    @property
    def out(self) -> tuple[int, int, int]:
        return (self.map, self.row, self.col)


def inspector_controls(tx: Text, stages) -> tuple[Pixel | None, list[str]]:
    """Layer, map, row and column of the pixel to explain (also set by clicking a map), in
    a popover labelled with the pixel. Values past the layer's size are clamped, with a
    note. None when no layer could run."""
    usable = [s for s in stages[1:] if s.error is None]
    if not usable:
        return None, []
    layers = [s.index for s in usable]
    asked = _current("insp_layer")
    layer = asked if asked in layers else layers[0]
    shown = [min(int(_current(key)), size - 1) for key, size in zip(("insp_map", "insp_row", "insp_col"),
                                                                     stages[layer].shape)]
    where = tx("insp.where", layer=layer, map=shown[0], row=shown[1], col=shown[2])  # as clamped below
    with _more_popover(tx, tx("insp.header"), where, icon=":material/my_location:"):
        pixel, notes = _pixel_controls(tx, stages, usable, layers)
    if asked != layer:
        notes.insert(0, tx("insp.layer_missing", asked=asked, last=layers[-1], layer=layer))
    return pixel, notes


def _pixel_controls(tx: Text, stages, usable, layers) -> tuple[Pixel, list[str]]:
    st.session_state["_insp_shapes"] = {s.index: s.shape for s in usable}
    layer = st.radio(tx("insp_layer.label"), layers, index=0, key="insp_layer", horizontal=True,
                     captions=[s.name for s in usable], help=tx("insp_layer.help"),
                     on_change=_follow_layer, bind="query-params")
    st.session_state["_insp_layer_seen"] = layer
    shape = stages[layer].shape
    values, notes = [], []
    row = _row()
    for key, size in zip(("insp_map", "insp_row", "insp_col"), shape):
        with row:
            value = int(_number(tx, key))
        if value >= size:
            notes.append(tx("insp.clamped", name=tx(f"{key}.label"), value=value, last=size - 1))
            value = size - 1
        values.append(value)
    return Pixel(layer, *values), notes


def _follow_layer() -> None:
    """Switching layers keeps the same place: row and column scale with the map size."""
    shapes, old = st.session_state.get("_insp_shapes", {}), st.session_state.get("_insp_layer_seen")
    new = st.session_state.get("insp_layer")
    if old not in shapes or new not in shapes:
        return
    for key, axis in (("insp_row", 1), ("insp_col", 2)):
        value = int(st.session_state.get(key, PARAMS[key].default))
        st.session_state[key] = min(shapes[new][axis] - 1, value * shapes[new][axis] // shapes[old][axis])
    st.session_state["insp_map"] = min(int(st.session_state.get("insp_map", 0)), shapes[new][0] - 1)


def pick_from_map(layer: int, cell: dict, map_index: int | None = None) -> None:
    """A clicked heatmap cell {map, row, column} becomes the inspected pixel (`map_index`
    for a heatmap of one enlarged map). Values come from the browser: anything malformed
    is ignored, anything out of range clamped."""
    try:
        where = {name: int(cell[field]) for name, field in
                 (("insp_map", "map"), ("insp_row", "row"), ("insp_col", "column"))}
    except (KeyError, TypeError, ValueError):
        return
    if map_index is not None:
        where["insp_map"] = map_index
    st.session_state["insp_layer"] = st.session_state["_insp_layer_seen"] = layer
    for name, value in where.items():
        st.session_state[name] = min(max(value, int(PARAMS[name].lo)), int(PARAMS[name].hi))


# --- deeper stacks and training --------------------------------------------------------

BLOCK_KEYS = ("out_maps", "kernel_h", "kernel_w", "border_mode", "pad_h", "pad_w", "stride_h", "stride_w",
              "dilation_h", "dilation_w", "with_bias", "initializer", "multiplier", "activation", "alpha",
              "pooling", "pool_kernel_h", "pool_kernel_w", "pool_stride_h", "pool_stride_w", "pool_pad_h",
              "pool_pad_w", "ignore_border", "including_pad")
QUICK_ADD = {"conv": "conv-8-3x3", "relu": "relu", "max": "max-2x2"}


def block_settings(specs: tuple) -> tuple[dict[str, object], str]:
    """A whole stack as the sidebar's two halves: the first block's widget values (a
    Convolution, then an activation and a pooling layer if they follow) and the further
    layers' text. The sidebar edits the first block with its own widgets for now, so this
    is the one place that knows which kinds those are."""
    first, rest = specs[0], list(specs[1:])
    values: dict[str, object] = {
        "out_maps": first.out_maps, "kernel_h": first.kernel_shape[0], "kernel_w": first.kernel_shape[1],
        "border_mode": "explicit" if first.padding is not None else first.border_mode,
        "pad_h": (first.padding or (0, 0))[0], "pad_w": (first.padding or (0, 0))[1],
        "stride_h": first.strides[0], "stride_w": first.strides[1],
        "dilation_h": first.dilation[0], "dilation_w": first.dilation[1], "with_bias": first.with_bias,
        "initializer": first.w_initializer, "multiplier": first.initializer_multiplier,
        "activation": NONE, "pooling": NONE,
    }
    if rest and rest[0].kind in PARAMS["activation"].options:
        act = rest.pop(0)
        values.update(activation=act.kind, alpha=act.alpha)
    if rest and rest[0].kind in PARAMS["pooling"].options:
        pool = rest.pop(0)
        values.update(pooling=pool.kind, pool_kernel_h=pool.kernel_shape[0], pool_kernel_w=pool.kernel_shape[1],
                      pool_stride_h=pool.stride()[0], pool_stride_w=pool.stride()[1], pool_pad_h=pool.padding[0],
                      pool_pad_w=pool.padding[1], ignore_border=pool.ignore_border, including_pad=pool.including_pad)
    return values, format_stack(tuple(rest))


def _apply_preset(name: str) -> None:
    values, more = block_settings(PRESETS[name])
    for key in BLOCK_KEYS:
        st.session_state[key] = values.get(key, PARAMS[key].default)
    st.session_state["more"] = more


def _add_layer(token: str) -> None:
    current = st.session_state.get("more", "")
    st.session_state["more"] = f"{current}_{token}" if current else token


def _remove_last() -> None:
    st.session_state["more"] = "_".join(st.session_state.get("more", "").split("_")[:-1])


def network_controls(tx: Text) -> tuple[tuple, str | None]:
    """Presets, and the layers after the first block as text (add, remove, reorder by
    editing). Returns (their specs, a parse error or None)."""
    text = str(_current("more"))
    with _more_popover(tx, tx("net.header"), text, icon=":material/account_tree:", visitor_text=True):
        return _network_controls(tx)


def _network_controls(tx: Text) -> tuple[tuple, str | None]:
    presets = st.container(horizontal=True, gap="small", wrap=True)  # five presets: two rows
    for name in PRESETS:
        presets.button(tx(f"net.preset.{name}"), key=f"preset-{name}", on_click=_apply_preset, args=(name,),
                       help=tx(f"net.preset.{name}.help"), width="stretch")
    text = st.text_input(tx("more.label"), PARAMS["more"].default, key="more", help=tx("more.help", grammar="; ".join(GRAMMAR)),
                         bind="query-params")
    adds = _row()
    for name, token in QUICK_ADD.items():
        adds.button(f"+ {name}", key=f"add-{name}", on_click=_add_layer, args=(token,),
                    help=tx("net.add.help", token=token), width="stretch")
    adds.button("−", key="remove-last", on_click=_remove_last, help=tx("net.remove.help"),
                width="stretch", disabled=not text)
    if not text.strip():
        return (), None
    try:
        specs = parse_stack(text)
    except StackFormatError as err:
        return (), err.describe(literal)
    layer_editor(tx, specs)
    return specs, None


def _edited(spec, field: str, value):
    """spec with one editor field changed (kernels and strides square)."""
    changes = {
        "out_maps": {"out_maps": value},
        "kernel": {"kernel_shape": (value, value)},
        "strides": {"strides": (value, value)},
        "border_mode": {"border_mode": value, "padding": None},
        "kind": {"kind": value},
    }[field]
    return replace(spec, **changes)


def _rewrite(change) -> None:
    """Apply change(list of specs) to the further layers' text."""
    specs = list(parse_stack(st.session_state["more"]))
    change(specs)
    st.session_state["more"] = format_stack(tuple(specs))


def _on_edit(n: int, field: str, key: str) -> None:
    _rewrite(lambda specs: specs.__setitem__(n, _edited(specs[n], field, st.session_state[key])))


def _on_move(n: int, step: int) -> None:
    def move(specs):
        m = n + step
        if 0 <= m < len(specs):
            specs[n], specs[m] = specs[m], specs[n]
    _rewrite(move)


def _on_delete(n: int) -> None:
    _rewrite(lambda specs: specs.pop(n))


def layer_editor(tx: Text, specs: tuple) -> None:
    """One expander per further layer: its main parameters, move up / down, remove. Every
    change rewrites the text (and so the URL); widget keys carry the layer's text, so a
    moved or edited layer gets fresh widgets."""
    for n, spec in enumerate(specs):
        token = format_stack((spec,))
        with st.expander(f"{n + 1}. {token}"):
            for field in spec.EDITOR:
                key = f"edit-{n}-{token}-{field}"
                common = dict(key=key, on_change=_on_edit, args=(n, field, key))
                _editor_widget(tx, spec, field, common)
            buttons = _row()
            buttons.button("↑", key=f"up-{n}-{token}", on_click=_on_move, args=(n, -1), disabled=n == 0,
                           help=tx("net.up.help"), width="stretch")
            buttons.button("↓", key=f"down-{n}-{token}", on_click=_on_move, args=(n, 1),
                           disabled=n == len(specs) - 1, help=tx("net.down.help"), width="stretch")
            buttons.button("✕", key=f"del-{n}-{token}", on_click=_on_delete, args=(n,),
                           help=tx("net.delete.help"), width="stretch")


def _editor_widget(tx: Text, spec, field: str, common: dict) -> None:
    """One widget of a further layer's editor; ranges from the layer kind's LIMITS."""
    if field in ("out_maps", "kernel", "strides"):
        allowed = spec.LIMITS[{"out_maps": "out_maps", "kernel": "kernel_shape", "strides": "strides"}[field]]
        now = (spec.out_maps if field == "out_maps" else spec.kernel_shape[0] if field == "kernel"
               else (spec.strides or spec.kernel_shape)[0])
        st.slider(allowed.name, int(allowed.lo), int(allowed.hi), now, **common)
    elif field == "border_mode":
        st.selectbox("BorderMode", BORDER_MODES, BORDER_MODES.index(spec.border_mode), **common)
    else:
        st.selectbox(tx(f"{spec.EDITOR_LABEL}.label"), spec.KIND_OPTIONS, spec.KIND_OPTIONS.index(spec.kind), **common)


def training_controls(tx: Text) -> tuple[int, int]:
    """Max Epoch (0: the blog post's untrained view) and how many training images."""
    summary = _changed(tx, {"max_epoch.label": ("max_epoch",)})
    with _more_popover(tx, tx("train.header"), summary, icon=":material/school:"):
        epochs = int(_number(tx, "max_epoch"))
        images = int(_number(tx, "train_images", step=1000, disabled=epochs == 0))
        if epochs == 0:
            _why_disabled(tx, "train.disabled")
    return epochs, images
