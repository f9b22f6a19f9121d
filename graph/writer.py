"""The one writer: every import reaches a store through here.

It owns what the stores should not each re-implement: writing accepted records while pass 1
still reads, in one transaction of the store (:meth:`Writer.stream`, the embedded store: on a
thread, or for a large file in a process of its own, :mod:`graph.write_process`), or
spooling them to disk to write afterwards (memory stays flat on million-row files),
batching, writing every node before the relationships that need it, the created / updated
/ unchanged diff (:func:`diff`, also what the stores and ``--dry-run`` count with),
provenance (each record's :class:`~graph.records.SourceRef`) and the history of imports,
deletes and review decisions. While an import writes, the store's ``writing`` mark tells
readers (the API's projection cache) to keep serving the graph as it was before, so nobody
sees half an import.
"""

from __future__ import annotations

import getpass
import pickle
import queue
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice, repeat
from typing import Any, Literal

from graph.batching import (
    _ID,
    _NODE,
    _NODE_PROPS,
    _REL,
    _REL_IDENT,
    _REL_PROPS,
    Batcher,
    Session,
    column_block,
    write_columns,
)
from graph.heap import collector_paused
from graph.prop_columns import PropColumns
from graph.records import HistoryEvent, NodeRecord, RelRecord, SourceRef, UpsertResult
from graph.store import GraphStore
from graph.vocabulary import NodeLabel, RelType
from graph.write_process import ProcessStream

Outcome = Literal["created", "updated", "unchanged"]
Progress = Callable[[str, int], None]

#: The store meta key that marks an import in progress: ``"<import id> <unix time>"``.
WRITING_KEY = "writing"
#: A ``writing`` mark older than this (seconds) is a crashed import's, and ignored.
WRITING_STALE_S = 600.0
#: A long import renews its mark once the mark is this old (well before it goes stale), not
#: after every batch: on a Bolt server each renewal is a write transaction of its own.
WRITING_RENEW_S = WRITING_STALE_S / 4


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> tuple[Outcome, dict[str, Any]]:
    """What an upsert of ``new`` over the stored ``old`` properties does, and the result.

    Properties absent from ``new`` are kept (MERGE semantics), so a partial row never erases.

    >>> diff(None, {"name": "A"})
    ('created', {'name': 'A'})
    >>> diff({"name": "A", "x": 1}, {"x": 1})
    ('unchanged', {'name': 'A', 'x': 1})
    >>> diff({"name": "A"}, {"name": "B"})
    ('updated', {'name': 'B'})
    """
    if old is None:
        return "created", dict(new)
    merged = {**old, **new}
    if all(k in old and old[k] == v for k, v in new.items()):
        return "unchanged", merged
    return "updated", merged


def now_iso() -> str:
    """The current UTC time as history records it (seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_import_id() -> str:
    """A fresh import id: sortable by time, unique across processes."""
    return datetime.now(UTC).strftime("imp-%Y%m%d%H%M%S-") + uuid.uuid4().hex[:6]


def cli_actor() -> str:
    """Who runs the command line (``cli:<os user>``)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


class TupleSpool:
    """Plain tuples in a temporary file, in pickled chunks, read back in order: a million
    rows hold one chunk in memory at a time (pickling tuples is several times faster than
    pickling objects)."""

    CHUNK = 10_000

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._buffer: list[tuple[Any, ...]] = []
        self.size = 0

    def add(self, item: tuple[Any, ...]) -> None:
        self._buffer.append(item)
        self.size += 1
        if len(self._buffer) >= self.CHUNK:
            self._flush()

    def extend(self, items: list[tuple[Any, ...]]) -> None:
        """:meth:`add` of each item, in order."""
        self._buffer.extend(items)
        self.size += len(items)
        if len(self._buffer) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                chunk = pickle.load(self._file)  # our own temporary file
            except EOFError:
                break
            yield from chunk
        self._file.seek(0, 2)  # later adds go after what was read

    def close(self) -> None:
        self._file.close()


class Spool(TupleSpool):
    """Validated records with their sources, kept as tuples (see :class:`TupleSpool`)."""

    def add_record(self, record: NodeRecord | RelRecord, source: SourceRef | None) -> None:
        src = (source.import_id, source.file, source.sheet, source.row) if source else None
        if isinstance(record, NodeRecord):
            self.add((_NODE, str(record.label), record.id, record.props, src))
        else:
            self.add(
                (_REL, str(record.type), record.source, record.target, record.key, record.props, src)
            )

    def records(self) -> Iterator[tuple[NodeRecord | RelRecord, SourceRef | None]]:
        """The records back, in the order they were added."""
        labels = {str(x): x for x in NodeLabel}
        types = {str(x): x for x in RelType}
        for item in self:
            src = SourceRef(*item[-1]) if item[-1] is not None else None
            if item[0] == _NODE:
                yield NodeRecord(labels[item[1]], item[2], item[3]), src
            else:
                yield RelRecord(types[item[1]], item[2], item[3], item[4], item[5]), src


