"""Shared sidebar widgets: every control bound to the URL under its URL_PARAMS key, rows,
popovers whose labels name what is not at its default, and the page's number formats."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import streamlit as st
from PIL import Image

from cnnlab.heatmaps import to_pixels
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal
from cnnlab.ui.params import URL_PARAMS


LABEL_CHARS = 60  # a popover label's summary beyond this is cut


def slider(tx: Text, key: str, disabled: bool = False, hi: int | None = None) -> int:
    """The control's slider over [lo, hi] (`hi`: a smaller top that depends on another
    control; then it is also the default)."""
    p = URL_PARAMS[key]
    top, default = (int(p.hi), p.default) if hi is None else (hi, hi)
    return st.slider(tx(p.label_key), int(p.lo), top, default, key=key,
                     help=tx(p.help_key), disabled=disabled, bind="query-params")


def number(tx: Text, key: str, step: float | int = 1, disabled: bool = False, fmt: str | None = None):
    p = URL_PARAMS[key]
    lo, hi = (float(p.lo), float(p.hi)) if p.value_type == "float" else (int(p.lo), int(p.hi))
    return st.number_input(tx(p.label_key), lo, hi, p.default, step=step, key=key, format=fmt,
                           help=tx(p.help_key), disabled=disabled, bind="query-params")


def choice(tx: Text, key: str, disabled: bool = False, radio: bool = False) -> str:
    """Options show in the UI's language; the URL holds their codes (NNC's names where
    NNC has them), so a link means the same in every language. Not bound by Streamlit
    (it would put the shown label in the URL): the value goes to the URL here, also when
    code set it (a "Use as input" button)."""
    p = URL_PARAMS[key]
    if key not in st.session_state:
        st.session_state[key] = current(key)  # the link's code, checked against the options
    common = dict(key=key, help=tx(p.help_key), disabled=disabled, format_func=lambda o: tx(p.option_key(o)))
    if radio:
        captions = [tx(p.caption_key(o)) for o in p.options]
        value = st.radio(tx(p.label_key), p.options, horizontal=True, captions=captions, **common)
    else:
        value = st.selectbox(tx(p.label_key), p.options, **common)
    if value == p.default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value
    return value


TOO_LONG = "text-too-long"  # {key: the start of a refused over-long text}, until shown
TOO_LONG_SHOWN = 40  # characters of a refused text the notice shows


def text(tx: Text, key: str, label: str, fallback: Callable[[], str], then: Callable[[], None] | None = None,
         **kwargs) -> str:
    """The control's text input, bound to the URL, that never keeps a text longer than
    URL_PARAMS[key].longest: the browser stops at one character more (max_chars; Streamlit
    cuts a longer value sent anyway to that), and a text over the limit is replaced, before
    the session or the link keeps it, by fallback() (the last readable text), with a notice
    showing its start literally. `then`: the control's own on_change, for a text kept."""
    longest = URL_PARAMS[key].longest
    value = st.text_input(label, URL_PARAMS[key].default, key=key, bind="query-params", max_chars=longest + 1,
                          on_change=_refuse_too_long, args=(key, longest, fallback, then), **kwargs)
    cut = st.session_state.get(TOO_LONG, {}).pop(key, None)
    if cut is not None:
        st.warning(tx("text.too_long", most=longest, start=literal(cut, TOO_LONG_SHOWN)), icon=":material/block:")
    return value


def _refuse_too_long(key: str, longest: int, fallback: Callable[[], str], then: Callable[[], None] | None) -> None:
    value = st.session_state.get(key)
    if isinstance(value, str) and len(value) > longest:
        st.session_state.setdefault(TOO_LONG, {})[key] = value[:TOO_LONG_SHOWN]
        st.session_state[key] = fallback()
    elif then is not None:
        then()


def toggle(tx: Text, key: str, disabled: bool = False) -> bool:
    p = URL_PARAMS[key]
    return st.toggle(tx(p.label_key), p.default, key=key, help=tx(p.help_key),
                     disabled=disabled, bind="query-params")


def row():
    """Widgets side by side, sharing the width (one flex block: cheaper to redraw than columns)."""
    return st.container(horizontal=True, gap="small", wrap=False)


def why_disabled(tx: Text, key: str, **fmt) -> None:
    st.caption(":material/block: " + tx(key, **fmt))


def current(key: str) -> object:
    """A control's value before its widget is drawn this run: the session's, else the URL's
    (when valid), else the default."""
    if key in st.session_state:
        return st.session_state[key]
    raw = st.query_params.get(key)
    if raw is not None:
        try:
            return URL_PARAMS[key].parse(raw)
        except ValueError:
            pass
    return URL_PARAMS[key].default


def changed(tx: Text, groups: dict[str, tuple[str, ...]]) -> str:
    """'Padding 1,1, Dilation 2,1' for the groups (label key -> control keys) not at their defaults."""
    items = []
    for label, keys in groups.items():
        values = [current(k) for k in keys]
        if values != [URL_PARAMS[k].default for k in keys]:
            items.append(f"{tx(label)} {','.join(str(v) for v in values)}")
    return ", ".join(items)


def more_popover(tx: Text, title: str, summary: str, icon: str = ":material/tune:", key: str | None = None,
                 lazy: bool = False):
    """A popover holding secondary controls; its label names what is not at its default.
    A closed popover's widgets are not drawn in the browser (they still run and stay in
    the URL), which keeps every control change quick. A `key` keeps it open while its
    label changes. `lazy` (with a key): opening or closing it reruns, and its `.open`
    says whether to build its controls at all (for controls not bound to the URL)."""
    if len(summary) > LABEL_CHARS:
        summary = summary[:LABEL_CHARS - 1] + "…"
    label = tx("more.changed", title=title, items=summary) if summary else title
    return st.popover(label, icon=icon, width="stretch", key=key, on_change="rerun" if lazy else "ignore")


def shape_text(shape: Sequence[int]) -> str:
    """(16, 24, 24) -> '16 x 24 x 24'."""
    return " x ".join(str(n) for n in shape)


def thumbnail(image: np.ndarray, scale: int = 4) -> Image.Image:
    """(H, W) or (3, H, W) in [0, 1] -> a nearest-neighbour enlarged picture."""
    picture = Image.fromarray(to_pixels(image))
    scale = max(1, min(scale, 160 // max(picture.width, picture.height, 1)))
    return picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
