"""The in-memory projection every request reads, kept current by applying each write.

Two replicas of the projection are kept. Requests read the *current* one under a lease;
when the store's version moves, the writes since the *standby* replica's version
(``GraphStore.changes_since``) are applied to the standby — time proportional to what was
written, not to the graph — and the two swap. The old current replica becomes the standby
once its last reader is done, and the next write first brings it up to date from the
change kept in memory (:class:`_Behind`), so each write is read from the store once. A
store whose change log holds the values written (:class:`LogsValues`: the Bolt store, for
changes of up to ``CHANGE_VALUES_MAX`` entities) gives them with the changes, and following
a small import reads the log alone, not the written entities back. So no
request ever sees a graph change under it, and no write costs a rebuild. A full rebuild
(``GraphStore.projection``) happens at start-up, when the store cannot say what changed, or
when a change is larger than rebuilding.

While an import is writing (``graph.writer.writing_in_progress``) the current replica keeps
being served, so readers see the graph before the import or after it, never between.

The cache also keeps the index of the stored organizations that imports resolve names
against (:attr:`ProjectionCache.org_index`, see :mod:`loaders.org_cache`): built at the
first import, then re-indexed only where the store changed.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import networkx as nx

from graph.projection import apply_changes
from graph.records import ChangeSet, NodeRecord, RelKey, RelRecord
from graph.store import GraphStore
from graph.writer import writing_in_progress
from loaders.org_cache import OrgIndexCache

#: Apply changes incrementally up to this share of the graph's size; rebuild beyond it.
REBUILD_SHARE = 0.25
#: ... but always apply a change touching at most this many entities.
REBUILD_FLOOR = 10_000
#: How long a write waits for the last readers of the standby replica before copying.
STANDBY_WAIT_S = 1.0


@dataclass
class _Replica:
    graph: nx.MultiDiGraph
    readers: int = 0

    @property
    def version(self) -> int:
        return int(self.graph.graph.get("version", 0))


@dataclass
class _Behind:
    """The write last applied to the current replica, kept for the standby (the replica
    that was current before it): the next write brings the standby up from memory first,
    so each write is read from the store once, not once per replica."""

    replica: _Replica
    changes: ChangeSet
    nodes: list[NodeRecord]
    rels: list[RelRecord]

    def catch_up(self) -> None:
        """Apply the kept write to ``replica`` (a no-op for a replica already past it)."""
        if self.changes.from_version <= self.replica.version < self.changes.to_version:
            apply_changes(self.replica.graph, self.changes, self.nodes, self.rels)


class ProjectionCache:
    """Holds the current projection of ``store`` and follows the store's writes."""

    def __init__(
        self,
        store: GraphStore,
        *,
        check_interval: float = 0.0,
        freeze_heap: bool = False,
        follow: bool = True,
    ) -> None:
        self._store = store
        self._freeze_heap = freeze_heap
        self._follow = follow
        self._current: _Replica | None = None
        self._standby: _Replica | None = None
        self._behind: _Behind | None = None  # the write the standby has not had yet
        self._lock = threading.Lock()  # one update at a time
        self._state = threading.Condition()  # guards replicas and reader counts
        self._check_interval = check_interval
        self._checked_at = 0.0
        self.builds = 0
        self.applied = 0
        #: the stored organizations' index, kept across this process's imports
        self.org_index = OrgIndexCache(store)

    # ------------------------------------------------------------------ reads

    def fresh(self) -> nx.MultiDiGraph | None:
        """The current projection if the store was checked within the interval, without
        touching the store (``None`` otherwise: call :meth:`get`, which may update)."""
        current = self._current
        if current is not None and time.monotonic() - self._checked_at < self._check_interval:
            return current.graph
        return None

    def get(self, *, wait: bool = False) -> nx.MultiDiGraph:
        """The current projection, brought up to the store's version when it has moved
        (while another thread updates it, the previous version is served, unless ``wait``)."""
        current = self._current
        now = time.monotonic()
        if not wait and current is not None and now - self._checked_at < self._check_interval:
            return current.graph
        version = self._store.version()
        self._checked_at = now
        if current is not None and (current.version == version or self._writing()):
            return current.graph
        seen: int | None = version  # still the store's version if nobody updated meanwhile
        if not self._lock.acquire(blocking=False):
            if current is not None and not wait:
                return current.graph  # someone else is updating: serve the previous version
            self._lock.acquire()
            seen = None  # another update ran meanwhile: read the version again
        del current  # a rebuild should be able to free the replica it replaces
        try:
            return self._update(seen).graph
        finally:
            self._lock.release()

    @contextmanager
    def lease(self) -> Iterator[nx.MultiDiGraph]:
        """The current projection, guaranteed not to change until the ``with`` block ends."""
        replica = self.checkout(self.get())
        try:
            yield replica.graph
        finally:
            self.checkin(replica)

    def checkout(self, graph: nx.MultiDiGraph | None = None) -> _Replica:
        """Count a reader of ``graph`` (default: the current projection) until
        :meth:`checkin`; a graph no longer kept as a replica is never changed anyway."""
        with self._state:
            for replica in (self._current, self._standby):
                if replica is not None and (graph is None or replica.graph is graph):
                    replica.readers += 1
                    return replica
        return _Replica(graph if graph is not None else nx.MultiDiGraph(), readers=1)

    def checkin(self, replica: _Replica) -> None:
        """The reader counted by :meth:`checkout` is done."""
        with self._state:
            replica.readers -= 1
            if not replica.readers:
                self._state.notify_all()

    def refresh(self) -> nx.MultiDiGraph:
        """Follow the store now, waiting for any update under way (after a write in this
        process, so that the next request sees it)."""
        return self.get(wait=True)

    # ------------------------------------------------------------------ updates

    def _writing(self) -> bool:
        try:
            return writing_in_progress(self._store)
        except AttributeError:  # a store without meta data cannot be writing
            return False

    def _update(self, version: int | None = None) -> _Replica:
        """Bring the current replica up to the store's ``version`` (read here unless the
        caller just read it under no contention: one round trip fewer per follow)."""
        current = self._current
        if version is None:
            version = self._store.version()
        if current is not None and current.version == version:
            return current
        if current is not None and self._follow:
            followed = self._follow_writes(current)
            if followed is not None:
                return followed
        del current
        return self._rebuild()

    def _follow_writes(self, current: _Replica) -> _Replica | None:
        """Apply the store's changes to the standby and swap; ``None`` to rebuild instead."""
        with self._state:
            standby = self._standby
            # requests of the previous version still reading it usually finish at once
            deadline = time.monotonic() + STANDBY_WAIT_S
            while standby is not None and standby.readers and time.monotonic() < deadline:
                self._state.wait(timeout=max(0.0, deadline - time.monotonic()))
            if standby is not None and standby.readers:
                standby = None  # a long request still reads it: follow on a copy instead
            self._standby = None
            behind, self._behind = self._behind, None
        if standby is None:
            standby = _copy(current)  # reading ``current`` meanwhile is safe: nobody writes it
        elif behind is not None and behind.replica is standby:
            behind.catch_up()  # the previous write, from memory: the store reads only this one
        known_nodes: dict[str, NodeRecord] = {}
        known_rels: dict[RelKey, RelRecord] = {}
        if isinstance(self._store, LogsValues):  # the values come with the changes
            found = self._store.changes_with_values(standby.version)
            if found is None:
                return None
            changes, known_nodes, known_rels = found
        else:
            since = self._store.changes_since(standby.version)
            if since is None:
                return None
            changes = since
        touched = len(changes.nodes) + len(changes.deleted_nodes) + len(changes.rels)
        # counting a MultiDiGraph's edges walks every adjacency (a quarter second at 500k
        # edges): count only when the change is large enough for the answer to matter
        if touched > REBUILD_FLOOR and touched > REBUILD_SHARE * _size(standby.graph):
            return None
        nodes, rels = _fetch_missing(self._store, changes, known_nodes, known_rels)
        apply_changes(standby.graph, changes, nodes, rels)
        standby.graph.graph["built_at"] = time.time()
        with self._state:
            self._standby = current
            self._current = standby
            self._behind = _Behind(current, changes, nodes, rels)
        self.applied += 1
        return standby

    def _rebuild(self) -> _Replica:
        fresh = self._store.projection()
        fresh.graph.setdefault("built_at", time.time())
        replica = _Replica(fresh)
        with self._state:
            self._current = replica
            self._standby = None
            self._behind = None
        self.builds += 1
        if self._freeze_heap:
            settle_heap()
        if self._follow:
            threading.Thread(target=self._prepare_standby, daemon=True).start()
        return replica

    def _prepare_standby(self) -> None:
        """Copy the current replica as the standby ahead of the first write, so following
        that write costs only the write."""
        current = self._current  # never changed in place while it is current: copy freely
        if current is None or self._standby is not None:
            return
        standby = _copy(current)
        if self._freeze_heap:
            gc.freeze()  # the copy is as long-lived as the projection: hide it from full passes
        with self._state:
            if self._current is current and self._standby is None:
                self._standby = standby


