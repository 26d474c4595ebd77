"""The network's controls: the first block (Convolution, activation, pooling) and the
further layers as text with presets, quick adds and a per-layer editor."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from cnnlab.layers import GRAMMAR, ActivationSpec, ConvolutionSpec, PoolingSpec
from cnnlab.presets import PRESETS, StackFormatError, format_stack, parse_stack
from cnnlab.shapes import BORDER_MODES
from cnnlab.ui import widgets as w
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal
from cnnlab.ui.params import NONE, PARAMS


def convolution_controls(tx: Text) -> tuple[ConvolutionSpec, int]:
    """The Convolution layer and the seed of its random (untrained) weights."""
    st.header(tx("conv.header"))
    out_maps = w.slider(tx, "out_maps")
    kernel = w.pair(tx, "kernel")
    strides = w.pair(tx, "stride")
    summary = w.changed(tx, {"border_mode.label": ("border_mode",), "pad.name": ("pad_h", "pad_w"),
                           "dilation.name": ("dilation_h", "dilation_w"), "with_bias.label": ("with_bias",),
                           "initializer.label": ("initializer",), "multiplier.label": ("multiplier",)})
    with w.more_popover(tx, tx("conv.more"), summary):
        border_mode = w.choice(tx, "border_mode")
        explicit = border_mode == "explicit"
        padding = w.pair(tx, "pad", disabled=not explicit)
        if not explicit:
            w.why_disabled(tx, "pad.disabled", mode=border_mode)
        dilation = w.pair(tx, "dilation")
        with_bias = w.toggle(tx, "with_bias")
        initializer = w.choice(tx, "initializer")
        multiplier = w.number(tx, "multiplier", step=0.1, fmt="%.2f")
    st.button(tx("seed.new"), on_click=_next_seed, help=tx("seed.new.help"), width="stretch")
    seed = int(w.number(tx, "seed"))
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
    kind = w.choice(tx, "activation")
    leaky = kind == "LeakyReLU"
    alpha = w.number(tx, "alpha", step=0.01, disabled=not leaky, fmt="%.2f")
    if not leaky:
        w.why_disabled(tx, "alpha.disabled")
    return None if kind == NONE else ActivationSpec(kind, float(alpha))


def pooling_controls(tx: Text) -> PoolingSpec | None:
    """The pooling layer (MaxPooling 2x2 / 2 by default, as in the blog post)."""
    st.header(tx("pool.header"))
    kind = w.choice(tx, "pooling")
    off = kind == NONE
    kernel = w.pair(tx, "pool_kernel", disabled=off)
    strides = w.pair(tx, "pool_stride", disabled=off)
    if off:
        w.why_disabled(tx, "pool.disabled")
    summary = w.changed(tx, {"pad.name": ("pool_pad_h", "pool_pad_w"), "ignore_border.label": ("ignore_border",),
                           "including_pad.label": ("including_pad",)})
    with w.more_popover(tx, tx("pool.more"), summary):
        padding = w.pair(tx, "pool_pad", disabled=off)
        ignore_border = w.toggle(tx, "ignore_border", disabled=off)
        average = kind == "AveragePooling"
        including_pad = w.toggle(tx, "including_pad", disabled=not average)
        if off:
            w.why_disabled(tx, "pool.disabled")
        elif not average:
            w.why_disabled(tx, "including_pad.disabled", kind=kind)
    if off:
        return None
    return PoolingSpec(kind, kernel, strides, padding, ignore_border, including_pad)


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
    text = str(w.current("more"))
    with w.more_popover(tx, tx("net.header"), text, icon=":material/account_tree:", visitor_text=True):
        return _network_controls(tx)


def _network_controls(tx: Text) -> tuple[tuple, str | None]:
    presets = st.container(horizontal=True, gap="small", wrap=True)  # five presets: two rows
    for name in PRESETS:
        presets.button(tx(f"net.preset.{name}"), key=f"preset-{name}", on_click=_apply_preset, args=(name,),
                       help=tx(f"net.preset.{name}.help"), width="stretch")
    text = st.text_input(tx("more.label"), PARAMS["more"].default, key="more", help=tx("more.help", grammar="; ".join(GRAMMAR)),
                         bind="query-params")
    adds = w.row()
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


SQUARE = ("kernel_shape", "strides")  # edited as one number: square kernels and strides


def _shown(spec, field: str):
    """The editor's value of a spec field (a pair shows its height; a pooling's Strides
    None, which means the KernelShape, shows that)."""
    value = getattr(spec, field)
    if field == "strides" and value is None:
        value = spec.kernel_shape
    return value[0] if field in SQUARE else value


def _edited(spec, field: str, value):
    """spec with one editor field changed (kernels and strides square; a BorderMode drops
    an explicit Padding)."""
    if field in SQUARE:
        return replace(spec, **{field: (value, value)})
    if field == "border_mode":
        return replace(spec, border_mode=value, padding=None)
    return replace(spec, **{field: value})


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
    change rewrites the text (and so the URL). Keys and labels name the layer's place and
    kind, not its settings, so an edited layer keeps its expander open and its focused
    widget focused (arrow keys go on working); the widgets follow the text each run."""
    for n, spec in enumerate(specs):
        with st.expander(f"{n + 1}. {spec.kind}"):
            st.caption(literal(spec.token()))
            for field in spec.EDITOR:
                key = f"edit-{n}-{type(spec).__name__}-{field}"
                _editor_widget(tx, spec, field, dict(key=key, on_change=_on_edit, args=(n, field, key)))
            buttons = w.row()
            buttons.button("↑", key=f"up-{n}", on_click=_on_move, args=(n, -1), disabled=n == 0,
                           help=tx("net.up.help"), width="stretch")
            buttons.button("↓", key=f"down-{n}", on_click=_on_move, args=(n, 1),
                           disabled=n == len(specs) - 1, help=tx("net.down.help"), width="stretch")
            buttons.button("✕", key=f"del-{n}", on_click=_on_delete, args=(n,),
                           help=tx("net.delete.help"), width="stretch")


def _editor_widget(tx: Text, spec, field: str, common: dict) -> None:
    """One widget of a further layer's editor, showing the layer's value now (set through
    the session, so the widget itself stays the same one); ranges from the kind's LIMITS."""
    now = _shown(spec, field)
    if st.session_state.get(common["key"]) != now:
        st.session_state[common["key"]] = now
    if field in spec.LIMITS:
        allowed = spec.LIMITS[field]
        st.slider(allowed.name, int(allowed.lo), int(allowed.hi), **common)
    elif field == "border_mode":
        st.selectbox("BorderMode", BORDER_MODES, **common)
    else:
        st.selectbox(tx(f"{spec.EDITOR_LABEL}.label"), spec.KIND_OPTIONS, **common)


