"""What the trained network responds to, on the Trained tab (and saliency on Inspect):
saliency and gradient x input, occlusion, the input a map wants, Grad-CAM, and the first
layer's kernels across epochs (computed by cnnlab.attribution).

One view at a time (a segmented control), each priced before it runs and cached for
every visitor by the training, the epoch, the input's digest and the view's settings (a
cache bounded in bytes), each downloadable as PNG and NPZ like the maps.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np
import streamlit as st

from cnnlab import attribution as A
from cnnlab import exports, heatmaps
from cnnlab.budget import BudgetError
from cnnlab.classic_filters import closest_classic
from cnnlab.explain import format_number
from cnnlab.mosaic import Display
from cnnlab.pipeline import Stage
from cnnlab.training import Model
from cnnlab.training_service import Job, TrainingKey
from cnnlab.ui.compute import caches, digest, training_service
from cnnlab.ui.heatmap import heatmap
from cnnlab.ui.i18n import CLASSIC_WORDS, Text

VIEWS = ("saliency", "occlusion", "ascent", "gradcam", "epochs")
VIEW_WORDS = {"saliency": "why.view.saliency", "occlusion": "why.view.occlusion", "ascent": "why.view.ascent",
              "gradcam": "why.view.gradcam", "epochs": "why.view.epochs"}  # VIEWS -> their catalogue keys
HEAT = Display("diverging", "layer", True, 8)  # signed values, 0 white
WIDTH = 300


def _cached(key: Hashable, compute: Callable[[], object]):
    return caches()["attribution"].get_or_compute(key, compute)


def _target(tx: Text, key: str) -> int | None:
    """The class to explain: the predicted one (None) or a digit the learner picks."""
    options = [None, *range(10)]
    return st.selectbox(tx("why.class"), options, key=key, help=tx("why.class.help"),
                        format_func=lambda c: tx("why.class.predicted") if c is None else str(c))


def _downloads(tx: Text, name: str, picture: np.ndarray, display: Display, prefix: str,
               **arrays: np.ndarray) -> None:
    """PNG of `picture` (C, H, W) as drawn, and every array as NPZ: the buttons built only
    while the popover (key `prefix`-downloads) is open, each file only when clicked."""
    box = st.popover(tx("download.layer"), icon=":material/download:", key=f"{prefix}-downloads", on_change="rerun")
    if not box.open:
        return
    with box:
        st.download_button(tx("download.png"), lambda: exports.mosaic_png(picture, display, colorbar=True),
                           file_name=f"{name}.png", mime="image/png", key=f"{prefix}-png", on_click="ignore")
        st.download_button(tx("download.npz"), lambda: exports.values_npz(**arrays), file_name=f"{name}.npz",
                           mime="application/octet-stream", key=f"{prefix}-npz", on_click="ignore")


def why_panel(tx: Text, job: Job, model: Model, epoch: int, image: np.ndarray, seed: int) -> None:
    """The section under the prediction (container key "why"): one view at a time for this input (C, H, W)."""
    with st.container(key="why"):
        _why(tx, job, model, epoch, image, seed)


def _why(tx: Text, job: Job, model: Model, epoch: int, image: np.ndarray, seed: int) -> None:
    st.subheader(tx("why.title"))
    view = st.segmented_control(tx("why.view"), VIEWS, key="why-view", default="saliency",
                                format_func=lambda v: tx(VIEW_WORDS[v]), label_visibility="collapsed")
    if view is None:
        return
    tag = (job.key, epoch, digest(np.ascontiguousarray(image, dtype=np.float32).tobytes()))
    try:
        if view == "saliency":
            saliency_view(tx, model, tag, image)
        elif view == "occlusion":
            occlusion_view(tx, model, tag, image)
        elif view == "ascent":
            ascent_view(tx, model, tag, image.shape, seed, A.predicted(model, image))
        elif view == "gradcam":
            grad_cam_view(tx, model, tag, image)
        elif view == "epochs":
            epochs_view(tx, job)
    except BudgetError as err:
        st.warning(tx.refusal(*err.detail), icon=":material/hourglass_disabled:")


def saliency_view(tx: Text, model: Model, tag: tuple, image: np.ndarray, prefix: str = "why") -> None:
    """The input beside dy^c/dx and (dy^c/dx) * x."""
    target = _target(tx, f"{prefix}-saliency-class")
    A.gradient_cost(model.specs, image.shape)
    s = _cached(("saliency", *tag, target), lambda: A.saliency(model, image, target))
    st.caption(tx("why.saliency.caption", digit=s.target, score=format_number(s.score), probability=s.probability))
    columns = st.columns(3)
    for column, title, payload, key in (
            (columns[0], tx("why.input"), heatmaps.input_heatmap(image, HEAT, WIDTH), f"chart-{prefix}-input"),
            (columns[1], tx("why.saliency.gradient"), heatmaps.maps_heatmap(s.gradient, HEAT, max_width=WIDTH),
             f"chart-{prefix}-saliency"),
            (columns[2], tx("why.saliency.times"), heatmaps.maps_heatmap(s.times_input, HEAT, max_width=WIDTH),
             f"chart-{prefix}-times-input")):
        with column:
            st.caption(title)
            heatmap(tx, payload, key=key)
    _downloads(tx, f"saliency-{s.target}", np.concatenate([s.gradient, s.times_input]), HEAT,
               f"{prefix}-saliency", input=image, gradient=s.gradient, gradient_x_input=s.times_input, target=np.array(s.target))


def occlusion_view(tx: Text, model: Model, tag: tuple, image: np.ndarray) -> None:
    """The drop of p^c where a gray patch covers the input, and the patch playable position by position."""
    target = _target(tx, "why-occlusion-class")
    left, right = st.columns(2)
    patch = int(left.number_input(tx("why.patch"), 1, 14, 5, key="why-patch", help=tx("why.patch.help")))
    stride = int(right.number_input(tx("why.stride"), 1, 14, 2, key="why-stride", help=tx("why.stride.help")))
    A.occlusion_cost(model.specs, image.shape, patch, stride)
    o = _cached(("occlusion", *tag, target, patch, stride),
                lambda: A.occlusion(model, image, target, patch, stride))
    rows, cols = o.probabilities.shape
    st.caption(tx("why.occlusion.caption", digit=o.target, probability=o.base, patch=patch, stride=stride,
                  positions=rows * cols, worst=float(o.drop.max())))
    position = st.slider(tx("why.position"), 0, rows * cols - 1, int(o.drop.argmax()), key="why-position",
                         help=tx("why.position.help"))
    i, j = divmod(position, cols)
    covered = A.occluded(image, i * stride, j * stride, patch, o.fill)
    field = np.zeros(image.shape, dtype=bool)
    field[:, i * stride:i * stride + patch, j * stride:j * stride + patch] = True
    a, b = st.columns(2)
    with a:
        st.caption(tx("why.occlusion.heat"))
        heatmap(tx, heatmaps.maps_heatmap(o.heat[None], HEAT, max_width=WIDTH), key="chart-occlusion")
    with b:
        st.caption(tx("why.occlusion.at", row=i * stride, column=j * stride,
                      probability=float(o.probabilities[i, j]), drop=float(o.drop[i, j])))
        heatmap(tx, heatmaps.input_heatmap(covered, HEAT, WIDTH, field=field), key="chart-occlusion-input")
    _downloads(tx, f"occlusion-{o.target}", o.heat[None], HEAT, "why-occlusion", heat=o.heat, drop=o.drop,
               probabilities=o.probabilities, base=np.array(o.base), target=np.array(o.target))


def ascent_view(tx: Text, model: Model, tag: tuple, in_shape: tuple[int, int, int], seed: int, digit: int) -> None:
    """Gradient ascent for a digit's score (first: the predicted `digit`) or a map of a
    layer, its steps, and the map's kernel with the nearest classic filter."""
    layers = [None, *range(1, len(model.stack) + 1)]  # the class score is the classifier's output
    names = {k: f"{model.specs[k - 1].kind} {k}" for k in layers if k is not None}
    left, middle, right = st.columns(3)
    layer = left.selectbox(tx("why.layer"), layers, key="why-layer",
                           format_func=lambda k: tx("why.layer.class") if k is None else names[k])
    shape = in_shape
    for spec in model.specs[:layer]:
        shape = spec.output_shape(shape)
    count = 10 if layer is None else shape[0]
    m = int(middle.number_input(tx("why.map") if layer else tx("why.digit"), 0, count - 1, 0 if layer else digit,
                                key=f"why-map-{layer}"))
    steps = int(right.number_input(tx("why.steps"), 1, 100, 40, key="why-steps", help=tx("why.steps.help")))
    A.ascent_cost(model.specs, in_shape, layer, steps)
    run = _cached(("ascent", *tag[:2], in_shape, layer, m, steps, seed),
                  lambda: A.ascent(model, in_shape, layer, m, steps, seed=seed))
    kept = len(run.objective) - 1
    if kept == 0:
        st.info(tx("why.ascent.flat"))
    st.caption(tx("why.ascent.caption", seed=seed, steps=kept, first=format_number(run.objective[0]),
                  last=format_number(run.objective[-1]), lr=A.ASCENT_LR, l2=A.ASCENT_L2, every=A.ASCENT_BLUR_EVERY))
    step = st.slider(tx("why.step"), 0, kept, kept, key="why-step") if kept else 0
    a, b = st.columns(2)
    with a:
        heatmap(tx, heatmaps.input_heatmap(run.images[step], HEAT, WIDTH), key="chart-ascent")
    with b:
        st.caption(tx("why.ascent.objective"))
        st.line_chart(run.objective, height=200, x_label=tx("why.step"), y_label=tx("why.ascent.value"))
    if layer is not None:
        kernels = model.specs[layer - 1].kernels(model.params[layer - 1])
        if kernels is not None and m < len(kernels):
            name, score = closest_classic(kernels[m])
            classic = tx("why.ascent.classic", name=tx(CLASSIC_WORDS[name]), score=f"{score:.2f}") if name else ""
            st.caption(tx("why.ascent.kernel", map=m) + classic)
            heatmap(tx, heatmaps.kernels_heatmap(kernels[m:m + 1], HEAT, max_width=160), key="chart-ascent-kernel")
    _downloads(tx, f"ascent-{layer or 'class'}-{m}", run.images[-1], HEAT, "why-ascent", images=run.images,
               objective=run.objective)


