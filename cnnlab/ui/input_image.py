"""The input: an MNIST test image (by digit and example, or by index), a drawing, an
upload, the camera or a bundled colour photo; each other source prepared to the
network's input, or refused with a message while the MNIST image stands in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnlab.data import BLOG_DIGIT_INDEX, ImageError, Mnist, load_photo
from cnnlab.drawing import MAX_RASTER_CELLS, DrawingError
from cnnlab.ui import component_state, compute
from cnnlab.ui import widgets as w
from cnnlab.ui.i18n import Text
from cnnlab.ui.linked_drawing import drawing_strokes
from cnnlab.ui.literal import literal
from cnnlab.ui.params import URL_PARAMS
from cnnlab.ui.widgets import thumbnail

PHOTO_CREDITS = {"astronaut": "photo.credit.astronaut", "cat": "photo.credit.cat", "coffee": "photo.credit.coffee",
                 "rocket": "photo.credit.rocket"}
"""cnnlab.data.PHOTOS -> their credits' catalogue keys."""
NO_FILE = {"upload": "upload.none", "camera": "camera.none"}
"""The picks that take a file -> what the page says while there is none."""
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


@dataclass(frozen=True)
class InputChoice:
    """The network's input: MNIST test image `index`, or `image` from another source
    ((28, 28), (H, W) or (3, H, W) in [0, 1]). `problem` says why the chosen source
    could not be used, `note` what it still waits for (the MNIST image stands in)."""

    index: int
    image: np.ndarray | None = None
    problem: str | None = None
    note: str | None = None
    name: str = ""


def input_controls(tx: Text, mnist: Mnist) -> InputChoice:
    """The source and its controls; the chosen image as the network sees it."""
    st.header(tx("input.header"))
    pick = w.choice(tx, "pick", radio=True)
    if pick in ("digit", "index"):
        return _mnist_controls(tx, mnist, pick)
    if pick == "draw":
        choice = _drawing(tx)
    elif pick == "photo":
        name = w.choice(tx, "photo")
        color = w.toggle(tx, "photo_color")
        choice = InputChoice(BLOG_DIGIT_INDEX, _photo(name, color))
        st.caption(tx("photo.credit", credit=tx(PHOTO_CREDITS[name])))
    else:
        choice = _file(tx, pick)
    if choice.image is not None:
        st.image(thumbnail(choice.image))
        shape = w.shape_text(choice.image.shape)
        st.caption(tx("upload.caption", name=literal(choice.name), shape=shape) if choice.name
                   else tx("input.shape", shape=shape))
    return choice


def _mnist_controls(tx: Text, mnist: Mnist, pick: str) -> InputChoice:
    if pick == "digit":
        digit = st.selectbox(tx("digit.label"), range(10), index=URL_PARAMS["digit"].default, key="digit",
                             help=tx("digit.help"), bind="query-params")
        of_digit = mnist.indices_of(digit)
        example = w.number(tx, "example")
        if example >= len(of_digit):
            st.info(tx("example.clamped", digit=digit, count=len(of_digit), last=len(of_digit) - 1))
            example = len(of_digit) - 1
        index = int(of_digit[example])
    else:
        index = int(w.number(tx, "index"))
    st.image(thumbnail(mnist.image(index)))
    st.caption(tx("input.caption", index=index, label=int(mnist.labels[index])))
    return InputChoice(index)


def _drawing(tx: Text) -> InputChoice:
    """The pad, then its strokes MNIST-style (28x28), or why not."""
    st.caption(tx("draw.explain"))
    try:
        return InputChoice(BLOG_DIGIT_INDEX, compute.drawn(drawing_strokes(tx)))
    except component_state.BadState:
        return InputChoice(BLOG_DIGIT_INDEX, problem=tx("drawing.bad"))
    except DrawingError as err:
        if err.key == "drawing.empty":
            return InputChoice(BLOG_DIGIT_INDEX, note=tx(err.key))
        if err.key == "drawing.too_much":
            return InputChoice(BLOG_DIGIT_INDEX, problem=tx(err.key, cells=f"{MAX_RASTER_CELLS:,}"))
        return InputChoice(BLOG_DIGIT_INDEX, problem=tx(err.key))


def _photo(name: str, color: bool) -> np.ndarray:
    pixels = load_photo(name).astype(np.float32) / np.float32(255)
    return pixels if color else pixels.mean(axis=0)


def _file(tx: Text, pick: str) -> InputChoice:
    """An upload or a camera frame, prepared as an upload (MNIST-style, gray or colour)."""
    if pick == "upload":
        file = st.file_uploader(tx("upload.label"), type=UPLOAD_TYPES, key="upload", help=tx("upload.help"))
    else:
        file = st.camera_input(tx("camera.label"), key="camera", help=tx("camera.help"))
    color = w.toggle(tx, "color")
    mnist_style = w.toggle(tx, "mnist_style", disabled=color)
    if color:
        w.why_disabled(tx, "mnist_style.disabled")
    if file is None:
        st.caption(tx(NO_FILE[pick]))
        return InputChoice(BLOG_DIGIT_INDEX)
    try:
        image, size = compute.prepared(file.getvalue(), mnist_style and not color, color)
    except ImageError as err:
        return InputChoice(BLOG_DIGIT_INDEX, problem=tx("upload.error", message=str(err)))
    if max(size) > max(image.shape[-2:]) and not (mnist_style and not color):
        st.caption(tx("upload.scaled", h=size[1], w=size[0], shape=w.shape_text(image.shape[-2:])))  # size is (w, h)
    return InputChoice(BLOG_DIGIT_INDEX, image, name=file.name or pick)

