"""One import pipeline for the command line and the API: read, map, validate, resolve, write.

Files are read twice instead of held in memory: pass 1 validates every row, resolves
entities and checks that relationship ends exist (in the file or the store); only when
nothing is wrong (or ``skip_invalid``) does pass 2 write, in batches through the store,
each batch one transaction, nodes always before the relationships that need them. Re-running
the same file changes nothing, and a load killed part-way completes on a re-run.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import networkx as nx

from graph.records import BatchValidationError, validate_node, validate_relationship
from graph.store import GraphStore
from graph.vocabulary import REL_ENDPOINTS, NodeLabel, RelType
from loaders.documents import read_graphml, read_json, read_xlsx, read_yaml
from loaders.mapping import Mapping, load_mapping
from loaders.report import Ambiguity, ImportReport, Merge, Problem
from loaders.resolve import OrgIndex, PersonIndex, ReviewQueue
from loaders.rows import LoadError, SourceRow
from loaders.tabular import read_csv

FORMATS = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".graphml": "graphml",
    ".xml": "graphml",
}
Progress = Callable[[str, int], None]


@dataclass
class _Source:
    """A file or an upload that can be read again from the start."""

    name: str
    format: str
    opener: Callable[[], IO[bytes]]
    mapping: Mapping | None
    owner: str | None

    def rows(self) -> Iterator[SourceRow]:
        with self.opener() as raw:
            if self.format == "csv":
                yield from read_csv(raw, self.name, self.mapping, owner=self.owner)
                return
            data = raw.read()
        reader = {"json": read_json, "yaml": read_yaml, "graphml": read_graphml, "xlsx": read_xlsx}[
            self.format
        ]
        yield from reader(data, self.name)


@dataclass
class _Plan:
    """What pass 1 decided, by row sequence number."""

    rejected: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    duplicates: set[int] = field(default_factory=set)
    remap: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)  # org id -> aliases to add


def _file_opener(path: Path) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        return path.open("rb")

    return opener


def _detect(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(
            f"{path.name}: unknown file type {path.suffix!r}; expected one of "
            f"{', '.join(sorted(FORMATS))}"
        )
    return fmt


def load_path(
    store: GraphStore, path: str | Path, mapping: str | Path | None = None, **options: Any
) -> ImportReport:
    """Load a file (or a folder holding ``portfolio.json``); see :func:`load_source`."""
    path = Path(path)
    if path.is_dir():
        inner = path / "portfolio.json"
        if not inner.exists():
            raise LoadError(f"{path}: a folder to load must hold portfolio.json")
        path = inner
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    source = _Source(
        path.name,
        _detect(path),
        _file_opener(path),
        load_mapping(mapping) if mapping else None,
        options.pop("owner", None),
    )
    return load_source(store, source, **options)


def load_bytes(
    store: GraphStore, data: bytes, filename: str, mapping: Mapping | None = None, **options: Any
) -> ImportReport:
    """Load an uploaded file's bytes (the API's import endpoint)."""
    source = _Source(
        Path(filename).name,
        _detect(Path(filename)),
        lambda: io.BytesIO(data),
        mapping,
        options.pop("owner", None),
    )
    return load_source(store, source, **options)


def _problem(row: SourceRow, reason: str, column: str | None = None, value: Any = None) -> Problem:
    return Problem(
        file=row.file, sheet=row.sheet, row=row.row, column=column, value=value, reason=reason
    )


def _digest(data: dict[str, Any]) -> int:
    """A fingerprint of validated values, to tell a repeated row from a conflicting one."""
    return hash(repr(sorted(data.items())))


def _raw_key(row: SourceRow) -> int | None:
    """A fingerprint of a node row's cells as read, or ``None`` if they cannot be hashed."""
    try:
        return hash((row.what, tuple(row.data.items())))
    except TypeError:
        return None


