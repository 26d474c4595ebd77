"""What the page computes, cached for every visitor of the server process in caches
bounded in bytes (cached on scalars, frozen specs and an upload's digest)."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import streamlit as st

from cnnlab.cache import ByteCache
from cnnlab.data import Mnist, load_mnist, open_image, prepare_image
from cnnlab.drawing import Stroke, drawn_digit
from cnnlab.kernel_edits import KernelEdit
from cnnlab.layers import LayerSpec
from cnnlab.pipeline import Stage, run
from cnnlab.training_process import clean_stale_folders
from cnnlab.training_service import TrainingService

clean_stale_folders()  # once per server process (its first page imports this): a killed server's training folders


@st.cache_resource
def dataset() -> Mnist:
    return load_mnist()


@st.cache_resource
def caches() -> dict[str, ByteCache]:
    """The process's caches, shared by every visitor, each bounded in bytes: the stages of
    a (input, network, seed) 96 MB, prepared uploads 16 MB, what a trained network responds
    to (saliency, occlusion, ascent, Grad-CAM of a training, epoch and input) 16 MB
    (finished trainings: 32 MB, at most 16 of them, kept by the training service; large
    mosaics' hover values: cnnlab.heatmaps.HALF_VALUES, 16 MB)."""
    return {"stages": ByteCache(96 * 2**20), "uploads": ByteCache(16 * 2**20), "attribution": ByteCache(16 * 2**20)}


@st.cache_resource
def training_service() -> TrainingService:
    """The process's training queue and worker: one training at a time, off every script;
    at most 2 queued or running per visitor (a browser session) and 8 in all, served
    round-robin by visitor; a closed tab's trainings given up within about 4 s (its session
    looked up every second, gone for 2 s); at most 16 finished trainings and 32 MB of them
    kept."""
    return TrainingService(keep_bytes=32 * 2**20, keep_count=16, per_visitor=2, total=8, alive=session_alive,
                           watch_every=1.0, gone_after=2.0)


def session_alive(session_id: str) -> bool:
    """True while the browser session `session_id` is connected to this server (its tab
    open); a disconnected tab's session is not, even while Streamlit keeps it for a
    reconnection. Outside a server (AppTest, a bare script) every session counts as alive.
    Streamlit's Runtime is not public API: tests/test_training_service.py checks it."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(session_id)


@st.cache_resource
def decoding() -> threading.Lock:
    """Held while an upload is decoded: one at a time per process bounds their memory."""
    return threading.Lock()


def _stages(source: tuple, image, specs: tuple[LayerSpec, ...], seed: int, edits: tuple[KernelEdit, ...],
            trained: tuple | None) -> list[Stage]:
    """Every stage of image() through the network, cached on `source` (what names the
    input), the frozen specs, the seed, the edits and the training's tag; `trained`: (a tag
    naming it, parameters) of a finished training, used instead of fresh weights."""
    tag, params = trained if trained is not None else (None, None)
    return caches()["stages"].get_or_compute((*source, specs, seed, edits, tag),
                                             lambda: run(image(), specs, seed, edits=edits, params=params))


def compute(index: int, specs: tuple[LayerSpec, ...], seed: int, edits: tuple[KernelEdit, ...] = (),
            trained: tuple | None = None) -> list[Stage]:
    """Every stage for MNIST test image `index`."""
    return _stages(("mnist", index), lambda: dataset().image(index), specs, seed, edits, trained)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def prepared(upload: bytes, as_mnist: bool, color: bool) -> tuple[np.ndarray, tuple[int, int]]:
    """An uploaded image (or camera frame) as the network's input, and its size (w, h) as
    sent (cached on the upload's digest; decoded one at a time)."""
    def decode() -> tuple[np.ndarray, tuple[int, int]]:
        with decoding():
            img = open_image(upload)
            return prepare_image(img, as_mnist, color), img.info["original_size"]

    return caches()["uploads"].get_or_compute((digest(upload), as_mnist, color), decode)


def drawn(strokes: tuple[Stroke, ...]) -> np.ndarray:
    """A drawing's 28x28 input, rasterised once per set of strokes (cached on their digest,
    so a control change does not draw the strokes again); DrawingError when empty."""
    return caches()["uploads"].get_or_compute(("drawing", digest(repr(strokes).encode())), lambda: drawn_digit(strokes))


def compute_image(image: np.ndarray, specs: tuple[LayerSpec, ...], seed: int,
                  edits: tuple[KernelEdit, ...] = (), trained: tuple | None = None) -> list[Stage]:
    """Every stage for an input from another source (cached on the pixels' digest)."""
    image = np.ascontiguousarray(image, dtype=np.float32)
    return _stages(("pixels", digest(image.tobytes()), image.shape), lambda: image, specs, seed, edits, trained)
