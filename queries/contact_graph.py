"""The one contact network every people question reads: paths, brokers, ego, profile, metrics.

People are linked by every tie the model holds: KNOWS ties, and shared affiliations —
colleagues at one organization, fellow board members, people staffing one alliance, people
whose employers belong to one boundary network or take part in one project. A shared
affiliation passes through a hub node (the organization, its board, the alliance, the network
or the project), one half of the tie's cost on each side, so a company of 5,000 employees adds
5,000 edges rather than 12.5 million. Edge cost is ``-log(strength)``: the cheapest path is
the most probable chain of introductions.

Everything is built in id order (nodes sorted, relationships sorted by their ends and key),
so the graph, its compressed copy and every answer drawn from it are the same whichever
store the projection came from and in whatever order its rows were written.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx

from graph.projection import edge_active, edge_evidence_id, node_active
from graph.vocabulary import NodeLabel, RelType
from queries.path_search import CsrGraph
from queries.ties import TieDefaults, knows_strength

#: Every kind of tie between two people, in the order they are explained.
TIE_KINDS: tuple[str, ...] = ("knows", "colleague", "board", "co_staff", "network", "project")
HUB_KINDS = frozenset(TIE_KINDS[1:])


class UnknownTieKind(ValueError):
    """A tie kind that is not one of :data:`TIE_KINDS`."""


def parse_tie_kinds(value: str | Iterable[str] | None) -> frozenset[str]:
    """The tie kinds named in ``value`` (comma-separated or a list); all of them for ``None``.

    >>> sorted(parse_tie_kinds("knows, board"))
    ['board', 'knows']
    """
    if value is None:
        return frozenset(TIE_KINDS)
    names = value.split(",") if isinstance(value, str) else list(value)
    kinds = frozenset(n.strip() for n in names if n.strip())
    unknown = sorted(kinds - set(TIE_KINDS))
    if unknown or not kinds:
        raise UnknownTieKind(
            f"unknown tie kind(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"expected some of {', '.join(TIE_KINDS)}"
        )
    return kinds


@dataclass(frozen=True)
class ContactGraph:
    """The weighted contact graph and what it was built from."""

    graph: nx.Graph  # nodes: people and hubs; edge attrs: cost, strength, kind, evidence ...
    people: frozenset[str]
    as_of: date | None
    version: object
    csr: CsrGraph  # the same graph as arrays, for the compiled path search
    kinds: frozenset[str] = frozenset(TIE_KINDS)
    #: answers derived from the same projection and date (an organization's people, a
    #: person's employer, the person-to-person network), kept because queries ask again
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    def hubs_of(self, person: str) -> list[str]:
        """The affiliation hubs a person belongs to, in id order."""
        g = self.graph
        return [h for h in g[person] if g.nodes[h].get("kind") == "hub"]

    def members(self, hub: str) -> list[str]:
        """The people of one affiliation hub, in id order."""
        return list(self.graph[hub])


def _add(g: nx.Graph, u: str, v: str, cost: float, **attrs: Any) -> None:
    if u == v:
        return
    old = g.get_edge_data(u, v)
    if old is None or cost < old["cost"]:
        g.add_edge(u, v, cost=cost, **attrs)


def _sorted_edges(projection: nx.MultiDiGraph) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The relationships the contact graph reads, in id order (store order must not matter)."""
    wanted = {
        RelType.KNOWS,
        RelType.WORKS_AT,
        RelType.STAFFS,
        RelType.BELONGS_TO,
        RelType.PARTICIPATES_IN,
    }
    rows = [
        (str(u), str(v), str(k), d)
        for u, v, k, d in projection.edges(keys=True, data=True)
        if d.get("type") in wanted
    ]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


def build_contact_graph(
    projection: nx.MultiDiGraph,
    as_of: date | None = None,
    defaults: TieDefaults | None = None,
    kinds: Iterable[str] | None = None,
) -> ContactGraph:
    """People and their ties of ``kinds`` (all by default) active on ``as_of``."""
    d = defaults or TieDefaults()
    wanted = parse_tie_kinds(kinds)
    nodes = projection.nodes
    g = nx.Graph()
    people = sorted(n for n, a in projection.nodes(data=True) if a.get("label") == NodeLabel.PERSON)
    g.add_nodes_from(people, kind="person")
    staff: dict[str, list[tuple[str, str]]] = {}  # organization -> (employee, evidence)
    groups: list[tuple[str, str, str]] = []  # (organization, network/project, evidence)

    def hub_edge(person: str, hub: str, of: str, kind: str, strength: float, **extra: Any) -> None:
        if not g.has_node(hub):
            g.add_node(hub, kind="hub", of=of, tie=kind)
        _add(
            g,
            person,
            hub,
            -math.log(strength) / 2,
            strength=strength,
            kind=kind,
            origin="default",
            hub_of=of,
            **extra,
        )

    for u, v, _, data in _sorted_edges(projection):
        t = data.get("type")
        if not edge_active(data, as_of):
            continue
        if t == RelType.KNOWS:
            if "knows" not in wanted or u == v:
                continue
            strength, origin = knows_strength(data, as_of, d)
            _add(
                g,
                u,
                v,
                -math.log(strength),
                strength=strength,
                kind="knows",
                origin=origin,
                source_system=data.get("source_system"),
                last_contact=data.get("last_contact"),
                evidence=[edge_evidence_id(u, v, data)],
            )
        elif t == RelType.WORKS_AT:
            board = data.get("kind") == "board"
            evidence = edge_evidence_id(u, v, data)
            if not board:
                staff.setdefault(v, []).append((u, evidence))
            kind = "board" if board else "colleague"
            if kind in wanted:
                hub = v + ("#board" if board else "")
                hub_edge(u, hub, v, kind, d.board if board else d.colleague, evidence=[evidence])
        elif t == RelType.STAFFS:
            if "co_staff" in wanted and node_active(nodes[v], as_of):
                evidence = edge_evidence_id(u, v, data)
                hub_edge(
                    u, v, v, "co_staff", d.co_staff, role=data.get("role"), evidence=[evidence]
                )
        elif node_active(nodes[v], as_of):  # BELONGS_TO a network, PARTICIPATES_IN a project
            kind = "network" if t == RelType.BELONGS_TO else "project"
            if kind in wanted:
                groups.append((u, v, edge_evidence_id(u, v, data)))
    for org, group, evidence in groups:
        label = nodes[group].get("label")
        kind = "network" if label == NodeLabel.NETWORK else "project"
        strength = d.network if kind == "network" else d.project
        for person, job in staff.get(org, []):
            hub_edge(person, group, group, kind, strength, via_org=org, evidence=[job, evidence])
    return ContactGraph(
        g,
        frozenset(people),
        as_of,
        projection.graph.get("version"),
        CsrGraph.from_graph(g),
        wanted,
    )


