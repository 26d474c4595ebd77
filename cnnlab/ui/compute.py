"""What the page computes, cached for every visitor of the server process in caches
bounded in bytes (cached on scalars, frozen specs and an upload's digest)."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import streamlit as st

from cnnlab.cache import ByteCache
from cnnlab.data import Mnist, load_mnist, prepare_upload
from cnnlab.layers import LayerSpec
from cnnlab.pipeline import Stage, run


@st.cache_resource
def dataset() -> Mnist:
    return load_mnist()


@st.cache_resource
def caches() -> dict[str, ByteCache]:
    """The process's caches, shared by every visitor, each bounded in bytes: the stages of
    a (input, network, seed) 96 MB, prepared uploads 16 MB, trained models 64 MB."""
    return {"stages": ByteCache(96 * 2**20), "uploads": ByteCache(16 * 2**20), "models": ByteCache(64 * 2**20)}


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
