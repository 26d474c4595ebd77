"""The Trained tab: Max Epoch and the images to train on, the training (priced, one at a
time, in a child process), and every layer untrained beside trained."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence

import numpy as np
import streamlit as st

from cnnlab import heatmaps, training
from cnnlab.budget import BudgetError, check_training
from cnnlab.classic_filters import closest_classic
from cnnlab.layers import LayerSpec
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage, run
from cnnlab.training_process import TrainingFailed, train_in_child
from cnnlab.ui import widgets as w
from cnnlab.ui.compute import caches
from cnnlab.ui.heatmap import heatmap
from cnnlab.ui.i18n import Text
from cnnlab.ui.maps import kernels_of
from cnnlab.ui.widgets import shape_text


def training_controls(tx: Text) -> tuple[int, int]:
    """Max Epoch (0: the blog post's untrained view) and how many training images."""
    summary = w.changed(tx, {"max_epoch.label": ("max_epoch",)})
    with w.more_popover(tx, tx("train.header"), summary, icon=":material/school:"):
        epochs = int(w.number(tx, "max_epoch"))
        images = int(w.number(tx, "train_images", step=1000, disabled=epochs == 0))
        if epochs == 0:
            w.why_disabled(tx, "train.disabled")
    return epochs, images


@st.cache_resource
def heavy_work() -> threading.Lock:
    """Held while one visitor trains: trainings run one at a time per process."""
    return threading.Lock()


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
    if any(s.error for s in stages):
        st.warning(tx("trained.broken"))
        return
    if stages[0].shape != (1, 28, 28):  # the network trains on MNIST: one 28x28 gray channel
        st.warning(tx("trained.input", shape=shape_text(stages[0].shape)))
        return
    try:
        check_training(specs, stages[0].shape, images, epochs)
    except BudgetError as err:
        st.warning(tx.refusal(*err.detail), icon=":material/hourglass_disabled:")
        return
    try:
        model, accuracy, seconds, cached = trained_model(tx, specs, epochs, seed, images)
    except TrainingFailed as err:  # the child's own words go to the server's log, not to the visitor
        print(f"cnnlab: {err}", file=sys.stderr)
        st.error(tx("trained.failed"), icon=":material/error:")
        return
    key = "trained.cached" if cached else "trained.summary"
    st.markdown(tx(key, epochs=epochs, images=images, seconds=seconds, accuracy=accuracy))
    image = stages[0].output
    after = run(image, specs, seed, params=model.params)
    trained_view(tx, stages, after, epochs, training.predict(model, image[None])[0], display)


def trained_view(tx: Text, untrained: Sequence[Stage], trained: Sequence[Stage], epochs: int,
                 probabilities: np.ndarray, display: Display) -> None:
    """The predicted class, then every layer untrained (left) beside trained (right)."""
    digit = int(probabilities.argmax())
    st.markdown(tx("trained.prediction", digit=digit, probability=float(probabilities[digit])))
    st.bar_chart({str(d): [float(p)] for d, p in enumerate(probabilities)}, height=160, horizontal=False,
                 stack=False, x_label=None, y_label=None)
    left, right = st.columns(2)
    left.subheader(tx("trained.untrained"))
    right.subheader(tx("trained.trained", epochs=epochs))
    for before, after in zip(untrained[1:], trained[1:]):
        for column, stage, tag in ((left, before, "untrained"), (right, after, "trained")):
            with column:
                if kernels_of(stage) is not None:
                    st.caption(tx("trained.kernels", name=stage.name, index=stage.index))
                    heatmap(tx, heatmaps.kernels_heatmap(kernels_of(stage), display, max_width=480),
                            key=f"chart-{tag}-kernels-{stage.index}")
                    if tag == "trained" and stage.index == 1:
                        classic_labels_view(tx, kernels_of(stage))
                st.caption(tx("trained.maps", name=stage.name, index=stage.index, shape=shape_text(stage.shape)))
                heatmap(tx, heatmaps.maps_heatmap(stage.output, display, max_width=480),
                        key=f"chart-{tag}-stage-{stage.index}")


def classic_labels_view(tx: Text, kernels: np.ndarray) -> None:
    """Each learned kernel (M, C, kh, kw) labelled with the closest classic filter and the
    normalised correlation (3x3 and 5x5 kernels only)."""
    labels = [closest_classic(kernel) for kernel in kernels]
    if not labels or not labels[0][0]:
        return
    items = " · ".join(f"{m}: {tx('classic.' + name)} {score:.2f}" for m, (name, score) in enumerate(labels))
    st.caption(tx("trained.classic", items=items))


def prediction_line(tx: Text, stages: Sequence[Stage], specs: tuple[LayerSpec, ...], seed: int, epochs: int,
                    images: int) -> None:
    """The trained network's prediction for the current input, when that network is already
    trained (in the cache; nothing is trained here): it follows every new input at once,
    e.g. each stroke of a drawing."""
    if epochs == 0 or stages[0].shape != (1, 28, 28):
        return
    hit = caches()["models"].get((specs, epochs, seed, images))
    if hit is None:
        return
    probabilities = training.predict(hit[0], stages[0].output[None])[0]
    digit = int(probabilities.argmax())
    st.markdown(tx("trained.live", digit=digit, probability=float(probabilities[digit]), epochs=epochs,
                   images=images, seed=seed))
