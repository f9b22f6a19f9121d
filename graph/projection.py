"""The in-memory projection every query runs on, and its time slices.

Shape of the projection (a ``networkx.MultiDiGraph``), shared by every store:

- node key: the node's ``id`` (unique across the graph); attributes: ``label`` (a
  :class:`~graph.vocabulary.NodeLabel` value) and every stored property (``name`` ...);
- edge ``(source, target, key)`` with ``key = TYPE`` or ``TYPE#key``; attributes: ``type``,
  ``rel_key`` (the relationship's own key, often "") and every stored property;
- graph attribute ``version``: the store version it was built from.

Dates are ISO partial-date strings (see :mod:`graph.dates`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import networkx as nx

from graph.dates import is_active, period_end, period_start
from graph.records import ChangeSet, NodeRecord, RelRecord, rel_id
from graph.vocabulary import AllianceStatus, NodeLabel, RelType

#: For each relationship type, the properties holding its start and end.
TIME_FIELDS: dict[str, tuple[str, str]] = {
    RelType.MEMBER_OF: ("joined", "left"),
    RelType.BELONGS_TO: ("since", "until"),
    RelType.WORKS_AT: ("since", "until"),
    RelType.STAFFS: ("since", "until"),
    RelType.KNOWS: ("since", "until"),
    RelType.PARTICIPATES_IN: ("since", "until"),
}


def edge_key(type_: str, key: str = "") -> str:
    """The MultiDiGraph key of a relationship."""
    return f"{type_}#{key}" if key else str(type_)


def build_projection(
    nodes: Iterable[NodeRecord], rels: Iterable[RelRecord], version: int = 0
) -> nx.MultiDiGraph:
    """Build the projection from records (nodes first, then relationships)."""
    g = nx.MultiDiGraph(version=version)
    for n in nodes:
        g.add_node(n.id, label=str(n.label), **n.props)
    for r in rels:
        g.add_edge(
            r.source,
            r.target,
            key=edge_key(r.type, r.key),
            type=str(r.type),
            rel_key=r.key,
            **r.props,
        )
    return g


def apply_changes(
    g: nx.MultiDiGraph,
    changes: ChangeSet,
    nodes: Iterable[NodeRecord],
    rels: Iterable[RelRecord],
) -> None:
    """Bring ``g`` up to ``changes.to_version`` in place, in time proportional to the change.

    ``nodes`` and ``rels`` are the current stored state of the changed entities (see
    ``GraphStore.fetch``); an entity in ``changes`` but not among them no longer exists.
    Attributes are replaced whole, so applying the same change twice is harmless.
    """
    for node in changes.deleted_nodes:
        if node in g:
            g.remove_node(node)
    present = set()
    for n in nodes:
        present.add(n.id)
        if n.id in g:
            attrs = g.nodes[n.id]
            attrs.clear()
            attrs["label"] = str(n.label)
            attrs.update(n.props)
        else:
            g.add_node(n.id, label=str(n.label), **n.props)
    for gone in changes.nodes - present:
        if gone in g:
            g.remove_node(gone)
    found = set()
    for r in rels:
        key = edge_key(r.type, r.key)
        found.add((str(r.type), r.source, r.target, r.key))
        if g.has_edge(r.source, r.target, key):
            attrs = g.edges[r.source, r.target, key]
            attrs.clear()
            attrs.update(type=str(r.type), rel_key=r.key)
            attrs.update(r.props)
        elif r.source in g and r.target in g:
            g.add_edge(r.source, r.target, key=key, type=str(r.type), rel_key=r.key, **r.props)
    for type_, source, target, rkey in changes.rels:
        if (type_, source, target, rkey) not in found and g.has_edge(
            source, target, edge_key(type_, rkey)
        ):
            g.remove_edge(source, target, edge_key(type_, rkey))
    g.graph["version"] = changes.to_version


def node_ids(g: nx.MultiDiGraph, label: NodeLabel | str) -> list[str]:
    """Ids of every node with ``label``, in insertion order."""
    label = str(label)
    return [n for n, d in g.nodes(data=True) if d.get("label") == label]


def edges_of_type(
    g: nx.MultiDiGraph, type_: RelType | str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(source, target, data)`` of every relationship of ``type_``."""
    type_ = str(type_)
    for u, v, d in g.edges(data=True):
        if d.get("type") == type_:
            yield u, v, d


def edge_evidence_id(u: str, v: str, data: dict[str, Any]) -> str:
    """The evidence id of the projection edge ``u -> v`` with attributes ``data``."""
    return rel_id(data["type"], u, v, data.get("rel_key", ""))


def node_active(data: dict[str, Any], as_of: date | None) -> bool:
    """Whether a node existed on ``as_of`` (alliances, projects and assessments are dated)."""
    if as_of is None:
        return True
    label = data.get("label")
    if label == NodeLabel.ALLIANCE and not _status_allows(data, as_of):
        return False
    if label in (NodeLabel.ALLIANCE, NodeLabel.PROJECT):
        return is_active(data.get("started"), data.get("ended"), as_of)
    if label == NodeLabel.ASSESSMENT and data.get("date"):
        return period_start(data["date"]) <= as_of
    return True


def _status_allows(data: dict[str, Any], as_of: date) -> bool:
    """Whether an alliance's ``status`` leaves it current on ``as_of`` when no date decides.

    A ``planned`` alliance with no ``started`` date has not started yet; an ``ended`` one
    with no ``ended`` date is over by today (when it ended is unknown, so an earlier date
    still counts it). A recorded date always decides instead.
    """
    status = data.get("status")
    if status == AllianceStatus.PLANNED and not data.get("started"):
        return False
    if status == AllianceStatus.ENDED and not data.get("ended"):
        return as_of < date.today()
    return True


def edge_active(data: dict[str, Any], as_of: date | None) -> bool:
    """Whether a relationship held on ``as_of``."""
    if as_of is None:
        return True
    fields = TIME_FIELDS.get(data.get("type", ""))
    if fields:
        return is_active(data.get(fields[0]), data.get(fields[1]), as_of)
    year = data.get("year")
    if isinstance(year, int):
        return period_start(str(year)) <= as_of
    return True


def snapshot(g: nx.MultiDiGraph, as_of: date | None) -> nx.MultiDiGraph:
    """The graph as it stood on ``as_of``: a read-only view, or ``g`` itself when ``None``."""
    if as_of is None:
        return g
    nodes = g.nodes
    view = nx.subgraph_view(
        g,
        filter_node=lambda n: node_active(nodes[n], as_of),
        filter_edge=lambda u, v, k: edge_active(g.edges[u, v, k], as_of),
    )
    view.graph["as_of"] = as_of.isoformat()
    return view


__all__ = [
    "TIME_FIELDS",
    "apply_changes",
    "build_projection",
    "edge_active",
    "edge_evidence_id",
    "edge_key",
    "edges_of_type",
    "node_active",
    "node_ids",
    "period_end",
    "snapshot",
]
