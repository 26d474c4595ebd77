"""cnnlab: `streamlit run app.py`. Wires the sidebar controls to the engine and the views."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import explain
from cnnlab.data import Mnist, load_mnist
from cnnlab.pipeline import Stage, run
from cnnlab.specs import ConvolutionSpec, LayerSpec
from cnnlab.ui import controls, learn, views
from cnnlab.ui.i18n import Text, browser_language
from cnnlab.ui.params import url_problems


@st.cache_resource
def dataset() -> Mnist:
    return load_mnist()


@st.cache_data(max_entries=64, show_spinner=False)
def compute(index: int, specs: tuple[LayerSpec, ...], seed: int) -> list[Stage]:
    """Every stage for MNIST test image `index` (cached on scalars and frozen specs)."""
    return run(dataset().image(index), specs, seed)


def explore(tx: Text, index: int, specs: tuple[LayerSpec, ...], seed: int, display) -> None:
    """The maps of every layer, and the inspector of one pixel."""
    stages = compute(index, specs, seed)
    views.chain_view(tx, stages)
    top = st.container()
    boxes = [st.container() for _ in stages[1:]]
    if stages[1].error is not None:  # nothing to inspect
        with top:
            views.input_view(tx, stages[0], display)
        with boxes[0]:
            views.stage_error_view(tx, stages[1])
        return
    st.header(tx("insp.header"))
    pixel, notes = controls.inspector_controls(tx, stages)
    for note in notes:
        st.info(note)
    stage, prev = stages[pixel.layer], stages[pixel.layer - 1]
    step = explain.explain_pixel(stage.spec, stage.params, prev.output, pixel.out)
    ok = [s for s in stages if s.error is None]
    field = explain.receptive_field(specs, [s.output.shape for s in ok[:-1]], pixel.layer, pixel.out)
    one_back = np.zeros(stage.shape, dtype=bool)
    one_back[pixel.out] = True
    window = explain.back_one(stage.spec, prev.shape, one_back)

    with top:
        left, right = st.columns([2, 3])
        with left:
            views.input_view(tx, stages[0], display, field)
        with right:
            if stages[1].error is None and isinstance(stages[1].spec, ConvolutionSpec):
                views.kernels_view(tx, stages[1], display, seed, pixel.map if pixel.layer == 1 else None)
    for box, s in zip(boxes, stages[1:]):
        with box:
            if s.error is not None:
                views.stage_error_view(tx, s)
            else:
                views.stage_view(tx, s, display, pixel.out if s.index == pixel.layer else None,
                                 window if s.index == pixel.layer - 1 else None)
    views.inspector_view(tx, stages, pixel, display, step, int(field.sum()))


def main() -> None:
    st.set_page_config(page_title="cnnlab", page_icon=":material/grid_on:", layout="wide")
    if "url_problems" not in st.session_state:  # the URL as first opened, before widgets drop bad values
        st.session_state.url_problems = url_problems({k: st.query_params.get_all(k) for k in st.query_params})

    with st.sidebar:
        tx = Text(controls.language_control(browser_language(st.context.locale)))
        choice = controls.input_controls(tx, dataset())
        conv, seed = controls.convolution_controls(tx)
        activation = controls.activation_controls(tx)
        pooling = controls.pooling_controls(tx)
        display = controls.display_controls(tx)

    st.title(tx("app.title"))
    st.markdown(tx("app.intro"))
    if st.session_state.url_problems:
        views.url_notice_view(tx, st.session_state.url_problems)
    maps_tab, learn_tab = st.tabs([tx("tab.maps"), tx("tab.learn")], key="view", on_change="rerun")
    if maps_tab.open:
        with maps_tab:
            specs = tuple(s for s in (conv, activation, pooling) if s is not None)
            explore(tx, choice.index, specs, seed, display)
    if learn_tab.open:
        with learn_tab:
            learn.learn_view(tx)


main()
