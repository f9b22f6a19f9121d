"""Pass 1 of an import: validate each row and decide what becomes of it.

Rows arrive grouped by the source row they came from (a contacts row is a person, an
organization and a WORKS_AT tie), so resolution sees each source row whole: a person is
matched by email, else by name at the organization the same row names. Every record gets
an explicit :data:`Outcome`; relationship rows wait (on disk) until every node row has been
seen, since a file may name an end before defining it.
"""

from __future__ import annotations

import typing
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from sys import intern
from typing import Any, Literal, Protocol

import networkx as nx

from graph.records import (
    BatchValidationError,
    NodeRecord,
    RelRecord,
    SourceRef,
    validate_node,
    validate_relationship,
)
from graph.row_checks import row_check
from graph.schema import NODE_MODELS, REL_MODELS
from graph.vocabulary import REL_ENDPOINTS, NodeLabel, RelType
from graph.writer import _NODE, _REL, TupleSpool
from loaders import columnar
from loaders.columnar import EntryPlan, TablePlan, cells_key
from loaders.names import same_spelling
from loaders.org_cache import OrgIndexCache, indexed
from loaders.report import Ambiguity, ImportReport, Merge, Rename, RowProblem
from loaders.resolve import OrgIndex, PersonIndex, ReviewQueue, name_at
from loaders.rows import SourceRow
from loaders.tabular import Cells, TableStart

#: new: written as it is; merged: resolved onto an existing entity (its id remapped);
#: held: waits for a review decision; repeat: the same row again (nothing new);
#: rejected: invalid, with a problem in the report.
Outcome = Literal["new", "merged", "held", "repeat", "rejected"]
HELD = "\x00held:"


class RecordSink(Protocol):
    """Where :meth:`Resolver.resolve_table` puts new records (the writer's spools), as
    the tuples :class:`graph.writer.Writer` spools, many at a time."""

    def add_nodes(self, items: list[tuple[Any, ...]]) -> None: ...

    def add_rels(self, items: list[tuple[Any, ...]]) -> None: ...


@dataclass(slots=True)
class Resolved:
    """One validated record, where it came from, and what becomes of it."""

    record: NodeRecord | RelRecord
    source: SourceRef
    outcome: Outcome
    review_id: str | None = None


@dataclass(slots=True)
class Tally:
    """Counts of one kind as plain attributes (a pydantic field set costs a microsecond,
    twice per row); folded into the report at the end."""

    read: int = 0
    rejected: int = 0
    merged: int = 0


