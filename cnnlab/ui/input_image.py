"""The input: an MNIST test image by digit and example or by index, or an upload."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

from cnnlab.data import BLOG_DIGIT_INDEX, Mnist
from cnnlab.ui import widgets as w
from cnnlab.ui.i18n import Text
from cnnlab.ui.literal import literal
from cnnlab.ui.params import PARAMS


UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]


@dataclass(frozen=True)
class InputChoice:
    """The chosen input: MNIST test image `index`, or an uploaded image (its bytes)."""

    index: int
    upload: bytes | None = None
    mnist_style: bool = True
    name: str = ""


def thumbnail(image: np.ndarray, scale: int = 4) -> Image.Image:
    """(H, W) in [0, 1] -> a nearest-neighbour enlarged grayscale picture."""
    pixels = Image.fromarray(np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8))
    scale = max(1, min(scale, 160 // max(pixels.width, pixels.height, 1)))
    return pixels.resize((pixels.width * scale, pixels.height * scale), Image.Resampling.NEAREST)


def input_controls(tx: Text, mnist: Mnist) -> InputChoice:
    """MNIST test image by digit class and example, by raw index, or an upload."""
    st.header(tx("input.header"))
    pick = w.choice(tx, "pick", radio=True)
    if pick == "upload":
        file = st.file_uploader(tx("upload.label"), type=UPLOAD_TYPES, key="upload", help=tx("upload.help"))
        mnist_style = w.toggle(tx, "mnist_style")
        if file is not None:
            return InputChoice(BLOG_DIGIT_INDEX, file.getvalue(), mnist_style, file.name)
        st.caption(tx("upload.none"))
        return InputChoice(BLOG_DIGIT_INDEX)
    if pick == "digit":
        digit = st.selectbox(tx("digit.label"), range(10), index=PARAMS["digit"].default, key="digit",
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


def upload_thumbnail(tx: Text, image: np.ndarray, choice: InputChoice) -> None:
    """The prepared upload, as the network sees it."""
    st.image(thumbnail(image if image.ndim == 2 else image.mean(axis=0)))
    shape = "x".join(str(n) for n in image.shape[-2:])
    st.caption(tx("upload.caption", name=literal(choice.name), shape=shape))