@runtime_checkable
class LogsValues(Protocol):
    """A store whose change log also holds the values written (the Bolt store): following
    a small write then reads the log alone, not the written entities back."""

    def changes_with_values(
        self, version: int
    ) -> tuple[ChangeSet, dict[str, NodeRecord], dict[RelKey, RelRecord]] | None: ...


def _fetch_missing(
    store: GraphStore,
    changes: ChangeSet,
    known_nodes: dict[str, NodeRecord],
    known_rels: dict[RelKey, RelRecord],
) -> tuple[list[NodeRecord], list[RelRecord]]:
    """The state of every changed entity: the logged values where known, the rest read
    from the store (no read at all when the log held every value)."""
    want_nodes = [n for n in changes.nodes if n not in known_nodes]
    want_rels = [r for r in changes.rels if r not in known_rels]
    nodes: list[NodeRecord] = [known_nodes[n] for n in changes.nodes if n in known_nodes]
    rels: list[RelRecord] = [known_rels[r] for r in changes.rels if r in known_rels]
    if want_nodes or want_rels:
        fetched_nodes, fetched_rels = store.fetch(want_nodes, want_rels)
        nodes += fetched_nodes
        rels += fetched_rels
    return nodes, rels


def _size(graph: nx.MultiDiGraph) -> int:
    """Nodes plus edges of ``graph`` (time proportional to the graph: call it rarely)."""
    return int(graph.number_of_nodes() + graph.number_of_edges())


def _copy(replica: _Replica) -> _Replica:
    """An independent replica (own attribute dicts; values are never mutated in place)."""
    graph = replica.graph.copy()
    graph.graph.update(replica.graph.graph)
    return _Replica(graph)


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
