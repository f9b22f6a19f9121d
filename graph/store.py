"""The narrow seam every backend implements, and the errors it may raise.

Both backends (the embedded SQLite store and the Bolt store for Neo4j/ArcadeDB) pass
the same contract suite in ``tests/stores``. Callers see only this module's names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import networkx as nx

from graph.records import (
    ChangeSet,
    HistoryEvent,
    NodeRecord,
    RelKey,
    RelRecord,
    SourceRef,
    UpsertResult,
)
from graph.vocabulary import NodeLabel, RelType

Row = Mapping[str, Any] | NodeRecord | RelRecord


class StoreError(Exception):
    """Base of every error a store raises on purpose; the message is fit for a person."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or refused the credentials (one clear line, no traceback)."""


@dataclass(frozen=True)
class Neighbourhood:
    """A node with its relationships and the nodes at their other ends."""

    node: NodeRecord
    relationships: list[RelRecord] = field(default_factory=list)
    neighbours: list[NodeRecord] = field(default_factory=list)


@dataclass(frozen=True)
class StoreCounts:
    """Counts of nodes per label and relationships per type (zeros included)."""

    labels: dict[str, int]
    types: dict[str, int]

    @property
    def nodes(self) -> int:
        return sum(self.labels.values())

    @property
    def relationships(self) -> int:
        return sum(self.types.values())


@runtime_checkable
class GraphStore(Protocol):
    """Durable storage of the graph; analytics run on :meth:`projection`."""

    def upsert_nodes(
        self,
        label: NodeLabel | str,
        rows: Iterable[Row],
        sources: Sequence[SourceRef] | None = None,
    ) -> UpsertResult:
        """Create or update nodes keyed on ``id`` (MERGE semantics); all rows or none.

        ``NodeRecord`` rows are taken as validated (not validated again); a batch with
        mappings is validated whole first and refused with ``BatchValidationError``
        naming each bad row and field (an id already used by another label is such an
        error). Properties absent from a row are kept; a second identical upsert reports
        all unchanged. ``sources``, parallel to ``rows``, records each row's provenance,
        unchanged rows included (kept once per entity and source row).
        """
        ...

    def upsert_relationships(
        self,
        type_: RelType | str,
        rows: Iterable[Row],
        sources: Sequence[SourceRef] | None = None,
    ) -> UpsertResult:
        """Create or update relationships keyed on (type, source, target, key).

        Both ends must exist with a label the type allows, or the batch is refused
        with a ``BatchValidationError`` naming the row and end. ``sources`` as for nodes.
        """
        ...

    def delete_node(self, node_id: str) -> bool:
        """Delete a node with all its relationships and their provenance; ``False`` if
        there was none."""
        ...

    def sources_of(self, node_id: str | None = None, rel: RelKey | None = None) -> list[SourceRef]:
        """The provenance of one node or one relationship (give exactly one), in the
        order it was first recorded."""
        ...

    def log_event(self, event: HistoryEvent) -> None:
        """Append ``event`` to the history (kept; never pruned by a re-import)."""
        ...

    def history(self, limit: int = 100, offset: int = 0) -> list[HistoryEvent]:
        """History events, newest first."""
        ...

    def changes_since(self, version: int) -> ChangeSet | None:
        """Every change committed after ``version`` up to the current version, or
        ``None`` when the store cannot tell (too old for the change log, or reset)."""
        ...

    def fetch(
        self, node_ids: Iterable[str], rels: Iterable[RelKey]
    ) -> tuple[list[NodeRecord], list[RelRecord]]:
        """The stored state of these nodes and relationships (missing ones left out)."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A small durable bookkeeping value, or ``None``."""
        ...

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or with ``None`` remove) a bookkeeping value."""
        ...

    def get_node(self, node_id: str) -> Neighbourhood | None:
        """The node with its relationships and neighbours, or ``None``."""
        ...

    def counts(self) -> StoreCounts:
        """Nodes per label and relationships per type."""
        ...

    def version(self) -> int:
        """A number that grows with every write that changed something (deletes too)."""
        ...

    def projection(self) -> nx.MultiDiGraph:
        """The whole graph in memory (see :mod:`graph.projection` for its shape)."""
        ...

    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
        ...