#: records per message to the writing thread (one queue operation per this many)
STREAM_CHUNK = 10_000
#: messages that may wait for the writing thread: pass 1 waits beyond that (memory stays flat)
STREAM_DEPTH = 4
_DONE, _ABORT = "done", "abort"
#: the interpreter's switch interval while a stream runs (seconds; the default is 0.005, a
#: server already runs at 0.001): the writing thread takes the interpreter lock back after
#: each bulk statement, and waits up to this long for pass 1 to hand it over
STREAM_SWITCH_S = 0.001


class _Stream:
    """A thread writing an import's records through a store :class:`Session` while pass 1
    still reads the file: records are written as they come, in one transaction, and
    :meth:`finish` commits it (or :meth:`abort` rolls it back)."""

    def __init__(self, writer: Writer, session: Session) -> None:
        self.writer = writer
        self.session = session
        self.queue: queue.Queue[list[tuple[Any, ...]] | str] = queue.Queue(STREAM_DEPTH)
        self.results: dict[str, UpsertResult] = defaultdict(UpsertResult)
        self.error: BaseException | None = None
        self.complete = False
        self.done = 0
        self.switch = sys.getswitchinterval()
        if self.switch > STREAM_SWITCH_S:
            sys.setswitchinterval(STREAM_SWITCH_S)
        self.thread = threading.Thread(target=self._run, name="alliancegraph-write", daemon=True)
        self.thread.start()

    def _joined(self) -> None:
        """Wait for the thread to end; give the switch interval back (unless someone else
        changed it meanwhile)."""
        self.thread.join()
        if self.switch > STREAM_SWITCH_S and sys.getswitchinterval() == STREAM_SWITCH_S:
            sys.setswitchinterval(self.switch)

    def put(self, items: list[tuple[Any, ...]] | str) -> None:
        """Hand ``items`` (or a last word) to the thread; waits while the queue is full,
        but not on a thread that has ended."""
        while True:
            try:
                self.queue.put(items, timeout=1.0)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    self.error = self.error or RuntimeError("the writing thread has stopped")
                    return

    def _run(self) -> None:
        """The thread: write what comes until the last word; every batch written (and
        :attr:`complete` set) only if it was ``done`` and nothing failed."""
        try:
            batcher = Batcher(self.writer.batch_size, self._write)
            with collector_paused():
                while True:
                    msg = self.queue.get()
                    if isinstance(msg, str):
                        if msg == _DONE and self.error is None:
                            batcher.finish()
                            self.complete = True
                        return
                    if self.error is not None:
                        continue  # drained, so that pass 1 never waits on a full queue
                    try:
                        batcher.add(msg)
                    except BaseException as exc:  # reported by finish()
                        self.error = exc
        except BaseException as exc:  # reported by finish()
            self.error = self.error or exc

    def _write(self, what: str, items: list[list[Any]]) -> None:
        """One batch of spooled items (:func:`graph.batching.write_columns`)."""
        self.results[what] += write_columns(self.session, what, items)
        self.done += len(items)
        if self.writer.progress:
            self.writer.progress(what, self.done)

    def finish(self) -> dict[str, UpsertResult]:
        """Wait for the last write, then commit; a write's error is raised here (and
        nothing is kept)."""
        self.put(_DONE)
        self._joined()
        if self.error is not None or not self.complete:
            self.session.rollback()
            raise self.error or RuntimeError("the writing thread stopped before the end")
        self.session.commit()
        return dict(self.results)

    def abort(self) -> None:
        """Stop writing and forget everything written (nothing was visible)."""
        self.error = self.error or _Aborted()
        self.put(_ABORT)
        self._joined()
        self.session.rollback()


class _Aborted(Exception):
    """The stream was stopped before it finished."""


