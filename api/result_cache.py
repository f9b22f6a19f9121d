"""Computed answers shared between requests, keyed by store version and caller.

The full portfolio report takes hundreds of milliseconds on the sample and seconds on a
large portfolio; the same key asking the same question of the same store version gets the
same answer. Concurrent identical requests wait for one computation instead of each
starting their own (single flight); a new store version makes old entries unreachable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class ResultCache:
    """A bounded, thread-safe least-recently-used cache with single-flight computation."""

    def __init__(self, size: int = 128) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._running: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.computed = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing it once if absent (errors are not kept)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            flight = self._running.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                value = compute()
            finally:
                with self._lock:
                    self._running.pop(key, None)
            with self._lock:
                self.computed += 1
                self._items[key] = value
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
