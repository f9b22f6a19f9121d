"""One in-memory projection per store version, shared by every request.

A write moves the store version; the next request that notices starts one rebuild, and
requests that arrive during the rebuild are served from the previous projection, so no
request ever sees a half-loaded graph and no write causes more than one rebuild.
"""

from __future__ import annotations

import gc
import threading
import time

import networkx as nx

from graph.store import GraphStore


class ProjectionCache:
    """Holds the latest complete projection of ``store`` and rebuilds it when stale."""

    def __init__(
        self, store: GraphStore, *, check_interval: float = 0.0, freeze_heap: bool = False
    ) -> None:
        self._store = store
        self._freeze_heap = freeze_heap
        self._graph: nx.MultiDiGraph | None = None
        self._lock = threading.Lock()
        self._check_interval = check_interval
        self._checked_at = 0.0
        self.builds = 0

    def fresh(self) -> nx.MultiDiGraph | None:
        """The current projection if the store was checked within the interval, without
        touching the store (``None`` otherwise: call :meth:`get`, which may rebuild)."""
        graph = self._graph
        if graph is not None and time.monotonic() - self._checked_at < self._check_interval:
            return graph
        return None

    def get(self) -> nx.MultiDiGraph:
        """The current projection (or the previous one while a rebuild is under way)."""
        graph = self._graph
        now = time.monotonic()
        if graph is not None and now - self._checked_at < self._check_interval:
            return graph
        version = self._store.version()
        self._checked_at = now
        if graph is not None and graph.graph.get("version") == version:
            return graph
        if graph is not None:
            if not self._lock.acquire(blocking=False):
                return graph  # someone else is rebuilding: serve the previous version
        else:
            self._lock.acquire()
        try:
            current = self._graph
            if current is not None and current.graph.get("version") == self._store.version():
                return current
            fresh = self._store.projection()
            fresh.graph.setdefault("built_at", time.time())
            self._graph = fresh
            self.builds += 1
            if self._freeze_heap:
                del graph, current  # this frame's hold on the previous projection
                settle_heap()
            return fresh
        finally:
            self._lock.release()


def settle_heap() -> None:
    """Collect once, then hide everything alive (modules, the app, the new projection) from
    the cyclic collector, so that its full passes stop scanning them on every request burst.

    A served projection is hundreds of thousands of objects: each full pass over it held
    the interpreter lock for 150-250 ms and stalled every request in flight. Unfreezing
    first lets the previous projection be collected now; one still held by a request is
    frozen again and collected after the next rebuild.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
