"""The Bolt store: Neo4j 5 (or any Bolt server speaking OpenCypher, such as ArcadeDB).

One driver per store, ``database_`` on every call, managed transactions that the driver
retries on transient errors and dropped connections; constraint violations and syntax
errors are client errors and are never retried. A call is validated whole (rows, ids of
other labels, relationship ends) before its first write; writes then go in
``batch_size`` chunks, each one idempotent transaction, so a re-run after a failure ends
with exactly the graph of a fault-free load.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import networkx as nx
from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Query,
    Record,
    Result,
    unit_of_work,
)
from neo4j.exceptions import AuthError, ConfigurationError, Neo4jError, ServiceUnavailable

from graph.bolt_queries import BOOKKEEPING_LABELS, render
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

#: Rows per write transaction (from the sweep in bench/store_load.py).
DEFAULT_BATCH_SIZE = 50_000
_LOOKUP_BATCH = 20_000
#: Write transactions the change log keeps (older ones: ``changes_since`` says ``None``).
CHANGE_LOG_KEEP = 1_000
#: A change of at most this many entities logs their values too, so that following it
#: (:meth:`BoltStore.changes_with_values`) reads no entity back; a larger one (a big load's
#: batches) logs ids only, so the kept change log stays small.
CHANGE_VALUES_MAX = 1_000
_LABELS = frozenset(str(lab) for lab in NodeLabel)
_PROBE = 16  # rows looked up to guess whether a batch is all new
_ALL_LABELS = [str(lab) for lab in NodeLabel]

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _parts(
    records: list[T], sources: Sequence[SourceRef] | None, size: int, entity: Callable[[T], str]
) -> Iterator[tuple[list[T], list[tuple[str, str]] | None]]:
    """``records`` in parts of ``size`` (one write transaction each), each with its rows'
    provenance as ``(entity key, source)`` pairs, or ``None`` without ``sources``."""
    for start in range(0, len(records), size):
        part = records[start : start + size]
        provenance = None
        if sources:
            part_sources = sources[start : start + size]
            provenance = [(entity(r), _ref(s)) for r, s in zip(part, part_sources, strict=True)]
        yield part, provenance


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
        change_log_keep: int = CHANGE_LOG_KEEP,
    ) -> None:
        self.database = database
        #: Write transactions the change log keeps.
        self.change_log_keep = change_log_keep
        self.batch_size = batch_size
        #: Executions of each named statement (retries included), for tests and benches.
        self.executed: Counter[str] = Counter()
        #: Transactions run (each attempt, by name): a round trip to the server at least,
        #: and a commit for a write; for tests and benches that hold the count down.
        self.transactions: Counter[str] = Counter()
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

    def _run(
        self, tx: ManagedTransaction, name: str, params: dict[str, Any] | None = None, **slots: str
    ) -> Result:
        """Run the named statement in ``tx`` (counted in :attr:`executed`)."""
        self.executed[name] += 1
        return tx.run(render(name, **slots), params or {})

    def _read(self, name: str, params: dict[str, Any] | None = None, **slots: str) -> list[Any]:
        return self._execute_read(name, lambda tx: list(self._run(tx, name, params, **slots)))

    def _execute_read(self, name: str, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` as one managed (retried) read transaction named ``name``."""

        def counted(tx: ManagedTransaction) -> T:
            self.transactions[name] += 1
            return work(tx)

        counted = unit_of_work(metadata={"query": name})(counted)
        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as s:
            return s.execute_read(counted)

    def _ensure_schema(self) -> None:
        with self._driver.session(database=self.database, default_access_mode=WRITE_ACCESS) as s:
            for label in [*NodeLabel, *BOOKKEEPING_LABELS]:
                name = f"alliancegraph_{str(label).lower()}_id"
                text = render("constraint", cname=name, label=str(label))
                self.executed["constraint"] += 1
                s.run(Query(text, metadata={"query": "constraint"})).consume()

    def _lookup(
        self, tx: ManagedTransaction, label: str, ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Stored properties of the ``ids`` that exist with ``label``."""
        found: dict[str, dict[str, Any]] = {}
        for part in _chunks(ids, _LOOKUP_BATCH):
            for rec in self._run(tx, "node_lookup", {"ids": list(part)}, label=label):
                props = dict(rec["props"])
                props.pop("id", None)
                found[rec["id"]] = props
        return found

    def _labels_of(
        self, tx: ManagedTransaction, ids: Sequence[str], labels: Iterable[str]
    ) -> dict[str, str]:
        """``id -> label`` for the ids found under any of ``labels`` (one statement a chunk)."""
        wanted = [str(label) for label in labels]
        if not wanted:
            return {}
        text = " UNION ALL ".join(render("label_of_ids", label=label) for label in wanted)
        found: dict[str, str] = {}
        for part in _chunks(ids, _LOOKUP_BATCH):
            self.executed["label_of_ids"] += 1
            for rec in tx.run(text, {"ids": list(part)}):
                found[rec["id"]] = next(x for x in rec["labels"] if x in wanted)
        return found

    def _label_of(self, node_id: str) -> str | None:
        """The label of the node ``node_id`` (``None``: no such node)."""
        return self._execute_read(
            "label_of_ids", lambda tx: self._labels_of(tx, [node_id], _ALL_LABELS)
        ).get(node_id)

    def _present_labels(self, tx: ManagedTransaction, labels: Iterable[str]) -> list[str]:
        """Which of ``labels`` have any node at all (an id check skips the empty ones), in
        one statement."""
        wanted = [str(label) for label in labels]
        text = " UNION ALL ".join(render("label_any", label=label) for label in wanted)
        self.executed["label_any"] += 1
        present = {x for rec in tx.run(text) for x in rec["labels"]}
        return [label for label in wanted if label in present]

    def _check_ids(
        self, tx: ManagedTransaction, label: NodeLabel, records: list[NodeRecord]
    ) -> None:
        """Refuse ``records`` if any id is stored under another label."""
        others = self._present_labels(tx, [str(lab) for lab in NodeLabel if lab != label])
        if others:
            check_id_labels(label, records, self._labels_of(tx, [r.id for r in records], others))

    def _execute_write(self, name: str, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` as one managed (retried) write transaction named ``name``."""

        def counted(tx: ManagedTransaction) -> T:
            self.transactions[name] += 1
            return work(tx)

        counted = unit_of_work(metadata={"query": name})(counted)
        try:
            with self._driver.session(
                database=self.database, default_access_mode=WRITE_ACCESS
            ) as s:
                return s.execute_write(counted)
        except ServiceUnavailable as exc:
            raise StoreUnavailable(f"lost the Bolt server mid-write: {exc}") from None

    def _write(
        self,
        name: str,
        statements: list[tuple[str, dict[str, Any], dict[str, str]]],
        change: dict[str, Any] | None,
        provenance: list[tuple[str, str]] | None = None,
    ) -> None:
        """Run ``statements`` (name, parameters, slots), add ``provenance`` and, when
        ``change`` is given, bump the version and log the change: one retried transaction."""

        def work(tx: ManagedTransaction) -> None:
            for statement, params, slots in statements:
                self._run(tx, statement, params, **slots).consume()
            if provenance:
                self._add_sources(tx, provenance)
            if change is not None:
                self._log_change(tx, change)

        self._execute_write(name, work)

    def _log_change(self, tx: ManagedTransaction, change: dict[str, Any]) -> None:
        version = int(self._run(tx, "version_bump").single(strict=True)["version"])
        payload = json.dumps(change, ensure_ascii=False, separators=(",", ":"))
        params = {"id": str(version), "version": version, "payload": payload}
        self._run(tx, "change_log", params).consume()
        if version > self.change_log_keep:
            self._run(tx, "change_prune", {"id": str(version - self.change_log_keep)}).consume()

    def _add_sources(self, tx: ManagedTransaction, pairs: list[tuple[str, str]]) -> None:
        """Add each ``(entity, source)`` to the entity's list of sources (each kept once)."""
        wanted: dict[str, list[str]] = defaultdict(list)
        for entity, ref in pairs:
            wanted[entity].append(ref)
        ids = list(wanted)
        stored: dict[str, list[str]] = {}
        for part in _chunks(ids, _LOOKUP_BATCH):
            for rec in self._run(tx, "sources_read", {"ids": list(part)}):
                stored[rec["id"]] = list(rec["refs"] or [])
        rows = []
        for entity, refs in wanted.items():
            old = stored.get(entity, [])
            known = set(old)
            new = old + [r for r in dict.fromkeys(refs) if r not in known]
            if len(new) != len(old):
                rows.append({"id": entity, "refs": new})
        for chunk in _chunks(rows, self.batch_size):
            self._run(tx, "sources_merge", {"rows": list(chunk)}).consume()

    # ------------------------------------------------------------ writes

    def _try_create(
        self,
        name: str,
        slots: dict[str, str],
        rows: list[dict[str, Any]],
        change: dict[str, Any],
        provenance: list[tuple[str, str]] | None,
        first: Callable[[ManagedTransaction], bool],
    ) -> bool:
        """Write ``rows`` as all new in one transaction (``MERGE ... ON CREATE SET``), kept
        only if the server reports every row created; otherwise rolled back, ``False``.

        ``first`` runs in the same transaction before the write (checks, and a probe of a
        few rows: ``False`` when some exist, and nothing is written), so one round of
        checks, create, provenance and change log is one transaction and one commit.
        """
        counter = "nodes_created" if name == "node_create" else "relationships_created"

        def work(tx: ManagedTransaction) -> bool:
            if not first(tx):
                return False
            summary = self._run(tx, name, {"rows": rows}, **slots).consume()
            if getattr(summary.counters, counter) != len(rows):
                raise _NotAllNew
            if provenance:
                self._add_sources(tx, provenance)
            self._log_change(tx, change)
            return True

        try:
            return self._execute_write(name, work)
        except _NotAllNew:
            return False

    def upsert_nodes(
        self,
        label: NodeLabel | str,
        rows: Iterable[Row],
        sources: Sequence[SourceRef] | None = None,
    ) -> UpsertResult:
        label = NodeLabel(label)
        records = node_records(label, rows)
        check_sources(records, sources)
        result = UpsertResult()
        if not records:
            return result
        several = len(records) > self.batch_size
        if several:  # checked whole before the first of several transactions
            self._execute_read("label_any", lambda tx: self._check_ids(tx, label, records))
        parts = _parts(records, sources, self.batch_size, lambda r: _node_entity(r.id))
        for part, provenance in parts:
            result += self._upsert_node_part(label, part, provenance, check=not several)
        return result

    def _upsert_node_part(
        self,
        label: NodeLabel,
        part: list[NodeRecord],
        provenance: list[tuple[str, str]] | None,
        *,
        check: bool,
    ) -> UpsertResult:
        """One batch: as all new in one transaction (the id check with it, when ``check``)
        when a probe finds none of it stored, else compared with the stored values and
        only the changed rows written (one transaction too)."""
        lab = str(label)

        def first(tx: ManagedTransaction) -> bool:
            if check:
                self._check_ids(tx, label, part)
            # most likely all new (a first load) unless the probe finds some stored
            return not self._lookup(tx, lab, [r.id for r in part[:_PROBE]])

        rows_ = [{"id": r.id, "props": r.props} for r in part]
        change = _node_change(lab, [r.id for r in part], [r.props for r in part])
        if self._try_create("node_create", {"label": lab}, rows_, change, provenance, first):
            return UpsertResult(created=len(part))

        def work(tx: ManagedTransaction) -> UpsertResult:
            # the id check passed in the create's transaction (or before the first batch)
            result = UpsertResult()
            existing = self._lookup(tx, lab, [r.id for r in part])
            changed: list[dict[str, Any]] = []
            values = []  # each changed node's properties once written, for the change log
            for r in part:
                old = existing.get(r.id)
                if old is None:
                    result.created += 1
                elif {**old, **r.props} == old:
                    result.unchanged += 1
                    continue
                else:
                    result.updated += 1
                changed.append({"id": r.id, "props": r.props})
                values.append(_merged(old, r.props))
            if changed:
                self._run(tx, "node_merge", {"rows": changed}, label=lab).consume()
            if provenance:
                self._add_sources(tx, provenance)
            if changed:
                self._log_change(tx, _node_change(lab, [c["id"] for c in changed], values))
            return result

        return self._execute_write("node_merge", work)

    def upsert_relationships(
        self,
        type_: RelType | str,
        rows: Iterable[Row],
        sources: Sequence[SourceRef] | None = None,
    ) -> UpsertResult:
        type_ = RelType(type_)
        records = rel_records(type_, rows)
        check_sources(records, sources)
        result = UpsertResult()
        if not records:
            return result
        src_labels, dst_labels = REL_ENDPOINTS[type_]
        labels: dict[str, str] | None = None
        if len(records) > self.batch_size or len(src_labels) > 1 or len(dst_labels) > 1:
            # checked whole before the first of several transactions (or to group by labels)
            labels = self._execute_read(
                "label_of_ids", lambda tx: self._end_labels(tx, type_, records)
            )
        parts = _parts(records, sources, self.batch_size, lambda r: _rel_entity(r.rel_key))
        for part, provenance in parts:
            result += self._upsert_rel_part(type_, part, provenance, labels)
        return result

    def _upsert_rel_part(
        self,
        type_: RelType,
        part: list[RelRecord],
        provenance: list[tuple[str, str]] | None,
        labels: dict[str, str] | None,
    ) -> UpsertResult:
        """One batch: as all new in one transaction when its ends have one pair of labels
        and a probe finds none of it stored, else compared with the stored values and only
        the changed rows written (one transaction too). ``labels``: every end's label, or
        ``None`` when the type allows one label each end and the ends are not checked yet."""
        t = str(type_)
        groups: dict[tuple[str, str], list[RelRecord]] = defaultdict(list)
        if labels is None:
            (only_src,), (only_dst,) = REL_ENDPOINTS[type_]
            groups[(str(only_src), str(only_dst))] = list(part)
        else:
            for r in part:
                groups[(labels[r.source], labels[r.target])].append(r)
        if len(groups) == 1:
            # most likely all new (a first load): create them in one statement, which
            # also proves both ends exist with the right labels (else: rolled back)
            ((one_src, one_dst), group), *_ = groups.items()
            probe = [(r.source, r.target, r.key) for r in group[:_PROBE]]
            rows_ = [
                {"source": r.source, "target": r.target, "key": r.key, "props": r.props}
                for r in group
            ]
            all_new = _rel_change(
                [[t, r.source, r.target, r.key] for r in group], [r.props for r in group]
            )
            slots = {"source": one_src, "target": one_dst, "type": t}
            if self._try_create(
                "rel_create",
                slots,
                rows_,
                all_new,
                provenance,
                lambda tx: not self._rel_lookup(tx, type_, one_src, one_dst, probe),
            ):
                return UpsertResult(created=len(group))

        def work(tx: ManagedTransaction) -> UpsertResult:
            if labels is None:
                self._end_labels(tx, type_, part)  # names any missing end
            result = UpsertResult()
            changed_keys: list[list[str]] = []
            values: list[dict[str, Any]] = []
            for (src, dst), group in groups.items():
                old = self._rel_lookup(
                    tx, type_, src, dst, [(r.source, r.target, r.key) for r in group]
                )
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
                    changed_keys.append([t, r.source, r.target, r.key])
                    values.append(_merged(prev, r.props))
                if changed:
                    slots = {"source": src, "target": dst, "type": t}
                    self._run(tx, "rel_merge", {"rows": changed}, **slots).consume()
            if provenance:
                self._add_sources(tx, provenance)
            if changed_keys:
                self._log_change(tx, _rel_change(changed_keys, values))
            return result

        return self._execute_write("rel_merge", work)

    def _end_labels(
        self, tx: ManagedTransaction, type_: RelType, records: list[RelRecord]
    ) -> dict[str, str]:
        """``id -> label`` of every end, the batch refused unless all exist as the type allows."""
        src_labels, dst_labels = REL_ENDPOINTS[type_]
        ends = sorted({r.source for r in records} | {r.target for r in records})
        labels = self._labels_of(tx, ends, sorted(str(x) for x in src_labels | dst_labels))
        check_ends(type_, records, labels)
        return labels

    def _rel_lookup(
        self,
        tx: ManagedTransaction,
        type_: RelType,
        src: str,
        dst: str,
        keys: Sequence[tuple[str, str, str]],
    ) -> dict[tuple[str, str, str], dict[str, Any]]:
        """Stored properties of the ``(source, target, key)`` relationships that exist."""
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        for part in _chunks(keys, _LOOKUP_BATCH):
            rows = [{"source": s, "target": d, "key": k} for s, d, k in part]
            for rec in self._run(
                tx, "rel_lookup", {"keys": rows}, source=src, target=dst, type=str(type_)
            ):
                props = dict(rec["props"])
                props.pop("key", None)
                found[(rec["source"], rec["target"], rec["key"])] = props
        return found

    def delete_node(self, node_id: str) -> bool:
        label = self._label_of(node_id)
        if label is None:
            return False

        def work(tx: ManagedTransaction) -> None:
            entities = [_node_entity(node_id)]
            for name, outgoing in (("node_out", True), ("node_in", False)):
                for rec in self._run(tx, name, {"id": node_id}, label=label):
                    rel, _ = _parse_rel(rec, node_id, outgoing)
                    if rel is not None:
                        entities.append(_rel_entity(rel.rel_key))
            self._run(tx, "node_delete", {"id": node_id}, label=label).consume()
            for part in _chunks(entities, _LOOKUP_BATCH):
                self._run(tx, "sources_delete", {"ids": list(part)}).consume()
            self._log_change(tx, {"d": [node_id]})

        self._execute_write("node_delete", work)
        return True

    def log_event(self, event: HistoryEvent) -> None:
        def work(tx: ManagedTransaction) -> None:
            seq = int(self._run(tx, "event_seq").single(strict=True)["seq"])
            params = {
                "id": str(seq),
                "seq": seq,
                "at": event.at,
                "action": event.action,
                "actor": event.actor,
                "subject": event.subject,
                "detail": json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
            }
            self._run(tx, "event_log", params).consume()

        self._execute_write("event_log", work)

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._write("meta_delete", [("meta_delete", {"id": _meta_id(key)}, {})], None)
        else:
            params = {"id": _meta_id(key), "value": value}
            self._write("meta_set", [("meta_set", params, {})], None)

    # ------------------------------------------------------------ reads

    def get_node(self, node_id: str) -> Neighbourhood | None:
        label = self._label_of(node_id)
        if label is None:
            return None
        props = self._read("node_lookup", {"ids": [node_id]}, label=label)[0]["props"]
        props = {k: v for k, v in props.items() if k != "id"}
        rels: list[RelRecord] = []
        neighbours: dict[str, NodeRecord] = {}
        for name, outgoing in (("node_out", True), ("node_in", False)):
            for rec in self._read(name, {"id": node_id}, label=label):
                rel, other = _parse_rel(rec, node_id, outgoing)
                if rel is not None and other is not None:
                    rels.append(rel)
                    neighbours[other.id] = other
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
        return int(rows[0]["version"] or 0) if rows else 0

    def projection(self) -> nx.MultiDiGraph:
        def work(tx: ManagedTransaction) -> tuple[int, list[NodeRecord], list[RelRecord]]:
            rows = list(self._run(tx, "version"))
            version = int(rows[0]["version"] or 0) if rows else 0
            nodes = []
            for lab in NodeLabel:
                for rec in self._run(tx, "all_nodes", label=str(lab)):
                    props = dict(rec["props"])
                    props.pop("id", None)
                    nodes.append(NodeRecord(lab, rec["id"], props))
            rels = []
            for t in RelType:
                for rec in self._run(tx, "all_rels", type=str(t)):
                    props = dict(rec["props"])
                    key = props.pop("key", "")
                    rels.append(RelRecord(t, rec["source"], rec["target"], key, props))
            return version, nodes, rels

        with collector_paused():
            version, nodes, rels = self._execute_read("projection", work)
            return build_projection(nodes, rels, version)

    def sources_of(self, node_id: str | None = None, rel: RelKey | None = None) -> list[SourceRef]:
        if (node_id is None) == (rel is None):
            raise ValueError("sources_of takes a node id or a relationship key, not both")
        entity = _node_entity(node_id) if node_id is not None else _rel_entity(rel)  # type: ignore[arg-type]
        found = self._read("sources_read", {"ids": [entity]})
        refs = list(found[0]["refs"] or []) if found else []
        return [SourceRef(*json.loads(ref)) for ref in refs]

    def history(self, limit: int = 100, offset: int = 0) -> list[HistoryEvent]:
        rows = self._read("event_count")
        count = int(rows[0]["events"] or 0) if rows else 0
        seqs = range(count - offset, max(count - offset - limit, 0), -1)
        if not seqs:
            return []
        found = sorted(
            self._read("events_read", {"ids": [str(s) for s in seqs]}),
            key=lambda rec: -int(rec["seq"]),
        )
        return [
            HistoryEvent(
                rec["at"], rec["action"], rec["actor"], rec["subject"], json.loads(rec["detail"])
            )
            for rec in found
        ]

    def changes_since(self, version: int) -> ChangeSet | None:
        found = self._changes(version)
        return None if found is None else found[0]

    def changes_with_values(
        self, version: int
    ) -> tuple[ChangeSet, dict[str, NodeRecord], dict[RelKey, RelRecord]] | None:
        """:meth:`changes_since`, with the values the change log holds: each changed
        entity's state as its latest change wrote it, where that change logged values
        (up to :data:`CHANGE_VALUES_MAX` entities). Following a small import then needs no
        read of the entities themselves; those without logged values are left to
        :meth:`fetch`."""
        return self._changes(version, values=True)

    def _changes(
        self, version: int, *, values: bool = False
    ) -> tuple[ChangeSet, dict[str, NodeRecord], dict[RelKey, RelRecord]] | None:
        def work(tx: ManagedTransaction) -> tuple[int, list[Record] | None]:
            rows = list(self._run(tx, "version"))
            current = int(rows[0]["version"] or 0) if rows else 0
            if version < 0 or version > current or current - version > self.change_log_keep:
                return current, None
            ids = [str(v) for v in range(version + 1, current + 1)]
            return current, list(self._run(tx, "changes_read", {"ids": ids})) if ids else []

        current, found = self._execute_read("changes_read", work)
        if found is None or len(found) != current - version:
            return None
        nodes: set[str] = set()
        deleted: set[str] = set()
        rels: set[RelKey] = set()
        node_values: dict[str, NodeRecord] = {}
        rel_values: dict[RelKey, RelRecord] = {}
        for rec in sorted(found, key=lambda r: int(r["version"])):
            change = json.loads(rec["payload"])
            for gone in change.get("d", []):
                nodes.discard(gone)
                rels = {r for r in rels if gone not in (r[1], r[2])}
                deleted.add(gone)
                node_values.pop(gone, None)
                for key in [k for k in rel_values if gone in (k[1], k[2])]:
                    del rel_values[key]
            ids = change.get("n", [])
            keys: list[RelKey] = [(t, s, d, k) for t, s, d, k in change.get("r", [])]
            nodes.update(ids)
            rels.update(keys)
            if not values:
                continue
            if "nv" in change:
                label = NodeLabel(change["l"])
                for node_id, props in zip(ids, change["nv"], strict=True):
                    node_values[node_id] = NodeRecord(label, node_id, props)
            else:  # changed, values not logged: a stale one from an earlier change must go
                for node_id in ids:
                    node_values.pop(node_id, None)
            if "rv" in change:
                for key, props in zip(keys, change["rv"], strict=True):
                    rel_values[key] = RelRecord(RelType(key[0]), key[1], key[2], key[3], props)
            else:
                for key in keys:
                    rel_values.pop(key, None)
        changes = ChangeSet(
            version, current, frozenset(nodes), frozenset(deleted), frozenset(rels)
        )
        return changes, node_values, rel_values

    def fetch(
        self, node_ids: Iterable[str], rels: Iterable[RelKey]
    ) -> tuple[list[NodeRecord], list[RelRecord]]:
        # one read transaction (one snapshot), a statement per batch of nodes and per
        # relationship type: a few round trips however many entities changed
        wanted = list(dict.fromkeys(node_ids))
        groups: dict[tuple[RelType, str], list[dict[str, str]]] = defaultdict(list)
        for t, source, target, k in dict.fromkeys(rels):
            type_ = RelType(t)
            for src in REL_ENDPOINTS[type_][0]:
                groups[(type_, str(src))].append({"source": source, "target": target, "key": k})
        node_text = " UNION ALL ".join(render("node_fetch", label=str(lab)) for lab in NodeLabel)

        def work(tx: ManagedTransaction) -> tuple[list[NodeRecord], list[RelRecord]]:
            nodes: list[NodeRecord] = []
            for part in _chunks(wanted, _LOOKUP_BATCH):
                self.executed["node_fetch"] += 1
                for rec in tx.run(node_text, {"ids": list(part)}):
                    props = dict(rec["props"])
                    props.pop("id", None)
                    label = next(x for x in rec["labels"] if x in _LABELS)
                    nodes.append(NodeRecord(NodeLabel(label), rec["id"], props))
            out: list[RelRecord] = []
            for (type_, src), keys in groups.items():
                for chunk in _chunks(keys, _LOOKUP_BATCH):
                    found = self._run(
                        tx, "rel_fetch", {"keys": list(chunk)}, source=src, type=str(type_)
                    )
                    for rec in found:
                        props = dict(rec["props"])
                        props.pop("key", None)
                        out.append(
                            RelRecord(type_, rec["source"], rec["target"], rec["key"], props)
                        )
            return nodes, out

        if not wanted and not groups:
            return [], []
        return self._execute_read("node_fetch", work)

    def get_meta(self, key: str) -> str | None:
        found = self._read("meta_get", {"id": _meta_id(key)})
        return None if not found or found[0]["value"] is None else str(found[0]["value"])

    def clear(self) -> None:
        """Delete every node and relationship, bookkeeping too (tests and benchmarks only)."""

        def work(tx: ManagedTransaction) -> None:
            for label in [*NodeLabel, *BOOKKEEPING_LABELS]:
                self._run(tx, "clear_label", label=str(label)).consume()

        self._execute_write("clear_label", work)

    def close(self) -> None:
        self._driver.close()


class _NotAllNew(Exception):
    """An all-new write found a row already there (or an end missing): roll it back."""


def _node_entity(node_id: str) -> str:
    return "n:" + node_id


def _rel_entity(key: RelKey) -> str:
    return "r:" + json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def _ref(source: SourceRef) -> str:
    """A source row as one string (a list property holds strings on every Bolt server)."""
    return json.dumps(
        [source.import_id, source.file, source.sheet, source.row],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _merged(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The properties ``SET x += new`` leaves on an entity holding ``old`` (a null removes)."""
    return {k: v for k, v in {**(old or {}), **new}.items() if v is not None}


def _node_change(label: str, ids: list[str], props: list[dict[str, Any]]) -> dict[str, Any]:
    """The change log entry of nodes written: their ids and, for a small change, their
    label and properties as written (``nv``), so that a follower need not read them back."""
    if len(ids) > CHANGE_VALUES_MAX:
        return {"n": ids}
    values = [{k: v for k, v in _merged(None, p).items() if k != "id"} for p in props]
    return {"n": ids, "l": label, "nv": values}


def _rel_change(keys: list[list[str]], props: list[dict[str, Any]]) -> dict[str, Any]:
    """The change log entry of relationships written (``rv``: their properties, as for
    :func:`_node_change`)."""
    if len(keys) > CHANGE_VALUES_MAX:
        return {"r": keys}
    values = [{k: v for k, v in _merged(None, p).items() if k != "key"} for p in props]
    return {"r": keys, "rv": values}


def _meta_id(key: str) -> str:
    return "kv:" + key


def _parse_rel(
    rec: Record, node_id: str, outgoing: bool
) -> tuple[RelRecord | None, NodeRecord | None]:
    """A ``node_out`` / ``node_in`` row as the relationship and the node at its other end
    (``None`` for a self-loop seen again from its incoming side, or a bookkeeping node)."""
    other = dict(rec["other"])
    other_id = other.pop("id")
    other_label = next((x for x in rec["labels"] if x in _LABELS), None)
    if other_label is None or (not outgoing and other_id == node_id):
        return None, None
    rprops = dict(rec["props"])
    key = rprops.pop("key", "")
    src, dst = (node_id, other_id) if outgoing else (other_id, node_id)
    return (
        RelRecord(RelType(rec["type"]), src, dst, key, rprops),
        NodeRecord(NodeLabel(other_label), other_id, other),
    )


__all__ = ["CHANGE_LOG_KEEP", "CHANGE_VALUES_MAX", "DEFAULT_BATCH_SIZE", "BoltStore", "StoreError"]
