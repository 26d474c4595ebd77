"""The network editor: presets, the whole network as one text (the URL's `net`), one
expander per layer drawn from its kind's FIELDS, "Add a layer", and the weights' seed.

Every layer, the first included, is edited the same way. Every edit rewrites the text,
so the text (and the link) is always the whole network; the widgets follow it each run.
"""

from __future__ import annotations

import streamlit as st

from cnnlab.layers import ADDABLE, GRAMMAR, LayerSpec
from cnnlab.layers.fields import Field
from cnnlab.limits import MAX_LAYERS
from cnnlab.presets import PRESETS, StackFormatError, format_stack, parse_stack
from cnnlab.ui import focus
from cnnlab.ui import widgets as w
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal
from cnnlab.ui.params import DEFAULT_NET, URL_PARAMS

NET = "net"  # the session key (and URL key) of the network's text
READABLE = "net-readable"  # the last network text that could be read
KNOWN = "net-known"  # the network text the editor was last drawn for, or last wrote itself
LINEAGE = "net-lineage"  # counts the network's replacements other than a setting's edit
PENDING = "net-pending"  # the editor's changes of this rerun, applied by apply_pending
HISTORY = "net-history"  # the last network texts the editor was drawn for
HISTORY_KEPT = 16
FOCUS = "net-focus"  # (a count, the key of the control to focus once): set by a move
ADD = "add-layer"
ADD_AT = "add-layer-at"  # where "Add a layer" inserts: AT_END or the number of layers before it
AT_END = "end"
ADD_NAMES = {spec.token(): spec.kind for spec in ADDABLE}


def network_editor(tx: Text) -> tuple[tuple[LayerSpec, ...], int, str | None]:
    """(the network's specs, the weights' seed, why the text could not be read or None).
    A text that cannot be read leaves the last one that could in use."""
    st.header(tx("net.header"))
    presets_box = st.container()  # above the text, labelled once the text is read
    apply_pending()
    text = w.text(tx, NET, tx("net.label"), lambda: st.session_state.get(READABLE, DEFAULT_NET), then=_on_text,
                  help=tx("net.help", grammar="; ".join(GRAMMAR)))
    if st.session_state.get(KNOWN) != text:  # typed, pasted, a preset, the link: a new network
        st.session_state[LINEAGE] = st.session_state.get(LINEAGE, 0) + 1
        _know(text)
    try:
        specs, error = parse_stack(text), None
        st.session_state[READABLE] = text
    except StackFormatError as err:
        specs, error = parse_stack(st.session_state.get(READABLE, DEFAULT_NET)), tx.stack_error(err)
    with presets_box:
        presets_popover(tx, specs)
    if error is None:
        lineage = st.session_state[LINEAGE]
        layer_editor(tx, specs, lineage)
        add_layer_controls(tx, specs, lineage)
    st.button(tx("seed.new"), key="seed-new", on_click=_next_seed, help=tx("seed.new.help"), width="stretch")
    seed = int(w.number(tx, "seed"))
    return specs, seed, error


def _on_text() -> None:
    """A typed network text that can be read is written as the grammar writes it (tidied:
    `conv-16-5X5 max-2x2` -> `conv-16-5x5_max-2x2`), in the box and the link."""
    try:
        st.session_state[NET] = format_stack(parse_stack(st.session_state[NET]))
    except StackFormatError:
        pass


PRESET_WORDS: dict[str, tuple[str, str]] = {
    "blog": ("net.preset.blog", "net.preset.blog.help"), "lenet": ("net.preset.lenet", "net.preset.lenet.help"),
    "allconv": ("net.preset.allconv", "net.preset.allconv.help"),
    "separable": ("net.preset.separable", "net.preset.separable.help"),
    "updown": ("net.preset.updown", "net.preset.updown.help"),
    "classic": ("net.preset.classic", "net.preset.classic.help"),
    "modern": ("net.preset.modern", "net.preset.modern.help"),
}
"""cnnlab.presets.PRESETS -> the catalogue keys of each one's button label and help."""


