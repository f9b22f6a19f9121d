"""The embedded store: one local SQLite file, nothing to install or start.

Every upsert call is one transaction: its rows checked whole first, then written whole,
so a process killed mid-write leaves the file as it was before the call or after it.
Safe to share between threads (one connection behind a lock; WAL lets other processes
read).

Schema (``PRAGMA user_version`` 2), built for load speed: nodes get an interned integer
key ``nk``; relationships are keyed on the integer keys of their ends (one
``WITHOUT ROWID`` table, one index on ``target``); properties are JSON text. Provenance
rows point at interned ``(import, file, sheet)`` origins; the change log keeps one row
per write transaction with its integer keys packed; history and bookkeeping values have
tables of their own. A file of the first schema is migrated when opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from itertools import count, repeat
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from graph.heap import collector_paused
from graph.projection import build_projection
from graph.records import (
    ChangeSet,
    HistoryEvent,
    NodeRecord,
    RelKey,
    RelRecord,
    SourceRef,
    UpsertResult,
    check_ends,
    check_id_labels,
    check_sources,
    node_records,
    rel_records,
)
from graph.store import (
    Neighbourhood,
    Row,
    StoreCounts,
    StoreError,
    StoreUnavailable,
)
from graph.vocabulary import REL_ENDPOINTS, NodeLabel, RelType
from graph.write_process import ProcessStream, Progress

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    nk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rels (
    source INTEGER NOT NULL,
    target INTEGER NOT NULL,
    type TEXT NOT NULL,
    key TEXT NOT NULL,
    props TEXT NOT NULL,
    PRIMARY KEY (source, target, type, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rels_target ON rels(target);
CREATE TABLE IF NOT EXISTS origins (
    ok INTEGER PRIMARY KEY,
    import_id TEXT NOT NULL,
    file TEXT NOT NULL,
    sheet TEXT,
    UNIQUE (import_id, file, sheet)
);
CREATE TABLE IF NOT EXISTS node_sources (
    nk INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    row INTEGER NOT NULL,
    PRIMARY KEY (nk, ok, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rel_sources (
    source INTEGER NOT NULL,
    target INTEGER NOT NULL,
    type TEXT NOT NULL,
    key TEXT NOT NULL,
    ok INTEGER NOT NULL,
    row INTEGER NOT NULL,
    PRIMARY KEY (source, target, type, key, ok, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    version INTEGER PRIMARY KEY,
    nodes BLOB,
    deleted TEXT,
    rel_type TEXT,
    rel_ends BLOB,
    rel_keys TEXT
);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(k, v) VALUES ('version', 0);
INSERT OR IGNORE INTO meta(k, v) VALUES ('next_node', 1);
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""

#: sources in column form: each row's ``(import id, file, sheet)`` and its row number
ColumnSources = tuple[list[tuple[str, str, str | None]], list[int | None]]

#: Write transactions the change log keeps (older ones: ``changes_since`` says ``None``).
CHANGE_LOG_KEEP = 1_000
_LOOKUP_CHUNK = 5_000
_NO_ROW = -1  # a SourceRef without a row number (NULL cannot be part of the key)
_KEY_CACHE_MAX = 2_000_000
#: rows per bulk insert statement in an import session (:meth:`SQLiteStore._insert`): a part's JSON is
#: encoded in one call holding the interpreter lock (a few milliseconds), then inserted
#: without it
_BULK_ROWS = 5_000
#: an import session's key cache: the ends of the relationships being written are nearly all
#: nodes of the batches just before (a cache of every node of a million-row import would
#: hold 150 MB while pass 1 still holds its own indexes); older ones are looked up
_SESSION_KEY_CACHE_MAX = 100_000
T = TypeVar("T")
_encoder = c_make_encoder(None, None, encode_basestring, None, ":", ",", True, False, True)


def _encode(props: dict[str, Any]) -> str:
    """Properties as compact JSON text with sorted keys (the C encoder, made once)."""
    return "".join(_encoder(props, 0))


def _encode_all(props: Iterable[dict[str, Any]]) -> Iterator[str]:
    """:func:`_encode` of each, lazily, every step in C (no Python frame per row)."""
    return map("".join, map(_encoder, props, repeat(0)))


_ID = attrgetter("id")
_SOURCE, _TARGET = attrgetter("source"), attrgetter("target")
_KEY, _PROPS = attrgetter("key"), attrgetter("props")
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


#: How every connection is set up (the benchmarks' bare ceilings use the same): WAL with
#: ``synchronous=NORMAL`` (crash safe), a 64 MB page cache, and a checkpoint every 64 MB of
#: WAL, not every 4 MB (a load's commits rewrite the same pages, copied back to the file
#: once per checkpoint), the WAL cut back to that size afterwards.
CONNECTION_PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA cache_size=-65536",
    "PRAGMA wal_autocheckpoint=16384",
    "PRAGMA journal_size_limit=67108864",
)


def _create_private(path: Path) -> None:
    """Create a new store file readable by its owner only: it holds contact details,
    amounts and the history, and SQLite gives its WAL and shared-memory files the same
    mode. An existing file keeps the mode its owner gave it."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


