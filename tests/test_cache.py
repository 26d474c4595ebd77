"""ByteCache: bounded in bytes, least recently used first out, values read-only."""

import numpy as np
import pytest

from cnnlab.cache import ByteCache, nbytes
from cnnlab.pipeline import run


def test_total_bytes_stay_under_the_bound_and_the_oldest_go_first():
    cache = ByteCache(10_000)
    for k in range(10):
        cache.put(k, np.zeros(300, dtype=np.float64))  # 2,400 bytes each
        assert cache.bytes <= 10_000
    assert len(cache) == 4 and cache.get(9) is not None and cache.get(5) is None
    cache.get(6)  # used: now the newest
    cache.put("new", np.zeros(300))
    assert cache.get(6) is not None and cache.get(7) is None


def test_a_value_larger_than_the_bound_is_returned_not_kept():
    cache = ByteCache(1000)
    big = cache.get_or_compute("big", lambda: np.zeros(1000))
    assert big.shape == (1000,) and len(cache) == 0 and cache.bytes == 0


def test_stored_arrays_are_read_only_and_counted_in_nested_values():
    stages = run(np.zeros((28, 28), dtype=np.float32), (), 0)
    cache = ByteCache(2**20)
    cache.put("k", stages)
    with pytest.raises(ValueError):
        cache.get("k")[0].output[0, 0, 0] = 1
    assert nbytes(stages) >= 28 * 28 * 4
    calls = []
    assert cache.get_or_compute("k", lambda: calls.append(1)) is stages and not calls


def test_a_count_bound_drops_the_least_recently_used_too():
    import numpy as np
    from cnnlab.cache import ByteCache
    cache = ByteCache(10**9, max_entries=2)
    cache.put("a", np.zeros(1))
    cache.put("b", np.zeros(1))
    cache.get("a")
    cache.put("c", np.zeros(1))
    assert len(cache) == 2 and cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
