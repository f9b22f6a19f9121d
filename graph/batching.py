"""An import's records gathered into batches and written column by column: the part of the
write that runs wherever the write runs (graph/writer.py's thread, or the writing process of
graph/write_process.py).

Records travel as plain tuples (the spool's): ``(_NODE, label, id, props, src)`` and
``(_REL, type, source, target, key, props, src)``, ``src`` being ``(import id, file, sheet,
row)`` or ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import Any, Protocol

from graph.prop_columns import PropColumns
from graph.records import UpsertResult
from graph.vocabulary import NodeLabel, RelType

_NODE = 0
_REL = 1

_LAST = itemgetter(-1)
_KIND_WHAT = itemgetter(0, 1)
_REL_IDENT = itemgetter(2, 3, 4)
_ID, _TARGET, _KEY = itemgetter(2), itemgetter(3), itemgetter(4)
_NODE_PROPS, _REL_PROPS = itemgetter(3), itemgetter(5)
_ORIGIN, _ROW = itemgetter(0, 1, 2), itemgetter(3)


class Session(Protocol):
    """A store's writes of one import in one transaction (the embedded store's
    :class:`graph.sqlite_store.ImportSession`)."""

    def upsert_node_columns(
        self, label: NodeLabel | str, ids: list[str], props: list[Any], sources: Any = None
    ) -> UpsertResult: ...

    def upsert_rel_columns(
        self,
        type_: RelType | str,
        sources_: list[str],
        targets: list[str],
        keys: list[str],
        props: list[Any],
        sources: Any = None,
    ) -> UpsertResult: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Batcher:
    """Spooled tuples gathered into per-label batches, a later record of an entity already
    in its batch folded into the first (one upsert); a relationship batch is written only
    after every node batch (its ends are written first)."""

    def __init__(self, batch_size: int, write: Callable[[str, list[list[Any]]], None]) -> None:
        self.batch_size = batch_size
        self.write = write
        self.nodes: dict[str, dict[Any, Any]] = {}
        self.rels: dict[str, dict[Any, Any]] = {}

    def add(self, items: list[tuple[Any, ...]]) -> None:
        """Gather ``items`` (spooled tuples), writing each batch as it fills."""
        if items and len(set(map(_KIND_WHAT, items))) == 1 and self._add_run(items):
            return
        nodes, rels, size = self.nodes, self.rels, self.batch_size
        for item in items:
            what = item[1]
            node = item[0] == _NODE
            ident = item[2] if node else (item[2], item[3], item[4])
            batches = nodes if node else rels
            batch = batches.get(what)
            if batch is None:
                batch = batches[what] = {}
            first = batch.get(ident)
            if first is not None:  # props are the item's next to last value
                if isinstance(first, tuple):
                    first = batch[ident] = list(first)
                first[-2] = {**first[-2], **item[-2]}
                continue
            batch[ident] = item
            if len(batch) >= size:
                if not node:
                    self.flush(nodes)
                del batches[what]
                self._write(what, batch)

    def _add_run(self, items: list[tuple[Any, ...]]) -> bool:
        """:meth:`add` of items of one kind and label, none of them in the batch yet nor
        twice among themselves (the common message: a chunk's new people), with no step
        per item in Python; ``False`` (nothing done) otherwise."""
        kind, what = items[0][0], items[0][1]
        node = kind == _NODE
        batches = self.nodes if node else self.rels
        idents = list(map(_ID if node else _REL_IDENT, items))
        batch = batches.get(what, {})
        if len(set(idents)) != len(idents) or not batch.keys().isdisjoint(idents):
            return False
        at, size = 0, self.batch_size
        while at < len(items):
            room = size - len(batch)
            batch.update(zip(idents[at : at + room], items[at : at + room], strict=True))
            at += room
            if len(batch) >= size:
                if not node:
                    self.flush(self.nodes)
                batches.pop(what, None)
                self._write(what, batch)
                batch = {}
        if batch:
            batches[what] = batch
        return True

    def flush(self, batches: dict[str, dict[Any, list[Any]]]) -> None:
        for what in list(batches):
            self._write(what, batches.pop(what))

    def finish(self) -> None:
        """Write what is left: every node batch, then every relationship batch."""
        self.flush(self.nodes)
        self.flush(self.rels)

    def _write(self, what: str, batch: dict[Any, list[Any]]) -> None:
        self.write(what, list(batch.values()))


def write_columns(session: Session, what: str, items: list[list[Any]]) -> UpsertResult:
    """Write one batch of spooled items of one label or type through ``session``, as
    columns (no record object per row); rows the writer made itself (no source row) are
    written apart from those with one."""
    srcs = list(map(_LAST, items))
    parts = [(items, srcs)]
    if None in srcs:
        parts = [
            ([it for it in items if it[-1] is not None], [s for s in srcs if s is not None]),
            ([it for it in items if it[-1] is None], []),
        ]
    result = UpsertResult()
    for part, src in parts:
        if not part:
            continue
        prov = (list(map(_ORIGIN, src)), list(map(_ROW, src))) if src else None
        if part[0][0] == _NODE:
            result += session.upsert_node_columns(
                what, list(map(_ID, part)), list(map(_NODE_PROPS, part)), prov
            )
        else:
            result += session.upsert_rel_columns(
                what,
                list(map(_ID, part)),
                list(map(_TARGET, part)),
                list(map(_KEY, part)),
                list(map(_REL_PROPS, part)),
                prov,
            )
    return result


#: A block of records of one label or type as columns, as pass 1's clean chunks make them:
#: ``(kind, what, ends, names, values, origin, rows)``: ``ends`` the ids (``[ids]`` for
#: nodes, ``[sources, targets, keys]`` for relationships), ``values`` a column per property
#: name (``...`` where a row has none), ``origin`` the rows' ``(import id, file, sheet)``,
#: ``rows`` their row numbers. A column of strings travels as one string (:func:`_packed`).
#: Pickled, it is a fraction of the same records as tuples.
Block = tuple[
    int, str, list[list[str] | str], list[str], list[list[Any] | str], tuple[Any, ...], list[Any]
]


def column_block(
    kind: int,
    what: str,
    ends: list[list[str]],
    props: PropColumns,
    origin: tuple[Any, ...],
    rows: list[Any],
) -> Block:
    """Records given as parallel lists (see :data:`Block`) made a block."""
    names, columns = props.present()
    values = [col if None not in col else [... if v is None else v for v in col] for col in columns]
    return (kind, what, list(map(_packed, ends)), names, list(map(_packed, values)), origin, rows)


def _packed(column: list[Any]) -> list[Any] | str:
    """A column of strings as one string, NUL between them (pickled as one copy, not a
    step per value), when it can be split back the same; any other column as it is."""
    if not column:
        return column
    try:
        joined = "\x00".join(column)
    except TypeError:  # a value that is not a string
        return column
    return joined if joined.count("\x00") == len(column) - 1 else column  # (else a NUL in one)


def _unpacked(column: list[Any] | str) -> list[Any]:
    """:func:`_packed` undone."""
    return column.split("\x00") if isinstance(column, str) else column


def block_items(block: Block) -> list[tuple[Any, ...]]:
    """A block's records as the spool's tuples, in order."""
    kind, what, packed_ends, names, packed_values, origin, rows = block
    ends, values = list(map(_unpacked, packed_ends)), list(map(_unpacked, packed_values))
    props: list[dict[str, Any]]
    if any(... in column for column in values):  # a row without one of the properties
        props = [
            {k: v for k, v in zip(names, row, strict=True) if v is not ...}
            for row in zip(*values, strict=True)
        ]
    elif names:
        props = list(map(dict, map(partial(zip, names), zip(*values, strict=True))))
    else:
        props = [{} for _ in rows]
    sources = list(zip(repeat(origin[0]), repeat(origin[1]), repeat(origin[2]), rows))
    return list(zip(repeat(kind), repeat(what), *ends, props, sources))
