"""Who knows whom: the best introduction paths, every hop explained.

The cost of a tie is ``-log(strength)``, so the cheapest path is the most probable chain
of introductions (its probability is the product of the strengths). The top ``k`` distinct
paths come from Yen's algorithm over the contact graph (:mod:`queries.contact_graph`),
each search a compiled bidirectional Dijkstra (:mod:`queries.path_search`). A source or target may
be a person or an organization (then: any of its current people).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar

import networkx as nx
from pydantic import BaseModel, Field

from graph.projection import edge_active
from graph.vocabulary import NodeLabel, RelType
from queries.contact_graph import CACHE, TIE_KINDS, ContactGraph, ended_overlap
from queries.path_search import PathSearch
from queries.ties import TieDefaults

T = TypeVar("T")

SOURCE, TARGET = "\x00source", "\x00target"


class UnknownEndpoint(LookupError):
    """A path endpoint that is not a person or organization of the graph."""


class Hop(BaseModel):
    """One introduction: who knows whom, how, how strongly and on what evidence."""

    source: str
    target: str
    source_name: str
    target_name: str
    kind: str = Field(description="knows, colleague, board, co_staff, network or project")
    strength: float
    origin: str = Field(description="stored, derived (from interactions) or default (by kind)")
    via: str | None = Field(
        None,
        description="the organization, alliance, network or project of a shared affiliation",
    )
    last_contact: str | None = None
    explanation: str


class IntroPath(BaseModel):
    """One path from the source to the target."""

    people: list[str]
    hops: list[Hop]
    probability: float
    cost: float


class PathsResult(BaseModel):
    """The best paths between two endpoints."""

    source: str
    target: str
    as_of: str | None
    paths: list[IntroPath]
    explanation: str
    max_hops: int = Field(description="the most introductions a path may have")
    hop_limited: bool = Field(
        False,
        description="a more probable path was left out for having more than max_hops "
        "introductions: raise max_hops to see it",
    )
    ties: list[str] = Field(description="the kinds of tie the search used")


def _memo(cg: ContactGraph, kind: str, node: str, compute: Callable[[], T]) -> T:
    """``compute()``, once per contact graph (so per projection and date) and node."""
    key = (kind, node)
    if key not in cg.memo:
        cg.memo[key] = compute()  # concurrent first calls agree: the same inputs
    value: T = cg.memo[key]
    return value


def _people_of(projection: nx.MultiDiGraph, node: str, as_of: date | None) -> list[str]:
    label = projection.nodes[node].get("label")
    if label == NodeLabel.PERSON:
        return [node]
    if label != NodeLabel.ORGANIZATION:
        raise UnknownEndpoint(f"{node!r} is a {label}, not a person or organization")
    return sorted(
        u
        for u, _, d in projection.in_edges(node, data=True)
        if d.get("type") == RelType.WORKS_AT and edge_active(d, as_of)
    )


def _phrase(kind: str, hub_name: str, ended: str | None) -> str:
    """How two people are tied through a hub; in the past tense when their overlap ended."""
    if ended and kind in _PAST:
        return f"{_PAST[kind].format(hub_name)}, {ended}"
    return {
        "colleague": f"work together at {hub_name}",
        "board": f"sit on the board of {hub_name}",
        "co_staff": f"both staff {hub_name}",
        "network": f"work at members of the network {hub_name}",
        "project": f"work at partners in the project {hub_name}",
    }[kind]


#: A shared organization, board or alliance whose overlap ended (see ``ended_overlap``).
_PAST = {
    "colleague": "worked together at {}",
    "board": "sat on the board of {} together",
    "co_staff": "both staffed {}",
}


def _explain(projection: nx.MultiDiGraph, cg: ContactGraph, path: list[str]) -> list[Hop]:
    adj = cg.graph._adj  # plain dicts: a view object per lookup cost more than the lookup
    nodes = projection._node
    inner = [n for n in path if n not in (SOURCE, TARGET)]
    hops: list[Hop] = []
    i = 0

    named: dict[str, str] = {}

    def who(p: str) -> str:
        if p not in named:  # each person is named several times per hop
            name = str(nodes[p].get("name", p))
            org = cg.employers.get(p)
            named[p] = f"{name} ({org})" if org else name
        return named[p]

    while i < len(inner) - 1:
        a, b = inner[i], inner[i + 1]
        data = adj[a][b]
        if data["kind"] == "knows":
            last = data.get("last_contact")
            where = f", last contact {last}" if last else ""
            system = f" from {data['source_system']}" if data.get("source_system") else ""
            hops.append(
                Hop(
                    source=a,
                    target=b,
                    source_name=who(a),
                    target_name=who(b),
                    kind="knows",
                    strength=round(data["strength"], 4),
                    origin=data["origin"],
                    last_contact=last,
                    explanation=f"{who(a)} knows {who(b)}, strength {data['strength']:.2f} "
                    f"({data['origin']}{system}){where}",
                )
            )
            i += 1
            continue
        c = inner[i + 2]  # a hub sits between two people
        hub = data["hub_of"]
        hub_name = str(nodes[hub].get("name", hub))
        kind = data["kind"]
        phrase = _phrase(kind, hub_name, ended_overlap(data, adj[b][c], cg.as_of))
        hops.append(
            Hop(
                source=a,
                target=c,
                source_name=who(a),
                target_name=who(c),
                kind=kind,
                strength=round(data["strength"], 4),
                origin="default",
                via=hub,
                explanation=f"{who(a)} and {who(c)} {phrase} (default {kind.replace('_', '-')} "
                f"strength {data['strength']:.2f})",
            )
        )
        i += 2
    return hops


def _distinct_paths(
    projection: nx.MultiDiGraph,
    cg: ContactGraph,
    raw: list[tuple[float, list[int]]],
    max_hops: int,
    ends: tuple[set[str], set[str]] = (set(), set()),
) -> list[IntroPath]:
    """The search's paths as explained introductions, each sequence of introductions once
    (the same people, kinds and affiliations through two time groups of one hub), without
    a path whose first introduction is between two people of the source (``ends[0]``) or
    whose last is between two of the target: the path from the second one is shorter."""
    starts, finishes = ends
    ids, n = cg.csr.nodes, len(cg.csr.nodes)  # indices n and n + 1 are the virtual ends
    paths: list[IntroPath] = []
    seen: set[tuple[tuple[str, str, str, str | None], ...]] = set()
    for cost, found in raw:
        path = [ids[i] if i < n else (SOURCE if i == n else TARGET) for i in found]
        hops = _explain(projection, cg, path)
        if not hops:
            continue
        assert len(hops) <= max_hops, "the search keeps to the hop limit"
        same = tuple((h.source, h.target, h.kind, h.via) for h in hops)
        if same in seen:
            continue
        seen.add(same)
        people = [hops[0].source] + [h.target for h in hops]
        if len(people) > 2 and (people[1] in starts or people[-2] in finishes):
            continue
        paths.append(
            IntroPath(
                people=people, hops=hops, cost=round(cost, 9), probability=round(math.exp(-cost), 6)
            )
        )
    return paths


def _no_introduction(projection: nx.MultiDiGraph, source: str, target: str, both: set[str]) -> str:
    """Why two ends need no introduction: one person, a person at the other end's
    organization, or people at both organizations."""
    name = lambda n: str(projection.nodes[n].get("name", n))  # noqa: E731
    person = {n: projection.nodes[n].get("label") == NodeLabel.PERSON for n in (source, target)}
    if person[source] and person[target]:
        return f"{name(source)} and {name(target)} are the same people"
    if person[source] or person[target]:
        who, where = (source, target) if person[source] else (target, source)
        return f"{name(who)} is at {name(where)}"
    shown = sorted(both, key=lambda n: (name(n), n))
    who_all = ", ".join(name(p) for p in shown[:3])
    if len(shown) > 3:
        who_all += f" and {len(shown) - 3} more"
    verb = "is" if len(shown) == 1 else "are"
    return f"{who_all} {verb} at both {name(source)} and {name(target)}"


def introduction_paths(
    projection: nx.MultiDiGraph,
    source: str,
    target: str,
    k: int = 3,
    *,
    as_of: date | None = None,
    defaults: TieDefaults | None = None,
    max_hops: int = 8,
    ties: Iterable[str] | None = None,
) -> PathsResult:
    """The ``k`` most probable distinct introduction paths from ``source`` to ``target``.

    Either end may be a person or an organization (any of its people on ``as_of``). The
    search looks only at paths of at most ``max_hops`` introductions (the limit is part of
    the search: the best paths within it come back) and says when a more probable, longer
    path was passed over. ``ties`` restricts the kinds of tie (all of
    :data:`~queries.contact_graph.TIE_KINDS` by default).
    """
    for node in (source, target):
        if node not in projection:
            raise UnknownEndpoint(f"no person or organization with id {node!r}")
    if max_hops < 1:
        raise ValueError(f"max_hops must be at least 1, not {max_hops}")
    cg = CACHE.get(projection, as_of, defaults, ties)
    sources = _memo(cg, "people", source, lambda: _people_of(projection, source, as_of))
    targets = _memo(cg, "people", target, lambda: _people_of(projection, target, as_of))
    search = PathSearch(cg.csr, sources, targets, max_hops)
    paths: list[IntroPath] = []
    want = k
    ends = (set(sources), set(targets))
    both = ends[0] & ends[1]
    while sources and targets and not both:
        raw = search.k_cheapest(want)
        paths = _distinct_paths(projection, cg, raw, max_hops, ends)[:k]
        # an affiliation split by time (queries.contact_graph._split_by_time) has a hub per
        # group of people there together, and two people there for years share several:
        # the same introductions through each are one path to a reader, so when repeats
        # were dropped a few more paths are asked for
        if len(paths) == k or len(raw) < want or want >= k + 20:
            break
        want = min(k + 20, want * 2)
    name = lambda n: str(projection.nodes[n].get("name", n))  # noqa: E731
    more = f"; raise --max-hops (now {max_hops}) to look further"
    if paths:
        text = (
            f"{len(paths)} path(s) from {name(source)} to {name(target)} within {max_hops} "
            f"introductions; the best has {len(paths[0].hops)} introduction(s), probability "
            f"{paths[0].probability:.3f}"
        )
        if search.cut:
            text += f"; more probable paths of more than {max_hops} introductions exist" + more
    elif both:
        text = _no_introduction(projection, source, target, both) + ": no introduction needed"
    elif search.cut:
        text = (
            f"no path within {max_hops} introductions from {name(source)} to {name(target)}" + more
        )
    else:
        text = f"no chain of known ties links {name(source)} to {name(target)}"
    return PathsResult(
        source=source,
        target=target,
        as_of=as_of.isoformat() if as_of else None,
        paths=paths,
        explanation=text,
        max_hops=max_hops,
        hop_limited=search.cut,
        ties=[t for t in TIE_KINDS if t in cg.kinds],
    )
