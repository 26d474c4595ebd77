"""The Trained tab: Max Epoch and the images to train on, the training (priced, one at a
time, in a child process), and every layer untrained beside trained."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnlab import explain, figures, heatmaps, training
from cnnlab.budget import BudgetError, check_training
from cnnlab.classic_filters import closest_classic
from cnnlab.layers import LayerSpec
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage
from cnnlab.training_service import DONE, FAILED, QUEUED, Job, QueueFull, TrainingKey
from cnnlab.ui import inspector, maps
from cnnlab.ui import widgets as w
from cnnlab.ui.attribution import why_panel
from cnnlab.ui.compute import dataset, training_service
from cnnlab.ui.heatmap import heatmap
from cnnlab.ui.i18n import CLASSIC_WORDS, Text
from cnnlab.ui.maps import kernels_of
from cnnlab.ui.params import URL_PARAMS
from cnnlab.ui.widgets import shape_text, thumbnail


def training_controls(tx: Text) -> tuple[int, int, int]:
    """Max Epoch (0: the blog post's untrained view), how many training images, and the
    epoch whose network the Maps, Inspect and Trained tabs show once trained: 0 (the
    untrained network) to Max Epoch, the last by default; no choice without training."""
    summary = w.changed(tx, {"max_epoch.label": ("max_epoch",)})
    with w.more_popover(tx, tx("train.header"), summary, icon=":material/school:"):
        epochs = int(w.number(tx, "max_epoch"))
        images = int(w.number(tx, "train_images", step=1000, disabled=epochs == 0))
        if epochs == 0:
            w.why_disabled(tx, "train.disabled")
            return epochs, images, 0
        _fit_shown_epoch(epochs)
        shown = int(w.slider(tx, "show_epoch", hi=epochs))
    return epochs, images, shown


FULL_WORDS = {"total": "trained.full.total", "visitor": "trained.full.visitor"}
"""A full training queue's scope (QueueFull.scope) -> what the page says."""
CURVE_WORDS = {"loss": "curves.loss", "accuracy": "curves.accuracy", "test": "curves.test", "epoch": "curves.epoch"}
"""The learning curves' words -> their catalogue keys."""
SHOWN_TOP = "show_epoch-top"  # the Max Epoch the epoch slider was last drawn for


def _fit_shown_epoch(epochs: int) -> None:
    """The epoch to show, kept within 0..`epochs` when Max Epoch changes: at the last epoch
    (its default) it stays at the last; past the new last it moves to it."""
    state = st.session_state
    shown = state.get("show_epoch")
    if shown is not None and shown != epochs and (shown > epochs or shown == state.get(SHOWN_TOP)):
        state["show_epoch"] = epochs
    state[SHOWN_TOP] = epochs


def owner() -> str:
    """This browser session, as the training service knows it."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


CANCELLED_KEYS = "cancelled-trainings"  # this session's trainings it cancelled (not asked for again)
RETRY = "retry-training"  # the failed training this session's Retry asked for again


def trained_panel(tx: Text, stages: list[Stage], shown: list[Stage], specs: tuple[LayerSpec, ...], seed: int,
                  epochs: int, images: int, display: Display, shown_epoch: int, manifest: dict) -> None:
    """The Trained tab: the training asked for (off the script: the page stays live) with
    its queue position, progress, learning curves and Cancel; then its evaluation and
    every layer untrained (`stages`) beside trained (`shown`: the stages after
    `shown_epoch`, computed and cached by the page), the classifier training appended
    last, and the trained network's download and code (`manifest`: the page's settings)."""
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
    key = TrainingKey(specs, epochs, seed, images)
    job = training_service().finished(key)
    if job is None:
        if key in st.session_state.get(CANCELLED_KEYS, set()):
            st.info(tx("trained.cancelled", **settings_words(key)))
            st.button(tx("trained.again"), key="train-again", on_click=_forget_cancel, args=(key,))
            return
        try:
            job = training_service().request(key, owner(), retry=st.session_state.get(RETRY) == key)
        except QueueFull as full:  # nothing queued (a Retry stays asked): a click on the button (a rerun) asks again
            st.warning(tx(FULL_WORDS[full.scope], limit=full.limit), icon=":material/hourglass_disabled:")
            st.button(tx("trained.try_again"), key="train-try-again")
            return
        st.session_state.pop(RETRY, None)
        if job.state == FAILED:  # shown, never started again by itself: only Retry does
            st.error(tx("trained.failed", **settings_words(key)), icon=":material/error:")
            st.button(tx("trained.retry"), key="train-retry", on_click=_retry, args=(key,), icon=":material/refresh:")
            return
        if job.state != DONE:
            training_progress(tx, key)
            return
    trained_results(tx, job, stages, shown, display, shown_epoch, manifest)


def settings_words(key: TrainingKey) -> dict:
    return {"seed": key.seed, "epochs": key.epochs, "images": key.images}


def _forget_cancel(key: TrainingKey) -> None:
    st.session_state.get(CANCELLED_KEYS, set()).discard(key)


def _retry(key: TrainingKey) -> None:
    st.session_state[RETRY] = key


def _cancel(key: TrainingKey) -> None:
    training_service().cancel(owner())
    st.session_state.setdefault(CANCELLED_KEYS, set()).add(key)


@st.fragment(run_every=0.5)
def training_progress(tx: Text, key: TrainingKey) -> None:
    """The training's state, redrawn twice a second from what the worker has reported (no
    waiting in the script); the whole page reruns when it is done."""
    if key in st.session_state.get(CANCELLED_KEYS, set()):
        st.rerun()  # the whole page: it says so and offers to train again
    try:  # this session's training (asked again if it was dropped meanwhile); a failed one is not restarted
        job = training_service().request(key, owner())
    except QueueFull:
        st.rerun()  # the whole page says so
    if job.state in (DONE, FAILED):
        st.rerun()  # the whole page: the results, or the failure with Retry
    words = settings_words(key)
    position = training_service().position(job) if job.state == QUEUED else 0
    if position:
        st.info(tx("trained.queued", position=position, **words), icon=":material/hourglass_top:")
    elif job.state == QUEUED:  # next: the worker is taking it
        st.info(tx("trained.starting", **words), icon=":material/hourglass_top:")
    else:  # until its first report, no number exists to show
        text = tx("trained.progress", **job.batches[-1].__dict__) if job.batches else tx("trained.first_report")
        st.progress(job.fraction, text=f"{text} · {tx('trained.settings', **words)}")
    st.button(tx("trained.cancel"), key="train-cancel", on_click=_cancel, args=(key,), icon=":material/cancel:")
    curves_view(tx, job)


def curves_view(tx: Text, job: Job) -> None:
    """NNC's TRAINING view: loss and accuracy per report, test accuracy per epoch."""
    if not job.batches:
        return
    points = [(p.epoch - 1 + p.batch / p.batches, p.loss, p.accuracy) for p in job.batches]
    epochs = [(e.epoch, e.test_accuracy) for e in job.epochs_done]
    if job.result is not None:
        epochs = [(0, job.result.test_accuracy[0]), *epochs]
    words = {k: tx(key) for k, key in CURVE_WORDS.items()}
    st.plotly_chart(figures.learning_curves(points, epochs, words), key="chart-curves", config={"displayModeBar": False})