@dataclass(frozen=True)
class PersonNetwork:
    """People joined directly, one edge a pair: the contact graph with its hubs unfolded.

    Each edge holds ``strength`` (its strongest tie), ``kinds`` (every kind of tie between
    the two, in :data:`TIE_KINDS` order), ``via`` (the organizations, alliances, networks
    or projects they share) and ``hubs`` (the contact graph's hub nodes behind them). Hubs of more than ``max_group``
    people are left out and listed in ``skipped``: a group that large is a weak tie between
    any two of its people, and unfolding it would add its size squared edges.
    """

    graph: nx.Graph
    max_group: int
    skipped: list[tuple[str, str, int]]  # (hub, kind, people)


def person_network(cg: ContactGraph, max_group: int = 200) -> PersonNetwork:
    """The person-to-person network of ``cg`` (built once per contact graph and limit)."""
    key = ("person_network", str(max_group))
    if key in cg.memo:
        cached: PersonNetwork = cg.memo[key]
        return cached
    g = cg.graph
    out = nx.Graph()
    out.add_nodes_from(sorted(cg.people))
    pairs: dict[tuple[str, str], list[Any]] = {}  # (a, b) -> [strength, kinds, via, hubs]

    def tie(a: str, b: str, strength: float, kind: str, hub: str | None) -> None:
        pair = (a, b) if a < b else (b, a)
        entry = pairs.get(pair)
        if entry is None:
            entry = pairs[pair] = [strength, set(), [], []]
        entry[0] = max(entry[0], strength)
        entry[1].add(kind)
        if hub is not None:
            via = g.nodes[hub]["of"]
            if via not in entry[2]:
                entry[2].append(via)
            entry[3].append(hub)

    skipped: list[tuple[str, str, int]] = []
    for u, v, data in g.edges(data=True):
        if data["kind"] == "knows":
            tie(u, v, data["strength"], "knows", None)
    for hub in sorted(n for n, a in g.nodes(data=True) if a.get("kind") == "hub"):
        kind = g.nodes[hub]["tie"]
        members = sorted(g[hub])
        if len(members) > max_group:
            skipped.append((hub, kind, len(members)))
            continue
        strength = next(iter(g[hub].values()))["strength"] if members else 0.0
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                tie(a, b, strength, kind, hub)
    for (a, b), (strength, kinds, via, hubs) in sorted(pairs.items()):
        ordered = [k for k in TIE_KINDS if k in kinds]
        out.add_edge(a, b, strength=strength, kinds=ordered, via=via, hubs=hubs)
    result = PersonNetwork(out, max_group, skipped)
    cg.memo[key] = result
    return result


class ContactGraphCache:
    """One contact graph per (projection, as_of, defaults, kinds); thread-safe.

    Entries are found by the projection's ``id`` and checked against a weak reference to
    it: a view freed and another made at the same address (each API key has its own)
    must not be handed the first one's contact graph.
    """

    def __init__(self, size: int = 8) -> None:
        self._items: dict[
            tuple[int, object, date | None, str, tuple[str, ...]],
            tuple[weakref.ref[nx.MultiDiGraph], ContactGraph],
        ] = {}
        self._lock = threading.Lock()
        self._size = size

    def get(
        self,
        projection: nx.MultiDiGraph,
        as_of: date | None = None,
        defaults: TieDefaults | None = None,
        kinds: Iterable[str] | None = None,
    ) -> ContactGraph:
        wanted = parse_tie_kinds(kinds)
        key = (
            id(projection),
            projection.graph.get("version"),
            as_of,
            (defaults or TieDefaults()).model_dump_json(),
            tuple(sorted(wanted)),
        )
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0]() is projection:
            return hit[1]
        built = build_contact_graph(projection, as_of, defaults, wanted)
        with self._lock:
            self._items.pop(key, None)
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (weakref.ref(projection), built)
        return built


CACHE = ContactGraphCache()
