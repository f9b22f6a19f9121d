"""One import pipeline for the command line and the API: read, map, validate, resolve, write.

Files are streamed, not held in memory: pass 1 reads and validates every row, resolves
entities and checks that relationship ends exist (in the file or the store), keeping the
accepted records in temporary spill files; only when nothing is wrong (or
``skip_invalid``) does pass 2 write them from the spills, in batches through the store,
each batch one transaction, nodes before the relationships that need them. Re-running
the same file changes nothing, and a load killed part-way completes on a re-run.
"""

from __future__ import annotations

import gc
import io
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import networkx as nx

from graph.records import (
    BatchValidationError,
    NodeRecord,
    RelRecord,
    from_spill_form,
    spill_form,
    validate_node,
    validate_relationship,
)
from graph.store import GraphStore
from graph.vocabulary import REL_ENDPOINTS, NodeLabel, RelType
from loaders.documents import read_graphml, read_json, read_xlsx, read_yaml
from loaders.mapping import Mapping, load_mapping
from loaders.report import Ambiguity, ImportReport, Merge, Problem
from loaders.resolve import OrgIndex, PersonIndex, ReviewQueue
from loaders.rows import LoadError, SourceRow
from loaders.tabular import GRAPH_READERS, read_csv, read_graph_file

FORMATS = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".graphml": "graphml",
    ".xml": "graphml",
    ".gexf": "gexf",
    ".net": "pajek",
    ".paj": "pajek",
    ".edges": "edgelist",
    ".edgelist": "edgelist",
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
        if self.format in GRAPH_READERS:  # files without our labels: the mapping's graph options
            yield from read_graph_file(self.format, data, self.name, self.mapping)
            return
        reader = {"json": read_json, "yaml": read_yaml, "graphml": read_graphml, "xlsx": read_xlsx}[
            self.format
        ]
        yield from reader(data, self.name)


@dataclass(slots=True)
class _Tally:
    """Pass 1's counts of one kind as plain attributes (setting a field of the report's
    pydantic model costs a microsecond, twice per row); folded into the report at the end."""

    read: int = 0
    rejected: int = 0
    merged: int = 0


class _Tallies:
    """A :class:`_Tally` per kind, in the order the kinds were met, for ``report``."""

    def __init__(self, report: ImportReport) -> None:
        self._report = report
        self._by_kind: dict[str, _Tally] = {}

    def __call__(self, what: str) -> _Tally:
        found = self._by_kind.get(what)
        if found is None:
            found = self._by_kind[what] = _Tally()
            self._report.count(what)  # the report lists kinds in the order they were met
        return found

    def fold(self) -> None:
        """Add the tallies to the report's counts."""
        for what, t in self._by_kind.items():
            counts = self._report.count(what)
            counts.read += t.read
            counts.rejected += t.rejected
            counts.merged += t.merged


@dataclass
class _Plan:
    """What pass 1 decided that the write pass needs (rejected, held and repeated rows are
    counted in the report and simply not spilled: no per-row sets held for a million rows)."""

    remap: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)  # org id -> aliases to add


class _Spill:
    """Records pass 1 validated, in a temporary file: the write pass reads them back
    instead of parsing, mapping and validating the source again, and memory stays flat.
    They stay marked as validated (:class:`graph.records.NodeRecord`), so the store does
    not validate them a second time."""

    CHUNK = 10_000

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._buffer: list[Any] = []

    def add(self, item: Any) -> None:
        self._buffer.append(item)
        if len(self._buffer) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def records(self) -> Iterator[NodeRecord | RelRecord]:
        """The spilled validated records back (see :func:`graph.records.spill_form`)."""
        for form in self:
            yield from_spill_form(form)

    def __iter__(self) -> Iterator[Any]:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                chunk = pickle.load(self._file)  # our own file, written above
            except EOFError:
                return
            yield from chunk

    def close(self) -> None:
        self._file.close()


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
    store: GraphStore, path: str | Path, mapping: str | Path | Mapping | None = None, **options: Any
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
    try:
        return hash(tuple(sorted(data.items())))
    except TypeError:  # a list value
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
    nodes, rels, pending = _Spill(), _Spill(), _Spill()
    # Pass 1 keeps a few entries per row (ids seen, labels, people); with millions of
    # rows the cyclic collector would rescan them over and over for no garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tallies = _Tallies(report)
        try:
            plan = _validate(source, graph, report, queue, nodes, rels, pending, tallies)
        finally:
            tallies.fold()
        pending.close()
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
            _estimate(nodes, rels, graph, report)
            report.message = "dry run: nothing was written"
            return report
        _write(store, nodes, rels, plan, report, batch_size, progress)
        report.written = True
        return report
    finally:
        for spill in (nodes, rels, pending):
            spill.close()
        if collecting:
            gc.enable()