def trained_results(tx: Text, job: Job, stages: list[Stage], shown: list[Stage], display: Display,
                    shown_epoch: int, manifest: dict) -> None:
    key, result = job.key, job.result
    epoch = min(shown_epoch, key.epochs)
    st.markdown(tx("trained.summary", seconds=job.seconds, accuracy=result.accuracy, **settings_words(key)))
    image = stages[0].output
    model = result.models[epoch]
    probabilities = training.predict(model, image[None])[0]
    digit = int(probabilities.argmax())
    st.markdown(tx("trained.prediction", digit=digit, probability=float(probabilities[digit]), epoch=epoch))
    st.plotly_chart(figures.digit_bars(probabilities, digit, {"digit": tx("eval.digit"), "value": tx("eval.probability")}),
                    key="chart-prediction", config={"displayModeBar": False})
    why_panel(tx, job, model, epoch, image, key.seed)
    st.subheader(tx("curves.title"))
    curves_view(tx, job)
    evaluation_view(tx, result)
    trained_view(tx, stages, shown, epoch, display)
    classifiers = (training.classifier_stage(result.models[0], stages[-1]), training.classifier_stage(model, shown[-1]))
    classifier_view(tx, classifiers, shown[-1], digit)
    trained_network = [*shown, classifiers[1]]
    maps.network_download(tx, trained_network, {**manifest, "epoch": epoch, "classifier": classifiers[1].spec.token(),
                                                "shapes": [list(s.shape) for s in trained_network]},
                          key="dl-trained-network")
    maps.code_view(tx, trained_network)


