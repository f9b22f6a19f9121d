"""A focal organization's portfolio as of a date, read once from the projection.

Every analysis of synergies, constraints and gaps starts from this: which alliances the
focal organization belongs to, who their current members and staff are, how they are
funded and assessed. Reading it once keeps each analysis a short, testable function.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx

from graph.projection import TIME_FIELDS, edge_active, edge_evidence_id, node_active, snapshot
from graph.vocabulary import NodeLabel, RelType

Edge = tuple[str, str, dict[str, Any]]


class UnknownOrganization(LookupError):
    """The focal id is not an organization of the graph."""


@dataclass
class Portfolio:
    """The portfolio of ``focal`` on ``as_of`` (``None``: everything ever recorded)."""

    graph: nx.MultiDiGraph
    focal: str
    as_of: date | None
    alliances: list[str] = field(default_factory=list)
    members: dict[str, dict[str, str]] = field(default_factory=dict)  # alliance -> org -> rel id
    staff: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # (person, role, rel)
    topics: dict[str, dict[str, str]] = field(default_factory=dict)  # alliance -> topic -> rel id
    funds: dict[str, list[tuple[str, dict[str, Any], str]]] = field(default_factory=dict)
    assessments: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    partner_kind: dict[str, tuple[str, str]] = field(default_factory=dict)  # org -> (kind, rel)
    source: nx.MultiDiGraph | None = None  # the whole projection ``graph`` is a view of
    _typed: dict[str, list[Edge]] | None = field(default=None, repr=False)
    _active: dict[str, list[Edge]] = field(default_factory=dict, repr=False)
    _competitors: dict[str, dict[str, str]] | None = field(default=None, repr=False)
    _inactive: set[str] | None = field(default=None, repr=False)

    def edges_of(self, type_: RelType | str) -> list[Edge]:
        """Every relationship of ``type_`` that held on ``as_of`` between nodes that existed.

        Analyses that need every tie of a kind (a million KNOWS ties) read them from here:
        one pass over the whole projection, shared by every analysis of the report, instead
        of filtering the dated view edge by edge.
        """
        type_ = str(type_)
        if type_ in self._active:
            return self._active[type_]
        raw = self.source if self.source is not None else self.graph
        if self._typed is None:
            typed: dict[str, list[Edge]] = defaultdict(list)
            for u, nbrs in raw._adj.items():  # the adjacency itself: 4x faster than edges()
                for v, keyed in nbrs.items():
                    for d in keyed.values():
                        typed[d.get("type", "")].append((u, v, d))
            self._typed = typed
        edges = self._typed.get(type_, [])
        if self.as_of is not None:
            as_of = self.as_of
            if self._inactive is None:
                self._inactive = {n for n, d in raw.nodes(data=True) if not node_active(d, as_of)}
            dated = self._inactive
            start, end = TIME_FIELDS.get(type_, ("", ""))
            edges = [
                e
                for e in edges
                if e[0] not in dated
                and e[1] not in dated
                # undated ties (most of a contact network) need no date arithmetic
                and (
                    (start and e[2].get(start) is None and e[2].get(end) is None)
                    or edge_active(e[2], as_of)
                )
            ]
        self._active[type_] = edges
        return edges

    def competitors(self, org: str) -> dict[str, str]:
        """Organizations recorded as competitors of ``org`` (either direction) -> evidence id."""
        if self._competitors is None:
            index: dict[str, dict[str, str]] = defaultdict(dict)
            for u, v, d in self.edges_of(RelType.RELATES_TO):
                if d.get("kind") == "competitor":
                    rid = edge_evidence_id(u, v, d)
                    index[u][v] = rid
                    index[v][u] = rid
            self._competitors = index
        return self._competitors.get(org, {})

    @property
    def reference_date(self) -> date:
        """The date staleness is measured against."""
        return self.as_of or date.today()

    def name(self, node: str) -> str:
        return str(self.graph.nodes[node].get("name", node)) if node in self.graph else node


def load_portfolio(graph: nx.MultiDiGraph, focal: str, as_of: date | None = None) -> Portfolio:
    """Read the focal organization's portfolio; raises :class:`UnknownOrganization`."""
    if focal not in graph or graph.nodes[focal].get("label") != NodeLabel.ORGANIZATION:
        raise UnknownOrganization(f"no organization with id {focal!r}")
    g = snapshot(graph, as_of)
    p = Portfolio(graph=g, focal=focal, as_of=as_of, source=graph)
    for _, alliance, data in g.out_edges(focal, data=True):
        if data.get("type") == RelType.MEMBER_OF:
            p.alliances.append(alliance)
    p.alliances = sorted(set(p.alliances))
    for alliance in p.alliances:
        members: dict[str, str] = {}
        staff: list[tuple[str, str, str]] = []
        funds: list[tuple[str, dict[str, Any], str]] = []
        assessments: list[tuple[str, dict[str, Any]]] = []
        for src, _, data in g.in_edges(alliance, data=True):
            t = data.get("type")
            rid = edge_evidence_id(src, alliance, data)
            if t == RelType.MEMBER_OF:
                members[src] = rid
            elif t == RelType.STAFFS:
                staff.append((src, str(data.get("role", "")), rid))
            elif t == RelType.FUNDS:
                funds.append((src, data, rid))
            elif t == RelType.ASSESSES:
                assessments.append((src, dict(g.nodes[src])))
        p.members[alliance] = members
        p.staff[alliance] = staff
        p.funds[alliance] = funds
        p.assessments[alliance] = sorted(assessments, key=lambda a: str(a[1].get("date", "")))
        p.topics[alliance] = {
            t: edge_evidence_id(alliance, t, d)
            for _, t, d in g.out_edges(alliance, data=True)
            if d.get("type") == RelType.ADDRESSES
        }
    for _, other, data in g.out_edges(focal, data=True):
        if data.get("type") == RelType.RELATES_TO and data.get("kind"):
            p.partner_kind[other] = (str(data["kind"]), edge_evidence_id(focal, other, data))
    return p


def pair_counts(groups: dict[str, set[str]]) -> dict[tuple[str, str], set[str]]:
    """For groups keyed by id, the shared elements of every pair that shares any."""
    index: dict[str, list[str]] = defaultdict(list)
    for key, items in groups.items():
        for item in items:
            index[item].append(key)
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item, keys in index.items():
        keys = sorted(keys)
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                shared[(a, b)].add(item)
    return shared
