"""cnnlab: `streamlit run app.py`. Wires the sidebar controls to the engine and the views."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import explain
from cnnlab.data import ImageError, Mnist, load_mnist, prepare_upload
from cnnlab.pipeline import Stage, run
from cnnlab.specs import LayerSpec
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


@st.cache_data(max_entries=8, show_spinner=False)
def prepared(upload: bytes, as_mnist: bool) -> np.ndarray:
    """An uploaded image as the network's input (cached on the upload's bytes)."""
    return prepare_upload(upload, as_mnist)


@st.cache_data(max_entries=16, show_spinner=False)
def compute_upload(upload: bytes, as_mnist: bool, specs: tuple[LayerSpec, ...], seed: int) -> list[Stage]:
    """Every stage for an uploaded image."""
    return run(prepared(upload, as_mnist), specs, seed)


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
    specs = tuple(s for s in (conv, activation, pooling) if s is not None)
    stages, upload_error = compute(choice.index, specs, seed), None
    if choice.upload is not None:
        try:
            stages = compute_upload(choice.upload, choice.mnist_style, specs, seed)
        except ImageError as err:
            upload_error = str(err)
    with st.sidebar:
        if choice.upload is not None and upload_error is None:
            controls.upload_thumbnail(tx, stages[0].output[0], choice)
        pixel, notes = controls.inspector_controls(tx, stages)
        display = controls.display_controls(tx)

    st.title(tx("app.title"))
    st.markdown(tx("app.intro"))
    if st.session_state.url_problems:
        views.url_notice_view(tx, st.session_state.url_problems)
    if upload_error:
        st.error(tx("upload.error", message=upload_error), icon=":material/broken_image:")
    for note in notes:
        st.info(note)
    inspected = views.Inspected.of(stages, specs, pixel) if pixel else None
    maps_tab, inspect_tab, learn_tab = st.tabs(
        [tx("tab.maps"), tx("tab.inspect"), tx("tab.learn")], key="view", on_change="rerun")
    if maps_tab.open:
        with maps_tab:
            views.maps_view(tx, stages, display, seed, inspected)
    if inspect_tab.open:
        with inspect_tab:
            if inspected is None:
                views.stage_error_view(tx, stages[1])
            else:
                views.inspector_view(tx, stages, inspected, display)
    if learn_tab.open:
        with learn_tab:
            learn.learn_view(tx)


main()