def evaluation_view(tx: Text, result) -> None:
    """NNC's EVALUATION view on the 10,000 test images: the confusion matrix (counts or
    shares of each true digit), accuracy per digit, and the most confidently wrong images
    (a button makes one the input)."""
    test = dataset()
    predicted = result.test_probabilities.argmax(axis=1)
    counts = figures.confusion_counts(test.labels, predicted)
    st.subheader(tx("eval.title"))
    words = {"true": tx("eval.true"), "predicted": tx("eval.predicted"), "of_row": tx("eval.of_row"),
             "digit": tx("eval.digit"), "value": tx("eval.accuracy")}
    normalised = st.toggle(tx("eval.normalised"), key="confusion-normalised", help=tx("eval.normalised.help"))
    left, right = st.columns([3, 2])
    left.plotly_chart(figures.confusion_figure(counts, normalised, words), key="chart-confusion",
                      config={"displayModeBar": False})
    per_class = np.diag(counts) / np.maximum(counts.sum(axis=1), 1)
    right.caption(tx("eval.per_class"))
    right.plotly_chart(figures.digit_bars(per_class, int(per_class.argmin()), words), key="chart-per-class",
                       config={"displayModeBar": False})
    wrong = np.flatnonzero(predicted != test.labels)
    confidence = result.test_probabilities[wrong, predicted[wrong]]
    worst = wrong[np.argsort(-confidence, kind="stable")[:8]]
    st.caption(tx("eval.wrong", count=len(wrong)))
    row = st.container(horizontal=True, gap="small", wrap=True)
    for index in worst:
        with row.container(width=110):
            st.image(thumbnail(test.image(int(index)), 3))
            st.caption(tx("eval.wrong.item", index=int(index), label=int(test.labels[index]),
                          predicted=int(predicted[index]), p=float(result.test_probabilities[index].max())))
            if st.button(tx("eval.use"), key=f"use-{index}", on_click=_use_as_input, args=(int(index),)):
                # the tab is drawn in the workspace fragment, whose click reruns only it: the input is
                # chosen in the sidebar, outside, so the whole page runs again with the new image
                st.rerun(scope="app")


def _use_as_input(index: int) -> None:
    """Test image `index` becomes the input, "By index", in the sidebar and the link."""
    st.session_state["pick"] = "index"
    st.session_state["index"] = index
    if index != URL_PARAMS["index"].default:
        try:  # the index box was not on the page (another source was picked): nothing else writes the link
            st.query_params["index"] = str(index)
        except StreamlitAPIException:  # the box is on the page, bound to the link: Streamlit writes its new value
            pass