def presets_popover(tx: Text, specs: tuple[LayerSpec, ...]) -> None:
    """One line in view naming the preset the network is (if any); the presets inside,
    built only while it is open."""
    loaded = next((name for name, preset in PRESETS.items() if preset == specs), None)
    box = st.popover(tx("net.presets", name=tx(PRESET_WORDS[loaded][0])) if loaded else tx("net.presets.none"),
                     icon=":material/account_tree:", width="stretch", key="presets", on_change="rerun")
    if not box.open:  # a closed popover builds no buttons: every change costs the class less
        return
    with box:
        for name in PRESETS:
            label, helptext = PRESET_WORDS[name]
            st.button(tx(label), key=f"preset-{name}", on_click=_apply_preset, args=(name,), help=tx(helptext),
                      width="stretch")


def _apply_preset(name: str) -> None:
    st.session_state[NET] = format_stack(PRESETS[name])


def add_layer_controls(tx: Text, specs: tuple[LayerSpec, ...], lineage: int) -> None:
    """The kind to add and where it goes: AT_END (the default), or the number of layers
    before it (0: at the start)."""
    places = (AT_END, *range(len(specs)))
    if st.session_state.get(ADD_AT) not in places:
        st.session_state.pop(ADD_AT, None)

    def place(at: int | str) -> str:
        if at == AT_END:
            return tx("net.add.end")
        return tx("net.add.after", n=at, kind=specs[at - 1].kind) if at else tx("net.add.start")

    full = len(specs) >= MAX_LAYERS
    st.selectbox(tx("net.add"), tuple(ADD_NAMES), index=None, key=ADD, on_change=_on_add, args=(lineage,),
                 format_func=lambda token: f"{ADD_NAMES[token]} ({token})", placeholder=tx("net.add.placeholder"),
                 help=tx("net.add.help", most=MAX_LAYERS), disabled=full)
    st.selectbox(tx("net.add.at"), places, key=ADD_AT, format_func=place, help=tx("net.add.at.help"), disabled=full)


def _next_seed() -> None:
    st.session_state["seed"] = (int(st.session_state.get("seed", 0)) + 1) % (URL_PARAMS["seed"].hi + 1)


def _rewrite(change, lineage: int, structural: bool) -> None:
    """Queue change(list of specs) for `apply_pending`, which runs it before the editor is
    drawn, once every callback of the rerun has run (so it knows whether the same rerun
    also brought a network typed anew)."""
    st.session_state.setdefault(PENDING, []).append((change, lineage, structural))


def apply_pending() -> None:
    """Apply the editor's queued changes to the network's text, each only to the network
    its control was drawn for (its lineage: edits of a layer's settings keep it; a typed
    network, a preset, a move, an added or removed layer start a new one, since layer n
    may then be another layer or of another kind).

    One rerun can carry both a control's change and a network text that differs from the
    one the app last wrote (KNOWN). That text is either typed anew (the controls' changes,
    drawn for the old network, are dropped) or the browser's stale copy of an older text
    the app wrote, sent back when a quick second edit interrupted the rerun that would
    have updated the box (then the app's own text stands and the changes apply to it)."""
    pending = st.session_state.pop(PENDING, [])
    if not pending:
        return
    text, known = st.session_state.get(NET), st.session_state.get(KNOWN)
    if text != known:
        if text not in st.session_state.get(HISTORY, ()):
            return  # typed anew: it stands, and every queued change was drawn for the old network
        text = known
    lineage = st.session_state.get(LINEAGE)
    for change, drawn, structural in pending:
        if drawn != lineage:
            continue
        try:
            specs = list(parse_stack(text))
        except StackFormatError:
            return
        change(specs)
        if specs:
            text = format_stack(tuple(specs))
            if structural:
                lineage += 1
    st.session_state[NET] = text
    st.session_state[LINEAGE] = lineage
    _know(text)


def _know(text: str) -> None:
    """`text` is the network the editor is drawn for; the last few are remembered to tell a
    stale copy sent back by the browser from a network typed anew."""
    st.session_state[KNOWN] = text
    history = [t for t in st.session_state.get(HISTORY, []) if t != text][-HISTORY_KEPT + 1:]
    st.session_state[HISTORY] = [*history, text]


def _on_add(lineage: int) -> None:
    token = st.session_state[ADD]
    st.session_state[ADD] = None
    if token is None:
        return
    new = parse_stack(token)[0]

    def add(specs: list) -> None:
        if len(specs) < MAX_LAYERS:
            chosen = st.session_state.get(ADD_AT, AT_END)
            at = len(specs) if chosen == AT_END else min(int(chosen), len(specs))
            specs.insert(at, new)
            st.session_state[layer_key(at, new)] = True  # the new layer's settings open
            if chosen != AT_END:
                st.session_state[ADD_AT] = at + 1  # the next one goes after it
    _rewrite(add, lineage, structural=True)


