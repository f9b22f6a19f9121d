"""A table's mapping applied a chunk of lines at a time, a column at a time.

:meth:`loaders.mapping.Mapping.apply` turns one line into node and relationship rows, one
:class:`~loaders.rows.SourceRow` each; on a million-line file that is millions of objects
and calls. :class:`TablePlan` computes each field of each mapping entry for a whole chunk
of lines in one pass over the column (:meth:`loaders.mapping.FieldSpec.column_values`) and
checks them a column at a time too. :meth:`loaders.resolution.Resolver.resolve_table` gets
each entry's values as columns (:class:`Chunk`): a clean chunk is decided on the columns,
any other gets one plain dict per entry and line, the very dict ``apply`` would have put
in the row. A line any of whose values cannot be computed is left to the row-by-row path,
which words the error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from operator import or_
from typing import Any

from graph.prop_columns import PropColumns
from graph.row_checks import TableCheck, column_table_check, row_check
from graph.schema import NODE_MODELS, REL_MODELS
from graph.vocabulary import REL_ENDPOINTS, NodeLabel, RelType
from loaders.mapping import BAD, Entry, FieldSpec, Mapping
from loaders.names import normalize_people
from loaders.rows import SourceRow
from loaders.tabular import blank_missing

#: Lines per chunk: large enough that per-chunk costs vanish, small enough to stay flat.
CHUNK_ROWS = 20_000

#: One entry on one line: its values in the order of :attr:`EntryPlan.names` (``None``:
#: no value; :meth:`EntryPlan.data` makes the dict :meth:`Mapping.apply` would), its
#: checked properties (``None``: pydantic decides), for people the normalized name, and
#: for nodes the fingerprint of the cells (:meth:`EntryPlan.raw_key`; ``None`` for
#: relationships).
Item = tuple[tuple[Any, ...], dict[str, Any] | None, str, int | None]
#: One chunk's values: per line, ``None`` (the row-by-row path) or, per entry, its
#: :data:`Item` (``None`` when an optional entry is absent from the line).
ChunkValues = list[tuple[Item | None, ...] | None]


#: ``known(id, raw)`` of :meth:`TablePlan.chunk`.
Repeat = Callable[[str, int], bool]
#: A line of a repeating entry that repeats a known node (see :meth:`TablePlan.chunk`).
REPEAT: Any = object()


def _never(data: dict[str, Any]) -> None:
    return None


@dataclass
class EntryPlan:
    """One mapping entry, with what the chunked path needs to know of it."""

    index: int
    entry: Entry
    label: NodeLabel | None = None
    type: RelType | None = None
    check: Callable[[dict[str, Any]], dict[str, Any] | None] = _never
    table_check: TableCheck | None = None
    ends: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    names: list[str] = field(default_factory=list)
    specs: list[FieldSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        e = self.entry
        #: the label or type as the mapping spells it (what the report counts by)
        self.what: str = e.what
        self.node = e.kind == "node"
        #: people of this entry are matched with known people (email, name at employer)
        self.person = e.what == NodeLabel.PERSON and e.resolve
        #: every first row of an id takes the row-by-row decision: organizations matched
        #: by name (index, review) and names dated for renames
        self.general = (e.what == NodeLabel.ORGANIZATION and e.resolve) or e.dated_by is not None
        where = {name: i for i, name in enumerate(self.names)}
        #: where the id (nodes), the source and the target (relationships) are in the values
        self.id_at = where.get("id", -1)
        self.source_at, self.target_at = where.get("source", -1), where.get("target", -1)
        #: the first half of :func:`cells_key` when every field has a value
        self.key_base = hash((self.what, tuple(self.names)))

    def data(self, values: tuple[Any, ...]) -> dict[str, Any]:
        """The dict :meth:`Mapping.apply` makes of the entry's values on one line."""
        return {k: v for k, v in zip(self.names, values, strict=True) if v is not None}

    def raw_key(self, values: tuple[Any, ...]) -> int | None:
        """The fingerprint of the cells (:func:`cells_key` of the line's row), or ``None``
        when they cannot be hashed."""
        if None in values:
            given = [(k, v) for k, v in zip(self.names, values, strict=True) if v is not None]
            return cells_key(self.what, tuple(k for k, _ in given), tuple(v for _, v in given))
        return cells_key(self.what, tuple(self.names), values)


def cells_key(what: str, names: tuple[str, ...], values: tuple[Any, ...]) -> int | None:
    """The fingerprint of a node row's cells as read (its label, field names and values;
    ``None`` if a value cannot be hashed), to tell a line that repeats an accepted one.
    Hashed as two flat tuples, not a tuple of pairs: one tuple per line instead of one per
    field (the chunked path makes a million of them)."""
    try:
        return hash((hash((what, names)), values))
    except TypeError:
        return None


