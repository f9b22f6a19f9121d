"""Validated rows as the stores take them, whole-batch validation, and the values of
provenance, history and change sets.

A batch is validated completely before anything is written: one bad row refuses the
batch, and the error names every bad row (0-based index), field, value and reason. The
stores take ``NodeRecord`` / ``RelRecord`` rows as validated (whoever made them ran
:func:`validate_nodes` / :func:`validate_relationships`) and validate mappings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from graph.schema import NODE_MODELS, REL_MODELS
from graph.vocabulary import NodeLabel, RelType

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """One node: its label, its id and its flat properties (``name`` included).

    The stores take a record as validated and do not validate it again: build records
    with :func:`validate_nodes` (or :func:`validate_node`), never by hand from input.
    """

    label: NodeLabel
    id: str
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RelRecord:
    """One relationship; identity is ``(type, source, target, key)`` (taken as validated
    by the stores, as for :class:`NodeRecord`)."""

    type: RelType
    source: str
    target: str
    key: str
    props: dict[str, Any]

    @property
    def rel_id(self) -> str:
        """Stable, readable id used as evidence: ``source-TYPE->target`` plus ``#key``."""
        return rel_id(self.type, self.source, self.target, self.key)

    @property
    def rel_key(self) -> RelKey:
        """The identity ``(type, source, target, key)``."""
        return (str(self.type), self.source, self.target, self.key)


RelKey = tuple[str, str, str, str]  # (type, source, target, key)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One row of one file of one import: where a fact came from."""

    import_id: str
    file: str
    sheet: str | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One entry of the store's history (imports, deletes, review decisions, edits)."""

    at: str  # ISO-8601 UTC, e.g. "2026-11-29T21:40:00Z"
    action: str  # "import" | "delete" | "review" | "edit"
    actor: str  # API key name, or "cli:<os user>"
    subject: str  # import id, node id, review id ...
    detail: dict[str, Any]  # JSON-able (file, mapping, counts, ...)


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What changed after ``from_version`` up to ``to_version``.

    Apply it as: drop ``deleted_nodes`` (with their relationships), then put the
    current state of ``nodes`` and ``rels`` (``GraphStore.fetch``) in place; an id may be
    in both sets when a node was deleted and made again.
    """

    from_version: int
    to_version: int
    nodes: frozenset[str]  # ids of nodes created or updated
    deleted_nodes: frozenset[str]  # ids of nodes deleted (their relationships went with them)
    rels: frozenset[RelKey]  # relationships created or updated


def rel_id(type_: str, source: str, target: str, key: str = "") -> str:
    """The evidence id of a relationship."""
    base = f"{source}-{type_}->{target}"
    return f"{base}#{key}" if key else base


def parse_rel_id(evidence: str) -> tuple[str, str, str, str] | None:
    """``(source, type, target, key)`` of an evidence id, or ``None`` if it is not one."""
    for type_ in RelType:
        marker = f"-{type_}->"
        if marker in evidence:
            source, rest = evidence.split(marker, 1)
            target, _, key = rest.partition("#")
            return source, str(type_), target, key
    return None


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one row: where, which field, the value and why."""

    row: int
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"row {self.row}, field {self.field!r} = {shown}: {self.reason}"


class BatchValidationError(ValueError):
    """A batch was refused as a whole; ``errors`` says which rows and fields, and why."""

    def __init__(self, what: str, errors: list[RowError]) -> None:
        self.what = what
        self.errors = errors
        head = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{what}: batch refused, nothing written: {head}{more}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by its parts (a writing process reports it to its parent)."""
        return (type(self), (self.what, self.errors))


def row_errors(exc: ValidationError, row: int, data: Mapping[str, Any]) -> list[RowError]:
    """Turn a pydantic error into ``RowError`` items for row ``row``."""
    out = []
    for err in exc.errors():
        reason = err["msg"].removeprefix("Value error, ")
        loc = ".".join(str(p) for p in err["loc"])
        if not loc:  # a check of the whole row ("until (...) is before since (...)")
            loc = _named_field(reason, data) or "(row)"
        first = loc.split(".")[0]
        if err["type"] == "missing":  # (pydantic's input is then the whole row)
            value = None
        else:
            value = data.get(first) if first in data else err.get("input")
        out.append(RowError(row, loc, value, reason))
    return out


def _named_field(reason: str, data: Mapping[str, Any]) -> str | None:
    """The first field of the row that a whole-row check's reason names, so the error
    points at a column and a value rather than at the whole row."""
    at = {k: m.start() for k in data if (m := re.search(rf"\b{re.escape(k)}\b", reason))}
    return min(at, key=at.__getitem__) if at else None


def _validated(model: type[_M], what: str, data: Mapping[str, Any], row: int) -> _M:
    """``data`` as a ``model``, or ``BatchValidationError`` naming row ``row`` of ``what``
    (its label or type) and each bad field."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise BatchValidationError(f"{what} row", row_errors(exc, row, data)) from None