def _validate(
    source: _Source,
    graph: nx.MultiDiGraph,
    report: ImportReport,
    queue: ReviewQueue | None,
    nodes: _Spill,
    rels_out: _Spill,
    rels: _Spill,
    tally: _Tallies,
) -> _Plan:
    """Pass 1: every row read, validated and resolved; accepted records go to ``nodes`` and
    ``rels_out``, relationship rows wait in ``rels`` until every node row has been seen."""
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
    seen: dict[str, tuple[str, int, int, int | None]] = {}  # id -> (label, row, digest, raw)
    node_labels: dict[str, NodeLabel] = {str(x): x for x in NodeLabel}  # no Enum() per row
    for seq, row in enumerate(source.rows()):
        what = f"{row.what}" if row.what else "(unreadable row)"
        counts = tally(what)
        counts.read += 1
        if row.error:
            report.rejections.append(_problem(row, row.error, row.columns.get("(error)")))
            counts.rejected += 1
            continue
        if row.kind == "rel":
            rels.add((seq, row.what, row.data, row.file, row.sheet, row.row, row.columns))
            continue
        raw = _raw_key(row)
        first = seen.get(row.data.get("id")) if raw is not None else None  # type: ignore[arg-type]
        if first is not None and first[3] == raw:
            counts.merged += 1  # the very same cells as an accepted row: nothing new
            continue
        try:
            label = node_labels.get(row.what) or NodeLabel(row.what)
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
                counts.merged += 1
                continue
            people.add(node_id, str(rec.props.get("name", "")), rec.props.get("email"), [])
        known = labels.get(node_id)
        if known is not None and known != label and node_id not in seen:
            report.rejections.append(
                _problem(row, f"id already used by a node labelled {known}", "id", node_id)
            )
            counts.rejected += 1
            continue
        digest = _digest(rec.props)
        if node_id in seen:
            first_label, first_row, first_digest, _ = seen[node_id]
            if first_label != label:
                reason = f"id also used by a {first_label} row (row {first_row}) in this file"
            elif first_digest != digest:
                reason = f"conflicts with row {first_row}: same id, different values"
            else:
                counts.merged += 1  # the same row again: nothing new to write
                continue
            report.rejections.append(_problem(row, reason, "id", node_id))
            counts.rejected += 1
            continue
        seen[node_id] = (str(label), row.row or seq, digest, raw)
        nodes.add(spill_form(rec))
        labels[node_id] = str(label)
    seen_rels: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    rel_types: dict[str, RelType] = {str(x): x for x in RelType}
    for seq, what, data, file, sheet, line, columns in rels:
        row = SourceRow("rel", what, data, file, sheet, line, columns)
        counts = tally(row.what)
        try:
            type_ = rel_types.get(row.what) or RelType(row.what)
        except ValueError:
            report.rejections.append(
                _problem(
                    row,
                    f"unknown relationship type {row.what!r}; expected one of {', '.join(RelType)}",
                )
            )
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
            counts.rejected += 1
            continue
        ident = (str(type_), rrec.source, rrec.target, rrec.key)
        digest = _digest(rrec.props)
        if ident in seen_rels:
            first_row, first_digest = seen_rels[ident]
            if first_digest == digest:
                counts.merged += 1  # the same relationship again: nothing new
                continue
            report.rejections.append(
                _problem(
                    row, f"conflicts with row {first_row}: same relationship, different values"
                )
            )
            counts.rejected += 1
            continue
        seen_rels[ident] = (row.row or seq, digest)
        rels_out.add(spill_form(rrec))
    return plan


def _write(
    store: GraphStore,
    nodes: _Spill,
    rels: _Spill,
    plan: _Plan,
    report: ImportReport,
    batch_size: int,
    progress: Progress | None,
) -> None:
    """The accepted records in batches per label, then per type: every node is in the store
    before the relationships that need it."""
    graph_aliases: dict[str, list[str]] = {}
    if plan.aliases:
        for org, names in plan.aliases.items():
            hood = store.get_node(org)
            old = list(hood.node.props.get("aliases", [])) if hood else []
            graph_aliases[org] = old + [n for n in dict.fromkeys(names) if n not in old]
    buffers: dict[str, list[Any]] = defaultdict(list)
    written = 0

    def flush(what: str) -> None:
        nonlocal written
        batch = buffers.pop(what, [])
        if not batch:
            return
        if isinstance(batch[0], NodeRecord):
            result = store.upsert_nodes(what, batch)
        else:
            result = store.upsert_relationships(what, batch)
        c = report.count(what)
        c.created += result.created
        c.updated += result.updated
        c.unchanged += result.unchanged
        written += len(batch)
        if progress:
            progress(what, written)

    for spill in (nodes, rels):
        for rec in spill.records():
            what = str(rec.label if isinstance(rec, NodeRecord) else rec.type)
            buffers[what].append(rec)
            if len(buffers[what]) >= batch_size:
                flush(what)
        for what in list(buffers):
            flush(what)
        if spill is nodes and graph_aliases:
            rows = [
                {"id": org, "name": store.get_node(org).node.props["name"], "aliases": names}  # type: ignore[union-attr]
                for org, names in graph_aliases.items()
            ]
            store.upsert_nodes(NodeLabel.ORGANIZATION, rows)


def _estimate(nodes: _Spill, rels: _Spill, graph: nx.MultiDiGraph, report: ImportReport) -> None:
    """What a real load would create, update or leave unchanged (for ``--dry-run``)."""
    for rec in nodes.records():
        assert isinstance(rec, NodeRecord)
        c = report.count(str(rec.label))
        if rec.id not in graph:
            c.created += 1
            continue
        old = {k: v for k, v in graph.nodes[rec.id].items() if k != "label"}
        if {**old, **rec.props} == old:
            c.unchanged += 1
        else:
            c.updated += 1
    for rrec in rels.records():
        assert isinstance(rrec, RelRecord)
        c = report.count(str(rrec.type))
        key = f"{rrec.type}#{rrec.key}" if rrec.key else str(rrec.type)
        if not graph.has_edge(rrec.source, rrec.target, key):
            c.created += 1
            continue
        old = {
            k: v
            for k, v in graph.edges[rrec.source, rrec.target, key].items()
            if k not in ("type", "rel_key")
        }
        if {**old, **rrec.props} == old:
            c.unchanged += 1
        else:
            c.updated += 1