class SQLiteStore:
    """A :class:`~graph.store.GraphStore` in one SQLite database file."""

    def __init__(self, path: str | Path, *, change_log_keep: int = CHANGE_LOG_KEEP) -> None:
        self.path = Path(path)
        #: Write transactions the change log keeps.
        self.change_log_keep = change_log_keep
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _create_private(self.path)
            self._conn = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=30
            )
            for pragma in CONNECTION_PRAGMAS:
                self._conn.execute(pragma)
            self._open_schema()
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot open the embedded store at {path}: {exc}") from None
        self._lock = threading.RLock()
        #: ``id -> (nk, label)`` of nodes seen; dropped whenever another connection has
        #: committed (``PRAGMA data_version``), so it never outlives what it describes.
        self._key_cache: dict[str, tuple[int, str]] = {}
        self._key_cache_max = _KEY_CACHE_MAX
        #: insert by bulk JSON parts (an import session's writing thread; see _insert)
        self._bulk = False
        self._data_version = -1

    def _open_schema(self) -> None:
        """Create the schema, or migrate a file of the first (text-keyed) schema."""
        conn = self._conn
        (user_version,) = conn.execute("PRAGMA user_version").fetchone()
        if user_version == SCHEMA_VERSION:
            return
        if user_version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"the embedded store at {self.path} has schema {user_version}, newer than "
                f"this program's {SCHEMA_VERSION}"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            old = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            first_schema = "nodes" in old and not any(
                c[1] == "nk" for c in conn.execute("PRAGMA table_info(nodes)")
            )
            if first_schema:
                for table in ("nodes", "rels", "meta"):
                    conn.execute(f"ALTER TABLE {table} RENAME TO v1_{table}")
                for index in ("nodes_label", "rels_target", "rels_type"):
                    conn.execute(f"DROP INDEX IF EXISTS {index}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if first_schema:
                conn.execute(
                    "INSERT INTO nodes(nk, id, label, props) "
                    "SELECT row_number() OVER (ORDER BY id), id, label, props FROM v1_nodes"
                )
                conn.execute(
                    "INSERT INTO rels(source, target, type, key, props) "
                    "SELECT s.nk, t.nk, r.type, r.key, r.props FROM v1_rels r "
                    "JOIN nodes s ON s.id = r.source JOIN nodes t ON t.id = r.target"
                )
                conn.execute(
                    "UPDATE meta SET v = (SELECT v FROM v1_meta WHERE k = 'version') "
                    "WHERE k = 'version'"
                )
                conn.execute(
                    "UPDATE meta SET v = (SELECT coalesce(max(nk), 0) + 1 FROM nodes) "
                    "WHERE k = 'next_node'"
                )
                for table in ("nodes", "rels", "meta"):
                    conn.execute(f"DROP TABLE v1_{table}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ helpers

    def _existing(self, ids: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        """``id -> (nk, label, props json)`` for the ids that exist."""
        found: dict[str, tuple[int, str, str]] = {}
        for part in _chunks(ids, _LOOKUP_CHUNK):
            for nk, nid, label, props in self._conn.execute(
                f"SELECT nk, id, label, props FROM nodes WHERE id IN ({_marks(len(part))})", part
            ):
                found[nid] = (nk, label, props)
        return found

    def _keys(self, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """``id -> (nk, label)`` for the ids that exist (from the key cache when known)."""
        self._check_key_cache()
        cache = self._key_cache
        wanted = set(ids)
        missing = list(wanted.difference(cache))  # set passes in C, no Python step per id
        hits = wanted.difference(missing) if missing else wanted
        found = dict(zip(hits, map(cache.__getitem__, hits), strict=True))
        for part in _chunks(missing, _LOOKUP_CHUNK):
            for nk, nid, label in self._all_at_once(
                f"SELECT nk, id, label FROM nodes WHERE id IN ({_marks(len(part))})", part
            ):
                found[nid] = (nk, label)
        return found

    def _all_at_once(self, select: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        """The rows of ``select`` (of ``nk, id, label``) fetched in one step rather than one
        step per row. Why: a step releases the interpreter lock and must take it back, and
        with pass 1 busy beside the writing thread, each row waited for it (2,000 keys
        took 0.4 s instead of 4 ms). Text holding U+0000 is fetched the usual way."""
        if any("\x00" in p for p in params if isinstance(p, str)):
            return self._conn.execute(select, params).fetchall()
        columns = select[len("SELECT ") : select.index(" FROM ")]
        (rows,) = self._conn.execute(
            f"SELECT json_group_array(json_array({columns})) {select[select.index('FROM '):]}",
            params,
        ).fetchone()
        found: list[Sequence[Any]] = json.loads(rows)
        return found

    def _check_key_cache(self) -> None:
        """Forget every cached key if another connection has committed since last time."""
        (data_version,) = self._conn.execute("PRAGMA data_version").fetchone()
        if data_version != self._data_version:
            self._key_cache.clear()
            self._data_version = data_version

    def _ids(self, nks: Iterable[int]) -> dict[int, str]:
        """``nk -> id`` for the integer keys that exist."""
        found: dict[int, str] = {}
        for part in _chunks(sorted(set(nks)), _LOOKUP_CHUNK):
            found.update(
                self._conn.execute(
                    f"SELECT nk, id FROM nodes WHERE nk IN ({_marks(len(part))})", part
                )
            )
        return found

    def _empty(self, table: str) -> bool:
        return self._conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None

    def _bump(
        self,
        nodes: Sequence[int] = (),
        deleted: Sequence[str] = (),
        rel_type: str | None = None,
        rel_ends: Sequence[int] = (),
        rel_keys: Sequence[str] = (),
    ) -> None:
        """Move the version and log what this transaction changed (pruning old entries)."""
        conn = self._conn
        conn.execute("UPDATE meta SET v = v + 1 WHERE k = 'version'")
        (version,) = conn.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
        conn.execute(
            "INSERT INTO changes(version, nodes, deleted, rel_type, rel_ends, rel_keys) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                version,
                array("q", nodes).tobytes() if nodes else None,
                json.dumps(list(deleted)) if deleted else None,
                rel_type,
                array("q", rel_ends).tobytes() if rel_ends else None,
                json.dumps(list(rel_keys)) if any(rel_keys) else None,
            ),
        )
        conn.execute("DELETE FROM changes WHERE version <= ?", (version - self.change_log_keep,))

    def _origins(self, origins: Sequence[tuple[str, str, str | None]]) -> list[int]:
        """The interned key of each ``(import, file, sheet)``, parallel to ``origins``
        (new ones numbered in the order first met)."""
        keys: dict[tuple[str, str, str | None], int] = {}
        for origin in dict.fromkeys(origins):
            found = self._conn.execute(
                "SELECT ok FROM origins WHERE import_id = ? AND file = ? AND sheet IS ?", origin
            ).fetchone()
            if found is None:
                cur = self._conn.execute(
                    "INSERT INTO origins(import_id, file, sheet) VALUES (?, ?, ?)", origin
                )
                keys[origin] = int(cur.lastrowid or 0)
            else:
                keys[origin] = int(found[0])
        return list(map(keys.__getitem__, origins))

    def _transaction(self) -> _Tx:
        return _Tx(self._conn)

    def _write_tx(self) -> _WriteTx:
        """A write transaction whose newly learned node keys reach the cache on commit."""
        return _WriteTx(self)

    def _snapshot(self) -> _Tx:
        """A read transaction: several statements see one state, without the write lock."""
        return _Tx(self._conn, "BEGIN")

    # ------------------------------------------------------------ writes

    def upsert_nodes(
        self,
        label: NodeLabel | str,
        rows: Iterable[Row],
        sources: Sequence[SourceRef] | None = None,
    ) -> UpsertResult:
        label = NodeLabel(label)
        records = node_records(label, rows)
        check_sources(records, sources)
        if not records:
            return UpsertResult()
        return self.upsert_node_columns(
            label,
            list(map(_ID, records)),
            list(map(_PROPS, records)),
            _provenance(sources) if sources else None,
        )

    def upsert_node_columns(
        self,
        label: NodeLabel | str,
        ids: list[str],
        props: list[dict[str, Any]],
        sources: ColumnSources | None = None,
    ) -> UpsertResult:
        """:meth:`upsert_nodes` of validated nodes of one label with distinct ids, given as
        parallel lists (no record object per row): ``sources`` is each row's ``(import,
        file, sheet)`` and its row number, two lists parallel to ``ids``."""
        label = NodeLabel(label)
        if not ids:
            return UpsertResult()
        with self._lock, collector_paused(), self._write_tx() as tx:
            result, nks = self._write_nodes(tx, label, ids, props)
            if sources:
                oks = self._origins(sources[0])
                rows = _rows(sources[1])
                first = nks[0]
                if oks.count(oks[0]) == len(oks) and nks == list(range(first, first + len(nks))):
                    # one origin and new nodes in order (a file's import): rows alone
                    columns: list[tuple[str, Any]] = [
                        ("from", first),
                        ("const", oks[0]),
                        ("row", rows),
                    ]
                else:
                    columns = [("row", nks), ("row", oks), ("row", rows)]
                self._insert("INSERT OR IGNORE", "node_sources(nk, ok, row)", columns)
        return result

    def _write_nodes(
        self, tx: _WriteTx, label: NodeLabel, ids: list[str], props: list[dict[str, Any]]
    ) -> tuple[UpsertResult, list[int]]:
        """Write the nodes (parallel ``ids`` and ``props``) and log the change; the integer
        key of each, in order."""
        conn = self._conn
        lab = label.value
        (next_nk,) = conn.execute("SELECT v FROM meta WHERE k = 'next_node'").fetchone()
        # a first load: the rows are inserted in order until a part has one there already
        created = self._insert(
            "INSERT",
            "nodes(nk, id, label, props)",
            [("from", next_nk), ("row", ids), ("const", lab), ("json", props)],
        )
        nks = list(range(next_nk, next_nk + created))
        changed = nks.copy()
        next_nk += created
        result = UpsertResult(created=created)
        if created < len(ids):  # the rest the lookup way
            existing = self._existing(ids[created:])
            if any(v[1] != lab for v in existing.values()):
                records = [NodeRecord(label, i, p) for i, p in zip(ids, props, strict=True)]
                check_id_labels(label, records, {k: v[1] for k, v in existing.items()})
            fresh: list[tuple[int, str, str, str]] = []
            updates: list[tuple[str, int]] = []
            for node_id, p in zip(ids[created:], props[created:], strict=True):
                old = existing.get(node_id)
                if old is None:
                    nks.append(next_nk)
                    fresh.append((next_nk, node_id, lab, _encode(p)))
                    next_nk += 1
                    continue
                nks.append(old[0])
                new = _encode({**json.loads(old[2]), **p})
                if new != old[2]:
                    updates.append((new, old[0]))
            result.created += len(fresh)
            result.updated = len(updates)
            result.unchanged = len(ids) - created - len(fresh) - len(updates)
            if fresh:
                conn.executemany(
                    "INSERT INTO nodes(nk, id, label, props) VALUES (?, ?, ?, ?)", fresh
                )
            if updates:
                conn.executemany("UPDATE nodes SET props = ? WHERE nk = ?", updates)
            changed += [i[0] for i in fresh] + [u[1] for u in updates]
        if result.created:
            conn.execute("UPDATE meta SET v = ? WHERE k = 'next_node'", (next_nk,))
        if changed:
            self._bump(nodes=changed)
        tx.learned.update(zip(ids, zip(nks, repeat(lab)), strict=True))
        return result, nks

    def _insert(self, verb: str, into: str, values: list[tuple[str, Any]]) -> int:
        """Insert rows into ``into`` (``"table(columns)"``, from this module), given column
        by column: ``("row", list)`` a value per row, ``("json", list)`` properties per row
        (stored as JSON text), ``("const", v)`` one value for all, ``("from", n)`` n, n + 1,
        ... ; how many went in, in order until one breaks a uniqueness constraint (that row
        and the rest: the caller's lookup). Outside an import session one ``executemany``;
        in one (:class:`ImportSession`, on the writing thread) :data:`_BULK_ROWS` rows at a
        time, each part one ``INSERT ... SELECT`` over ``json_each`` of the part as a JSON
        array, stopping at the first part holding such a row (none of that part goes in).
        Why: ``executemany`` takes the interpreter lock back for every row, and with pass 1
        busy beside it each row waited for it; a part is encoded in one call (a few
        milliseconds) and inserted wholly inside SQLite, without the lock. Alone, the
        ``executemany`` costs less CPU (no JSON to parse), so the store's own upserts keep it."""
        before = self._conn.total_changes
        per_row = [v for k, v in values if k in ("row", "json")]
        if not self._bulk or _holds_nul(values):
            args = [
                repeat(v)
                if k == "const"
                else count(v)
                if k == "from"
                else _encode_all(v)
                if k == "json"
                else v
                for k, v in values
            ]
            with suppress(sqlite3.IntegrityError):  # that row and the rest: the caller's lookup
                self._conn.executemany(
                    f"{verb} INTO {into} VALUES ({_marks(len(values))})", zip(*args, strict=False)
                )
            return self._conn.total_changes - before
        select, j = [], 0
        for k, _ in values:
            if k in ("const", "from"):
                select.append("?" if k == "const" else "? + key")
            else:  # one value per row: the part is a flat array of them
                select.append("value" if len(per_row) == 1 else f"value ->> {j}")
                j += 1
        statement = f"{verb} INTO {into} SELECT {', '.join(select)} FROM json_each(?)"
        for at in range(0, len(per_row[0]), _BULK_ROWS):
            head = [v if k == "const" else v + at for k, v in values if k in ("const", "from")]
            cols = [
                list(_encode_all(v[at : at + _BULK_ROWS]))
                if k == "json"
                else v[at : at + _BULK_ROWS]
                for k, v in values
                if k in ("row", "json")
            ]
            rows = cols[0] if len(cols) == 1 else list(zip(*cols, strict=True))
            try:
                self._conn.execute(statement, (*head, "".join(_encoder(rows, 0))))
            except sqlite3.IntegrityError:  # that part and the rest: the caller's lookup
                break
        return self._conn.total_changes - before

    def upsert_relationships(
        self,
        type_: RelType | str,
        rows: Iterable[Row],
        sources: Sequence[SourceRef] | None = None,
    ) -> UpsertResult:
        type_ = RelType(type_)
        records = rel_records(type_, rows)
        check_sources(records, sources)
        if not records:
            return UpsertResult()
        return self.upsert_rel_columns(
            type_,
            list(map(_SOURCE, records)),
            list(map(_TARGET, records)),
            list(map(_KEY, records)),
            list(map(_PROPS, records)),
            _provenance(sources) if sources else None,
        )

    def upsert_rel_columns(
        self,
        type_: RelType | str,
        sources_: list[str],
        targets: list[str],
        keys: list[str],
        props: list[dict[str, Any]],
        sources: ColumnSources | None = None,
    ) -> UpsertResult:
        """:meth:`upsert_relationships` of validated, distinct relationships of one type
        given as parallel lists (source ids, target ids, keys, properties; ``sources`` as
        for :meth:`upsert_node_columns`)."""
        type_ = RelType(type_)
        if not sources_:
            return UpsertResult()
        t = type_.value
        with self._lock, collector_paused(), self._write_tx() as tx:
            srcs, tgts = self._rel_ends(tx, type_, sources_, targets, keys, props)
            result = self._write_rels(t, srcs, tgts, keys, props)
            if sources:
                oks = self._origins(sources[0])
                # one origin (a file's import): one value for all rows
                ok = ("const", oks[0]) if oks.count(oks[0]) == len(oks) else ("row", oks)
                self._insert(
                    "INSERT OR IGNORE",
                    "rel_sources(source, target, type, key, ok, row)",
                    [
                        ("row", srcs),
                        ("row", tgts),
                        ("const", t),
                        ("row", keys),
                        ok,
                        ("row", _rows(sources[1])),
                    ],
                )
        return result

    def _rel_ends(
        self,
        tx: _WriteTx,
        type_: RelType,
        sources: list[str],
        targets: list[str],
        keys: list[str],
        props: list[dict[str, Any]],
    ) -> tuple[list[int], list[int]]:
        """The integer keys of each relationship's source and target, parallel to the
        lists; the batch refused (before anything is written) unless every end exists with
        a label the type allows. Per-row work runs in C (``map``) when the ends are cached."""
        self._check_key_cache()
        get = self._key_cache.get
        # (nk, label) of each end, None where not cached
        froms: list[Any] = list(map(get, sources))
        tos: list[Any] = list(map(get, targets))
        if None in froms or None in tos:  # some ends are not cached: look them up
            ends = self._keys(list(set(sources) | set(targets)))
            tx.learned.update(ends.items())
            froms = list(map(ends.get, sources))
            tos = list(map(ends.get, targets))
        allowed_sources, allowed_targets = REL_ENDPOINTS[type_]
        if (
            None in froms
            or None in tos
            or not set(map(_SECOND, froms)) <= allowed_sources
            or not set(map(_SECOND, tos)) <= allowed_targets
        ):
            stored = {s: f[1] for s, f in zip(sources, froms, strict=True) if f}
            stored.update((d, t[1]) for d, t in zip(targets, tos, strict=True) if t)
            records = [
                RelRecord(type_, s, d, k, p)
                for s, d, k, p in zip(sources, targets, keys, props, strict=True)
            ]
            check_ends(type_, records, stored)
        return list(map(_FIRST, froms)), list(map(_FIRST, tos))

    def _write_rels(
        self,
        t: str,
        srcs: list[int],
        tgts: list[int],
        keys: list[str],
        props: list[dict[str, Any]],
    ) -> UpsertResult:
        """Write relationships of type ``t`` given as parallel lists (source and target
        integer keys, key, properties); log the change."""
        conn = self._conn
        # a first load: the rows are inserted in order until a part has one there already
        created = self._insert(
            "INSERT",
            "rels(source, target, type, key, props)",
            [("row", srcs), ("row", tgts), ("const", t), ("row", keys), ("json", props)],
        )
        result = UpsertResult(created=created)
        if created == len(srcs):
            self._log_rels(t, srcs, tgts, keys)
            return result
        logged = (srcs[:created], tgts[:created], keys[:created])  # went in above
        srcs, tgts, keys, props = srcs[created:], tgts[created:], keys[created:], props[created:]
        old = self._existing_rels(t, srcs)
        inserts: list[tuple[int, int, str, str, str]] = []
        updates: list[tuple[str, int, int, str, str]] = []
        for s, d, k, p in zip(srcs, tgts, keys, props, strict=True):
            prev = old.get((s, d, k))
            if prev is None:
                inserts.append((s, d, t, k, _encode(p)))
                continue
            new = _encode({**json.loads(prev), **p})
            if new != prev:
                updates.append((new, s, d, t, k))
        result.created += len(inserts)
        result.updated = len(updates)
        result.unchanged = len(srcs) - len(inserts) - len(updates)
        if inserts:
            conn.executemany(
                "INSERT INTO rels(source, target, type, key, props) VALUES (?, ?, ?, ?, ?)",
                inserts,
            )
        if updates:
            conn.executemany(
                "UPDATE rels SET props = ? WHERE source = ? AND target = ? AND type = ? AND key = ?",
                updates,
            )
        if created or inserts or updates:
            changed = [(i[0], i[1], i[3]) for i in inserts] + [(u[1], u[2], u[4]) for u in updates]
            self._log_rels(
                t,
                logged[0] + [c[0] for c in changed],
                logged[1] + [c[1] for c in changed],
                logged[2] + [c[2] for c in changed],
            )
        return result

    def _log_rels(self, t: str, srcs: list[int], tgts: list[int], keys: list[str]) -> None:
        """Log changed relationships of type ``t`` (ends packed as source, target pairs)."""
        ends = [0] * (2 * len(srcs))
        ends[0::2], ends[1::2] = srcs, tgts
        self._bump(rel_type=t, rel_ends=ends, rel_keys=keys)

    def _existing_rels(self, type_: str, srcs: list[int]) -> dict[tuple[int, int, str], str]:
        """``(source nk, target nk, key) -> props json`` of the stored rels of these sources."""
        found: dict[tuple[int, int, str], str] = {}
        for part in _chunks(sorted(set(srcs)), _LOOKUP_CHUNK):
            for s, d, k, props in self._conn.execute(
                "SELECT source, target, key, props FROM rels "
                f"WHERE source IN ({_marks(len(part))}) AND type = ?",
                [*part, type_],
            ):
                found[(s, d, k)] = props
        return found

    def delete_node(self, node_id: str) -> bool:
        conn = self._conn
        with self._lock, self._transaction():
            row = conn.execute("SELECT nk FROM nodes WHERE id = ?", (node_id,)).fetchone()
            if row is None:
                return False
            nk = row[0]
            self._key_cache.pop(node_id, None)
            incoming = conn.execute(
                "SELECT source, target, type, key FROM rels WHERE target = ? AND source <> ?",
                (nk, nk),
            ).fetchall()
            conn.executemany(
                "DELETE FROM rel_sources WHERE source = ? AND target = ? AND type = ? AND key = ?",
                incoming,
            )
            conn.execute("DELETE FROM rel_sources WHERE source = ?", (nk,))
            conn.execute("DELETE FROM rels WHERE source = ?", (nk,))
            conn.execute("DELETE FROM rels WHERE target = ?", (nk,))
            conn.execute("DELETE FROM node_sources WHERE nk = ?", (nk,))
            conn.execute("DELETE FROM nodes WHERE nk = ?", (nk,))
            self._bump(deleted=[node_id])
            return True

    def log_event(self, event: HistoryEvent) -> None:
        with self._lock, self._transaction():
            self._conn.execute(
                "INSERT INTO history(at, action, actor, subject, detail) VALUES (?, ?, ?, ?, ?)",
                (event.at, event.action, event.actor, event.subject, _history_detail(event)),
            )

    def set_meta(self, key: str, value: str | None) -> None:
        with self._lock, self._transaction():
            if value is None:
                self._conn.execute("DELETE FROM kv WHERE k = ?", (key,))
            else:
                self._conn.execute(
                    "INSERT INTO kv(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                    (key, value),
                )

    # ------------------------------------------------------------ reads

    def get_node(self, node_id: str) -> Neighbourhood | None:
        with self._lock, self._snapshot():
            row = self._conn.execute(
                "SELECT nk, label, props FROM nodes WHERE id = ?", (node_id,)
            ).fetchone()
            if row is None:
                return None
            nk = row[0]
            found = self._conn.execute(
                "SELECT source, target, type, key, props FROM rels WHERE source = ? "
                "UNION ALL SELECT source, target, type, key, props FROM rels "
                "WHERE target = ? AND source <> ?",
                (nk, nk, nk),
            ).fetchall()
            ids = self._ids([nk] + [s for s, *_ in found] + [d for _, d, *_ in found])
            rels = [
                RelRecord(RelType(t), ids[s], ids[d], k, json.loads(p)) for s, d, t, k, p in found
            ]
            other = sorted({r.target if r.source == node_id else r.source for r in rels})
            near = self._existing(other)
        return Neighbourhood(
            node=NodeRecord(NodeLabel(row[1]), node_id, json.loads(row[2])),
            relationships=rels,
            neighbours=[
                NodeRecord(NodeLabel(near[i][1]), i, json.loads(near[i][2])) for i in other
            ],
        )

    def counts(self) -> StoreCounts:
        with self._lock:
            labels = dict.fromkeys((lab.value for lab in NodeLabel), 0)
            labels.update(self._conn.execute("SELECT label, count(*) FROM nodes GROUP BY label"))
            types = dict.fromkeys((t.value for t in RelType), 0)
            types.update(self._conn.execute("SELECT type, count(*) FROM rels GROUP BY type"))
        return StoreCounts(labels=labels, types=types)

    def version(self) -> int:
        with self._lock:
            (v,) = self._conn.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
        return int(v)

    def projection(self) -> nx.MultiDiGraph:
        with self._lock, collector_paused(), self._snapshot():
            version = self.version()
            ids: dict[int, str] = {}
            nodes = []
            loads = json.loads
            for nk, nid, label, props in self._conn.execute(
                "SELECT nk, id, label, props FROM nodes"
            ):
                ids[nk] = nid
                nodes.append(NodeRecord(NodeLabel(label), nid, loads(props)))
            types = {t.value: t for t in RelType}
            rels = [
                RelRecord(types[t], ids[s], ids[d], k, loads(p))
                for s, d, t, k, p in self._conn.execute(
                    "SELECT source, target, type, key, props FROM rels"
                )
            ]
            return build_projection(nodes, rels, version)

    def sources_of(self, node_id: str | None = None, rel: RelKey | None = None) -> list[SourceRef]:
        if (node_id is None) == (rel is None):
            raise ValueError("sources_of takes a node id or a relationship key, not both")
        with self._lock, self._snapshot():
            if node_id is not None:
                found = self._conn.execute(
                    "SELECT o.import_id, o.file, o.sheet, s.row FROM nodes n "
                    "JOIN node_sources s ON s.nk = n.nk JOIN origins o ON o.ok = s.ok "
                    "WHERE n.id = ? ORDER BY s.ok, s.row",
                    (node_id,),
                ).fetchall()
            else:
                assert rel is not None
                type_, source, target, key = rel
                found = self._conn.execute(
                    "SELECT o.import_id, o.file, o.sheet, s.row FROM rel_sources s "
                    "JOIN origins o ON o.ok = s.ok "
                    "WHERE s.source = (SELECT nk FROM nodes WHERE id = ?) "
                    "AND s.target = (SELECT nk FROM nodes WHERE id = ?) "
                    "AND s.type = ? AND s.key = ? ORDER BY s.ok, s.row",
                    (source, target, type_, key),
                ).fetchall()
        return [
            SourceRef(imp, file, sheet, None if row == _NO_ROW else row)
            for imp, file, sheet, row in found
        ]

    def history(self, limit: int = 100, offset: int = 0) -> list[HistoryEvent]:
        with self._lock:
            found = self._conn.execute(
                "SELECT at, action, actor, subject, detail FROM history "
                "ORDER BY seq DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [HistoryEvent(a, b, c, d, json.loads(e)) for a, b, c, d, e in found]

    def changes_since(self, version: int) -> ChangeSet | None:
        with self._lock, self._snapshot():
            current = self.version()
            if version > current or version < 0:
                return None
            found = self._conn.execute(
                "SELECT version, nodes, deleted, rel_type, rel_ends, rel_keys FROM changes "
                "WHERE version > ? ORDER BY version",
                (version,),
            ).fetchall()
            if len(found) != current - version:
                return None  # pruned (or written by a program that kept no log)
            node_keys: set[int] = set()
            deleted: set[str] = set()
            rel_parts: list[tuple[str, array[int], list[str] | None]] = []
            for _, nodes, gone, rel_type, rel_ends, rel_keys in found:
                if nodes:
                    node_keys.update(array("q", nodes))
                if gone:
                    deleted.update(json.loads(gone))
                if rel_ends:
                    ends = array("q", rel_ends)
                    rel_parts.append((rel_type, ends, json.loads(rel_keys) if rel_keys else None))
            wanted = set(node_keys)
            for _, ends, _ in rel_parts:
                wanted.update(ends)
            ids = self._ids(wanted)
        rels: set[RelKey] = set()
        for rel_type, ends, keys in rel_parts:
            for i in range(0, len(ends), 2):
                s, d = ids.get(ends[i]), ids.get(ends[i + 1])
                if s is not None and d is not None:  # else it went with a deleted node
                    rels.add((rel_type, s, d, keys[i // 2] if keys else ""))
        return ChangeSet(
            from_version=version,
            to_version=current,
            nodes=frozenset(ids[k] for k in node_keys if k in ids),
            deleted_nodes=frozenset(deleted),
            rels=frozenset(rels),
        )

    def fetch(
        self, node_ids: Iterable[str], rels: Iterable[RelKey]
    ) -> tuple[list[NodeRecord], list[RelRecord]]:
        wanted_rels = list(rels)
        with self._lock, self._snapshot():
            nodes = [
                NodeRecord(NodeLabel(label), nid, json.loads(props))
                for nid, (_, label, props) in self._existing(list(dict.fromkeys(node_ids))).items()
            ]
            keys = self._keys(list({r[1] for r in wanted_rels} | {r[2] for r in wanted_rels}))
            ids = {nk: nid for nid, (nk, _) in keys.items()}
            wanted = [
                (keys[source][0], keys[target][0], type_, key)
                for type_, source, target, key in wanted_rels
                if source in keys and target in keys
            ]
            out: list[RelRecord] = []
            # one primary-key join per chunk, not a query per relationship
            for part in _chunks(wanted, _LOOKUP_CHUNK // 4):
                found = self._conn.execute(
                    f"WITH k(s, d, t, key) AS (VALUES {','.join(['(?,?,?,?)'] * len(part))}) "
                    "SELECT r.source, r.target, r.type, r.key, r.props FROM k JOIN rels r "
                    "ON r.source = k.s AND r.target = k.d AND r.type = k.t AND r.key = k.key",
                    [v for row in part for v in row],
                )
                out.extend(
                    RelRecord(RelType(t), ids[src], ids[dst], key, json.loads(props))
                    for src, dst, t, key, props in found
                )
        return nodes, out

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            found = self._conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def import_session(
        self,
        *,
        threaded: bool = True,
        cache_kb: int | None = None,
        checkpoint_at_commit: bool = True,
    ) -> ImportSession | None:
        """One import's writes as ONE transaction on a connection of its own (see
        :class:`ImportSession`); ``None`` for an in-memory store, which a second connection
        would not see. ``threaded``: written on a thread beside pass 1 (bulk statements
        that hold the interpreter lock less: :meth:`_insert`), not in a process of its own;
        ``cache_kb``: the connection's page cache, when not the store's own;
        ``checkpoint_at_commit=False``: the commit leaves the write-ahead log for whoever
        checkpoints next (a writing process does, after telling its parent)."""
        if str(self.path) == ":memory:":
            return None
        return ImportSession(
            self, threaded=threaded, cache_kb=cache_kb, checkpoint_at_commit=checkpoint_at_commit
        )

    def import_process(
        self, batch_size: int, progress: Progress | None = None
    ) -> ProcessStream | None:
        """One import's writes as ONE transaction in a process of its own, fed records as
        pass 1 makes them (:mod:`graph.write_process`); ``None`` for an in-memory store."""
        if str(self.path) == ":memory:":
            return None
        return ProcessStream(self.path, self.change_log_keep, batch_size, progress)


class ImportSession:
    """Upserts in one transaction on a connection of their own, committed or rolled back
    whole: an import writes through it on a thread while it still reads its file (sqlite3
    releases the interpreter lock inside each statement), and nothing is visible to any
    reader, or kept after a crash, unless :meth:`commit` runs. It holds the store's write
    lock from the start to :meth:`commit` or :meth:`rollback`; other writers wait (up to the
    connection's 30 s timeout). Use it from one thread at a time.
    """

    def __init__(
        self,
        store: SQLiteStore,
        *,
        threaded: bool = True,
        cache_kb: int | None = None,
        checkpoint_at_commit: bool = True,
    ) -> None:
        self._store = SQLiteStore(store.path, change_log_keep=store.change_log_keep)
        self._store._key_cache_max = _SESSION_KEY_CACHE_MAX
        self._store._bulk = threaded
        if cache_kb is not None:
            self._store._conn.execute(f"PRAGMA cache_size=-{int(cache_kb)}")
        if not checkpoint_at_commit:
            self._store._conn.execute("PRAGMA wal_autocheckpoint=0")
        try:
            self._store._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._store.close()
            raise StoreError(f"embedded store is busy or unreadable: {exc}") from None
        self.open = True

    def upsert_nodes(
        self,
        label: NodeLabel | str,
        rows: Iterable[Row],
        sources: Sequence[SourceRef] | None = None,
    ) -> UpsertResult:
        """:meth:`SQLiteStore.upsert_nodes` inside the session's transaction."""
        return self._store.upsert_nodes(label, rows, sources)

    def upsert_relationships(
        self, type_: RelType | str, rows: Iterable[Row], sources: Sequence[SourceRef] | None = None
    ) -> UpsertResult:
        """:meth:`SQLiteStore.upsert_relationships` inside the session's transaction."""
        return self._store.upsert_relationships(type_, rows, sources)

    def upsert_node_columns(
        self,
        label: NodeLabel | str,
        ids: list[str],
        props: list[dict[str, Any]],
        sources: ColumnSources | None = None,
    ) -> UpsertResult:
        """:meth:`SQLiteStore.upsert_node_columns` inside the session's transaction."""
        return self._store.upsert_node_columns(label, ids, props, sources)

    def upsert_rel_columns(
        self,
        type_: RelType | str,
        sources_: list[str],
        targets: list[str],
        keys: list[str],
        props: list[dict[str, Any]],
        sources: ColumnSources | None = None,
    ) -> UpsertResult:
        """:meth:`SQLiteStore.upsert_rel_columns` inside the session's transaction."""
        return self._store.upsert_rel_columns(type_, sources_, targets, keys, props, sources)

    def commit(self) -> None:
        """Make every write of the session visible at once, and end it."""
        if not self.open:
            raise StoreError("the import session is over")
        self.open = False
        try:
            self._store._conn.execute("COMMIT")
        finally:
            self._store.close()

    def rollback(self) -> None:
        """Forget every write of the session (nothing if it is over already)."""
        if not self.open:
            return
        self.open = False
        try:
            if self._store._conn.in_transaction:
                self._store._conn.execute("ROLLBACK")
        finally:
            self._store.close()


def _history_detail(event: HistoryEvent) -> str:
    """An event's detail as JSON text (a value JSON cannot hold is the caller's bug)."""
    return json.dumps(event.detail, ensure_ascii=False, sort_keys=True)


_ORIGIN = attrgetter("import_id", "file", "sheet")


def _holds_nul(values: list[tuple[str, Any]]) -> bool:
    """Whether a text value of a per-row column holds U+0000: ``json_each``'s ``->>`` hands
    SQLite such text cut at that character, so those rows take ``executemany`` instead."""
    for kind, column in values:
        if kind != "row":
            continue
        kinds = set(map(type, column))  # (in C: no Python step per value)
        if str not in kinds:  # integer keys, row numbers: no text
            continue
        text = column if len(kinds) == 1 else [v for v in column if type(v) is str]
        if "\x00" in "".join(text):
            return True
    return False


def _provenance(
    sources: Sequence[SourceRef],
) -> ColumnSources:
    """Sources as the column form: each one's ``(import, file, sheet)``, and its row."""
    return list(map(_ORIGIN, sources)), [s.row for s in sources]


def _rows(rows: list[int | None]) -> list[int]:
    """Row numbers as stored (``None``: :data:`_NO_ROW`, NULL cannot be part of the key)."""
    if None not in rows:
        return rows  # type: ignore[return-value]
    return [_NO_ROW if r is None else r for r in rows]


class _WriteTx:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` for a write of the store; node keys learned
    during it (``learned``) join the key cache only once committed."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self._tx = _Tx(store._conn)
        self.learned: dict[str, tuple[int, str]] = {}

    def __enter__(self) -> _WriteTx:
        self._tx.__enter__()
        self._store._check_key_cache()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._tx.__exit__(exc_type, exc, tb)
        if exc_type is None:
            cache = self._store._key_cache
            if len(cache) + len(self.learned) > self._store._key_cache_max:
                cache.clear()
            cache.update(self.learned)


class _Tx:
    """``BEGIN IMMEDIATE`` (or ``begin``) ... ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, conn: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> None:
        self._conn = conn
        self._begin = begin
        self._outer = False

    def __enter__(self) -> _Tx:
        self._outer = not self._conn.in_transaction
        if self._outer:
            try:
                self._conn.execute(self._begin)
            except sqlite3.Error as exc:
                raise StoreError(f"embedded store is busy or unreadable: {exc}") from None
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._outer:
            return
        if exc_type is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")