def load_source(
    store: GraphStore,
    source: _Source,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    review_path: str | Path | None = None,
    batch_size: int = 5_000,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate, resolve and (unless ``dry_run`` or errors) write one source."""
    report = ImportReport(source=source.name, format=source.format, dry_run=dry_run)
    graph = store.projection()
    queue = ReviewQueue(review_path) if review_path else None
    plan = _validate(source, graph, report, queue)
    if queue is not None:
        queue.save()
    if report.rejections and not skip_invalid:
        for c in report.counts.values():
            c.created = c.updated = c.unchanged = 0
            c.rejected = c.read - c.merged
        report.message = (
            f"{len(report.rejections)} problem(s): nothing was written. Fix them, or "
            "load with --skip-invalid to write the valid rows."
        )
        return report
    if dry_run:
        _estimate(source, graph, plan, report)
        report.message = "dry run: nothing was written"
        return report
    _write(store, source, plan, report, batch_size, progress)
    report.written = True
    return report


def _validate(
    source: _Source, graph: nx.MultiDiGraph, report: ImportReport, queue: ReviewQueue | None
) -> _Plan:
    plan = _Plan()
    orgs = OrgIndex()
    people = PersonIndex()
    labels: dict[str, str] = {}
    for node, data in graph.nodes(data=True):
        labels[node] = data["label"]
        if data["label"] == NodeLabel.ORGANIZATION:
            orgs.add(node, str(data.get("name", node)), list(data.get("aliases", [])))
        elif data["label"] == NodeLabel.PERSON:
            employers = [
                v for _, v, d in graph.out_edges(node, data=True) if d["type"] == "WORKS_AT"
            ]
            people.add(node, str(data.get("name", node)), data.get("email"), employers)
    seen: dict[str, tuple[str, int, int]] = {}  # id -> (label, file row, digest)
    repeats: dict[int, Any] = {}  # raw key -> raw id of accepted rows (a company per contact)
    rels: list[tuple[int, SourceRow]] = []
    for seq, row in enumerate(source.rows()):
        what = f"{row.what}" if row.what else "(unreadable row)"
        counts = report.count(what)
        counts.read += 1
        if row.error:
            report.rejections.append(_problem(row, row.error, row.columns.get("(error)")))
            plan.rejected.add(seq)
            counts.rejected += 1
            continue
        if row.kind == "rel":
            rels.append((seq, row))
            continue
        raw = _raw_key(row)
        if raw is not None and repeats.get(raw, "\x00") == row.data.get("id"):
            plan.duplicates.add(seq)  # the very same cells as an accepted row: nothing new
            counts.merged += 1
            continue
        try:
            label = NodeLabel(row.what)
            rec = validate_node(label, row.data, seq)
        except ValueError as exc:
            errors = exc.errors if isinstance(exc, BatchValidationError) else []
            if errors:
                for e in errors:
                    column = row.columns.get(e.field.split(".")[0], e.field)
                    report.rejections.append(_problem(row, e.reason, column, e.value))
            else:
                report.rejections.append(
                    _problem(
                        row,
                        f"unknown node label {row.what!r}; expected one of {', '.join(NodeLabel)}",
                    )
                )
            plan.rejected.add(seq)
            counts.rejected += 1
            continue
        node_id = rec.id
        if label == NodeLabel.ORGANIZATION and row.resolve and node_id not in seen:
            match = orgs.match(node_id, str(rec.props.get("name", node_id)), queue)
            if match.rule == "ambiguous" and match.review is not None:
                report.ambiguities.append(
                    Ambiguity(
                        review_id=match.review.review_id,
                        incoming_id=node_id,
                        incoming_name=str(rec.props["name"]),
                        candidates=match.review.candidates,
                    )
                )
                plan.held.add(seq)
                plan.remap[node_id] = "\x00held"
                report.held.append(
                    _problem(
                        row,
                        f"held for review ({match.review.review_id}): "
                        "might be an existing organization",
                        "name",
                        rec.props.get("name"),
                    )
                )
                counts.rejected += 1
                continue
            if match.into is not None and match.into != node_id:
                plan.remap[node_id] = match.into
                name = str(rec.props.get("name", ""))
                if name and name != orgs.names.get(match.into):
                    plan.aliases.setdefault(match.into, []).append(name)
                report.merges.append(
                    Merge(
                        incoming_id=node_id,
                        incoming_name=name,
                        into=match.into,
                        into_name=orgs.names.get(match.into, match.into),
                        rule=match.rule,
                        score=match.score,
                    )
                )
                plan.duplicates.add(seq)
                counts.merged += 1
                continue
            if row.derived_id:  # ids made from names: variants within the file are one entity
                orgs.add(node_id, str(rec.props.get("name", node_id)), rec.props.get("aliases"))
        if label == NodeLabel.PERSON and row.resolve and node_id not in seen:
            match = people.match(
                node_id, str(rec.props.get("name", "")), rec.props.get("email"), None
            )
            if match.into is not None and match.into != node_id:
                plan.remap[node_id] = match.into
                report.merges.append(
                    Merge(
                        incoming_id=node_id,
                        incoming_name=str(rec.props.get("name")),
                        into=match.into,
                        into_name=str(graph.nodes[match.into].get("name"))
                        if match.into in graph
                        else match.into,
                        rule=match.rule,
                    )
                )
                plan.duplicates.add(seq)
                counts.merged += 1
                continue
            people.add(node_id, str(rec.props.get("name", "")), rec.props.get("email"), [])
        known = labels.get(node_id)
        if known is not None and known != label and node_id not in seen:
            report.rejections.append(
                _problem(row, f"id already used by a node labelled {known}", "id", node_id)
            )
            plan.rejected.add(seq)
            counts.rejected += 1
            continue
        digest = _digest(rec.props)
        if node_id in seen:
            first_label, first_row, first_digest = seen[node_id]
            if first_label != label:
                reason = f"id also used by a {first_label} row (row {first_row}) in this file"
            elif first_digest != digest:
                reason = f"conflicts with row {first_row}: same id, different values"
            else:
                plan.duplicates.add(seq)  # the same row again: nothing new to write
                counts.merged += 1
                continue
            report.rejections.append(_problem(row, reason, "id", node_id))
            plan.rejected.add(seq)
            counts.rejected += 1
            continue
        seen[node_id] = (str(label), row.row or seq, digest)
        if raw is not None:
            repeats[raw] = row.data.get("id")
        labels[node_id] = str(label)
    for seq, row in rels:
        counts = report.count(row.what)
        try:
            type_ = RelType(row.what)
        except ValueError:
            report.rejections.append(
                _problem(
                    row,
                    f"unknown relationship type {row.what!r}; expected one of {', '.join(RelType)}",
                )
            )
            plan.rejected.add(seq)
            counts.rejected += 1
            continue
        data = {**row.data}
        for end in ("source", "target"):
            if isinstance(data.get(end), str) and data[end] in plan.remap:
                data[end] = plan.remap[data[end]]
        try:
            rrec = validate_relationship(type_, data, seq)
        except BatchValidationError as exc:
            for e in exc.errors:
                report.rejections.append(
                    _problem(row, e.reason, row.columns.get(e.field, e.field), e.value)
                )
            plan.rejected.add(seq)
            counts.rejected += 1
            continue
        sources, targets = REL_ENDPOINTS[type_]
        problem = None
        for end, value, allowed in (
            ("source", rrec.source, sources),
            ("target", rrec.target, targets),
        ):
            if value == "\x00held":
                problem = (end, row.data.get(end), "its organization is held for review")
            elif labels.get(value) not in allowed:
                want = " or ".join(sorted(allowed))
                found = labels.get(value)
                problem = (
                    end,
                    value,
                    f"no {want} with this id in the file or the store"
                    + (f" (it is a {found})" if found else ""),
                )
            if problem:
                break
        if problem:
            entry = _problem(row, problem[2], row.columns.get(problem[0], problem[0]), problem[1])
            held = "held for review" in problem[2]
            (report.held if held else report.rejections).append(entry)
            (plan.held if held else plan.rejected).add(seq)
            counts.rejected += 1
    return plan


def _rows_to_write(
    source: _Source, plan: _Plan, kinds: tuple[str, ...] = ("node", "rel")
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(kind, label or type, data)`` of every row pass 1 accepted, ends remapped."""
    for seq, row in enumerate(source.rows()):
        if (
            row.kind not in kinds
            or seq in plan.rejected
            or seq in plan.held
            or seq in plan.duplicates
        ):
            continue
        data = dict(row.data)
        if row.kind == "rel":
            for end in ("source", "target"):
                if data.get(end) in plan.remap:
                    data[end] = plan.remap[data[end]]
        yield row.kind, row.what, data


def _write(
    store: GraphStore,
    source: _Source,
    plan: _Plan,
    report: ImportReport,
    batch_size: int,
    progress: Progress | None,
) -> None:
    """One more read of the source, writing nodes and relationships in batches.

    Before a batch of relationships is written every buffered node is, so both ends of
    each relationship are in the store when it arrives (pass 1 checked they exist).
    """
    graph_aliases: dict[str, list[str]] = {}
    if plan.aliases:
        for org, names in plan.aliases.items():
            hood = store.get_node(org)
            old = list(hood.node.props.get("aliases", [])) if hood else []
            graph_aliases[org] = old + [n for n in dict.fromkeys(names) if n not in old]
    buffers: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    written = 0

    def flush(kind: str, what: str) -> None:
        nonlocal written
        batch = buffers.pop((kind, what), [])
        if not batch:
            return
        if kind == "node":
            result = store.upsert_nodes(what, batch)
        else:
            for other in [k for k in buffers if k[0] == "node"]:
                flush(*other)
            result = store.upsert_relationships(what, batch)
        c = report.count(what)
        c.created += result.created
        c.updated += result.updated
        c.unchanged += result.unchanged
        written += len(batch)
        if progress:
            progress(what, written)

    for kind, what, data in _rows_to_write(source, plan):
        buffers[kind, what].append(data)
        if len(buffers[kind, what]) >= batch_size:
            flush(kind, what)
    for key in sorted(buffers, key=lambda k: k[0] != "node"):
        flush(*key)
    if graph_aliases:
        rows = [
            {"id": org, "name": store.get_node(org).node.props["name"], "aliases": names}  # type: ignore[union-attr]
            for org, names in graph_aliases.items()
        ]
        store.upsert_nodes(NodeLabel.ORGANIZATION, rows)


def _estimate(source: _Source, graph: nx.MultiDiGraph, plan: _Plan, report: ImportReport) -> None:
    """What a real load would create, update or leave unchanged (for ``--dry-run``)."""
    for kind in ("node", "rel"):
        for _, what, data in _rows_to_write(source, plan, (kind,)):
            c = report.count(what)
            if kind == "node":
                node = str(data.get("id", "")).strip()
                if node not in graph:
                    c.created += 1
                    continue
                rec = validate_node(NodeLabel(what), data)
                old = {k: v for k, v in graph.nodes[node].items() if k != "label"}
                if {**old, **rec.props} == old:
                    c.unchanged += 1
                else:
                    c.updated += 1
            else:
                rec2 = validate_relationship(RelType(what), data)
                key = f"{what}#{rec2.key}" if rec2.key else what
                if not graph.has_edge(rec2.source, rec2.target, key):
                    c.created += 1
                    continue
                old = {
                    k: v
                    for k, v in graph.edges[rec2.source, rec2.target, key].items()
                    if k not in ("type", "rel_key")
                }
                if {**old, **rec2.props} == old:
                    c.unchanged += 1
                else:
                    c.updated += 1
