"""The Bolt store: Neo4j 5 (or any Bolt server speaking OpenCypher, such as ArcadeDB).

One driver per store, ``database_`` on every call, managed transactions that the driver
retries on transient errors and dropped connections; constraint violations and syntax
errors are client errors and are never retried. A call is validated whole (rows, ids of
other labels, relationship ends) before its first write; writes then go in
``batch_size`` chunks, each one idempotent transaction, so a re-run after a failure ends
with exactly the graph of a fault-free load.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import networkx as nx
from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Query,
    unit_of_work,
)
from neo4j.exceptions import AuthError, ConfigurationError, Neo4jError, ServiceUnavailable

from graph.bolt_queries import META_LABEL, render
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
from graph.vocabulary import REL_ENDPOINTS, NodeLabel, RelType

#: Rows per write transaction (from the sweep in bench/store_load.py).
DEFAULT_BATCH_SIZE = 20_000
_LOOKUP_BATCH = 20_000
_LABELS = frozenset(str(lab) for lab in NodeLabel)

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class BoltStore:
    """A :class:`~graph.store.GraphStore` on a Bolt server through the official driver."""

    def __init__(
        self,
        uri: str,
        *,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_retry_time: float = 30.0,
    ) -> None:
        self.database = database
        self.batch_size = batch_size
        try:
            self._driver: Driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=10,
                max_transaction_retry_time=max_retry_time,
            )
            self._driver.verify_connectivity()
            self._ensure_schema()
        except AuthError:
            raise StoreUnavailable(
                f"the Bolt server at {uri} refused user {user!r}: check NEO4J_USER/NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, ConfigurationError, ValueError, OSError) as exc:
            raise StoreUnavailable(
                f"cannot reach a Bolt server at {uri} ({type(exc).__name__}): check NEO4J_URI"
            ) from None
        except Neo4jError as exc:
            raise StoreUnavailable(
                f"the Bolt server at {uri} refused database {database!r}: {exc.message}"
            ) from None

    # ------------------------------------------------------------ plumbing

    def _read(self, name: str, params: dict[str, Any] | None = None, **slots: str) -> list[Any]:
        text = render(name, **slots)

        @unit_of_work(metadata={"query": name})
        def work(tx: ManagedTransaction) -> list[Any]:
            return list(tx.run(text, params or {}))

        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as s:
            return s.execute_read(work)

    def _ensure_schema(self) -> None:
        with self._driver.session(database=self.database, default_access_mode=WRITE_ACCESS) as s:
            for label in [*NodeLabel, META_LABEL]:
                name = f"alliancegraph_{str(label).lower()}_id"
                text = render("constraint", cname=name, label=str(label))
                s.run(Query(text, metadata={"query": "constraint"})).consume()

    def _lookup(self, label: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Stored properties of the ``ids`` that exist with ``label``."""
        found: dict[str, dict[str, Any]] = {}
        for part in _chunks(ids, _LOOKUP_BATCH):
            for rec in self._read("node_lookup", {"ids": list(part)}, label=label):
                props = dict(rec["props"])
                props.pop("id", None)
                found[rec["id"]] = props
        return found

    def _labels_of(self, ids: Sequence[str], labels: Iterable[str]) -> dict[str, str]:
        """``id -> label`` for the ids found under any of ``labels``."""
        wanted = [str(label) for label in labels]
        text = " UNION ALL ".join(render("label_of_ids", label=label) for label in wanted)

        @unit_of_work(metadata={"query": "label_of_ids"})
        def work(tx: ManagedTransaction, part: list[str]) -> list[Any]:
            return list(tx.run(text, {"ids": part}))

        found: dict[str, str] = {}
        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as s:
            for part in _chunks(ids, _LOOKUP_BATCH):
                for rec in s.execute_read(work, list(part)):
                    found[rec["id"]] = next(x for x in rec["labels"] if x in wanted)
        return found

    def _write(self, statements: list[tuple[str, dict[str, Any]]], name: str) -> None:
        """Run ``statements`` (texts) and bump the version, in one retried transaction."""
        bump = render("version_bump")

        @unit_of_work(metadata={"query": name})
        def work(tx: ManagedTransaction) -> None:
            for text, params in statements:
                tx.run(text, params).consume()
            tx.run(bump).consume()

        try:
            with self._driver.session(
                database=self.database, default_access_mode=WRITE_ACCESS
            ) as s:
                s.execute_write(work)
        except ServiceUnavailable as exc:
            raise StoreUnavailable(f"lost the Bolt server mid-write: {exc}") from None

    # ------------------------------------------------------------ writes

    def upsert_nodes(self, label: NodeLabel | str, rows: Iterable[Row]) -> UpsertResult:
        label = NodeLabel(label)
        records = validate_nodes(label, rows)
        result = UpsertResult()
        if not records:
            return result
        ids = [r.id for r in records]
        others = self._labels_of(ids, [str(lab) for lab in NodeLabel if lab != label])
        check_id_labels(label, records, others)
        for part in _chunks(records, self.batch_size):
            existing = self._lookup(str(label), [r.id for r in part])
            changed = []
            for r in part:
                old = existing.get(r.id)
                if old is None:
                    result.created += 1
                    changed.append({"id": r.id, "props": r.props})
                elif {**old, **r.props} == old:
                    result.unchanged += 1
                else:
                    result.updated += 1
                    changed.append({"id": r.id, "props": r.props})
            if changed:
                self._write(
                    [(render("node_merge", label=str(label)), {"rows": changed})], "node_merge"
                )
        return result

    def upsert_relationships(self, type_: RelType | str, rows: Iterable[Row]) -> UpsertResult:
        type_ = RelType(type_)
        records = validate_relationships(type_, rows)
        result = UpsertResult()
        if not records:
            return result
        sources, targets = REL_ENDPOINTS[type_]
        ends = sorted({r.source for r in records} | {r.target for r in records})
        labels = self._labels_of(ends, sorted(str(x) for x in sources | targets))
        check_ends(type_, records, labels)
        for part in _chunks(records, self.batch_size):
            groups: dict[tuple[str, str], list[RelRecord]] = defaultdict(list)
            for r in part:
                groups[(labels[r.source], labels[r.target])].append(r)
            statements = []
            for (src, dst), group in groups.items():
                old = self._rel_lookup(type_, src, dst, group)
                changed = []
                for r in group:
                    prev = old.get((r.source, r.target, r.key))
                    if prev is None:
                        result.created += 1
                    elif {**prev, **r.props} == prev:
                        result.unchanged += 1
                        continue
                    else:
                        result.updated += 1
                    changed.append(
                        {"source": r.source, "target": r.target, "key": r.key, "props": r.props}
                    )
                if changed:
                    text = render("rel_merge", source=src, target=dst, type=str(type_))
                    statements.append((text, {"rows": changed}))
            if statements:
                self._write(statements, "rel_merge")
        return result

    def _rel_lookup(
        self, type_: RelType, src: str, dst: str, group: list[RelRecord]
    ) -> dict[tuple[str, str, str], dict[str, Any]]:
        keys = [{"source": r.source, "target": r.target, "key": r.key} for r in group]
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        for rec in self._read(
            "rel_lookup", {"keys": keys}, source=src, target=dst, type=str(type_)
        ):
            props = dict(rec["props"])
            props.pop("key", None)
            found[(rec["source"], rec["target"], rec["key"])] = props
        return found

    def delete_node(self, node_id: str) -> bool:
        label = self._labels_of([node_id], [str(lab) for lab in NodeLabel]).get(node_id)
        if label is None:
            return False
        self._write([(render("node_delete", label=label), {"id": node_id})], "node_delete")
        return True

    # ------------------------------------------------------------ reads

    def get_node(self, node_id: str) -> Neighbourhood | None:
        label = self._labels_of([node_id], [str(lab) for lab in NodeLabel]).get(node_id)
        if label is None:
            return None
        props = self._lookup(label, [node_id])[node_id]
        rels: list[RelRecord] = []
        neighbours: dict[str, NodeRecord] = {}
        for name, outgoing in (("node_out", True), ("node_in", False)):
            for rec in self._read(name, {"id": node_id}, label=label):
                other = dict(rec["other"])
                other_id = other.pop("id")
                other_label = next((x for x in rec["labels"] if x in _LABELS), None)
                if other_label is None or (not outgoing and other_id == node_id):
                    continue
                rprops = dict(rec["props"])
                key = rprops.pop("key", "")
                src, dst = (node_id, other_id) if outgoing else (other_id, node_id)
                rels.append(RelRecord(RelType(rec["type"]), src, dst, key, rprops))
                neighbours[other_id] = NodeRecord(NodeLabel(other_label), other_id, other)
        return Neighbourhood(
            node=NodeRecord(NodeLabel(label), node_id, props),
            relationships=rels,
            neighbours=[neighbours[k] for k in sorted(neighbours)],
        )

    def counts(self) -> StoreCounts:
        labels = {
            str(lab): int(self._read("count_label", label=str(lab))[0]["n"]) for lab in NodeLabel
        }
        types = {str(t): int(self._read("count_type", type=str(t))[0]["n"]) for t in RelType}
        return StoreCounts(labels=labels, types=types)

    def version(self) -> int:
        rows = self._read("version")
        return int(rows[0]["version"]) if rows else 0

    def projection(self) -> nx.MultiDiGraph:
        @unit_of_work(metadata={"query": "projection"})
        def work(tx: ManagedTransaction) -> tuple[int, list[NodeRecord], list[RelRecord]]:
            rows = list(tx.run(render("version")))
            version = int(rows[0]["version"]) if rows else 0
            nodes = []
            for lab in NodeLabel:
                for rec in tx.run(render("all_nodes", label=str(lab))):
                    props = dict(rec["props"])
                    props.pop("id", None)
                    nodes.append(NodeRecord(lab, rec["id"], props))
            rels = []
            for t in RelType:
                for rec in tx.run(render("all_rels", type=str(t))):
                    props = dict(rec["props"])
                    key = props.pop("key", "")
                    rels.append(RelRecord(t, rec["source"], rec["target"], key, props))
            return version, nodes, rels

        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as s:
            version, nodes, rels = s.execute_read(work)
        return build_projection(nodes, rels, version)

    def clear(self) -> None:
        """Delete every node and relationship (tests and benchmarks only)."""

        @unit_of_work(metadata={"query": "clear_label"})
        def work(tx: ManagedTransaction) -> None:
            for label in [*NodeLabel, META_LABEL]:
                tx.run(render("clear_label", label=str(label))).consume()

        with self._driver.session(database=self.database) as s:
            s.execute_write(work)

    def close(self) -> None:
        self._driver.close()


__all__ = ["DEFAULT_BATCH_SIZE", "BoltStore", "StoreError"]
