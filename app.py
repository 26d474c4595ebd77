"""cnnlab: `streamlit run app.py`. Wires the sidebar controls to the engine and the views."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx
from PIL import Image

from cnnlab import training
from cnnlab.budget import BudgetError, check_training
from cnnlab.cache import ByteCache
from cnnlab.data import ImageError, Mnist, load_mnist, prepare_upload
from cnnlab.pipeline import Stage, run
from cnnlab.training_process import train_in_child
from cnnlab.mosaic import Display
from cnnlab.layers import LayerSpec
from cnnlab.ui import controls, learn, views
from cnnlab.ui.i18n import Text, browser_language
from cnnlab.ui.params import url_problems


@st.cache_resource
def page_icon() -> Image.Image:
    """A 3x3 kernel over a grid, drawn here: a ":material/..." icon would be fetched from Google."""
    cells = np.full((8, 8), 230, dtype=np.uint8)
    cells[1:4, 1:4] = [[40, 120, 40], [120, 209, 120], [40, 120, 40]]
    return Image.fromarray(cells).resize((64, 64), Image.Resampling.NEAREST)


@st.cache_resource
def dataset() -> Mnist:
    return load_mnist()


@st.cache_resource
def caches() -> dict[str, ByteCache]:
    """The process's caches, shared by every visitor, each bounded in bytes: the stages of
    a (input, network, seed) 96 MB, prepared uploads 16 MB, trained models 64 MB."""
    return {"stages": ByteCache(96 * 2**20), "uploads": ByteCache(16 * 2**20), "models": ByteCache(64 * 2**20)}


@st.cache_resource
def heavy_work() -> threading.Lock:
    """Held while one visitor trains: trainings run one at a time per process."""
    return threading.Lock()


@st.cache_resource
def decoding() -> threading.Lock:
    """Held while an upload is decoded: one at a time per process bounds their memory."""
    return threading.Lock()


def compute(index: int, specs: tuple[LayerSpec, ...], seed: int) -> list[Stage]:
    """Every stage for MNIST test image `index` (cached on scalars and frozen specs)."""
    return caches()["stages"].get_or_compute(("mnist", index, specs, seed), lambda: run(dataset().image(index), specs, seed))


def upload_key(upload: bytes) -> str:
    return hashlib.blake2b(upload, digest_size=16).hexdigest()


def prepared(upload: bytes, as_mnist: bool) -> np.ndarray:
    """An uploaded image as the network's input (cached on the upload's digest)."""
    def decode() -> np.ndarray:
        with decoding():
            return prepare_upload(upload, as_mnist)

    return caches()["uploads"].get_or_compute((upload_key(upload), as_mnist), decode)


def compute_upload(upload: bytes, as_mnist: bool, specs: tuple[LayerSpec, ...], seed: int) -> list[Stage]:
    """Every stage for an uploaded image."""
    key = ("upload", upload_key(upload), as_mnist, specs, seed)
    return caches()["stages"].get_or_compute(key, lambda: run(prepared(upload, as_mnist), specs, seed))


def trained_model(tx: Text, specs: tuple[LayerSpec, ...], epochs: int, seed: int, images: int):
    """Train (with a progress bar) or take from the cache; returns (model, accuracy, seconds, cached).
    The training runs in a child process at lower CPU priority (cnnlab.training_process),
    one at a time per server: a second visitor waits, told why."""
    store, key = caches()["models"], (specs, epochs, seed, images)
    hit = store.get(key)
    if hit is not None:
        return (*hit, True)
    gate = heavy_work()
    if not gate.acquire(blocking=False):
        with st.spinner(tx("trained.waiting")):
            gate.acquire()
    try:
        hit = store.get(key)  # trained meanwhile by the visitor we waited for
        if hit is not None:
            return (*hit, True)
        bar = st.progress(0.0, text=tx("trained.progress", epoch=1, epochs=epochs, batch=0, batches=1, loss=0, accuracy=0))

        def report(p: training.Progress) -> None:
            done = ((p.epoch - 1) * p.batches + p.batch) / (p.epochs * p.batches)
            bar.progress(done, text=tx("trained.progress", **p.__dict__))

        t0 = time.perf_counter()
        model, accuracy = train_in_child(specs, images, epochs, seed, report)  # a rerun kills it
        seconds = time.perf_counter() - t0
        bar.empty()
    finally:
        gate.release()
    store.put(key, (model, accuracy, seconds))
    return model, accuracy, seconds, False


def trained_panel(tx: Text, stages: list[Stage], specs: tuple[LayerSpec, ...], seed: int, epochs: int,
                images: int, display: Display) -> None:
    if epochs == 0:
        st.info(tx("trained.off"))
        return
    if any(s.error for s in stages) or stages[0].shape != (1, 28, 28):
        st.warning(tx("trained.broken"))
        return
    try:
        check_training(specs, stages[0].shape, images, epochs)
    except BudgetError as err:
        st.warning(str(err), icon=":material/hourglass_disabled:")
        return
    model, accuracy, seconds, cached = trained_model(tx, specs, epochs, seed, images)
    key = "trained.cached" if cached else "trained.summary"
    st.markdown(tx(key, epochs=epochs, images=images, seconds=seconds, accuracy=accuracy))
    image = stages[0].output
    after = run(image, specs, seed, params=model.params)
    views.trained_view(tx, stages, after, epochs, training.predict(model, image[None])[0], display)


def drop_url_values(keys: set[str]) -> None:
    """Take refused values out of the URL before any widget reads it. A widget is seeded
    from the URL as first opened (Streamlit keeps it apart as the initial query
    parameters), so that copy is reset from the cleaned URL too."""
    if not keys:
        return
    for key in keys:
        del st.query_params[key]
    ctx = get_script_run_ctx()
    if ctx is not None:
        with ctx.session_state.query_params() as params:
            params.set_initial_query_params_from_current()


@dataclass(frozen=True)
class Settings:
    """What the sidebar controls outside the workspace set (they change only in full reruns)."""

    tx: Text
    choice: controls.InputChoice
    upload_error: str | None
    more: tuple[LayerSpec, ...]
    epochs: int
    train_images: int
    display: Display


def main() -> None:
    st.set_page_config(page_title="cnnlab", page_icon=page_icon(), layout="wide")
    if "url_problems" not in st.session_state:  # the URL as first opened: bad values out before any widget reads them
        st.session_state.url_problems = url_problems({k: st.query_params.get_all(k) for k in st.query_params})
        drop_url_values({key for key, _, _ in st.session_state.url_problems})

    with st.sidebar:
        tx = Text(controls.language_control(browser_language(st.context.locale)))
        choice = controls.input_controls(tx, dataset())
        upload_error = None
        if choice.upload is not None:
            try:
                controls.upload_thumbnail(tx, prepared(choice.upload, choice.mnist_style), choice)
            except ImageError as err:
                upload_error = str(err)
        layers_box = st.container()  # Convolution, Activation, Pooling: drawn by the workspace
        more, stack_error = controls.network_controls(tx)
        inspector_box = st.container()  # drawn by the workspace: it needs the layers' shapes
        epochs, train_images = controls.training_controls(tx)
        display = controls.display_controls(tx)

    st.title(tx("app.title"))
    st.markdown(tx("app.intro"))
    if st.session_state.url_problems:
        views.url_notice_view(tx, st.session_state.url_problems)
    if stack_error:
        st.error(tx("more.error", message=stack_error), icon=":material/error:")
    if upload_error:
        st.error(tx("upload.error", message=upload_error), icon=":material/broken_image:")
    workspace(Settings(tx, choice, upload_error, more, epochs, train_images, display), layers_box, inspector_box)


@st.fragment
def workspace(settings: Settings, layers_box: DeltaGenerator, inspector_box: DeltaGenerator) -> None:
    """The first block's controls, the inspector and every tab. A fragment: changing one of
    its controls (the ones explored most) reruns only this part, so the browser redraws
    only this part; the other controls change it through a full rerun."""
    tx, choice, display = settings.tx, settings.choice, settings.display
    with layers_box:
        conv, seed = controls.convolution_controls(tx)
        activation = controls.activation_controls(tx)
        pooling = controls.pooling_controls(tx)
    specs = tuple(s for s in (conv, activation, pooling) if s is not None) + settings.more
    if choice.upload is not None and settings.upload_error is None:
        stages = compute_upload(choice.upload, choice.mnist_style, specs, seed)
    else:
        stages = compute(choice.index, specs, seed)
    with inspector_box:
        pixel, notes = controls.inspector_controls(tx, stages)
    for note in notes:
        st.info(note)
    maps_tab, inspect_tab, trained_tab, learn_tab = st.tabs(
        [tx("tab.maps"), tx("tab.inspect"), tx("tab.trained"), tx("tab.learn")], key="view", on_change="rerun")
    needed = pixel is not None and (maps_tab.open or inspect_tab.open)
    inspected = views.Inspected.of(stages, specs, pixel) if needed else None
    if maps_tab.open:
        with maps_tab:
            views.maps_view(tx, stages, display, seed, inspected)
    if inspect_tab.open:
        with inspect_tab:
            if inspected is None:
                views.stage_error_view(tx, stages[1])
            else:
                views.inspector_view(tx, stages, inspected, display)
    if trained_tab.open:
        with trained_tab:
            trained_panel(tx, stages, specs, seed, settings.epochs, settings.train_images, display)
    if learn_tab.open:
        with learn_tab:
            learn.learn_view(tx)

main()
