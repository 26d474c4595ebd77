"""Run NumPy's bundled OpenBLAS on fewer threads for a while.

Training splits each batch over two Python threads (NumPy releases the GIL in its
loops and GEMMs); OpenBLAS's own threads then only compete with them (measured: one
BLAS thread is as fast here for these small GEMMs). A no-op where numpy does not ship
scipy-openblas.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

_lock = threading.Lock()
_holders = 0  # blocks inside limited_blas_threads now
_before: int | None = None  # the count the first of them saw


@lru_cache(maxsize=1)
def _openblas():
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(folder, "*openblas*")):
        try:
            lib = ctypes.CDLL(path)
            return lib.scipy_openblas_get_num_threads64_, lib.scipy_openblas_set_num_threads64_
        except (OSError, AttributeError):
            continue
    return None


def blas_threads() -> int | None:
    """OpenBLAS's thread count, or None if it cannot be read."""
    fns = _openblas()
    return None if fns is None else int(fns[0]())


@contextmanager
def limited_blas_threads(n: int) -> Iterator[bool]:
    """Within the block OpenBLAS uses at most n threads; yields whether that could be set.
    Nested or concurrent blocks share one setting: the first saves the count it finds,
    the last puts it back (so two trainings at once leave the count as it was)."""
    global _holders, _before
    fns = _openblas()
    if fns is None:
        yield False
        return
    get, set_ = fns
    with _lock:
        if _holders == 0:
            _before = int(get())
        _holders += 1
        set_(min(n, _before))
    try:
        yield True
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                set_(_before)