@dataclass
class EntryColumns:
    """One mapping entry over a chunk's readable lines, a column per field: its values
    (:attr:`EntryPlan.names`), checked properties, people's normalized names and nodes'
    cell fingerprints; ``absent`` marks the lines an optional entry is absent from. An
    entry whose lines repeat (:meth:`TablePlan._distinct_items`) has its items made
    instead (``items``)."""

    ep: EntryPlan
    cols: list[list[Any]]
    size: int
    absent: list[bool] | None = None
    items: list[Item | None] | None = None
    props: PropColumns = field(default_factory=lambda: PropColumns([], [], 0))
    failed: list[bool] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    raws: list[int | None] = field(default_factory=list)
    #: the row checks' own dicts, for a model the column checks cannot check
    checked: list[dict[str, Any] | None] | None = None
    values: list[tuple[Any, ...]] | None = None

    def rows_values(self) -> list[tuple[Any, ...]]:
        """Each line's values, in the order of :attr:`EntryPlan.names`."""
        if self.values is None:
            self.values = list(zip(*self.cols, strict=True)) if self.cols else [()] * self.size
        return self.values

    def checked_dicts(self) -> list[dict[str, Any] | None]:
        """Each line's checked properties as the row check gives them (``None``: failed)."""
        if self.checked is not None:
            return self.checked
        dicts: list[dict[str, Any] | None] = list(self.props.dicts())
        if True in self.failed:
            dicts = [None if f else d for d, f in zip(dicts, self.failed, strict=True)]
        return dicts

    def line_items(self) -> list[Item | None]:
        """Each line's :data:`Item` (``None``: the entry is absent from the line)."""
        if self.items is not None:
            return self.items
        items: list[Item | None] = list(
            zip(self.rows_values(), self.checked_dicts(), self.keys, self.raws, strict=True)
        )
        if self.absent is not None:
            items = [None if a else it for it, a in zip(items, self.absent, strict=True)]
        return items

    def present(self) -> list[int]:
        """The lines the entry is on (by place among the readable lines)."""
        if self.items is not None:
            return [i for i, it in enumerate(self.items) if it is not None]
        if self.absent is None:
            return list(range(self.size))
        return [i for i, a in enumerate(self.absent) if not a]


@dataclass
class Chunk:
    """A chunk of lines read by :meth:`TablePlan.chunk`: ``where`` the places of its
    readable lines, ``bad`` those of them the row-by-row path must take, each entry's
    :class:`EntryColumns` and the repeats of known nodes counted per entry."""

    size: int
    where: list[int]
    bad: list[bool]
    entries: list[EntryColumns]
    repeats: list[int]

    @property
    def clean(self) -> bool:
        """Whether every line is readable and good (none for the row-by-row path)."""
        return bool(self.size) and len(self.where) == self.size and True not in self.bad

    def lines(self) -> ChunkValues:
        """Per line, ``None`` (the row-by-row path) or each entry's :data:`Item`."""
        out: ChunkValues = [None] * self.size
        if not self.where:
            return out
        per_entry = [entry.line_items() for entry in self.entries]
        if True in self.bad:
            for i, p in enumerate(self.where):
                if not self.bad[i]:
                    out[p] = tuple([items[i] for items in per_entry])
        elif len(self.where) == self.size:  # every line good and read: the common chunk
            out = list(zip(*per_entry, strict=True))
        else:
            for i, line_items in enumerate(zip(*per_entry, strict=True)):
                out[self.where[i]] = line_items
        return out