def _on_edit(n: int, field: Field, half: int | None, key: str, lineage: int) -> None:
    _apply(n, field, half, st.session_state[key], lineage)


def _on_typed(n: int, field: Field, key: str, lineage: int) -> None:
    """A number typed in a wide setting's box: applied, and the box emptied again (it only
    ever holds what is being typed, so it never holds a stale value beside the slider)."""
    value = st.session_state[key]
    st.session_state[key] = None
    if value is not None:
        _apply(n, field, None, int(value), lineage)


def _apply(n: int, field: Field, half: int | None, value, lineage: int) -> None:
    def edit(specs: list) -> None:
        if n < len(specs):
            spec = specs[n]
            specs[n] = field.edited(spec, value) if half is None else field.edited_half(spec, half, value)
    _rewrite(edit, lineage, structural=False)


def _on_move(n: int, step: int, lineage: int) -> None:
    """Layer n swaps places with its neighbour; its settings stay open at the new place and
    its arrow button keeps the focus (the other arrow at either end)."""
    def move(specs: list) -> None:
        m = n + step
        if 0 <= m < len(specs) and n < len(specs):
            moved, other = specs[n], specs[m]
            was_open = st.session_state.get(layer_key(m, other))
            specs[n], specs[m] = other, moved
            st.session_state[layer_key(m, moved)] = True
            if was_open is not None:
                st.session_state[layer_key(n, other)] = was_open
            towards_end = step > 0 and m < len(specs) - 1 or step < 0 and m == 0
            focus = st.session_state.get(FOCUS, (0, ""))[0] + 1
            st.session_state[FOCUS] = (focus, f"{'down' if towards_end else 'up'}-{m}")
    _rewrite(move, lineage, structural=True)


def _on_delete(n: int, lineage: int) -> None:
    _rewrite(lambda specs: specs.pop(n) if n < len(specs) and len(specs) > 1 else None, lineage, structural=True)


def layer_editor(tx: Text, specs: tuple[LayerSpec, ...], lineage: int) -> None:
    """One expander per layer: its kind's settings (FIELDS; the secondary ones under
    "More"), move up / down, remove. Keys name the layer's place and kind, not its
    settings, so an edited layer keeps its expander open and its focused widget focused
    (arrow keys go on working). Every control's change carries the `lineage` it was drawn
    for (see `apply_pending`)."""
    focus.focus_once(*st.session_state.get(FOCUS, (0, "")))
    for n, spec in enumerate(specs):
        name = f"{n}-{type(spec).__name__}"
        # stateful (a rerun on open or close): a closed layer builds none of its controls, and
        # the network overview opens a layer by its key
        box = st.expander(f"{n + 1}. {spec.kind}", expanded=n < 2, key=layer_key(n, spec), on_change="rerun")
        if box.open:
            with box:
                _layer_controls(tx, specs, n, lineage)


def _layer_controls(tx: Text, specs: tuple[LayerSpec, ...], n: int, lineage: int) -> None:
    """Layer n's settings (the secondary ones in a popover that builds them only while
    open), its token, move up / down and remove."""
    spec = specs[n]
    name = f"{n}-{type(spec).__name__}"
    st.caption(literal(spec.token()))
    shown = [f for f in spec.FIELDS if f.shown(spec)]
    for field in shown:
        if field.main:
            _field_widgets(tx, spec, n, field, f"edit-{name}-{field.name}", lineage)
    secondary = [f for f in shown if not f.main]
    if secondary:
        more = w.more_popover(tx, tx("layer.more"), _changed(tx, spec, secondary), key=f"more-{name}", lazy=True)
        if more.open:
            with more:
                for field in secondary:
                    _field_widgets(tx, spec, n, field, f"edit-{name}-{field.name}", lineage)
    buttons = w.row()
    buttons.button("↑", key=f"up-{n}", on_click=_on_move, args=(n, -1, lineage), disabled=n == 0,
                   help=tx("net.up.help"), width="stretch")
    buttons.button("↓", key=f"down-{n}", on_click=_on_move, args=(n, 1, lineage),
                   disabled=n == len(specs) - 1, help=tx("net.down.help"), width="stretch")
    buttons.button("✕", key=f"del-{n}", on_click=_on_delete, args=(n, lineage), disabled=len(specs) == 1,
                   help=tx("net.delete.help"), width="stretch")


