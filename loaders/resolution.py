"""Pass 1 of an import: validate each row and decide what becomes of it.

Rows arrive grouped by the source row they came from (a contacts row is a person, an
organization and a WORKS_AT tie), so resolution sees each source row whole: a person is
matched by email, else by name at the organization the same row names. Every record gets
an explicit :data:`Outcome`; relationship rows wait (on disk) until every node row has been
seen, since a file may name an end before defining it.
"""

from __future__ import annotations

import typing
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from operator import gt, itemgetter
from sys import intern
from typing import Any, Literal, Protocol

import networkx as nx

from graph.prop_columns import PropColumns
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
    the tuples :class:`graph.writer.Writer` spools, many at a time, or an entry's records
    as columns (:meth:`graph.writer.Writer.add_columns`)."""

    def add_nodes(self, items: list[tuple[Any, ...]]) -> None: ...

    def add_rels(self, items: list[tuple[Any, ...]]) -> None: ...

    def add_columns(
        self,
        kind: int,
        what: str,
        ends: list[list[str]],
        props: PropColumns,
        origin: tuple[str, str, str | None],
        rows: list[int],
    ) -> None: ...


@dataclass(slots=True)
class Resolved:
    """One validated record, where it came from, and what becomes of it."""

    record: NodeRecord | RelRecord
    source: SourceRef
    outcome: Outcome
    review_id: str | None = None


@dataclass(slots=True)
class _Clean:
    """One entry's part of a clean chunk (:meth:`Resolver._clean_chunk`): the lines of its
    new records (by place in the chunk) with their checked properties, cell fingerprints
    and normalized names; for nodes their ids, every line naming the entry (new or a
    repeat) and, for people, what the person index learns (email -> id, name at employer
    -> id); for relationships their identities."""

    ep: EntryPlan
    lines: list[int]
    props: PropColumns
    raws: list[int | None] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    named: list[int] = field(default_factory=list)
    people: tuple[dict[str, str], dict[str, str]] | None = None
    idents: list[tuple[str, str, str, str]] = field(default_factory=list)


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
                    self.people.add(
                        node,
                        str(data.get("name", node)),
                        data.get("email"),
                        employers,
                        data.get("linkedin"),
                    )
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
        blocks: Iterator[TableStart | list[Cells]],
        sink: RecordSink,
        file: str,
        owner: str | None = None,
        chunk: int | None = None,
    ) -> Iterator[Resolved]:
        """As :meth:`resolve`, for a CSV or text table read in blocks of lines
        (:func:`loaders.tabular.table_blocks`), a chunk of lines at a time, with the same
        outcomes, problems and report.

        The mapping is applied a column at a time (:class:`loaders.columnar.TablePlan`);
        a line whose records are all plain (valid, new to the file and the store, no
        merge, rename or review) is decided in a few dict operations and its new records go
        straight to ``sink`` (the writer's spools) as tuples, with no per-record objects;
        every other line goes through the row-by-row path (:meth:`_group`) in its place.
        Records written through ``sink`` are not yielded.
        """
        start = next(blocks)
        assert isinstance(start, TableStart)
        plan = TablePlan(start.mapping, start.header, owner, file)
        plan.sheet = self._sheet = start.sheet
        chunk = chunk or columnar.CHUNK_ROWS
        self._plan, self._sink, self._file = plan, sink, file
        cells = chain.from_iterable(typing.cast(Iterator[list[Cells]], blocks))  # lines, in C
        while batch := list(islice(cells, chunk)):
            yield from self._table_chunk(plan, batch, file)
        yield from self._relationships()

    def _table_chunk(self, plan: TablePlan, batch: list[Cells], file: str) -> Iterator[Resolved]:
        """One chunk of a table's lines, in order (see :meth:`resolve_table`)."""
        chunk = self._columns(plan, batch) if plan.ok else None
        repeats = chunk.repeats if chunk is not None else []
        seen, sink, import_id, report = self._seen, self._sink, self.import_id, self.report
        graph = _node_ids(self.graph)
        assert sink is not None
        counts_of: list[Tally | None] = [None] * len(plan.entries)
        for index, count in enumerate(repeats):  # lines that repeat a known node: counted
            if count:  # (its kind was met with that node: the report's order holds)
                tally = counts_of[index] = self.tally(plan.entries[index].what)
                tally.read += count
                tally.merged += count
        if chunk is not None and self._clean_chunk(plan, batch, chunk, counts_of):
            return
        values = chunk.lines() if chunk is not None else None
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
                            if into is not None and people.other_profile(
                                into, props.get("linkedin")
                            ):
                                into = None  # two LinkedIn profiles: two people
                        if into is not None and into != node_id:
                            self._merge_person(node_id, name, into, rule)
                            counts.merged += 1
                            continue
                    # not added to people.ids: her id goes into _seen now, which is asked first
                    if email_key is not None:
                        emails.setdefault(email_key, node_id)
                    if at is not None:
                        names_at.setdefault(at, node_id)
                    if "linkedin" in props:
                        people.note_profile(node_id, props["linkedin"])
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

    def _clean_chunk(
        self,
        plan: TablePlan,
        batch: list[Cells],
        chunk: columnar.Chunk,
        counts_of: list[Tally | None],
    ) -> bool:
        """Decide a clean chunk a column at a time, with the outcome the line-by-line loop
        of :meth:`_table_chunk` gives; ``False`` (and nothing changed: everything is checked
        before anything is changed) when the chunk is not clean. Clean: every line good; no
        organization to decide by name (each a repeat of a known one); every node new to
        the file and the store, or a repeat of the very same cells as a line before it; no
        person matching another by email or by name at her employer; every relationship
        plain (new to the file, its ends known or made earlier on its line or on an earlier
        line, with labels its type allows, none remapped). On a large clean file that is
        every chunk after the first few, at a fraction of the loop's dict operations."""
        if self._pending.size or not chunk.clean:
            return False
        by_entry = chunk.entries
        place = {ep.index: k for k, ep in enumerate(plan.ordered)}  # an entry's place on a line
        named = [ep for ep in plan.ordered if by_entry[ep.index].present()]
        if any(ep.general and ep.node for ep in named):
            return False  # an organization to resolve, or a name dated for renames
        nodes: list[_Clean] = []
        made: dict[str, tuple[int, str]] = {}  # new id -> (where it is made, its label)
        for ep in (e for e in named if e.node):
            clean = self._fresh_nodes(ep, by_entry[ep.index])
            if clean is None:
                return False
            before = len(made)
            where = [i * len(place) + place[ep.index] for i in clean.lines]
            made.update(zip(clean.ids, zip(where, repeat(ep.what)), strict=True))
            if len(made) != before + len(clean.ids):
                return False  # two entries make one id
            nodes.append(clean)
        if made and _any_in(_node_ids(self.graph), made):
            return False
        for clean in nodes:
            if clean.ep.person and not self._new_people(plan, chunk, clean):
                return False
        rels: list[_Clean] = []
        idents: set[tuple[str, str, str, str]] = set()
        for ep in (e for e in named if not e.node):
            clean = self._plain_rels(ep, by_entry[ep.index], made, len(place), place[ep.index])
            if clean is None:
                return False
            before = len(idents)
            idents.update(clean.idents)
            if len(idents) != before + len(clean.idents):
                return False  # one relationship twice
            rels.append(clean)
        self._decide_clean(plan, batch, nodes, rels, counts_of, place)
        return True

    def _new_people(self, plan: TablePlan, chunk: columnar.Chunk, clean: _Clean) -> bool:
        """Whether none of a clean chunk's new people matches another by email or by name
        at her employer (known, or another line of the chunk); if so, ``clean.people``
        holds what the person index learns of them."""
        people = self._people_index()
        if not people.ids.isdisjoint(clean.ids):
            return False
        employers = _employers(plan, chunk, clean.lines, clean.ids)
        remap = self.remap
        if remap:
            employers = [remap.get(o, o) if o else o for o in employers]
        given: list[Any] = clean.props.get("email")
        keys = clean.keys
        if None in given or "" in given:
            emails = [e.strip().casefold() if e else None for e in given]
        else:  # every person with an email: in C
            emails = list(map(str.casefold, map(str.strip, given)))
        if None in employers or "" in employers:
            ats = [f"{k}\x00{o}" if o else None for k, o in zip(keys, employers, strict=True)]
        else:  # every person with an employer on her line
            ats = list(map("{}\x00{}".format, keys, employers))
        by_email: list[tuple[Any, str]] = list(zip(emails, clean.ids, strict=True))
        if None in emails:
            by_email = [(e, i) for e, i in by_email if e is not None]
        by_name: list[tuple[Any, str]] = list(zip(ats, clean.ids, strict=True))
        if None in ats:
            by_name = [(a, i) for a, i in by_name if a is not None]
        given_emails = dict(by_email)
        given_names = dict(by_name)
        if (
            len(given_emails) != len(by_email)
            or not people.emails.keys().isdisjoint(given_emails)
            or len(given_names) != len(by_name)
            or not people.names.keys().isdisjoint(given_names)
        ):
            return False
        clean.people = (given_emails, given_names)
        return True

    def _plain_rels(
        self,
        ep: EntryPlan,
        entry: columnar.EntryColumns,
        made: dict[str, tuple[int, str]],
        width: int,
        here: int,
    ) -> _Clean | None:
        """A relationship entry's lines in a clean chunk (see :meth:`_clean_chunk`), or
        ``None`` when one of them is not plain (:meth:`_plain_rel`); ``made``: the chunk's
        new nodes, where each is made (line times ``width`` plus its entry's place) and its
        label; ``here``: this entry's place on a line."""
        lines = entry.present()
        if self.remap and _remapped(self.remap, entry, lines):
            return None  # checked before its ends were remapped
        props = entry.props.take(lines)
        sources = list(map(intern, props.get("source")))
        targets = list(map(intern, props.get("target")))
        at = [i * width + here for i in lines]  # where each of these ties is on its line
        for ends, allowed in zip((sources, targets), ep.ends, strict=True):
            news: list[Any] = list(map(made.get, ends))  # (where it is made, label) if new
            places = at
            if None in news:  # ends known before the chunk: each distinct one asked once
                others = {e for e, new in zip(ends, news, strict=True) if new is None}
                if not set(map(self._label, others)) <= allowed:
                    return None
                kept = [(new, p) for new, p in zip(news, at, strict=True) if new is not None]
                news, places = list(map(_FIRST, kept)), list(map(_SECOND, kept))
            if news and (
                not set(map(_SECOND, news)) <= allowed
                or any(map(gt, map(_FIRST, news), places))
            ):
                return None  # an end of another label, or made later: the loop lets it wait
        idents = list(zip(repeat(ep.what), sources, targets, props.get("key", "")))
        if not self._seen_rels.keys().isdisjoint(idents):
            return None
        return _Clean(ep, lines, props, idents=idents)

    def _decide_clean(
        self,
        plan: TablePlan,
        batch: list[Cells],
        nodes: list[_Clean],
        rels: list[_Clean],
        counts_of: list[Tally | None],
        place: dict[int, int],
    ) -> None:
        """Apply a clean chunk's outcome (see :meth:`_clean_chunk`): what the loop would
        count, note and hand to the sink, in the same order: each entry's records as one
        block of columns when no two entries make one label or type (the same batches
        either way), else tuples in line order."""
        met = {c.ep.index: (c.named[0], place[c.ep.index]) for c in nodes}
        met.update((c.ep.index, (c.lines[0], place[c.ep.index])) for c in rels)
        for index in sorted(met, key=met.__getitem__):  # the report lists kinds as met
            if counts_of[index] is None:
                counts_of[index] = self.tally(plan.entries[index].what)
        line_of = list(map(_FIRST, batch))
        width, seen = len(place), self._seen
        node_blocks: list[tuple[_Clean, list[list[str]], list[int], PropColumns]] = []
        rel_blocks: list[tuple[_Clean, list[list[str]], list[int], PropColumns]] = []
        for c in nodes:
            rows = [line_of[i] for i in c.lines]
            props = c.props.without("id")
            names = list(map(str, props.get("name", "")))
            firsts = [
                (((1 << 64) if r is None else r & _MASK) << _RAW_AT) | ((d & _MASK) << 40) | w
                for r, d, w in zip(c.raws, _column_digests(props.without("name")), rows, strict=True)
            ]
            ids = list(map(intern, c.ids))
            seen.update(zip(ids, zip(repeat(c.ep.what), firsts, names, repeat(None)), strict=False))
            counts = counts_of[c.ep.index]
            assert counts is not None
            counts.read += len(c.named)
            counts.merged += len(c.named) - len(ids)  # repeats of the very same cells
            if c.people is not None:
                self.people.emails.update(c.people[0])
                self.people.names.update(c.people[1])
                if "linkedin" in c.ep.names:  # (a profile per person: a mapping says so)
                    for node_id, profile in zip(ids, props.get("linkedin"), strict=True):
                        self.people.note_profile(node_id, profile)
            node_blocks.append((c, [ids], rows, props))
        for c in rels:
            rows = [line_of[i] for i in c.lines]
            props = c.props.without("source", "target", "key")
            digests = _column_digests(props)
            firsts = [(w << 64) | (d & _MASK) for w, d in zip(rows, digests, strict=True)]
            self._seen_rels.update(zip(c.idents, firsts, strict=True))
            counts = counts_of[c.ep.index]
            assert counts is not None
            counts.read += len(c.idents)
            ends = [list(map(get, c.idents)) for get in (_SECOND, _THIRD, _FOURTH)]
            rel_blocks.append((c, ends, rows, props))
        sink = self._sink
        assert sink is not None
        if (
            len({c.ep.what for c, _, _, _ in node_blocks}) == len(node_blocks)
            and len({c.ep.what for c, _, _, _ in rel_blocks}) == len(rel_blocks)
        ):  # an entry's records apart from another's: the same batches (one per label)
            origin = (self.import_id, self._file, plan.sheet)
            for kind, blocks in ((_NODE, node_blocks), (_REL, rel_blocks)):
                for c, ends, rows, props in blocks:
                    sink.add_columns(kind, c.ep.what, ends, props, origin, rows)
            return
        refs = list(zip(repeat(self.import_id), repeat(self._file), repeat(plan.sheet), line_of))
        node_out: list[tuple[list[int], Iterable[tuple[Any, ...]]]] = [
            (
                [i * width + place[c.ep.index] for i in c.lines],
                zip(
                    repeat(_NODE),
                    repeat(c.ep.what),
                    ends[0],
                    props.dicts(),
                    map(refs.__getitem__, c.lines),
                ),
            )
            for c, ends, _, props in node_blocks
        ]
        rel_out: list[tuple[list[int], Iterable[tuple[Any, ...]]]] = [
            (
                [i * width + place[c.ep.index] for i in c.lines],
                (
                    (_REL, *ident, props, ref)
                    for ident, props, ref in zip(
                        c.idents, kept.dicts(), map(refs.__getitem__, c.lines), strict=True
                    )
                ),
            )
            for c, _, _, kept in rel_blocks
        ]
        sink.add_nodes(_in_line_order(node_out))
        sink.add_rels(_in_line_order(rel_out))

    def _fresh_nodes(self, ep: EntryPlan, entry: columnar.EntryColumns) -> _Clean | None:
        """A node entry's lines in a chunk for :meth:`_clean_chunk`: its new nodes (each
        id's first line), every other line repeating the very same cells as a line before
        it (the loop counts those merged); ``None`` when a line names a node of the store,
        repeats an id with other cells, or gives an id other than it was checked."""
        named = entry.present()
        whole = len(named) == entry.size
        props = entry.props if whole else entry.props.take(named)
        ids = props.get("id")
        read = entry.cols[ep.id_at] if entry.cols else []
        if (list(read) if whole else [read[i] for i in named]) != ids:
            return None
        raws = entry.raws if whole else [entry.raws[i] for i in named]
        keys = entry.keys if whole else [entry.keys[i] for i in named]
        first_of = dict(zip(reversed(ids), range(len(ids) - 1, -1, -1), strict=True))
        seen = self._seen
        # (asked of each id of the chunk: `seen.keys() & ...` would copy all of `seen`)
        known = set() if seen.keys().isdisjoint(first_of) else set(filter(seen.__contains__, first_of))
        if len(first_of) == len(ids) and not known:
            return _Clean(ep, named, props, raws, keys, ids=ids, named=named)
        for k, node_id in enumerate(ids):
            raw = raws[k]
            if node_id in known:
                same = raw is not None and seen[node_id][1] >> _RAW_AT == raw & _MASK
            else:
                first = first_of[node_id]
                same = first == k or (raw is not None and raws[first] == raw)
            if not same:
                return None
        keep = sorted(k for node_id, k in first_of.items() if node_id not in known)
        return _Clean(
            ep,
            [named[k] for k in keep],
            props.take(keep),
            [raws[k] for k in keep],
            [keys[k] for k in keep],
            ids=[ids[k] for k in keep],
            named=named,
        )

    def _columns(self, plan: TablePlan, batch: list[Cells]) -> columnar.Chunk:
        """The chunk's values (:meth:`TablePlan.chunk`), the lines that repeat a known
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

        chunk = plan.chunk(batch, known)
        if repeated & other:
            return plan.chunk(batch)
        return chunk

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
        if not later and self._former_name(node_id, name, label == NodeLabel.PERSON):
            return None  # a former name the store knows, dated before the kept one: old news
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
        stored_date, value = None, None
        if row.dated_by and rec.id in self.graph:
            value = self.graph.nodes[rec.id].get(row.dated_by)
            stored_date = str(value) if value is not None else None
        new_date = _dated(row, rec.props)
        later = policy in ("keep_last", "latest") and not (
            policy == "latest" and stored_date and new_date and new_date < stored_date
        )
        kept = name if later else stored
        if later or not self._former_name(rec.id, name, person):
            self._rename(rec.id, str(rec.label), stored, name, kept, row)  # (else: old news)
        if later:
            return rec
        props = {**rec.props, "name": stored}
        if row.dated_by and value is not None:  # an earlier name's date is not the name's
            props[row.dated_by] = value
        return NodeRecord(rec.label, rec.id, props)

    def _former_name(self, node_id: str, name: str, person: bool) -> bool:
        """Whether the store already knows ``name`` as one of the entity's former names (an
        alias): a row naming it so, dated before the stored name, tells nothing new."""
        aliases = self.graph.nodes[node_id].get("aliases") if node_id in self.graph else None
        return isinstance(aliases, list) and any(
            same_spelling(name, str(a), person) for a in aliases
        )

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
        profile = rec.props.get("linkedin")
        match = self._people_index().match(node_id, name, rec.props.get("email"), org, profile)
        if match.into is not None and match.into != node_id:
            self._merge_person(node_id, name, match.into, match.rule)
            counts.merged += 1
            return Resolved(rec, ref, "merged")
        self.people.add(node_id, name, rec.props.get("email"), [org] if org else [], profile)
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


_FIRST, _SECOND, _THIRD, _FOURTH = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(3)
_ID_OF, _SOURCE_OF, _TARGET_OF = itemgetter("id"), itemgetter("source"), itemgetter("target")


def _any_in(graph: Container[Any], ids: dict[str, Any]) -> bool:
    """Whether any of ``ids`` is a node of ``graph`` (:func:`_node_ids`), in C for a dict."""
    if type(graph) is dict:
        return not graph.keys().isdisjoint(ids)
    return any(map(graph.__contains__, ids))


def _remapped(remap: dict[str, str], entry: columnar.EntryColumns, lines: list[int]) -> bool:
    """Whether a relationship entry's end on one of ``lines``, as read, is an id remapped
    onto another."""
    ep = entry.ep
    ends = [entry.cols[ep.source_at][i] for i in lines] + [entry.cols[ep.target_at][i] for i in lines]
    return not remap.keys().isdisjoint(e for e in ends if isinstance(e, str))


def _employers(
    plan: TablePlan, chunk: columnar.Chunk, lines: list[int], ids: list[str]
) -> list[str | None]:
    """Each person's employer on her line (the line's last WORKS_AT item naming her), as
    :meth:`Resolver._table_chunk` finds it: ``lines`` her lines, ``ids`` her ids."""
    employers: list[str | None] = [None] * len(ids)
    for ep in plan.works_at:
        entry = chunk.entries[ep.index]
        on = [True] * entry.size if entry.absent is None else [not a for a in entry.absent]
        sources, targets = entry.cols[ep.source_at], entry.cols[ep.target_at]
        employers = [
            targets[i] if on[i] and sources[i] == node_id and isinstance(targets[i], str) else org
            for i, node_id, org in zip(lines, ids, employers, strict=True)
        ]
    return employers


def _column_digests(props: PropColumns) -> list[int]:
    """:func:`_digest` of each record's properties, in C when every value hashes."""
    try:
        return props.digests()
    except TypeError:
        return _digests(props.dicts())


def _digests(props: list[dict[str, Any]]) -> list[int]:
    """:func:`_digest` of each, every step in C when no value is a list."""
    try:
        return list(map(hash, map(tuple, map(sorted, map(dict.items, props)))))
    except TypeError:
        return list(map(_digest, props))


def _in_line_order(parts: list[tuple[list[int], Iterable[tuple[Any, ...]]]]) -> list[tuple[Any, ...]]:
    """The spool tuples of several entries merged in the order the lines meet them (each
    part: every tuple's place, and the tuples)."""
    if len(parts) == 1:
        return list(parts[0][1])
    placed = [pair for where, made in parts for pair in zip(where, made, strict=True)]
    return [t for _, t in sorted(placed, key=_FIRST)]


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