class Writer:
    """Collects validated records for one import, then writes or previews them.

    >>> from graph.sqlite_store import SQLiteStore
    >>> store = SQLiteStore(":memory:")
    >>> with Writer(store, import_id="imp-doc") as w:
    ...     w.add(NodeRecord(NodeLabel.ORGANIZATION, "org-a", {"name": "A"}),
    ...           SourceRef("imp-doc", "orgs.csv", None, 2))
    ...     w.write()["Organization"].created
    1
    >>> store.sources_of("org-a")
    [SourceRef(import_id='imp-doc', file='orgs.csv', sheet=None, row=2)]
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        import_id: str | None = None,
        batch_size: int = 5_000,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.import_id = import_id or new_import_id()
        self.batch_size = batch_size
        self.progress = progress
        self._nodes = Spool()
        self._rels = Spool()
        self._stream: _Stream | ProcessStream | None = None
        self._stop: Callable[[], bool] | None = None
        self._dropped = False
        self._pending: list[tuple[Any, ...]] = []
        self._queued = 0

    def stream(self, stop: Callable[[], bool] | None = None, *, process: bool = False) -> bool:
        """Write records as they are queued, on a thread, in one transaction of the store
        (an embedded store's :meth:`~graph.sqlite_store.SQLiteStore.import_session`) that
        :meth:`write` commits and :meth:`close` without it rolls back: an import's write
        overlaps its pass 1, and still nothing is visible or kept unless :meth:`write`
        runs. The store carries the ``writing`` mark from now on. ``stop``, asked as
        records are handed over: once it says ``True`` (the import will not be written),
        what was written is rolled back and later records are dropped. ``False`` (nothing
        changed) for a store without sessions, or when records are queued already; then
        :meth:`write` writes the spooled records as usual. Not for :meth:`preview`.

        ``process``: write in a process of its own instead of a thread
        (:mod:`graph.write_process`: on a second core, not sharing the interpreter lock
        with pass 1; it costs a start of a fresh interpreter, so it pays on large files).
        A store that cannot be written from another process streams on a thread."""
        start = getattr(self.store, "import_session", None)
        if start is None or self.queued or self._stream is not None:
            return False
        spawn = getattr(self.store, "import_process", None) if process else None
        self.store.set_meta(WRITING_KEY, f"{self.import_id} {time.time():.0f}")
        try:
            stream = spawn(self.batch_size, self.progress) if spawn is not None else None
            session = start() if stream is None else None
        except BaseException:
            self.store.set_meta(WRITING_KEY, None)
            raise
        if stream is None and session is None:
            self.store.set_meta(WRITING_KEY, None)
            return False
        self._stream = stream or _Stream(self, session)  # type: ignore[arg-type]
        self._stop = stop
        return True

    def _send(self, items: list[tuple[Any, ...]]) -> None:
        """Hand tuples to the writing thread, in order, :data:`STREAM_CHUNK` at a time."""
        assert self._stream is not None
        self._queued += len(items)
        pending = self._pending
        if not pending and len(items) >= STREAM_CHUNK:
            pending = items
        else:
            pending.extend(items)
            if len(pending) < STREAM_CHUNK:
                return
        self._pending = []
        if self._stop is not None and self._stop():
            self._drop()
            return
        self._stream.put(pending)

    def _drop(self) -> None:
        """Roll the stream back: this import will not be written."""
        stream, self._stream = self._stream, None
        self._dropped, self._pending = True, []
        if stream is not None:
            try:
                stream.abort()
            finally:
                self.store.set_meta(WRITING_KEY, None)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, record: NodeRecord | RelRecord, source: SourceRef | None = None) -> None:
        """Queue one validated record (nodes and relationships may come in any order;
        while streaming, a relationship after the nodes it needs)."""
        if self._stream is not None or self._dropped:
            if self._stream is not None:
                self._send([_tuple(record, source)])
            return
        (self._nodes if isinstance(record, NodeRecord) else self._rels).add_record(record, source)

    def add_nodes(self, items: list[tuple[Any, ...]]) -> None:
        """Queue validated nodes given as the spool's tuples ``(_NODE, label, id, props,
        src)``, ``src`` being ``(import id, file, sheet, row)`` or ``None``: what
        :meth:`add` queues, without making a record object per row first."""
        if not self._diverted(items):
            self._nodes.extend(items)

    def add_rels(self, items: list[tuple[Any, ...]]) -> None:
        """Queue validated relationships as ``(_REL, type, source, target, key, props,
        src)`` tuples (see :meth:`add_nodes`)."""
        if not self._diverted(items):
            self._rels.extend(items)

    def add_columns(
        self,
        kind: int,
        what: str,
        ends: list[list[str]],
        props: PropColumns,
        origin: tuple[str, str, str | None],
        rows: list[int],
    ) -> None:
        """Queue validated records of one label or type given as parallel lists: ``ends``
        the ids (``[ids]`` for nodes, ``[sources, targets, keys]`` for relationships), the
        rows' properties as columns (:class:`~graph.prop_columns.PropColumns`), their common ``(import id, file, sheet)`` and their row
        numbers. A writing process gets them as one block of columns
        (:func:`graph.batching.column_block`: a fraction of the tuples' pickling);
        elsewhere they are queued as :meth:`add_nodes` and :meth:`add_rels` queue tuples."""
        if not isinstance(self._stream, ProcessStream):
            srcs = zip(repeat(origin[0]), repeat(origin[1]), repeat(origin[2]), rows)
            items = list(zip(repeat(kind), repeat(what), *ends, props.dicts(), srcs))
            (self.add_nodes if kind == _NODE else self.add_rels)(items)
            return
        self._queued += len(rows)
        if self._stop is not None and self._stop():
            self._drop()
            return
        if self._pending:  # what came before goes first
            pending, self._pending = self._pending, []
            self._stream.put(pending)
        self._stream.put(column_block(kind, what, ends, props, origin, rows))

    def _diverted(self, items: list[tuple[Any, ...]]) -> bool:
        """Whether ``items`` bypass the spools: sent to the writing thread while streaming,
        or ignored once the queue was dropped."""
        if self._stream is not None:
            self._send(items)
            return True
        return self._dropped

    @property
    def queued(self) -> int:
        """Records queued so far."""
        return self._nodes.size + self._rels.size + self._queued

    def _batches(self) -> Iterator[tuple[str, list[Any], list[SourceRef | None]]]:
        """``(label or type, records, sources)`` batches, every node batch first; a later
        record of an entity already in the batch is folded into the first (one upsert)."""
        out: list[tuple[str, list[Any], list[SourceRef | None]]] = []
        labels = {str(x): x for x in NodeLabel}
        types = {str(x): x for x in RelType}
        batcher = Batcher(
            self.batch_size, lambda what, items: out.append(self._built(what, items, labels, types))
        )
        for spool in (self._nodes, self._rels):
            items = iter(spool)
            while chunk := list(islice(items, STREAM_CHUNK)):
                batcher.add(chunk)
                yield from out
                out.clear()
            batcher.flush(batcher.nodes)
            yield from out
            out.clear()
        batcher.finish()
        yield from out

    @staticmethod
    def _built(
        what: str,
        items: list[list[Any]],
        labels: dict[str, NodeLabel],
        types: dict[str, RelType],
    ) -> tuple[str, list[Any], list[SourceRef | None]]:
        """The records and sources of one batch of spooled items."""
        sources = [SourceRef(*it[-1]) if it[-1] is not None else None for it in items]
        records: list[Any]
        if items[0][0] == _NODE:
            label = labels[what]
            records = [NodeRecord(label, it[2], it[3]) for it in items]
        else:
            type_ = types[what]
            records = [RelRecord(type_, it[2], it[3], it[4], it[5]) for it in items]
        return what, records, sources

    def write(self) -> dict[str, UpsertResult]:
        """Write everything queued (each batch one transaction); counts per label or type.

        The store carries a ``writing`` mark meanwhile, so readers keep the graph as it was
        before the import until the last batch is in.
        """
        if self._dropped:
            raise RuntimeError("this import's stream was stopped: nothing can be written")
        if self._stream is not None:
            stream, self._stream = self._stream, None
            try:
                if self._pending:
                    stream.put(self._pending)
                    self._pending = []
                return stream.finish()
            finally:
                self.store.set_meta(WRITING_KEY, None)
        results: dict[str, UpsertResult] = defaultdict(UpsertResult)
        if not self.queued:
            return {}  # nothing to write: no mark to set and clear (two Bolt transactions)
        done = 0
        marked = time.time()
        self.store.set_meta(WRITING_KEY, f"{self.import_id} {marked:.0f}")
        try:
            for what, records, sources in self._batches():
                for part, src in _by_provenance(records, sources):
                    if isinstance(part[0], NodeRecord):
                        results[what] += self.store.upsert_nodes(what, part, src)
                    else:
                        results[what] += self.store.upsert_relationships(what, part, src)
                done += len(records)
                if self.progress:
                    self.progress(what, done)
                if time.time() - marked >= WRITING_RENEW_S:  # renewed long before it goes stale
                    marked = time.time()
                    self.store.set_meta(WRITING_KEY, f"{self.import_id} {marked:.0f}")
        finally:
            self.store.set_meta(WRITING_KEY, None)
        return dict(results)

    def preview(self) -> dict[str, UpsertResult]:
        """What :meth:`write` would count, computed with :func:`diff` against the store's
        current values; nothing is written (``--dry-run``). Batches as :meth:`write` makes
        them, read as spooled tuples: no record object per row, and a batch the store holds
        none of counts as created without a diff per row."""
        results: dict[str, UpsertResult] = defaultdict(UpsertResult)

        def count(what: str, items: list[list[Any]]) -> None:
            result = results[what]
            stored: dict[Any, dict[str, Any]]
            if items[0][0] == _NODE:
                idents = list(map(_ID, items))
                found, _rels = self.store.fetch(idents, [])
                stored = {n.id: n.props for n in found}
                props = map(_NODE_PROPS, items)
            else:
                idents = [(what, *ident) for ident in map(_REL_IDENT, items)]
                _nodes, found_rels = self.store.fetch([], idents)
                stored = {(str(x.type), x.source, x.target, x.key): x.props for x in found_rels}
                props = map(_REL_PROPS, items)
            if not stored:
                result.created += len(items)
                return
            for ident, new in zip(idents, props, strict=True):
                _count(result, diff(stored.get(ident), new)[0])

        batcher = Batcher(self.batch_size, count)
        for spool in (self._nodes, self._rels):
            items = iter(spool)
            while chunk := list(islice(items, STREAM_CHUNK)):
                batcher.add(chunk)
            batcher.flush(batcher.nodes)
        batcher.finish()
        return dict(results)

    def close(self) -> None:
        """Drop the spool files; a stream not written is rolled back."""
        self._drop()
        self._nodes.close()
        self._rels.close()


def _tuple(record: NodeRecord | RelRecord, source: SourceRef | None) -> tuple[Any, ...]:
    """A record as the spool's tuple (see :meth:`Writer.add_nodes`)."""
    src = (source.import_id, source.file, source.sheet, source.row) if source else None
    if isinstance(record, NodeRecord):
        return (_NODE, str(record.label), record.id, record.props, src)
    return (_REL, str(record.type), record.source, record.target, record.key, record.props, src)


def _count(result: UpsertResult, outcome: Outcome) -> None:
    if outcome == "created":
        result.created += 1
    elif outcome == "updated":
        result.updated += 1
    else:
        result.unchanged += 1


def writing_in_progress(store: GraphStore) -> bool:
    """Whether an import is writing right now (a crashed import's old mark does not count)."""
    mark = store.get_meta(WRITING_KEY)
    if not mark:
        return False
    try:
        stamp = float(mark.rsplit(" ", 1)[1])
    except (IndexError, ValueError):
        return False
    return time.time() - stamp < WRITING_STALE_S


def log(store: GraphStore, action: str, actor: str, subject: str, **detail: Any) -> HistoryEvent:
    """Append one event to the store's history and return it."""
    event = HistoryEvent(now_iso(), action, actor, subject, detail)
    store.log_event(event)
    return event


def delete_node(store: GraphStore, node_id: str, *, actor: str) -> bool:
    """Delete a node with its relationships, and say who did it in the history."""
    hood = store.get_node(node_id)
    if hood is None:
        return False
    deleted = store.delete_node(node_id)
    if deleted:
        log(
            store,
            "delete",
            actor,
            node_id,
            label=str(hood.node.label),
            name=str(hood.node.props.get("name", "")),
            relationships=len(hood.relationships),
        )
    return deleted


__all__ = [
    "WRITING_KEY",
    "WRITING_RENEW_S",
    "WRITING_STALE_S",
    "Spool",
    "TupleSpool",
    "Writer",
    "cli_actor",
    "delete_node",
    "diff",
    "log",
    "new_import_id",
    "now_iso",
    "writing_in_progress",
]


def _by_provenance(
    records: list[Any], sources: list[SourceRef | None]
) -> Iterator[tuple[list[Any], list[SourceRef] | None]]:
    """The batch as one part with sources and one without (rows the writer made itself,
    such as aliases, have no source row)."""
    if all(s is not None for s in sources):
        yield records, sources  # type: ignore[misc]
        return
    with_src = [(r, s) for r, s in zip(records, sources, strict=True) if s is not None]
    bare = [r for r, s in zip(records, sources, strict=True) if s is None]
    if with_src:
        yield [r for r, _ in with_src], [s for _, s in with_src]
    if bare:
        yield bare, None