def layer_key(n: int, spec: LayerSpec) -> str:
    """The key of layer n's (0-based) expander: its place and kind, not its settings."""
    return f"layer-{n}-{type(spec).__name__}"


def _changed(tx: Text, spec: LayerSpec, fields: list[Field]) -> str:
    """'Dilation 2,1, WithBias False' for the settings not at the kind's defaults."""
    default = type(spec)()
    items = []
    for field in fields:
        value = field.value(spec)
        if value != field.value(default):
            name = spec.LIMITS[field.name].name if field.name in spec.LIMITS else tx(field.texts()[0][0])
            items.append(f"{name} {','.join(map(str, value)) if isinstance(value, tuple) else value}")
    return ", ".join(items)


def _field_widgets(tx: Text, spec: LayerSpec, n: int, field: Field, key: str, lineage: int) -> None:
    """The widget(s) of one setting, showing the layer's value now (set through the
    session, so the widget itself stays the same one); ranges from the kind's LIMITS."""
    value = field.value(spec)
    if field.control == "pair":
        with w.row():
            for half, (suffix, texts) in enumerate(zip(("h", "w"), field.texts())):
                _widget(tx, spec, field, texts, value[half],
                        dict(key=f"{key}-{suffix}", on_change=_on_edit, args=(n, field, half, f"{key}-{suffix}", lineage)))
    elif field.control == "int" and _wide(spec, field):
        with w.row():  # a slider for moving, a number box for typing 200 at once
            _widget(tx, spec, field, field.texts()[0], value,
                    dict(key=key, on_change=_on_edit, args=(n, field, None, key, lineage)))
            _number_box(spec, field, value, dict(key=f"{key}-box", on_change=_on_typed, args=(n, field, f"{key}-box", lineage)))
    else:
        _widget(tx, spec, field, field.texts()[0], value,
                dict(key=key, on_change=_on_edit, args=(n, field, None, key, lineage)))


WIDE_RANGE = 64  # an int setting with a range this wide gets a number box beside its slider


def _wide(spec: LayerSpec, field: Field) -> bool:
    allowed = spec.LIMITS[field.name]
    return allowed.hi - allowed.lo >= WIDE_RANGE


def _number_box(spec: LayerSpec, field: Field, value: int, common: dict) -> None:
    """An empty box showing the value as its placeholder: type a number and Enter."""
    allowed = spec.LIMITS[field.name]
    with st.container(width=96):
        st.number_input(allowed.name, int(allowed.lo), int(allowed.hi), value=None, step=1, placeholder=str(value),
                        label_visibility="hidden", **common)


def _widget(tx: Text, spec: LayerSpec, field: Field, texts: tuple[str, str], value, common: dict) -> None:
    """One control showing `value`. The value is given twice on purpose: through the session
    (so a control already in the browser moves to it) and as the control's default (so a
    control first mounted later, inside a popover or an expander opened after some reruns,
    starts from it: the browser takes a newly mounted widget's value from its default and
    sends it back, which would otherwise arrive as an edit to the control's bare default,
    WithBias False or a multiplier of 0). Neither is part of the widget's identity here
    (keyed widgets), so the control stays the same one and keeps its focus."""
    if st.session_state.get(common["key"]) != value:
        st.session_state[common["key"]] = value
    label, helptext = tx(texts[0]), tx(texts[1])  # the catalogue keys of its label and help (Field.texts)
    if field.control in ("int", "pair"):
        allowed = spec.LIMITS[field.name]
        st.slider(label, int(allowed.lo), int(allowed.hi), int(value), help=helptext, **common)
    elif field.control == "float":
        allowed = spec.LIMITS[field.name]
        st.number_input(label, float(allowed.lo), float(allowed.hi), float(value), step=float(field.step),
                        format=field.format, help=helptext, **common)
    elif field.control == "bool":
        st.toggle(label, bool(value), help=helptext, **common)
    else:
        st.selectbox(label, field.options, index=field.options.index(value), help=helptext, **common)