def grad_cam_view(tx: Text, model: Model, tag: tuple, image: np.ndarray) -> None:
    """Grad-CAM for the last convolution, over the input, with the formula for the shown numbers."""
    layer = A.last_convolution(model.specs)
    if layer is None:
        st.info(tx("why.gradcam.none"))
        return
    target = _target(tx, "why-gradcam-class")
    A.gradient_cost(model.specs, image.shape)
    g = _cached(("gradcam", *tag, target), lambda: A.grad_cam(model, image, target))
    st.caption(tx("why.gradcam.caption", digit=g.target, name=model.specs[layer - 1].kind, index=layer,
                  maps=len(g.weights), h=g.cam.shape[0], w=g.cam.shape[1]))
    st.latex(tx("why.gradcam.formula"))
    a, b = st.columns(2)
    with a:
        st.caption(tx("why.input"))
        heatmap(tx, heatmaps.input_heatmap(image, HEAT, WIDTH), key="chart-gradcam-input")
    with b:
        st.caption(tx("why.gradcam.map"))
        heatmap(tx, heatmaps.maps_heatmap(g.upsampled[None].astype(np.float32), Display("gray", "layer", True, 1),
                                          max_width=WIDTH), key="chart-gradcam")
    i, j = np.unravel_index(int(g.cam.argmax()), g.cam.shape)
    terms = " + ".join(f"({format_number(a)})·({format_number(v)})" for a, v in zip(g.weights, g.maps[:, i, j]))
    st.markdown(tx("why.gradcam.cell", row=int(i), column=int(j), terms=terms, value=format_number(float(g.cam[i, j]))))
    _downloads(tx, f"gradcam-{g.target}", g.upsampled[None].astype(np.float32), Display("gray", "layer", True, 1),
               "why-gradcam", cam=g.cam, upsampled=g.upsampled, weights=g.weights, maps=g.maps, target=np.array(g.target))