def validate_node(label: NodeLabel, data: Mapping[str, Any], row: int = 0) -> NodeRecord:
    """Validate one node row; raise ``BatchValidationError`` for it alone when bad."""
    obj = _validated(NODE_MODELS[label], label, data, row)
    return NodeRecord(label, obj.id, {"name": obj.name, **obj.properties()})


def validate_relationship(type_: RelType, data: Mapping[str, Any], row: int = 0) -> RelRecord:
    """Validate one relationship row; raise ``BatchValidationError`` for it when bad."""
    obj = _validated(REL_MODELS[type_], type_, data, row)
    return RelRecord(type_, obj.source, obj.target, obj.key, obj.properties())


def _as_dicts(
    rows: Iterable[Mapping[str, Any] | NodeRecord | RelRecord], kind: str
) -> list[dict[str, Any]]:
    out = []
    for data in rows:
        if isinstance(data, NodeRecord):
            if kind != "node":
                raise TypeError("a NodeRecord is not a relationship row")
            out.append({"id": data.id, **data.props})
        elif isinstance(data, RelRecord):
            if kind != "rel":
                raise TypeError("a RelRecord is not a node row")
            out.append(
                {"source": data.source, "target": data.target, "key": data.key, **data.props}
            )
        else:
            out.append(dict(data))
    return out


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _fast_dumps(model: type[BaseModel], dicts: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The whole batch validated and dumped in one call, or ``None`` if any row is bad."""
    adapter = _adapter(model)
    try:
        objs = adapter.validate_python(dicts)
    except ValidationError:
        return None
    return adapter.dump_python(objs, mode="json", exclude_none=True, exclude_unset=True)


def validate_nodes(
    label: NodeLabel | str, rows: Iterable[Mapping[str, Any] | NodeRecord | RelRecord]
) -> list[NodeRecord]:
    """Validate a whole batch of node rows (dicts or ``NodeRecord``) or refuse it.

    The batch is validated in one pydantic call; only a batch with a bad row is walked
    row by row, to name every bad row and field.
    """
    label = NodeLabel(label)
    rows = list(rows)
    dicts = _as_dicts(rows, "node")
    dumped = _fast_dumps(NODE_MODELS[label], dicts)
    out: list[NodeRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for i, data in enumerate(dicts):
        if dumped is not None:
            props = dumped[i]
            rec = NodeRecord(label, props.pop("id"), props)
        else:
            try:
                rec = validate_node(label, data, i)
            except BatchValidationError as exc:
                errors.extend(exc.errors)
                continue
        if rec.id in seen:
            errors.append(RowError(i, "id", rec.id, f"duplicate of row {seen[rec.id]} in batch"))
            continue
        seen[rec.id] = i
        out.append(rec)
    if errors:
        raise BatchValidationError(f"{label} batch", errors)
    return out


def validate_relationships(
    type_: RelType | str, rows: Iterable[Mapping[str, Any] | NodeRecord | RelRecord]
) -> list[RelRecord]:
    """Validate a whole batch of relationship rows (dicts or ``RelRecord``) or refuse it."""
    type_ = RelType(type_)
    rows = list(rows)
    dicts = _as_dicts(rows, "rel")
    dumped = _fast_dumps(REL_MODELS[type_], dicts)
    out: list[RelRecord] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, data in enumerate(dicts):
        if dumped is not None:
            props = dumped[i]
            rec = RelRecord(
                type_,
                props.pop("source"),
                props.pop("target"),
                props.pop("key", ""),
                props,
            )
        else:
            try:
                rec = validate_relationship(type_, data, i)
            except BatchValidationError as exc:
                errors.extend(exc.errors)
                continue
        ident = (rec.source, rec.target, rec.key)
        if ident in seen:
            errors.append(
                RowError(i, "source", rec.source, f"duplicate of row {seen[ident]} in batch")
            )
            continue
        seen[ident] = i
        out.append(rec)
    if errors:
        raise BatchValidationError(f"{type_} batch", errors)
    return out


_ID = attrgetter("id")
_LABEL = attrgetter("label")
_TYPE = attrgetter("type")
_SOURCE = attrgetter("source")
_TARGET = attrgetter("target")
_IDENT = attrgetter("source", "target", "key")


def node_records(
    label: NodeLabel | str, rows: Iterable[Mapping[str, Any] | NodeRecord | RelRecord]
) -> list[NodeRecord]:
    """What a store writes for ``rows``: ``NodeRecord`` rows as they are (validated by
    whoever made them, not validated again), a batch with any mapping in it validated
    whole with :func:`validate_nodes`. Repeated ids and records of another label are
    refused either way."""
    label = NodeLabel(label)
    rows = list(rows)
    if set(map(type, rows)) - {NodeRecord}:
        return validate_nodes(label, rows)
    return _unique_nodes(label, rows)  # type: ignore[arg-type]


def rel_records(
    type_: RelType | str, rows: Iterable[Mapping[str, Any] | NodeRecord | RelRecord]
) -> list[RelRecord]:
    """As :func:`node_records`, for relationships."""
    type_ = RelType(type_)
    rows = list(rows)
    if set(map(type, rows)) - {RelRecord}:
        return validate_relationships(type_, rows)
    return _unique_rels(type_, rows)  # type: ignore[arg-type]


def _unique_nodes(label: NodeLabel, records: list[NodeRecord]) -> list[NodeRecord]:
    """Records as they are, refused if an id repeats in the batch or a label differs."""
    if len(set(map(_ID, records))) == len(records) and set(map(_LABEL, records)) <= {label}:
        return records
    seen: dict[str, int] = {}
    errors = []
    for i, rec in enumerate(records):
        if rec.label != label:
            errors.append(RowError(i, "label", str(rec.label), f"not a {label} record"))
        if rec.id in seen:
            errors.append(RowError(i, "id", rec.id, f"duplicate of row {seen[rec.id]} in batch"))
        seen.setdefault(rec.id, i)
    if errors:
        raise BatchValidationError(f"{label} batch", errors)
    return records


def _unique_rels(type_: RelType, records: list[RelRecord]) -> list[RelRecord]:
    """Records as they are, refused if an identity repeats in the batch or a type differs."""
    if len(set(map(_IDENT, records))) == len(records) and set(map(_TYPE, records)) <= {type_}:
        return records
    seen: dict[tuple[str, str, str], int] = {}
    errors = []
    for i, rec in enumerate(records):
        if rec.type != type_:
            errors.append(RowError(i, "type", str(rec.type), f"not a {type_} record"))
        ident = (rec.source, rec.target, rec.key)
        if ident in seen:
            errors.append(
                RowError(i, "source", rec.source, f"duplicate of row {seen[ident]} in batch")
            )
        seen.setdefault(ident, i)
    if errors:
        raise BatchValidationError(f"{type_} batch", errors)
    return records


def check_id_labels(label: NodeLabel, records: list[NodeRecord], stored: Mapping[str, str]) -> None:
    """Refuse the batch if an id is stored under another label (``stored``: id -> label)."""
    errors = [
        RowError(i, "id", r.id, f"id already used by a node labelled {stored[r.id]}")
        for i, r in enumerate(records)
        if r.id in stored and stored[r.id] != label
    ]
    if errors:
        raise BatchValidationError(f"{label} batch", errors)


def check_sources(records: Sequence[object], sources: Sequence[SourceRef] | None) -> None:
    """Refuse ``sources`` that are not parallel to the rows (a caller's bug, not input's)."""
    if sources is not None and len(sources) != len(records):
        raise ValueError(f"{len(sources)} sources for {len(records)} rows: give one per row")


def check_ends(type_: RelType, records: list[RelRecord], stored: Mapping[str, str]) -> None:
    """Refuse the batch unless both ends of every row exist with a label the type allows."""
    from graph.vocabulary import REL_ENDPOINTS

    sources, targets = REL_ENDPOINTS[type_]
    found_sources = set(map(stored.get, set(map(_SOURCE, records))))
    found_targets = set(map(stored.get, set(map(_TARGET, records))))
    if found_sources <= sources and found_targets <= targets:
        return
    errors: list[RowError] = []
    for i, r in enumerate(records):
        for field, end, allowed in (("source", r.source, sources), ("target", r.target, targets)):
            found = stored.get(end)
            if found not in allowed:
                want = " or ".join(sorted(allowed))
                extra = f" (it is a {found})" if found else ""
                errors.append(RowError(i, field, end, f"no {want} with this id{extra}"))
    if errors:
        raise BatchValidationError(f"{type_} batch", errors)


@dataclass
class UpsertResult:
    """What an upsert did, row by row: created, changed, or found identical."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    @property
    def written(self) -> int:
        """Rows that changed the store."""
        return self.created + self.updated
