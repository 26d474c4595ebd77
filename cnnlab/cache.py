"""A cache bounded in bytes, shared by every visitor of one server process.

Streamlit's own caches are bounded in entries, and an entry can be anything from a few
kilobytes to hundreds of megabytes; this one keeps the most recently used entries that
fit in `max_bytes` together. Values are shared between visitors, so their arrays are
made read-only when stored.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np

V = TypeVar("V")
OBJECT_BYTES = 64  # what a non-array leaf (a number, a spec) is counted as


def nbytes(value: object, freeze: bool = False) -> int:
    """The bytes held by the arrays in value (lists, tuples, dicts and dataclasses walked),
    plus OBJECT_BYTES per other leaf; `freeze` makes every array read-only on the way."""
    if isinstance(value, np.ndarray):
        if freeze:
            value.flags.writeable = False
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(nbytes(v, freeze) for v in value) + OBJECT_BYTES
    if isinstance(value, dict):
        return sum(nbytes(v, freeze) for v in value.values()) + OBJECT_BYTES
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name), freeze) for f in dataclasses.fields(value))
    return OBJECT_BYTES


class ByteCache(Generic[V]):
    """An LRU map from hashable keys to values whose total nbytes stays <= max_bytes (and, with
    max_entries, whose count stays <= max_entries). A value larger than max_bytes is
    returned but not kept."""

    def __init__(self, max_bytes: int, max_entries: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: V) -> V:
        size = nbytes(value, freeze=True)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return value
            while self._entries and (self._bytes + size > self.max_bytes or
                                     (self.max_entries is not None and len(self._entries) >= self.max_entries)):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
            self._entries[key] = (value, size)
            self._bytes += size
        return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value, or compute() stored (two visitors may compute the same key at once)."""
        hit = self.get(key)
        return hit if hit is not None else self.put(key, compute())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