class TablePlan:
    """A mapping compiled for one table's header (see the module docstring)."""

    def __init__(self, mapping: Mapping, header: list[str], owner: str | None, file: str) -> None:
        self.mapping, self.header, self.owner, self.file = mapping, header, owner, file
        #: the worksheet the lines come from (``None`` for a text table)
        self.sheet: str | None = None
        self.index = {h: i for i, h in enumerate(header)}  # (names made distinct: table_start)
        self.missing = mapping.reader.missing_cells
        self.entries: list[EntryPlan] = []
        self.ok = True
        for i, entry in enumerate(mapping.entries):
            ep = EntryPlan(i, entry, names=list(entry.fields), specs=list(entry.fields.values()))
            try:
                if entry.kind == "node":
                    ep.label = NodeLabel(entry.what)
                    ep.check = row_check(NODE_MODELS[ep.label]) or _never
                    ep.table_check = column_table_check(NODE_MODELS[ep.label])
                else:
                    ep.type = RelType(entry.what)
                    ep.check = row_check(REL_MODELS[ep.type]) or _never
                    ep.table_check = column_table_check(REL_MODELS[ep.type])
                    sources, targets = REL_ENDPOINTS[ep.type]
                    ep.ends = (frozenset(map(str, sources)), frozenset(map(str, targets)))
            except ValueError:  # an unknown label or type: every line is rejected row by row
                self.ok = False
            if entry.each is not None:  # several records per line: the row-by-row path
                self.ok = False
            self.entries.append(ep)
        # the order the row-by-row path meets a line's records in: organizations first
        self.ordered = sorted(self.entries, key=lambda e: e.what != NodeLabel.ORGANIZATION)
        self.works_at = [e for e in self.entries if e.what == RelType.WORKS_AT]

    def chunk(self, batch: list[tuple[int, list[str] | str]], known: Repeat | None = None) -> Chunk:
        """The chunk's values, each entry's as columns (:class:`Chunk`).

        ``known(id, raw)``: whether a node with that id and fingerprint of its cells is
        known already (its lines are repeats whatever comes before them in the chunk). The
        lines of a repeating entry (:meth:`_distinct_items`) that are such repeats get
        ``None`` for the entry, and are counted instead: :attr:`Chunk.repeats`, per entry."""
        where = [p for p, (_, cells) in enumerate(batch) if not isinstance(cells, str)]
        chunk = Chunk(len(batch), where, [], [], [0] * len(self.entries))
        if not where:
            return chunk
        good: list[list[str]] = [batch[p][1] for p in where]  # type: ignore[misc]
        n = len(good)
        by_column: list[tuple[str, ...]] = list(zip(*good, strict=True))
        blanked: dict[int, tuple[str, ...]] = {}  # the columns the mapping reads, markers blank
        dicts: list[dict[str, str]] = []

        def column_at(i: int) -> tuple[str, ...]:
            if i not in blanked:
                blanked[i] = blank_missing(by_column[i], self.missing)
            return blanked[i]

        def cells(column: str) -> list[str]:
            return column_at(self.index[column])  # type: ignore[return-value]

        def rows() -> list[dict[str, str]]:
            if not dicts:
                lines = zip(*map(column_at, range(len(by_column))), strict=True)
                dicts.extend(dict(zip(self.header, c, strict=True)) for c in lines)
            return dicts

        bad = chunk.bad = [False] * n
        made: dict[str, list[Any]] = {}  # a spec's values, shared by equal specs

        def values(spec: FieldSpec) -> list[Any]:
            key = repr(spec)
            if key not in made:
                made[key] = spec.column_values(cells, rows, self.owner, n)
            return made[key]

        for ep in self.entries:
            cols = [values(spec) for spec in ep.specs]
            for spec, col in zip(ep.specs, cols, strict=True):
                if spec.fallible and BAD in col:
                    for i, v in enumerate(col):
                        if v is BAD:
                            bad[i] = True
            absent: list[bool] | None = None
            if ep.entry.optional:  # absent from a line that lacks a key field
                for key in ep.entry.key_fields:
                    col = cols[ep.names.index(key)]
                    if None in col:
                        missing = [v is None for v in col]
                        absent = missing if absent is None else list(map(or_, absent, missing))
            if ep.general and ep.node:  # organizations repeat down a file: each distinct line once
                rows_values = list(zip(*cols, strict=True))
                items = self._distinct_items(ep, cols, rows_values, known)
                if absent is not None:
                    items = [None if a else it for it, a in zip(items, absent, strict=True)]
                chunk.entries.append(EntryColumns(ep, cols, n, absent, items=items))
                for i, it in enumerate(items):  # refused by the quick checks: the row path
                    if it is not None and it is not REPEAT and it[1] is None:
                        bad[i] = True
                continue
            entry = self._entry_columns(ep, cols, absent)
            chunk.entries.append(entry)
            if True in entry.failed:  # an entry the quick checks refused: its line takes
                for i, failed in enumerate(entry.failed):  # the row path whole
                    if failed and not (absent is not None and absent[i]):
                        bad[i] = True
        for index, entry in enumerate(chunk.entries):  # repeats: counted (on lines read)
            line_items = entry.items
            if line_items is not None and REPEAT in line_items:
                read = (
                    [it for it, b in zip(line_items, bad, strict=True) if not b]
                    if True in bad
                    else line_items
                )
                chunk.repeats[index] = read.count(REPEAT)
                entry.items = [None if it is REPEAT else it for it in line_items]
        return chunk

    @staticmethod
    def _entry_columns(
        ep: EntryPlan,
        cols: list[list[Any]],
        absent: list[bool] | None,
        rows_values: list[tuple[Any, ...]] | None = None,
        raws: list[int | None] | None = None,
    ) -> EntryColumns:
        """One entry's checked values over a chunk's lines, as columns (``raws``: the
        lines' fingerprints, when known already)."""
        n = len(cols[0]) if cols else len(rows_values or ())
        entry = EntryColumns(ep, cols, n, absent, values=rows_values)
        if ep.table_check is not None:
            entry.props, entry.failed = ep.table_check(ep.names, cols)
        else:
            checked = [ep.check(ep.data(vals)) for vals in entry.rows_values()]
            entry.checked = checked
            entry.props = PropColumns.from_dicts([c or {} for c in checked])
            entry.failed = [c is None for c in checked]
        if ep.person:
            names = entry.props.get("name")
            if None in names or True in entry.failed:
                given = [
                    "" if v is None or f else str(v) for v, f in zip(names, entry.failed, strict=True)
                ]
            else:
                given = list(map(str, names))
            entry.keys = normalize_people(given)
        else:
            entry.keys = [""] * n
        if raws is None:
            raws = TablePlan._raw_keys(ep, cols, entry.rows_values()) if ep.node else [None] * n
        entry.raws = raws
        return entry

    @staticmethod
    def _items(
        ep: EntryPlan,
        cols: list[list[Any]],
        rows_values: list[tuple[Any, ...]],
        raws: list[int | None] | None = None,
    ) -> tuple[list[Any], list[dict[str, Any] | None], list[str], list[int | None]]:
        """The four parts of each line's :data:`Item` for one entry, as columns."""
        entry = TablePlan._entry_columns(ep, cols, None, rows_values, raws)
        return rows_values, entry.checked_dicts(), entry.keys, entry.raws

    @staticmethod
    def _distinct_items(
        ep: EntryPlan,
        cols: list[list[Any]],
        rows_values: list[tuple[Any, ...]],
        known: Repeat | None = None,
    ) -> list[Any]:
        """Each line's :data:`Item` for an entry whose lines repeat (an organization on
        every contact of hers): computed once per distinct line and shared, so the lines
        of one value share one checked dict (:meth:`Resolver._table_chunk` copies it
        before changing it); :data:`REPEAT` for a line that ``known`` says is known (its
        values are not checked: the line is only counted)."""
        try:
            distinct = list(dict.fromkeys(rows_values))
        except TypeError:  # a list value
            return list(zip(*TablePlan._items(ep, cols, rows_values), strict=True))
        if len(distinct) == len(rows_values):
            return list(zip(*TablePlan._items(ep, cols, rows_values), strict=True))
        columns = [list(c) for c in zip(*distinct, strict=True)] or [[] for _ in cols]
        made: dict[tuple[Any, ...], Any] = {}
        raws: list[int | None] | None = None
        if known is not None:
            id_at = ep.id_at
            raws = TablePlan._raw_keys(ep, columns, distinct)
            made = {
                v: REPEAT
                for v, raw in zip(distinct, raws, strict=True)
                if raw is not None and isinstance(v[id_at], str) and known(v[id_at], raw)
            }
        if made and raws is not None:  # the others checked
            kept = [k for k, v in enumerate(distinct) if v not in made]
            distinct, raws = [distinct[k] for k in kept], [raws[k] for k in kept]
            columns = [list(c) for c in zip(*distinct, strict=True)] or [[] for _ in cols]
        if distinct:
            parts = TablePlan._items(ep, columns, distinct, raws)
            made.update(zip(distinct, zip(*parts, strict=True), strict=True))
        return list(map(made.__getitem__, rows_values))

    @staticmethod
    def _raw_keys(
        ep: EntryPlan, cols: list[list[Any]], rows_values: list[tuple[Any, ...]]
    ) -> list[int | None]:
        """:meth:`EntryPlan.raw_key` of each line's values, in one pass when no value is
        missing and all hash."""
        if not any(None in col for col in cols):
            try:
                return list(map(hash, zip(repeat(ep.key_base), rows_values)))
            except TypeError:
                pass
        return [ep.raw_key(v) for v in rows_values]

    def apply(self, cells: list[str], file: str, line: int) -> Iterator[SourceRow]:
        """The row-by-row path's rows for one line (:meth:`Mapping.apply`)."""
        row = dict(zip(self.header, blank_missing(cells, self.missing), strict=True))
        for out in self.mapping.apply(row, file, line, owner=self.owner):
            out.sheet = self.sheet
            yield out

    def row(self, ep: EntryPlan, data: dict[str, Any], line: int) -> SourceRow:
        """The :class:`SourceRow` :meth:`Mapping.apply` makes for ``ep`` on a good line."""
        e = ep.entry
        return SourceRow(
            e.kind,
            e.what,
            data,
            self.file,
            self.sheet,
            line,
            e.columns,
            e.resolve,
            e.derived_id,
            renames=e.renames,
            dated_by=e.dated_by,
        )
