"""Keep freed memory in the process while a training runs (glibc only).

Training allocates and frees the same tens of megabytes every batch. With glibc's
defaults big blocks are unmapped when freed and mapped (and faulted in) again on the
next batch, which measured ~14% of an epoch here; raising the mmap and trim thresholds
lets them be reused. The change is undone when the block ends (glibc's default
thresholds back, free memory returned with malloc_trim), so the server does not keep
the training's memory afterwards. A no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
GLIBC_DEFAULTS = {M_MMAP_THRESHOLD: 128 * 1024, M_TRIM_THRESHOLD: 128 * 1024, M_TOP_PAD: 0}
_lock = threading.Lock()
_holders = 0


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (glibc has both)
        return libc
    except (OSError, AttributeError):
        return None


@contextmanager
def freed_memory_kept(threshold: int = 256 * 2**20) -> Iterator[bool]:
    """Within the block glibc keeps freed blocks up to `threshold` for reuse; yields whether
    that could be set. Nested or concurrent blocks share one setting, undone by the last."""
    global _holders
    libc = _libc()
    if libc is None:
        yield False
        return
    with _lock:
        if _holders == 0:
            libc.mallopt(M_MMAP_THRESHOLD, threshold)
            libc.mallopt(M_TRIM_THRESHOLD, 4 * threshold)
            libc.mallopt(M_TOP_PAD, threshold // 4)
        _holders += 1
    try:
        yield True
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                for option, value in GLIBC_DEFAULTS.items():
                    libc.mallopt(option, value)
                libc.malloc_trim(0)