@dataclass
class Resolver:
    """Pass 1's state: what the store and the file hold so far, and what was decided."""

    graph: nx.MultiDiGraph
    report: ImportReport
    import_id: str
    queue: ReviewQueue | None = None
    origin: dict[str, Any] = field(default_factory=dict)
    orgs: OrgIndex = field(default_factory=OrgIndex)
    people: PersonIndex = field(default_factory=PersonIndex)
    remap: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)  # org id -> aliases to add
    #: renamed ids: (label, the name kept, the other names (to become aliases), the kept
    #: row's date)
    renamed: dict[str, tuple[str, str, list[str], dict[str, Any]]] = field(default_factory=dict)
    tallies: dict[str, Tally] = field(default_factory=dict)
    #: the file's accepted nodes: id -> (label, :func:`_first` (first row, digest, raw
    #: cells), name, name's date); one small tuple per node, so a million-row file stays
    #: within memory
    _seen: dict[str, tuple[str, int, str, str | None]] = field(
        default_factory=dict
    )
    #: the file's accepted relationships: identity -> :func:`_row_digest` (first row, digest)
    _seen_rels: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    #: the process's organization index kept across imports (the API's), borrowed for pass 1
    shared_orgs: OrgIndexCache | None = None

    def __post_init__(self) -> None:
        self._borrowed = False
        self._held_ids: dict[str, str] | None = None
        self._orgs_ready = False
        self._people_ready = False
        self._node_checks: dict[NodeLabel, Any] = {}
        self._rel_checks: dict[RelType, Any] = {}
        self._node_labels = {str(x): x for x in NodeLabel}
        self._rel_types = {str(x): x for x in RelType}
        self._pending = TupleSpool()
        self._plan: TablePlan | None = None
        self._sink: RecordSink | None = None
        self._file = ""
        self._sheet: str | None = None

    # ------------------------------------------------------------------ the store's side

    def _label(self, node: str) -> str | None:
        """The label of a node of the file or the store."""
        seen = self._seen.get(node)
        if seen is not None:
            return seen[0]
        if node in self.graph:
            return self.graph.nodes[node].get("label")
        return None

    def _org_index(self) -> OrgIndex:
        """The organizations of the store, indexed on first need (an import without
        organizations never pays for it)."""
        if not self._orgs_ready:
            self._orgs_ready = True
            shared = self.shared_orgs.acquire(self.graph) if self.shared_orgs else None
            if shared is not None:
                self.orgs, self._borrowed = shared, True
                return shared
            for node, data in self.graph.nodes(data=True):
                if data["label"] == NodeLabel.ORGANIZATION and node not in self.orgs.names:
                    self.orgs.add(node, *indexed(node, data))
        return self.orgs

    def _people_index(self) -> PersonIndex:
        """The people of the store with their employers, indexed on first need."""
        if not self._people_ready:
            self._people_ready = True
            g = self.graph
            for node, data in g.nodes(data=True):
                if data["label"] == NodeLabel.PERSON:
                    employers = [
                        v for _, v, d in g.out_edges(node, data=True) if d["type"] == "WORKS_AT"
                    ]
                    self.people.add(node, str(data.get("name", node)), data.get("email"), employers)
        return self.people

    # ------------------------------------------------------------------ validation

    def _fast_node(self, label: NodeLabel, data: dict[str, Any]) -> NodeRecord | None:
        """The record by the fast checks (:mod:`graph.row_checks`), or ``None``."""
        check = self._node_checks.get(label)
        if check is None:
            check = self._node_checks[label] = row_check(NODE_MODELS[label]) or _never
        props = check(data)
        if props is None:
            return None
        return NodeRecord(label, props.pop("id"), props)

    def _fast_rel(self, type_: RelType, data: dict[str, Any]) -> RelRecord | None:
        check = self._rel_checks.get(type_)
        if check is None:
            check = self._rel_checks[type_] = row_check(REL_MODELS[type_]) or _never
        props = check(data)
        if props is None:
            return None
        return RelRecord(type_, props.pop("source"), props.pop("target"), props.pop("key", ""), props)

    # ------------------------------------------------------------------ bookkeeping

    def tally(self, what: str) -> Tally:
        found = self.tallies.get(what)
        if found is None:
            found = self.tallies[what] = Tally()
            self.report.count(what)  # the report lists kinds in the order they were met
        return found

    def release(self) -> None:
        """Drop pass 1's indexes of the file (ids, relationships, people, organizations)
        once every row is decided, so that the write pass does not hold them too (a
        million-row file's indexes are hundreds of MB). What the write pass needs stays:
        :attr:`aliases`, :attr:`renamed` and the report."""
        self._seen = {}
        self._seen_rels = {}
        self.people = PersonIndex()
        self.orgs = OrgIndex()
        self.remap = {}
        self._people_ready = self._orgs_ready = False

    def fold(self) -> None:
        """Add the tallies to the report's counts (pass 1 is over: give back a borrowed
        organization index)."""
        if self._borrowed and self.shared_orgs is not None:
            self._borrowed = False
            self.shared_orgs.release()
        for what, t in self.tallies.items():
            counts = self.report.count(what)
            counts.read += t.read
            counts.rejected += t.rejected
            counts.merged += t.merged

    def _ref(self, row: SourceRow, seq: int) -> SourceRef:
        return SourceRef(self.import_id, row.file, row.sheet, row.row if row.row is not None else seq)

    def _reject(self, row: SourceRow, reason: str, column: str | None = None, value: Any = None) -> None:
        self.report.reject(_problem(row, reason, column, value))

    # ------------------------------------------------------------------ nodes

    def groups(self, rows: Iterator[SourceRow]) -> Iterator[list[tuple[int, SourceRow]]]:
        """Consecutive rows from the same source row, numbered in file order."""
        group: list[tuple[int, SourceRow]] = []
        where: tuple[Any, ...] | None = None
        for seq, row in enumerate(rows):
            here = (row.file, row.sheet, row.row)
            if group and (here != where or row.row is None):
                yield group
                group = []
            where = here
            group.append((seq, row))
        if group:
            yield group

    def resolve(self, rows: Iterator[SourceRow]) -> Iterator[Resolved]:
        """Every node record with its outcome, then every relationship record."""
        for group in self.groups(rows):
            yield from self._group(group)
        yield from self._relationships()

    def _group(self, group: list[tuple[int, SourceRow]]) -> Iterator[Resolved]:
        """The node records of one source row (its relationships wait in the spool)."""
        if len(group) > 1 and self._refused_whole(group):
            return
        employer: dict[str, str] = {}
        for _seq, row in group:
            if row.kind == "rel" and not row.error and row.what == RelType.WORKS_AT:
                src, dst = row.data.get("source"), row.data.get("target")
                if isinstance(src, str) and isinstance(dst, str):
                    employer[src] = dst
        # organizations first: a person in the same row is matched at the resolved one
        ordered = sorted(group, key=lambda p: p[1].what != NodeLabel.ORGANIZATION)
        problems = self.report.problems
        for seq, row in ordered:
            if row.kind == "rel" and self.report.problems != problems:
                self._dropped_with_its_row(row.what)
                continue
            out = self._node_or_defer(seq, row, employer)
            if out is not None:
                yield out

    def _dropped_with_its_row(self, what: str) -> None:
        """A relationship of a row whose node was rejected against the file or the store
        (an id already met with other values): not written either, or the row's job would
        go to the person met first under that id."""
        counts = self.tally(what)
        counts.read += 1
        counts.rejected += 1

    # ------------------------------------------------------------------ tables, by chunks

    def resolve_table(
        self,
        cells: Iterator[TableStart | Cells],
        sink: RecordSink,
        file: str,
        owner: str | None = None,
        chunk: int | None = None,
    ) -> Iterator[Resolved]:
        """As :meth:`resolve`, for a CSV or text table (:func:`loaders.tabular.table_cells`),
        a chunk of lines at a time, with the same outcomes, problems and report.

        The mapping is applied a column at a time (:class:`loaders.columnar.TablePlan`);
        a line whose records are all plain (valid, new to the file and the store, no
        merge, rename or review) is decided in a few dict operations and its new records go
        straight to ``sink`` (the writer's spools) as tuples, with no per-record objects;
        every other line goes through the row-by-row path (:meth:`_group`) in its place.
        Records written through ``sink`` are not yielded.
        """
        start = next(cells)
        assert isinstance(start, TableStart)
        plan = TablePlan(start.mapping, start.header, owner, file)
        plan.sheet = self._sheet = start.sheet
        chunk = chunk or columnar.CHUNK_ROWS
        self._plan, self._sink, self._file = plan, sink, file
        while batch := typing.cast(list[Cells], list(islice(cells, chunk))):
            yield from self._table_chunk(plan, batch, file)
        yield from self._relationships()

    def _table_chunk(self, plan: TablePlan, batch: list[Cells], file: str) -> Iterator[Resolved]:
        """One chunk of a table's lines, in order (see :meth:`resolve_table`)."""
        values, repeats = self._columns(plan, batch) if plan.ok else (None, [])
        seen, sink, import_id, report = self._seen, self._sink, self.import_id, self.report
        graph = _node_ids(self.graph)
        assert sink is not None
        counts_of: list[Tally | None] = [None] * len(plan.entries)
        for index, count in enumerate(repeats):  # lines that repeat a known node: counted
            if count:  # (its kind was met with that node: the report's order holds)
                tally = counts_of[index] = self.tally(plan.entries[index].what)
                tally.read += count
                tally.merged += count
        waiting: list[tuple[Any, ...]] = []  # relationships for the spool, in line order
        new_nodes: list[tuple[Any, ...]] = []
        new_rels: list[tuple[Any, ...]] = []
        pending = self._pending
        # each entry's fields as locals (attribute reads add up over millions of lines)
        entries = [
            (ep, ep.index, ep.node, ep.id_at, ep.general, ep.person, ep.what) for ep in plan.ordered
        ]
        works_at = [(ep.index, ep.source_at, ep.target_at) for ep in plan.works_at]
        remap, people, emails, names_at = self.remap, self.people, self.people.emails, None
        for pos, (line, cells) in enumerate(batch):
            items = values[pos] if values is not None else None
            if items is None:  # the row-by-row path
                if isinstance(cells, str):
                    rows = [SourceRow("node", "", {}, file, plan.sheet, line, error=cells)]
                else:
                    rows = list(plan.apply(cells, file, line))
                pending.extend(waiting)
                waiting = []
                yield from self._group([(line, row) for row in rows])
                continue
            ref = (import_id, file, plan.sheet, line)
            problems = report.problems
            for ep, index, node, id_at, general, person, what in entries:
                item = items[index]
                if item is None:
                    continue
                vals, props, name_key, raw = item
                counts = counts_of[index]
                if counts is None:  # the report lists kinds in the order they are met
                    counts = counts_of[index] = self.tally(what)
                if not node and report.problems != problems:  # a node of its line was rejected
                    self._dropped_with_its_row(what)
                    continue
                if not node:
                    # while no relationship waits, a plain one is decided at once (the same
                    # decision as at the end: its ends are known and cannot be remapped
                    # any more, and every earlier relationship is decided)
                    if props is not None and not waiting and not pending.size:
                        spooled = self._plain_rel(ep, line, vals, props, counts, ref)
                        if spooled is not None:
                            new_rels.append(spooled)
                            continue
                    waiting.append((index, line, vals, props))
                    continue
                counts.read += 1
                first = seen.get(vals[id_at]) if raw is not None else None
                if first is not None and first[1] >> _RAW_AT == raw & _MASK:  # type: ignore[operator]
                    counts.merged += 1  # the very same cells as an accepted row
                    continue
                if props is None:
                    row = plan.row(ep, ep.data(vals), line)
                    out = self._validated_node(line, row, raw, counts, _employer(items, works_at))
                    if out is not None:
                        yield out
                    continue
                if general:  # its lines share one dict (TablePlan._distinct_items)
                    props = {**props}
                node_id = props.pop("id")
                if general or node_id in seen or node_id in graph:
                    label = typing.cast(NodeLabel, ep.label)
                    rec = NodeRecord(label, node_id, props)
                    row = plan.row(ep, ep.data(vals), line)
                    out = self._node(line, row, label, rec, raw, counts, _employer(items, works_at))
                    if out is not None:
                        yield out
                    continue
                name = str(props.get("name", ""))
                if person:  # _person, for a person new to the file and the store
                    if names_at is None:
                        self._people_index()
                        people = self.people
                        emails, names_at = people.emails, people.names
                    org = None  # her employer on this line (the last WORKS_AT naming her)
                    for at_index, source_at, target_at in works_at:
                        tie = items[at_index]
                        if tie is not None and tie[0][source_at] == node_id:
                            dst = tie[0][target_at]
                            if isinstance(dst, str):
                                org = dst
                    if org:
                        org = remap.get(org, org)
                    email = props.get("email")
                    email_key = email.strip().casefold() if email else None
                    at = name_at(name_key, org) if org else None
                    if node_id not in people.ids:  # (else known already: not a merge)
                        into: str | None = None
                        if email_key is not None and email_key in emails:
                            into, rule = emails[email_key], "email"
                        elif at is not None:
                            into, rule = names_at.get(at), "name_and_organization"
                        if into is not None and into != node_id:
                            self._merge_person(node_id, name, into, rule)
                            counts.merged += 1
                            continue
                    # not added to people.ids: her id goes into _seen now, which is asked first
                    if email_key is not None:
                        emails.setdefault(email_key, node_id)
                    if at is not None:
                        names_at.setdefault(at, node_id)
                rest = props.copy()  # (C calls, not a comprehension per line)
                rest.pop("name", None)
                try:
                    digest = hash(tuple(sorted(rest.items())))
                except TypeError:
                    digest = _digest(rest)
                seen[intern(node_id)] = (what, _first(line, digest, raw), name, None)
                new_nodes.append((_NODE, what, node_id, props, ref))
        self._pending.extend(waiting)
        sink.add_nodes(new_nodes)
        sink.add_rels(new_rels)

    def _columns(
        self, plan: TablePlan, batch: list[Cells]
    ) -> tuple[columnar.ChunkValues, list[int]]:
        """The chunk's values (:meth:`TablePlan.columns`), the lines that repeat a known
        node's kept row told ahead and only counted, unless another line of the chunk
        names that node with other cells: it may rename the node (a later name wins), after
        which a line repeating the old row is a rename back, not a repeat; then every line
        is decided in order."""
        repeated: set[str] = set()
        other: set[str] = set()

        def known(node_id: str, raw: int) -> bool:
            first = self._seen.get(node_id)
            if first is None:
                return False
            same = bool(first[1] >> _RAW_AT == raw & _MASK)
            (repeated if same else other).add(node_id)
            return same

        values, repeats = plan.columns(batch, known)
        if repeated & other:
            return plan.columns(batch)
        return values, repeats

    def _merge_person(self, node_id: str, name: str, into: str, rule: str) -> None:
        """Note that an incoming person is a known one: remap her id, list the merge."""
        self.remap[node_id] = into
        if into in self.graph:
            into_name = str(self.graph.nodes[into].get("name"))
        else:  # met earlier in this file
            first = self._seen.get(into)
            into_name = str(first[2]) if first is not None and first[2] else into
        self.report.merges.append(
            Merge(incoming_id=node_id, incoming_name=name, into=into, into_name=into_name, rule=rule)
        )

    def _refused_whole(self, group: list[tuple[int, SourceRow]]) -> bool:
        """Whether a source row is refused whole: when one of its entries is bad (a cell
        unread, a value invalid), none of them is written, so ``--skip-invalid`` skips the
        row as the report lists it instead of writing its person without her job. Each
        entry counts as rejected; the bad ones' problems are listed."""
        found = [(row, self._problems_of(seq, row)) for seq, row in group]
        if not any(problems for _, problems in found):
            return False
        for row, problems in found:
            counts = self.tally(row.what or "(unreadable row)")
            counts.read += 1
            counts.rejected += 1
            for reason, column, value in problems:
                self._reject(row, reason, column, value)
        return True

    def _problems_of(self, seq: int, row: SourceRow) -> list[tuple[str, str | None, Any]]:
        """What is wrong with one entry on its own (reason, column, value): what the row
        path would reject it for before looking at the file or the store."""
        if row.error:
            return [(row.error, row.columns.get("(error)"), row.error_value)]
        try:
            if row.kind == "rel":
                type_ = self._rel_types.get(row.what) or RelType(row.what)
                self._fast_rel(type_, row.data) or validate_relationship(type_, row.data, seq)
            else:
                label = self._node_labels.get(row.what) or NodeLabel(row.what)
                self._fast_node(label, row.data) or validate_node(label, row.data, seq)
        except BatchValidationError as exc:
            return [
                (e.reason, row.columns.get(e.field.split(".")[0], e.field), e.value)
                for e in exc.errors
            ]
        except ValueError:
            kinds = RelType if row.kind == "rel" else NodeLabel
            kind = "relationship type" if row.kind == "rel" else "node label"
            return [(f"unknown {kind} {row.what!r}; expected one of {', '.join(kinds)}", None, None)]
        return []

    def _node_or_defer(self, seq: int, row: SourceRow, employer: dict[str, str]) -> Resolved | None:
        counts = self.tally(row.what or "(unreadable row)")
        counts.read += 1
        if row.error:
            self._reject(row, row.error, row.columns.get("(error)"), row.error_value)
            counts.rejected += 1
            return None
        if row.kind == "rel":
            self._pending.add((seq, row.what, row.data, row.file, row.sheet, row.row, row.columns))
            counts.read -= 1  # counted when it is read back
            return None
        raw = _raw_key(row)
        first = self._seen.get(row.data.get("id")) if raw is not None else None  # type: ignore[arg-type]
        if first is not None and first[1] >> _RAW_AT == raw & _MASK:  # type: ignore[operator]
            counts.merged += 1  # the very same cells as an accepted row: nothing new
            return None
        return self._validated_node(seq, row, raw, counts, employer)

    def _validated_node(
        self, seq: int, row: SourceRow, raw: int | None, counts: Tally, employer: dict[str, str]
    ) -> Resolved | None:
        """A node row past the repeat check: validated, then decided by :meth:`_node`."""
        try:
            label = self._node_labels.get(row.what) or NodeLabel(row.what)
            rec = self._fast_node(label, row.data) or validate_node(label, row.data, seq)
        except ValueError as exc:
            errors = exc.errors if isinstance(exc, BatchValidationError) else []
            for e in errors:
                self._reject(row, e.reason, row.columns.get(e.field.split(".")[0], e.field), e.value)
            if not errors:
                self._reject(
                    row, f"unknown node label {row.what!r}; expected one of {', '.join(NodeLabel)}"
                )
            counts.rejected += 1
            return None
        return self._node(seq, row, label, rec, raw, counts, employer)

    def _node(
        self,
        seq: int,
        row: SourceRow,
        label: NodeLabel,
        rec: NodeRecord,
        raw: int | None,
        counts: Tally,
        employer: dict[str, str],
    ) -> Resolved | None:
        """A valid node row: resolved, checked against the file and the store, decided."""
        ref = self._ref(row, seq)
        node_id = rec.id
        if label == NodeLabel.ORGANIZATION and row.resolve and node_id not in self._seen:
            decided = self._organization(row, rec, ref, counts)
            if decided is not None:
                return decided
        if label == NodeLabel.PERSON and row.resolve and node_id not in self._seen:
            org = employer.get(node_id)
            org = self.remap.get(org, org) if org else None
            decided = self._person(rec, ref, counts, org)
            if decided is not None:
                return decided
        known = self._label(node_id)
        if known is not None and known != label and node_id not in self._seen:
            self._reject(row, f"id already used by a node labelled {known}", "id", node_id)
            counts.rejected += 1
            return None
        name = str(rec.props.get("name", ""))
        # a rename is a row that differs in its name (and the date that orders names) alone
        digest = _digest({k: v for k, v in rec.props.items() if k not in ("name", row.dated_by)})
        if node_id in self._seen:
            first_label, packed, first_name, _ = self._seen[node_id]
            first_row, first_digest = _first_row(packed), _first_digest(packed)
            if first_label != label:
                reason = f"id also used by a {first_label} row (row {first_row}) in this file"
            elif first_digest != digest:
                reason = f"conflicts with row {first_row}: same id, different values"
            elif same_spelling(name, first_name, label == NodeLabel.PERSON):
                counts.merged += 1  # the same row again (or its name spelt so): nothing new
                return None
            else:
                why = self._rename_in_file(row, node_id, str(label), name, first_row, raw)
                if why is None:
                    counts.merged += 1
                    return None
                reason = why
            self._reject(row, reason, "id", node_id)
            counts.rejected += 1
            return None
        stored = self._stored_name(node_id)
        if stored is not None and name and stored != name:
            kept = self._rename_stored(row, rec, stored, label == NodeLabel.PERSON)
            if kept is None:
                self._reject(
                    row,
                    f"id already stored with the name {stored!r} (renames: error)",
                    "name",
                    name,
                )
                counts.rejected += 1
                return None
            rec = kept
            name = str(rec.props.get("name", name))
        self._seen[intern(node_id)] = (
            str(label), _first(row.row or seq, digest, raw), name, _dated(row, rec.props)
        )
        return Resolved(rec, ref, "new")

    def _held_in_queue(self, node_id: str) -> str | None:
        """The open review item holding ``node_id`` back (from an earlier load), if any."""
        if self._held_ids is None:
            self._held_ids = {}
            held = getattr(self.queue, "held", None) or {}
            for review_id, forms in held.items():
                if forms and forms[0][0] == "node":
                    self._held_ids.setdefault(forms[0][2], review_id)
        return self._held_ids.get(node_id)

    # ------------------------------------------------------------------ renames

    def _stored_name(self, node_id: str) -> str | None:
        if node_id in self.graph:
            value = self.graph.nodes[node_id].get("name")
            return str(value) if value is not None else None
        return None

    def _rename(
        self,
        node_id: str,
        label: str,
        old: str,
        new: str,
        kept: str,
        row: SourceRow,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Note a rename: the kept name (with ``extra``, the kept row's date), the other as
        an alias, and a line in the report."""
        other = new if kept == old else old
        entry = self.renamed.setdefault(node_id, (label, kept, [], {}))
        self.renamed[node_id] = (label, kept, [*entry[2], other], {**entry[3], **(extra or {})})
        self.report.renames.append(
            Rename(
                id=node_id,
                label=label,
                old_name=old,
                new_name=new,
                kept=kept,
                file=row.file,
                sheet=row.sheet,
                row=row.row,
            )
        )

    def _rename_in_file(
        self, row: SourceRow, node_id: str, label: str, name: str, first_row: int, raw: int | None
    ) -> str | None:
        """Apply the row's rename policy to a second name in the file; a reason to reject
        the row, or ``None`` when the names were reconciled.

        When the new name is kept, this row's cells (``raw``) become the ones a repeat is
        told by: undated rows go in file order, so a later row naming the entity as an
        earlier one did (Facebook, Meta, Facebook) renames it back, not repeats."""
        seen = self._seen[node_id]
        old, old_date = seen[2], seen[3]
        policy = row.renames
        if policy == "error":
            return f"renamed: row {first_row} calls it {old!r} (renames: error)"
        new_date = _dated(row, row.data)
        later = policy == "keep_last" or (
            policy == "latest" and (old_date is None or new_date is None or new_date >= old_date)
        )
        kept = name if later else old
        extra = {row.dated_by: row.data[row.dated_by]} if later and new_date and row.dated_by else None
        self._rename(node_id, label, old, name, kept, row, extra)
        if later:
            packed = _first(_first_row(seen[1]), _first_digest(seen[1]), raw)
            self._seen[node_id] = (seen[0], packed, name, new_date or old_date)
        return None

    def _rename_stored(
        self, row: SourceRow, rec: NodeRecord, stored: str, person: bool = False
    ) -> NodeRecord | None:
        """A known id under another name: the record to write, or ``None`` (policy error).
        A spelling of the stored name (case, accents, punctuation, spacing) is no rename:
        the stored name stays, whatever the policy."""
        if same_spelling(str(rec.props["name"]), stored, person):
            return NodeRecord(rec.label, rec.id, {**rec.props, "name": stored})
        policy = row.renames
        if policy == "error":
            return None
        name = str(rec.props["name"])
        stored_date = None
        if row.dated_by and rec.id in self.graph:
            value = self.graph.nodes[rec.id].get(row.dated_by)
            stored_date = str(value) if value is not None else None
        new_date = _dated(row, rec.props)
        later = policy in ("keep_last", "latest") and not (
            policy == "latest" and stored_date and new_date and new_date < stored_date
        )
        kept = name if later else stored
        self._rename(rec.id, str(rec.label), stored, name, kept, row)
        if later:
            return rec
        return NodeRecord(rec.label, rec.id, {**rec.props, "name": stored})

    def _organization(
        self, row: SourceRow, rec: NodeRecord, ref: SourceRef, counts: Tally
    ) -> Resolved | None:
        node_id = rec.id
        name = str(rec.props.get("name", node_id))
        country = rec.props.get("country")
        match = self._org_index().match(
            node_id, name, self.queue, country=str(country) if country else None
        )
        if match.rule == "ambiguous" and match.review is not None:
            review_id = match.review.review_id
            why = match.review.reason or "might be an existing organization"
            self.report.ambiguities.append(
                Ambiguity(
                    review_id=review_id,
                    incoming_id=node_id,
                    incoming_name=name,
                    candidates=match.review.candidates,
                )
            )
            self.remap[node_id] = HELD + review_id
            self.report.held.append(
                _problem(
                    row,
                    f"held for review ({review_id}): {why}",
                    "name",
                    rec.props.get("name"),
                )
            )
            counts.rejected += 1
            return Resolved(rec, ref, "held", review_id)
        if match.into is not None and match.into != node_id:
            self.remap[node_id] = match.into
            if name and name != self.orgs.names.get(match.into):
                self.aliases.setdefault(match.into, []).append(name)
            self.report.merges.append(
                Merge(
                    incoming_id=node_id,
                    incoming_name=name,
                    into=match.into,
                    into_name=self.orgs.names.get(match.into, match.into),
                    rule=match.rule,
                    score=match.score,
                )
            )
            counts.merged += 1
            return Resolved(rec, ref, "merged")
        if row.derived_id:  # ids made from names: variants within the file are one entity
            self.orgs.add(node_id, name, rec.props.get("aliases"), country)
        return None

    def _person(
        self, rec: NodeRecord, ref: SourceRef, counts: Tally, org: str | None
    ) -> Resolved | None:
        node_id = rec.id
        name = str(rec.props.get("name", ""))
        match = self._people_index().match(node_id, name, rec.props.get("email"), org)
        if match.into is not None and match.into != node_id:
            self._merge_person(node_id, name, match.into, match.rule)
            counts.merged += 1
            return Resolved(rec, ref, "merged")
        self.people.add(node_id, name, rec.props.get("email"), [org] if org else [])
        return None

    # ------------------------------------------------------------------ relationships

    def _plain_rel(
        self,
        ep: EntryPlan,
        line: int,
        vals: tuple[Any, ...],
        props: dict[str, Any],
        counts: Tally | None = None,
        ref: tuple[str, str, str | None, int] | None = None,
    ) -> tuple[Any, ...] | None:
        """A table line's checked relationship decided in a few dict operations when it is
        plain (no end remapped, both ends known with allowed labels, new to the file): the
        spool's tuple for it, its identity noted; ``None`` (and nothing changed) for any
        other, which :meth:`_relationship` decides."""
        remap = self.remap
        if remap:
            src, dst = vals[ep.source_at], vals[ep.target_at]
            if (isinstance(src, str) and src in remap) or (isinstance(dst, str) and dst in remap):
                return None  # checked before its ends were remapped
        source, target, key = props["source"], props["target"], props.get("key", "")
        seen, graph = self._seen, self.graph
        at_source, at_target = seen.get(source), seen.get(target)
        source_label = (
            at_source[0]
            if at_source is not None
            else graph.nodes[source].get("label") if source in graph else None
        )
        target_label = (
            at_target[0]
            if at_target is not None
            else graph.nodes[target].get("label") if target in graph else None
        )
        sources, targets = ep.ends
        if source_label not in sources or target_label not in targets:
            return None
        # the ends as the node index holds them: one string per id, not one per row
        ident = (ep.what, intern(source), intern(target), key)
        if ident in self._seen_rels:
            return None
        del props["source"], props["target"]
        props.pop("key", None)
        (counts or self.tally(ep.what)).read += 1
        try:
            digest = hash(tuple(sorted(props.items())))
        except TypeError:  # a list value
            digest = _digest(props)
        self._seen_rels[ident] = _row_digest(line, digest)
        ref = ref or (self.import_id, self._file, self._sheet, line)
        return (_REL, ep.what, ident[1], ident[2], key, props, ref)

    def _relationships(self) -> Iterator[Resolved]:
        """Every waiting relationship, in file order. One of a table line (see
        :meth:`resolve_table`) that is plain (checked valid, no end remapped, both ends
        known with allowed labels, new to the file) goes straight to the sink, in a few
        dict operations; any other takes :meth:`_relationship`."""
        plan, sink = self._plan, self._sink
        new_rels: list[tuple[Any, ...]] = []
        for item in self._pending:
            if len(item) == 7:
                seq, what, data, file, sheet, line, columns = item
                out = self._relationship(seq, SourceRow("rel", what, data, file, sheet, line, columns))
                if out is not None:
                    yield out
                continue
            assert plan is not None and sink is not None
            index, line, vals, props = item
            ep = plan.entries[index]
            if props is not None:
                spooled = self._plain_rel(ep, line, vals, props)
                if spooled is not None:
                    new_rels.append(spooled)
                    if len(new_rels) >= columnar.CHUNK_ROWS:
                        sink.add_rels(new_rels)
                        new_rels = []
                    continue
            out = self._relationship(line, plan.row(ep, ep.data(vals), line))
            if out is not None:
                yield out
        if new_rels:
            assert sink is not None
            sink.add_rels(new_rels)
        self._pending.close()

    def _relationship(self, seq: int, row: SourceRow) -> Resolved | None:
        counts = self.tally(row.what)
        counts.read += 1
        try:
            type_ = self._rel_types.get(row.what) or RelType(row.what)
        except ValueError:
            self._reject(
                row, f"unknown relationship type {row.what!r}; expected one of {', '.join(RelType)}"
            )
            counts.rejected += 1
            return None
        data = {**row.data}
        held: str | None = None
        for end in ("source", "target"):
            value = data.get(end)
            if isinstance(value, str) and value in self.remap:
                target = self.remap[value]
                if target.startswith(HELD):
                    held = target[len(HELD) :]
                else:
                    data[end] = target
        try:
            rec = self._fast_rel(type_, data) or validate_relationship(type_, data, seq)
        except BatchValidationError as exc:
            for e in exc.errors:
                self._reject(row, e.reason, row.columns.get(e.field, e.field), e.value)
            counts.rejected += 1
            return None
        ref = self._ref(row, seq)
        if held is not None:
            self.report.held.append(
                _problem(
                    row,
                    f"held for review ({held}): its organization might be an existing one",
                    row.columns.get("source"),
                )
            )
            counts.rejected += 1
            return Resolved(rec, ref, "held", held)
        sources, targets = REL_ENDPOINTS[type_]
        for end, value, allowed in (("source", rec.source, sources), ("target", rec.target, targets)):
            found = self._label(value)
            waiting = self._held_in_queue(value) if found is None else None
            if waiting is not None:  # held by an earlier load: this row waits with it
                self.report.held.append(
                    _problem(
                        row,
                        f"held for review ({waiting}): {value} waits for a review decision",
                        row.columns.get(end, end),
                        value,
                    )
                )
                counts.rejected += 1
                return Resolved(rec, ref, "held", waiting)
            if found not in allowed:
                want = " or ".join(sorted(allowed))
                self._reject(
                    row,
                    f"no {want} with this id in the file or the store"
                    + (f" (it is a {found})" if found else ""),
                    row.columns.get(end, end),
                    value,
                )
                counts.rejected += 1
                return None
        ident = (str(type_), rec.source, rec.target, rec.key)
        digest = _digest(rec.props)
        if ident in self._seen_rels:
            first_row, first_digest = _row_and_digest(self._seen_rels[ident])
            if first_digest == digest:
                counts.merged += 1  # the same relationship again: nothing new
                return Resolved(rec, ref, "repeat")
            self._reject(row, f"conflicts with row {first_row}: same relationship, different values")
            counts.rejected += 1
            return None
        self._seen_rels[ident] = _row_digest(row.row or seq, digest)
        return Resolved(rec, ref, "new")


_MASK = (1 << 64) - 1
_ROWS = (1 << 40) - 1
_RAW_AT = 104


def _first(row: int, digest: int, raw: int | None) -> int:
    """A node's first row, the digest of its values and the fingerprint of its cells
    (``None``: cannot be fingerprinted, never equal to one) as one int: one object instead
    of three (and a longer tuple), per node of a million-row file. The cells compare as
    ``packed >> _RAW_AT == raw & _MASK``.

    >>> p = _first(7, -3, 12)
    >>> _first_row(p), _first_digest(p), p >> _RAW_AT == 12 & _MASK
    (7, -3, True)
    >>> _first(7, -3, None) >> _RAW_AT == 12 & _MASK
    False
    """
    cells = (1 << 64) if raw is None else raw & _MASK
    return (cells << _RAW_AT) | ((digest & _MASK) << 40) | (row & _ROWS)


def _first_row(packed: int) -> int:
    return packed & _ROWS


def _first_digest(packed: int) -> int:
    digest = (packed >> 40) & _MASK
    return digest - (1 << 64) if digest >> 63 else digest


def _row_digest(row: int, digest: int) -> int:
    """A row number and a 64-bit digest as one int (one object, not a tuple of three, per
    relationship of a million-row file).

    >>> _row_and_digest(_row_digest(12, -5))
    (12, -5)
    """
    return (row << 64) | (digest & _MASK)


def _row_and_digest(packed: int) -> tuple[int, int]:
    """The row and the (signed) digest of :func:`_row_digest`."""
    digest = packed & _MASK
    return packed >> 64, digest - (1 << 64) if digest >> 63 else digest


def _dated(row: SourceRow, data: dict[str, Any]) -> str | None:
    """The date that orders a row's name (its ``dated_by`` field), as a sortable string."""
    if not row.dated_by:
        return None
    value = data.get(row.dated_by)
    return str(value) if value not in (None, "") else None


def _never(data: dict[str, Any]) -> None:
    return None


def _node_ids(graph: nx.MultiDiGraph) -> Container[Any]:
    """What ``id in graph`` asks, without a method call per id: networkx's own dict of
    nodes when it has one (``MultiDiGraph.__contains__`` is a Python method), else the
    graph."""
    nodes = getattr(graph, "_node", None)
    return nodes if type(nodes) is dict else graph


def _employer(items: Sequence[Any], works_at: list[tuple[int, int, int]]) -> dict[str, str]:
    """Person id -> organization id of a table line's WORKS_AT items (its :data:`~loaders.
    columnar.Item` per entry; ``works_at``: each WORKS_AT entry's index and where its
    source and target are), as :meth:`Resolver._group` finds them in a row's records."""
    employer: dict[str, str] = {}
    for index, source_at, target_at in works_at:
        item = items[index]
        if item is not None:
            src, dst = item[0][source_at], item[0][target_at]
            if isinstance(src, str) and isinstance(dst, str):
                employer[src] = dst
    return employer


def _problem(row: SourceRow, reason: str, column: str | None = None, value: Any = None) -> RowProblem:
    """A problem as a reader of the file says it: a required value left empty says so
    rather than the validator's "Field required"."""
    if reason == "Field required":
        reason = "required, but empty or missing"
    return RowProblem(
        file=row.file, sheet=row.sheet, row=row.row, column=column, value=value, reason=reason
    )


def _digest(data: dict[str, Any]) -> int:
    """A fingerprint of validated values, to tell a repeated row from a conflicting one."""
    try:
        return hash(tuple(sorted(data.items())))
    except TypeError:  # a list value
        return hash(repr(sorted(data.items())))


def _raw_key(row: SourceRow) -> int | None:
    """A fingerprint of a node row's cells as read, or ``None`` if they cannot be hashed
    (:func:`loaders.columnar.cells_key`, as the chunked path computes it)."""
    return cells_key(row.what, tuple(row.data), tuple(row.data.values()))
