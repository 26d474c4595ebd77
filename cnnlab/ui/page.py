"""The page's own pieces that the entry script uses every run: its icon and the settings
the sidebar hands to the workspace. Defined here, not in app.py, since Streamlit executes
app.py's top level on every rerun (a class or a cached function defined there is built
anew each time)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from cnnlab.mosaic import Display
from cnnlab.ui import input_image
from cnnlab.ui.i18n import Text


@cache
def page_icon() -> bytes:
    """A 3x3 kernel over a grid as a 64x64 PNG, drawn here: a ":material/..." icon would be
    fetched from Google. PNG bytes, so no run encodes it again."""
    cells = np.full((8, 8), 230, dtype=np.uint8)
    cells[1:4, 1:4] = [[40, 120, 40], [120, 209, 120], [40, 120, 40]]
    out = io.BytesIO()
    Image.fromarray(cells).resize((64, 64), Image.Resampling.NEAREST).save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Settings:
    """What the sidebar controls outside the workspace set (they change only in full reruns)."""

    tx: Text
    choice: input_image.InputChoice
    epochs: int
    train_images: int
    shown_epoch: int
    display: Display
    lesson: tuple | None = None  # the guided lesson's step and its box (cnnlab.ui.lesson), when the link opens one
