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

from graph.dates import period_end, period_start
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

#: A dated stay at an affiliation hub: (first day or None, last day or None, person, edge
#: attributes). None is "not recorded": open on that side.
Stay = tuple[date | None, date | None, str, dict[str, Any]]

#: The kinds of tie whose hub is one organization, board or alliance: two people are tied
#: through it only if their dated periods there overlap.
DATED_KINDS = frozenset({"colleague", "board", "co_staff"})


def _stay(person: str, attrs: dict[str, Any]) -> Stay:
    """A person's period at a hub from the relationship's ``since``/``until``."""
    since, until = attrs.get("since"), attrs.get("until")
    return (
        period_start(since) if since else None,
        period_end(until) if until else None,
        person,
        attrs,
    )


#: Days between the groups of a hub whose exact groups would be too many (see below).
_GROUP_GAPS = (0, 31, 92, 366, 731, 1827, 3653)


def _emissions(events: list[tuple[date, int, int]], gap: int) -> tuple[list[int], int]:
    """Where a sweep over ``events`` closes a group, at least ``gap`` days apart, and the
    total size of those groups."""
    at: list[int] = []
    size = total = 0
    grown, last = False, None
    for k, (day, end, _) in enumerate(events):
        if not end:
            size, grown = size + 1, True
            continue
        if grown and (last is None or (day - last).days >= gap):
            at.append(k)
            total += size
            grown, last = False, day
        size -= 1
    return at, total


def overlap_cliques(
    stays: list[Stay], budget: int | None = None
) -> list[dict[str, dict[str, Any]]]:
    """Groups of stays that all overlap (person -> edge attributes), in time order.

    Intervals overlap pairwise exactly when they share a day, so the maximal groups are the
    stays open on one day: a sweep closes a group at each end that follows a start. An open
    side (no date) reaches all of time, as an undated stay counts as today. When those
    groups would hold more than ``budget`` memberships in all (by default 16 a stay, at
    least 4,096: thousands of dated jobs at one employer over decades), groups are taken at
    most once a month, then a quarter, a year ...: people whose overlap fell between two
    groups are not tied, and no one is tied to someone they never overlapped.
    """
    lo, hi = date.min, date.max
    events = [(s or lo, 0, i) for i, (s, _, _, _) in enumerate(stays)]
    events += [(e or hi, 1, i) for i, (_, e, _, _) in enumerate(stays)]
    events.sort()  # a start before an end on the same day: both were there that day
    limit = budget if budget is not None else max(16 * len(stays), 4096)
    for gap in _GROUP_GAPS:
        at, total = _emissions(events, gap)
        if total <= limit:
            break
    closing = set(at)
    open_: dict[int, None] = {}
    cliques: list[dict[str, dict[str, Any]]] = []
    for k, (_, end, i) in enumerate(events):
        if not end:
            open_[i] = None
            continue
        if k in closing:
            group: dict[str, dict[str, Any]] = {}
            for j in sorted(open_):
                group.setdefault(stays[j][2], stays[j][3])
            cliques.append(group)
        del open_[i]
    return cliques


def _all_overlap(stays: list[Stay]) -> bool:
    """Whether every two stays share a day (intervals: the latest start is before the first end)."""
    starts = [s for s, _, _, _ in stays if s is not None]
    ends = [e for _, e, _, _ in stays if e is not None]
    return not starts or not ends or max(starts) <= min(ends)


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
    #: hub -> every stay there, kept over all of history only (on one date every stay
    #: open that day overlaps every other); dated ones make ``dated`` true
    stays: dict[str, list[Stay]] = {}
    dated: set[str] = set()

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
        if as_of is None and kind in DATED_KINDS:
            stay = _stay(person, attrs)
            stays.setdefault(hub, []).append(stay)
            if stay[0] is not None or stay[1] is not None:
                dated.add(hub)

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
                hub_edge(
                    u,
                    hub,
                    v,
                    kind,
                    d.board if board else d.colleague,
                    evidence=(rel,),
                    **_period(data),
                )
        elif t == RelType.STAFFS:
            if "co_staff" in wanted and u in adj and node_active(nodes[v], as_of):
                hub_edge(
                    u,
                    v,
                    v,
                    "co_staff",
                    d.co_staff,
                    role=data.get("role"),
                    evidence=(rel,),
                    **_period(data),
                )
        elif node_active(nodes[v], as_of):  # BELONGS_TO a network, PARTICIPATES_IN a project
            kind = "network" if t == RelType.BELONGS_TO else "project"
            if kind in wanted:
                groups.append((u, v, rel))
    for org, group, rel in groups:
        kind = "network" if nodes[group].get("label") == NodeLabel.NETWORK else "project"
        strength = d.network if kind == "network" else d.project
        for person, job in staff.get(org, []):
            hub_edge(person, group, group, kind, strength, via_org=org, evidence=(job, rel))
    for hub in sorted(dated):
        _split_by_time(hub, stays[hub], node_attrs, adj)
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


def _period(data: dict[str, Any]) -> dict[str, str]:
    """The recorded ``since``/``until`` of a relationship, kept on its hub edge."""
    return {k: data[k] for k in ("since", "until") if data.get(k)}


def _split_by_time(
    hub: str,
    stays: list[Stay],
    node_attrs: dict[str, dict[str, Any]],
    adj: dict[str, dict[str, dict[str, Any]]],
) -> None:
    """Replace ``hub`` by one hub per group of people whose stays there overlap.

    Over all of history a board that Ann left in 2009 and Bo joined in 2012 does not tie
    them; each group is the people there on one day (``hub@1``, ``hub@2``, ... in time
    order). A hub whose stays all overlap is kept as it is.
    """
    if _all_overlap(stays):
        return
    info = node_attrs.pop(hub)
    for person in adj.pop(hub):
        del adj[person][hub]
    for n, group in enumerate(overlap_cliques(stays), 1):
        part = f"{hub}@{n}"
        node_attrs[part] = {**info, "part_of": hub}
        adj[part] = {}
        for person, attrs in group.items():
            adj[person][part] = adj[part][person] = dict(attrs)


def ended_overlap(a: dict[str, Any], b: dict[str, Any], as_of: date | None) -> str | None:
    """When two hub edges' periods overlapped and that overlap has ended: "2012–2019".

    ``None`` while it lasts (or when no end is recorded): explanations then speak in the
    present tense; otherwise in the past, with these years.
    """
    ends = [x["until"] for x in (a, b) if x.get("until")]
    if not ends:
        return None
    until = min(ends, key=period_end)
    if period_end(until) >= (as_of or date.today()):
        return None
    starts = [x["since"] for x in (a, b) if x.get("since")]
    if not starts:
        return f"until {until[:4]}"
    since = max(starts, key=period_start)
    return since[:4] if since[:4] == until[:4] else f"{since[:4]}–{until[:4]}"


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
