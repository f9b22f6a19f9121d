"""The review queue, kept in the store itself so the command line and the API share it.

An ambiguous organization (a name that might be an existing one) is held, not guessed:
its record and every relationship row that needs it wait in the queue with their source
rows. A decision (accept into a candidate, or reject: a new organization) is remembered,
so a re-import does not ask again, and it applies to the held rows at once, without
reloading the file. Decisions are logged in the store's history.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.records import NodeRecord, RelRecord, SourceRef, UpsertResult
from graph.store import GraphStore
from graph.vocabulary import NodeLabel, RelType
from graph.writer import Writer, log
from loaders.resolve import Decision, ReviewQueue

#: The store meta key holding the queue (JSON).
REVIEW_KEY = "review_queue"

HeldForm = list[Any]


def _held_form(record: NodeRecord | RelRecord, source: SourceRef | None) -> HeldForm:
    src = [source.import_id, source.file, source.sheet, source.row] if source else None
    if isinstance(record, NodeRecord):
        return ["node", str(record.label), record.id, record.props, src]
    return ["rel", str(record.type), record.source, record.target, record.key, record.props, src]


def _same_held(a: HeldForm, b: HeldForm) -> bool:
    """The same record from the same file, sheet and row, whichever import held it."""
    return a[:-1] == b[:-1] and (a[-1] or [None])[1:] == (b[-1] or [None])[1:]


def _from_held(form: HeldForm) -> tuple[NodeRecord | RelRecord, SourceRef | None]:
    src = SourceRef(*form[-1]) if form[-1] else None
    if form[0] == "node":
        return NodeRecord(NodeLabel(form[1]), form[2], form[3]), src
    return RelRecord(RelType(form[1]), form[2], form[3], form[4], form[5]), src


class StoredReviewQueue(ReviewQueue):
    """A :class:`~loaders.resolve.ReviewQueue` persisted in the store's meta data, with the
    rows each open item holds back."""

    def __init__(self, store: GraphStore) -> None:  # no file: the store keeps it
        self.store = store
        self.path = Path("(store)")
        self._lock = threading.Lock()
        self.items: dict[str, Decision] = {}
        #: review id -> held records (the organization first), in ``_held_form``
        self.held: dict[str, list[HeldForm]] = {}
        #: review id -> where the item came from (file, mapping)
        self.origin: dict[str, dict[str, Any]] = {}
        raw = store.get_meta(REVIEW_KEY)
        if raw:
            doc = json.loads(raw)
            self.items = {k: Decision(**v) for k, v in doc.get("items", {}).items()}
            self.held = doc.get("held", {})
            self.origin = doc.get("origin", {})

    def hold(
        self,
        review_id: str,
        record: NodeRecord | RelRecord,
        source: SourceRef | None,
        origin: dict[str, Any] | None = None,
    ) -> None:
        """Keep a record back until ``review_id`` is decided: once per record and source row,
        so loading the same file again holds nothing twice (the later import is kept)."""
        form = _held_form(record, source)
        with self._lock:
            rows = self.held.setdefault(review_id, [])
            again = [i for i, held in enumerate(rows) if _same_held(held, form)]
            if again:
                rows[again[0]] = form
            else:
                rows.append(form)
            if origin and review_id not in self.origin:
                self.origin[review_id] = origin

    def held_records(self, review_id: str) -> list[tuple[NodeRecord | RelRecord, SourceRef | None]]:
        """The records ``review_id`` holds back, the organization first."""
        return [_from_held(f) for f in self.held.get(review_id, [])]

    def save(self) -> None:
        with self._lock:
            doc = {
                "items": {k: d.__dict__ for k, d in self.items.items()},
                "held": self.held,
                "origin": self.origin,
            }
            self.store.set_meta(REVIEW_KEY, json.dumps(doc, ensure_ascii=False))


@dataclass
class Applied:
    """What one decision wrote."""

    review_id: str
    decision: str
    written: dict[str, UpsertResult]
    #: held rows that could not be written, and why (an end rejected when the file loaded)
    skipped: list[str] = field(default_factory=list)


def decide(
    store: GraphStore, queue: StoredReviewQueue, review_id: str, decision: str, *, actor: str
) -> Applied:
    """Record a decision, write the rows it held back, log it, and save the queue.

    ``accept`` (best candidate) or ``accept:<id>`` merges the held organization into that
    one (its name becomes an alias, its relationships point there); ``reject`` makes it a
    new organization of its own.
    """
    item = queue.decide(review_id, decision)
    assert item.decision is not None
    written, skipped = _apply(store, queue, item)
    queue.held.pop(review_id, None)
    queue.save()
    log(
        store,
        "review",
        actor,
        review_id,
        decision=item.decision,
        incoming_name=item.incoming_name,
        written={k: v.written for k, v in written.items()},
        skipped=skipped,
    )
    return Applied(review_id, item.decision, written, skipped)


def decide_many(
    store: GraphStore,
    queue: StoredReviewQueue,
    decision: str,
    *,
    actor: str,
    min_score: float | None = None,
    file: str | None = None,
    mapping: str | None = None,
) -> list[Applied]:
    """Decide every open item that matches the filters (bulk review at real scale)."""
    chosen = []
    for item in queue.open_items():
        origin = queue.origin.get(item.review_id, {})
        if file is not None and origin.get("file") != file:
            continue
        if mapping is not None and origin.get("mapping") != mapping:
            continue
        best = max((float(c.get("score") or 0) for c in item.candidates), default=0.0)
        if min_score is not None and best < min_score:
            continue
        chosen.append(item.review_id)
    return [decide(store, queue, rid, decision, actor=actor) for rid in chosen]


def _apply(
    store: GraphStore, queue: StoredReviewQueue, item: Decision
) -> tuple[dict[str, UpsertResult], list[str]]:
    """Write what the item held; the held rows that cannot be written, and why."""
    held = queue.held_records(item.review_id)
    if not held:
        return {}, []
    org = held[0][0]
    into = (
        item.decision.split(":", 1)[1]
        if item.decision and item.decision.startswith("accept:")
        else None
    )
    remapped = list(_remapped(held, org.id if isinstance(org, NodeRecord) else "", into, store))
    rows, skipped = _writable(store, remapped)
    with Writer(store) as writer:
        for record, source in rows:
            writer.add(record, source)
        return writer.write(), skipped


def _writable(
    store: GraphStore, rows: list[tuple[NodeRecord | RelRecord, SourceRef | None]]
) -> tuple[list[tuple[NodeRecord | RelRecord, SourceRef | None]], list[str]]:
    """The held rows that can be written, and a line for each one that cannot: a
    relationship whose other end is in neither the store nor the item (an alliance the
    file's load rejected, with --skip-invalid). Without this the item could never be
    decided: every decision failed on the whole batch."""
    held_nodes = {r.id for r, _ in rows if isinstance(r, NodeRecord)}
    ends = {e for r, _ in rows if isinstance(r, RelRecord) for e in (r.source, r.target)}
    asked = sorted(ends - held_nodes)
    found, _ = store.fetch(asked, []) if asked else ([], [])
    missing = set(asked) - {n.id for n in found}
    keep: list[tuple[NodeRecord | RelRecord, SourceRef | None]] = []
    skipped: list[str] = []
    for record, source in rows:
        if not isinstance(record, RelRecord):
            keep.append((record, source))
            continue
        gone = [e for e in (record.source, record.target) if e in missing]
        if not gone:
            keep.append((record, source))
            continue
        where = f" ({source.file} row {source.row})" if source else ""
        skipped.append(
            f"{record.type} {record.source} -> {record.target}{where}: no node {gone[0]!r} "
            "in the store"
        )
    return keep, skipped


def _remapped(
    held: Iterable[tuple[NodeRecord | RelRecord, SourceRef | None]],
    held_id: str,
    into: str | None,
    store: GraphStore,
) -> Iterable[tuple[NodeRecord | RelRecord, SourceRef | None]]:
    for record, source in held:
        if into is None:
            yield record, source
        elif isinstance(record, NodeRecord):
            if record.id != held_id:
                yield record, source
                continue
            hood = store.get_node(into)
            if hood is None:
                continue
            aliases = list(hood.node.props.get("aliases", []))
            name = str(record.props.get("name", ""))
            if name and name != hood.node.props.get("name") and name not in aliases:
                aliases.append(name)
            yield NodeRecord(NodeLabel.ORGANIZATION, into, {"aliases": aliases}), source
        else:
            yield (
                RelRecord(
                    record.type,
                    into if record.source == held_id else record.source,
                    into if record.target == held_id else record.target,
                    record.key,
                    record.props,
                ),
                source,
            )