def trained_view(tx: Text, untrained: Sequence[Stage], trained: Sequence[Stage], epochs: int,
                 display: Display) -> None:
    """Every layer untrained (left) beside trained (right, after `epochs` epochs)."""
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


def classifier_view(tx: Text, classifiers: tuple[Stage, Stage], features: Stage, digit: int) -> None:
    """The classifier training appends (NNC's Affine, 10 outputs) untrained beside trained:
    each one's 10 outputs as bars by digit (the largest in another colour); then one output
    of the trained one (first: the predicted `digit`) explained as the weighted sum of the
    stack's last output (`features`) it is, as the inspector explains a pixel."""
    words = {"digit": tx("eval.digit"), "value": tx("trained.classifier.value")}
    for column, stage, tag in zip(st.columns(2), classifiers, ("untrained", "trained")):
        with column:
            st.caption(tx("trained.classifier", name=stage.name, index=stage.index, shape=shape_text(stage.shape)))
            values = stage.output[:, 0, 0]
            st.plotly_chart(figures.digit_bars(values, int(values.argmax()), words, percent=False),
                            key=f"chart-{tag}-classifier", config={"displayModeBar": False})
    stage = classifiers[1]
    st.markdown(tx(stage.spec.explanation_key(), **vars(stage.spec)))
    chosen = st.segmented_control(tx("trained.classifier.output"), list(range(10)), default=digit,
                                  key="classifier-output", help=tx("trained.classifier.output.help"))
    output = digit if chosen is None else int(chosen)
    step = explain.explain_pixel(stage.spec, stage.params, features.output, (output, 0, 0), stage.output)
    st.markdown(tx("trained.classifier.title", name=stage.name, index=stage.index, digit=output,
                   value=explain.format_number(step.value), count=int(np.prod(features.shape))))
    inspector.show_blocks(step.inspector_view(tx, features.shape))  # as the inspector shows any step


def classic_labels_view(tx: Text, kernels: np.ndarray) -> None:
    """Each learned kernel (M, C, kh, kw) labelled with the closest classic filter and the
    normalised correlation (3x3 and 5x5 kernels only)."""
    labels = [closest_classic(kernel) for kernel in kernels]
    if not labels or not labels[0][0]:
        return
    items = " · ".join(f"{m}: {tx(CLASSIC_WORDS[name])} {round(score, 2) + 0.0:.2f}" for m, (name, score) in enumerate(labels))
    st.caption(tx("trained.classic", items=items))


def prediction_line(tx: Text, stages: Sequence[Stage], specs: tuple[LayerSpec, ...], seed: int, epochs: int,
                    images: int, shown_epoch: int) -> None:
    """The prediction for the current input of the trained network after the epoch the page
    shows, when that network is already trained (in the cache; nothing is trained here): it
    follows every new input at once, e.g. each stroke of a drawing."""
    if epochs == 0 or stages[0].shape != (1, 28, 28):
        return
    job = training_service().finished(TrainingKey(specs, epochs, seed, images))
    if job is None:
        return
    epoch = min(max(shown_epoch, 0), len(job.result.models) - 1)
    probabilities = training.predict(job.result.models[epoch], stages[0].output[None])[0]
    digit = int(probabilities.argmax())
    st.markdown(tx("trained.live", digit=digit, probability=float(probabilities[digit]), epochs=epochs,
                   images=images, seed=seed, epoch=epoch))


def trained_params(specs: tuple[LayerSpec, ...], seed: int, epochs: int, images: int, shown_epoch: int):
    """((Max Epoch, images, epoch), that epoch's parameters of the stack, its classifier left
    out) of the finished training of these settings, for the Maps and Inspect tabs, or None
    (not trained, or epoch 0: the untrained network is shown as is)."""
    if epochs == 0 or shown_epoch == 0:
        return None
    job = training_service().finished(TrainingKey(specs, epochs, seed, images))
    return None if job is None else ((epochs, images, shown_epoch), job.result.models[shown_epoch].params[:-1])
