"""Many records' properties held as columns, not as a dict per record.

A clean chunk of a large file is checked, decided and handed to the writing process a
column at a time (:func:`graph.row_checks.column_check`, :meth:`loaders.resolution.Resolver._clean_chunk`,
:func:`graph.batching.column_block`): a dict per record made only to be taken apart again
cost pass 1 a tenth of its time. :class:`PropColumns` keeps the columns and makes the dicts
only where a record is decided on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import Any


@dataclass(slots=True)
class PropColumns:
    """``size`` records' properties: record ``i`` has ``values[j][i]`` for ``names[j]``,
    ``None`` meaning that it has no such property (a record's dict leaves it out)."""

    names: list[str]
    values: list[list[Any]]
    size: int

    @classmethod
    def from_dicts(cls, props: list[dict[str, Any]]) -> PropColumns:
        """The columns of ``props`` (names in the order they are first met)."""
        names = list(dict.fromkeys(k for p in props for k in p))
        return cls(names, [list(map(dict.get, props, repeat(k))) for k in names], len(props))

    def get(self, name: str, default: Any = None) -> list[Any]:
        """Each record's ``name`` (``default`` where it has none), as ``dict.get`` gives it."""
        try:
            column = self.values[self.names.index(name)]
        except ValueError:
            return [default] * self.size
        if default is not None and None in column:
            return [default if v is None else v for v in column]
        return column

    def take(self, rows: list[int]) -> PropColumns:
        """The records at ``rows``, in that order."""
        if len(rows) == self.size and rows == list(range(self.size)):
            return self
        return PropColumns(
            self.names, [list(map(col.__getitem__, rows)) for col in self.values], len(rows)
        )

    def without(self, *names: str) -> PropColumns:
        """The same records without the properties ``names``."""
        kept = [(k, col) for k, col in zip(self.names, self.values, strict=True) if k not in names]
        return PropColumns([k for k, _ in kept], [col for _, col in kept], self.size)

    def present(self) -> tuple[list[str], list[list[Any]]]:
        """The names some record has, sorted, and their columns."""
        kept = sorted(
            (k, col)
            for k, col in zip(self.names, self.values, strict=True)
            if (col and col[0] is not None) or col.count(None) != self.size
        )
        return [k for k, _ in kept], [col for _, col in kept]

    def dicts(self) -> list[dict[str, Any]]:
        """Each record's dict: its properties in the order of :attr:`names`, none ``None``."""
        if not self.names:
            return [{} for _ in range(self.size)]
        if not any(None in col for col in self.values):  # every value present: made in C
            return list(map(dict, map(partial(zip, self.names), zip(*self.values, strict=True))))
        names = self.names
        return [
            {k: v for k, v in zip(names, row, strict=True) if v is not None}
            for row in zip(*self.values, strict=True)
        ]

    def digests(self) -> list[int]:
        """``hash(tuple(sorted(d.items())))`` of each record's dict ``d`` (what
        :func:`loaders.resolution._digest` gives a dict of hashable values), with no dict
        made when every record has every property. Raises ``TypeError`` for a value that
        cannot be hashed."""
        if not self.names:
            return [hash(())] * self.size
        if any(None in col for col in self.values):
            return list(map(hash, map(tuple, map(sorted, map(dict.items, self.dicts())))))
        pairs = [
            list(zip(repeat(k), col))
            for k, col in sorted(zip(self.names, self.values, strict=True))
        ]
        return list(map(hash, zip(*pairs, strict=True)))
