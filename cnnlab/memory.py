"""Keep freed memory in the process (glibc only).

Training allocates and frees the same tens of megabytes every batch. With glibc's
defaults big blocks are unmapped when freed and mapped (and faulted in) again on the
next batch, which measured ~14% of an epoch here; raising the mmap and trim thresholds
lets them be reused. A no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
_done = False


def keep_freed_memory(threshold: int = 256 * 2**20) -> bool:
    """Raise glibc's mmap / trim thresholds once per process; True if applied."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return _done
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    _done = bool(mallopt(M_MMAP_THRESHOLD, threshold)) and bool(mallopt(M_TRIM_THRESHOLD, 4 * threshold)) \
        and bool(mallopt(M_TOP_PAD, threshold // 4))
    return _done