def epochs_view(tx: Text, job: Job) -> None:
    """The first layer's kernels after each epoch, small multiples (one mosaic an epoch),
    and how far they moved in each epoch."""
    across = A.kernels_across(job.result.models)
    if across is None:
        st.info(tx("why.epochs.none"))
        return
    layer, kernels = across
    e1, m, c, kh, kw = kernels.shape
    per_kernel, whole = A.kernel_moves(kernels)
    st.caption(tx("why.epochs.caption", index=layer, epochs=e1 - 1))
    grid = st.columns(min(e1, 4))
    for e in range(e1):
        with grid[e % len(grid)]:
            st.caption(tx("why.epochs.epoch", epoch=e, moved=format_number(float(whole[e - 1]))) if e else
                       tx("why.epochs.untrained"))
            heatmap(tx, heatmaps.kernels_heatmap(kernels[e], HEAT, max_width=240), key=f"chart-epochs-kernels-{e}")
    st.markdown(tx("why.epochs.moves", items=" · ".join(
        f"{e} {format_number(d)}" for e, d in enumerate(whole, start=1))))
    _downloads(tx, f"kernels-epochs-layer{layer}", kernels.reshape(e1 * m * c, kh, kw), HEAT, "why-epochs",
               kernels=kernels, moved=per_kernel, moved_layer=whole)


def inspect_saliency(tx: Text, stages: Sequence[Stage], specs: tuple, seed: int, epochs: int, images: int,
                     shown_epoch: int) -> None:
    """On Inspect: the saliency of the trained network (finished, kept) for this input."""
    if epochs == 0 or stages[0].shape != (1, 28, 28) or any(s.error for s in stages):
        return
    job = training_service().finished(TrainingKey(specs, epochs, seed, images))
    if job is None:
        return
    epoch = min(max(shown_epoch, 0), len(job.result.models) - 1)
    image = stages[0].output
    st.subheader(tx("why.inspect.title", epoch=epoch))
    tag = (job.key, epoch, digest(np.ascontiguousarray(image, dtype=np.float32).tobytes()))
    try:
        saliency_view(tx, job.result.models[epoch], tag, image, prefix="inspect")
    except BudgetError as err:
        st.warning(tx.refusal(*err.detail), icon=":material/hourglass_disabled:")
