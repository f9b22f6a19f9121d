"""The embedded store: one local SQLite file, nothing to install or start.

Every upsert call is one transaction: validated whole first, then written whole, so a
process killed mid-write leaves the file as it was before the call or after it. Safe to
share between threads (one connection behind a lock; WAL lets other processes read).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from graph.projection import build_projection
from graph.records import (
    NodeRecord,
    RelRecord,
    UpsertResult,
    check_ends,
    check_id_labels,
    validate_nodes,
    validate_relationships,
)
from graph.store import Neighbourhood, Row, StoreCounts, StoreError, StoreUnavailable
from graph.vocabulary import NodeLabel, RelType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    props TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_label ON nodes(label);
CREATE TABLE IF NOT EXISTS rels (
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    props TEXT NOT NULL,
    PRIMARY KEY (source, type, target, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rels_target ON rels(target);
CREATE INDEX IF NOT EXISTS rels_type ON rels(type);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(k, v) VALUES ('version', 0);
"""

_LOOKUP_CHUNK = 5_000


def _dumps(props: dict[str, Any]) -> str:
    return json.dumps(props, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class SQLiteStore:
    """A :class:`~graph.store.GraphStore` in one SQLite database file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=30
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot open the embedded store at {path}: {exc}") from None
        self._lock = threading.RLock()

    # ------------------------------------------------------------ helpers

    def _existing(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """``id -> (label, props json)`` for the ids that exist."""
        found: dict[str, tuple[str, str]] = {}
        for part in _chunks(ids, _LOOKUP_CHUNK):
            marks = ",".join("?" * len(part))
            for nid, label, props in self._conn.execute(
                f"SELECT id, label, props FROM nodes WHERE id IN ({marks})", part
            ):
                found[nid] = (label, props)
        return found

    def _labels(self, ids: Sequence[str]) -> dict[str, str]:
        """``id -> label`` for the ids that exist (no properties read)."""
        found: dict[str, str] = {}
        for part in _chunks(ids, _LOOKUP_CHUNK):
            marks = ",".join("?" * len(part))
            found.update(
                self._conn.execute(f"SELECT id, label FROM nodes WHERE id IN ({marks})", part)
            )
        return found

    def _bump(self) -> None:
        self._conn.execute("UPDATE meta SET v = v + 1 WHERE k = 'version'")

    def _transaction(self) -> _Tx:
        return _Tx(self._conn)

    # ------------------------------------------------------------ writes

    def upsert_nodes(self, label: NodeLabel | str, rows: Iterable[Row]) -> UpsertResult:
        label = NodeLabel(label)
        records = validate_nodes(label, rows)
        result = UpsertResult()
        if not records:
            return result
        with self._lock, self._transaction():
            existing = self._existing([r.id for r in records])
            check_id_labels(label, records, {k: v[0] for k, v in existing.items()})
            writes: list[tuple[str, str, str]] = []
            for r in records:
                old = existing.get(r.id)
                if old is None:
                    result.created += 1
                    writes.append((r.id, label.value, _dumps(r.props)))
                    continue
                merged = {**json.loads(old[1]), **r.props}
                new = _dumps(merged)
                if new == old[1]:
                    result.unchanged += 1
                else:
                    result.updated += 1
                    writes.append((r.id, label.value, new))
            if writes:
                self._conn.executemany(
                    "INSERT INTO nodes(id, label, props) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET props = excluded.props",
                    writes,
                )
                self._bump()
        return result

    def upsert_relationships(self, type_: RelType | str, rows: Iterable[Row]) -> UpsertResult:
        type_ = RelType(type_)
        records = validate_relationships(type_, rows)
        result = UpsertResult()
        if not records:
            return result
        with self._lock, self._transaction():
            ends = self._labels(sorted({r.source for r in records} | {r.target for r in records}))
            check_ends(type_, records, ends)
            old = self._existing_rels(type_, records)
            writes: list[tuple[str, str, str, str, str]] = []
            for r in records:
                prev = old.get((r.source, r.target, r.key))
                if prev is None:
                    result.created += 1
                    writes.append((type_.value, r.source, r.target, r.key, _dumps(r.props)))
                    continue
                new = _dumps({**json.loads(prev), **r.props})
                if new == prev:
                    result.unchanged += 1
                else:
                    result.updated += 1
                    writes.append((type_.value, r.source, r.target, r.key, new))
            if writes:
                self._conn.executemany(
                    "INSERT INTO rels(type, source, target, key, props) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(source, type, target, key) DO UPDATE SET props = excluded.props",
                    writes,
                )
                self._bump()
        return result

    def _existing_rels(
        self, type_: RelType, records: list[RelRecord]
    ) -> dict[tuple[str, str, str], str]:
        found: dict[tuple[str, str, str], str] = {}
        sources = sorted({r.source for r in records})
        for part in _chunks(sources, _LOOKUP_CHUNK):
            marks = ",".join("?" * len(part))
            for s, t, k, props in self._conn.execute(
                "SELECT source, target, key, props FROM rels "
                f"WHERE type = ? AND source IN ({marks})",
                [type_.value, *part],
            ):
                found[(s, t, k)] = props
        return found

    def delete_node(self, node_id: str) -> bool:
        with self._lock, self._transaction():
            cur = self._conn.execute("DELETE FROM nodes WHERE id = ?", (node_id,))
            if cur.rowcount == 0:
                return False
            self._conn.execute(
                "DELETE FROM rels WHERE source = ? OR target = ?", (node_id, node_id)
            )
            self._bump()
            return True

    # ------------------------------------------------------------ reads

    def get_node(self, node_id: str) -> Neighbourhood | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT label, props FROM nodes WHERE id = ?", (node_id,)
            ).fetchone()
            if row is None:
                return None
            rels = [
                RelRecord(RelType(t), s, d, k, json.loads(p))
                for t, s, d, k, p in self._conn.execute(
                    "SELECT type, source, target, key, props FROM rels WHERE source = ? "
                    "UNION ALL SELECT type, source, target, key, props FROM rels "
                    "WHERE target = ? AND source <> ?",
                    (node_id, node_id, node_id),
                )
            ]
            other = sorted({r.target if r.source == node_id else r.source for r in rels})
            found = self._existing(other)
        return Neighbourhood(
            node=NodeRecord(NodeLabel(row[0]), node_id, json.loads(row[1])),
            relationships=rels,
            neighbours=[
                NodeRecord(NodeLabel(found[i][0]), i, json.loads(found[i][1])) for i in other
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
        with self._lock, self._transaction():
            version = self.version()
            nodes = [
                NodeRecord(NodeLabel(label), nid, json.loads(props))
                for nid, label, props in self._conn.execute("SELECT id, label, props FROM nodes")
            ]
            rels = [
                RelRecord(RelType(t), s, d, k, json.loads(p))
                for t, s, d, k, p in self._conn.execute(
                    "SELECT type, source, target, key, props FROM rels"
                )
            ]
        return build_projection(nodes, rels, version)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class _Tx:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._outer = False

    def __enter__(self) -> _Tx:
        self._outer = not self._conn.in_transaction
        if self._outer:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
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
