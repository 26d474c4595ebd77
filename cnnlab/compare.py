"""A/B: the same input through two networks, one layer of each side by side. No Streamlit import."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cnnlab.pipeline import Stage


def compared_layer(a: Sequence[Stage], b: Sequence[Stage], layer: int) -> int:
    """The layer to compare: `layer` (1-based) clamped to the last layer both networks ran."""
    last = min(sum(1 for s in a[1:] if s.error is None), sum(1 for s in b[1:] if s.error is None))
    return max(1, min(layer, last)) if last else 0


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """A - B (C, H, W) value by value where the shapes agree; None where they do not."""
    if a.shape != b.shape:
        return None
    return np.asarray(a, dtype=np.float32) - np.asarray(b, dtype=np.float32)
