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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx

from graph.projection import edge_active, node_active
from graph.records import rel_id
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
    #: each person's employer on ``as_of`` by name (a job with no end date first, then the
    #: first name), found while building: looked up per person, it was a third of the time
    #: a path answer held the interpreter
    employers: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def hubs_of(self, person: str) -> list[str]:
        """The affiliation hubs a person belongs to, in id order."""
        g = self.graph
        return [h for h in g[person] if g.nodes[h].get("kind") == "hub"]

    def members(self, hub: str) -> list[str]:
        """The people of one affiliation hub, in id order."""
        return list(self.graph[hub])


Rel = tuple[str, str, str, str]  # (type, source, target, key): a relationship's evidence


def evidence_ids(rels: Iterable[Rel]) -> list[str]:
    """The evidence ids of relationships kept on contact-graph edges (``rels``)."""
    return [rel_id(*r) for r in rels]


_TYPES = frozenset(
    {RelType.KNOWS, RelType.WORKS_AT, RelType.STAFFS, RelType.BELONGS_TO, RelType.PARTICIPATES_IN}
)


def _sorted_edges(projection: nx.MultiDiGraph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The relationships the contact graph reads, in id order (store order must not matter)."""
    succ = projection.succ
    for u in sorted(succ):
        for v, keyed in sorted(succ[u].items()):
            for _, d in sorted(keyed.items()):
                if d.get("type") in _TYPES:
                    yield u, v, d


def build_contact_graph(
    projection: nx.MultiDiGraph,
    as_of: date | None = None,
    defaults: TieDefaults | None = None,
    kinds: Iterable[str] | None = None,
) -> ContactGraph:
    """People and their ties of ``kinds`` (all by default) active on ``as_of``.

    Built straight into the graph's adjacency dictionaries (``add_edge`` per tie cost a
    third of the build on 100,000 people).
    """
    d = defaults or TieDefaults()
    wanted = parse_tie_kinds(kinds)
    nodes = projection.nodes
    people = sorted(n for n, a in projection.nodes(data=True) if a.get("label") == NodeLabel.PERSON)
    node_attrs: dict[str, dict[str, Any]] = {p: {"kind": "person"} for p in people}
    adj: dict[str, dict[str, dict[str, Any]]] = {p: {} for p in people}
    staff: dict[str, list[tuple[str, Rel]]] = {}  # organization -> (employee, evidence)
    groups: list[tuple[str, str, Rel]] = []  # (organization, network/project, evidence)
    jobs: dict[str, tuple[bool, str]] = {}  # person -> (has an end date, employer name)

    def add(u: str, v: str, attrs: dict[str, Any]) -> None:
        if u == v:
            return
        old = adj[u].get(v)
        if old is None:
            adj[u][v] = adj[v][u] = attrs
        elif attrs["cost"] < old["cost"]:
            old.clear()
            old.update(attrs)

    def hub_edge(person: str, hub: str, of: str, kind: str, strength: float, **extra: Any) -> None:
        if hub not in node_attrs:
            node_attrs[hub] = {"kind": "hub", "of": of, "tie": kind}
            adj[hub] = {}
        attrs = {
            "cost": -math.log(strength) / 2,
            "strength": strength,
            "kind": kind,
            "origin": "default",
            "hub_of": of,
        }
        attrs.update(extra)
        add(person, hub, attrs)

    for u, v, data in _sorted_edges(projection):
        t = data["type"]
        if not edge_active(data, as_of):
            continue
        rel: Rel = (t, u, v, data.get("rel_key", ""))
        if t == RelType.KNOWS:
            if "knows" not in wanted or u == v:
                continue
            for end in (u, v):
                if end not in adj:
                    node_attrs[end], adj[end] = {"kind": "person"}, {}
            strength, origin = knows_strength(data, as_of, d)
            add(
                u,
                v,
                {
                    "cost": -math.log(strength),
                    "strength": strength,
                    "kind": "knows",
                    "origin": origin,
                    "source_system": data.get("source_system"),
                    "last_contact": data.get("last_contact"),
                    "evidence": (rel,),
                },
            )
        elif t == RelType.WORKS_AT:
            if u not in adj:
                continue
            if data.get("kind", "employee") == "employee":
                work = (bool(data.get("until")), str(nodes[v].get("name", v)))
                if u not in jobs or work < jobs[u]:
                    jobs[u] = work
            board = data.get("kind") == "board"
            if not board:
                staff.setdefault(v, []).append((u, rel))
            kind = "board" if board else "colleague"
            if kind in wanted:
                hub = v + ("#board" if board else "")
                hub_edge(u, hub, v, kind, d.board if board else d.colleague, evidence=(rel,))
        elif t == RelType.STAFFS:
            if "co_staff" in wanted and u in adj and node_active(nodes[v], as_of):
                hub_edge(u, v, v, "co_staff", d.co_staff, role=data.get("role"), evidence=(rel,))
        elif node_active(nodes[v], as_of):  # BELONGS_TO a network, PARTICIPATES_IN a project
            kind = "network" if t == RelType.BELONGS_TO else "project"
            if kind in wanted:
                groups.append((u, v, rel))
    for org, group, rel in groups:
        kind = "network" if nodes[group].get("label") == NodeLabel.NETWORK else "project"
        strength = d.network if kind == "network" else d.project
        for person, job in staff.get(org, []):
            hub_edge(person, group, group, kind, strength, via_org=org, evidence=(job, rel))
    g = nx.Graph()
    g._node, g._adj = node_attrs, adj  # the same shape nx.Graph keeps (no view built yet)
    return ContactGraph(
        g,
        frozenset(people),
        as_of,
        projection.graph.get("version"),
        CsrGraph.from_graph(g),
        wanted,
        employers={p: name for p, (_, name) in jobs.items()},
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
