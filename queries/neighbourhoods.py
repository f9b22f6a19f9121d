"""Brokers between two alliances or organizations, ego networks, and the profiler
("find the person who knows")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import networkx as nx
from pydantic import BaseModel, Field

from graph.projection import edge_active, edge_evidence_id, snapshot
from graph.vocabulary import NodeLabel, RelType
from queries.contact_graph import (
    CACHE,
    TIE_KINDS,
    ContactGraph,
    ended_overlap,
    evidence_ids,
    person_network,
)


class UnknownNode(LookupError):
    """An id that is not in the graph (or not of the kind asked for)."""


class Broker(BaseModel):
    """A person on the paths between the two sides, and how many of them she carries."""

    id: str
    name: str
    paths: int = Field(description="A-B pairs of different people linked through this person")
    score: float = Field(description="summed probability of those paths (tie strengths multiplied)")
    sides: list[str] = Field(description="'a' and/or 'b' when the person is on a side herself")
    ties_a: list[str] = Field(description="her contacts on side A (herself first if on it)")
    ties_b: list[str] = Field(description="her contacts on side B (herself first if on it)")
    kinds: list[str] = Field(description="the kinds of tie she has to the two sides")
    reason: str


class BrokersResult(BaseModel):
    a: str
    b: str
    brokers: list[Broker]
    explanation: str
    ties: list[str] = Field(description="the kinds of tie the network was built from")


class EgoNetwork(BaseModel):
    """The nodes and relationships within ``depth`` steps of a node."""

    center: str
    depth: int
    nodes: list[dict[str, object]]
    relationships: list[dict[str, object]]
    truncated: bool


class ProfileEntry(BaseModel):
    person: str
    name: str
    reasons: list[str]
    evidence_relationships: list[str]


class Profile(BaseModel):
    """Who in the focal organization knows a target organization or topic, and why."""

    target: str
    organization: str
    people: list[ProfileEntry]


def people_of(g: nx.MultiDiGraph, node: str, as_of: date | None = None) -> set[str]:
    """People of an organization (employees, board) or an alliance (its staff)."""
    if node not in g:
        raise UnknownNode(f"no node with id {node!r}")
    label = g.nodes[node].get("label")
    wanted = {
        NodeLabel.ORGANIZATION: RelType.WORKS_AT,
        NodeLabel.ALLIANCE: RelType.STAFFS,
        NodeLabel.PERSON: None,
    }
    if label not in wanted:
        raise UnknownNode(f"{node!r} is a {label}, not an organization, alliance or person")
    if label == NodeLabel.PERSON:
        return {node}
    return {
        u
        for u, _, d in g.in_edges(node, data=True)
        if d.get("type") == wanted[label] and edge_active(d, as_of)
    }


def brokers(
    g: nx.MultiDiGraph,
    a: str,
    b: str,
    *,
    as_of: date | None = None,
    top: int = 20,
    ties: Iterable[str] | None = None,
    max_group: int = 200,
) -> BrokersResult:
    """People ranked by the A-B paths they carry, on the contact network of ``ties``.

    A path is a pair of different people, one of side A and one of side B, joined through
    the broker: she knows both, or is one of them and knows the other. Someone who only
    knows the one person on both sides carries no path (there is no pair), while that
    person carries a path to every contact she has on either side. Ranked by the number of
    paths, then their summed probability (the product of the two tie strengths), then id.
    """
    side_a, side_b = people_of(g, a, as_of), people_of(g, b, as_of)
    # over all of history a side holds its former people too; the reason says who still is
    today = date.today()
    now_a = side_a if as_of is not None else people_of(g, a, today)
    now_b = side_b if as_of is not None else people_of(g, b, today)
    cg = CACHE.get(g, as_of, None, ties)
    net = person_network(cg, max_group).graph
    candidates = sorted({x for p in side_a | side_b if p in net for x in (p, *net[p])})
    out: list[Broker] = []
    for x in candidates:
        strengths = net[x]
        reach: list[dict[str, float]] = []
        for side in (side_a, side_b):
            found = {y: float(strengths[y]["strength"]) for y in strengths if y in side}
            if x in side:
                found = {x: 1.0, **found}
            reach.append(found)
        ra, rb = reach
        both = ra.keys() & rb.keys()
        paths = len(ra) * len(rb) - len(both)
        if paths <= 0:
            continue
        score = sum(ra.values()) * sum(rb.values()) - sum(ra[c] * rb[c] for c in both)
        kinds = {k for y in (*ra, *rb) if y != x for k in strengths[y]["kinds"]}
        sides = [s for s, side in (("a", side_a), ("b", side_b)) if x in side]
        current = [s for s, side in (("a", now_a), ("b", now_b)) if x in side]
        where = _where(sides, current)
        contacts_a = len(ra) - (x in ra)
        contacts_b = len(rb) - (x in rb)
        out.append(
            Broker(
                id=x,
                name=str(g.nodes[x].get("name", x)),
                paths=paths,
                score=round(score, 4),
                sides=sides,
                ties_a=sorted(ra, key=lambda y: (y != x, y)),
                ties_b=sorted(rb, key=lambda y: (y != x, y)),
                kinds=[k for k in TIE_KINDS if k in kinds],
                reason=f"{where} and has ties to {contacts_a} of A and {contacts_b} of B "
                f"({', '.join(k for k in TIE_KINDS if k in kinds) or 'none'}): "
                f"carries {paths} A-B path(s)",
            )
        )
    out.sort(key=lambda x: (-x.paths, -x.score, x.id))
    name = lambda n: str(g.nodes[n].get("name", n))  # noqa: E731
    return BrokersResult(
        a=a,
        b=b,
        brokers=out[:top],
        explanation=f"{len(out)} people carry paths between {name(a)} and {name(b)}; "
        "ranked by the paths they carry, then their strength",
        ties=[t for t in TIE_KINDS if t in cg.kinds],
    )


def _where(sides: list[str], current: list[str]) -> str:
    """Which sides a broker is on, in the tense of her ties ("was on side A": a former
    director of A is no longer one of its people, though she still knows them)."""
    if not sides:
        return "is on neither side"
    if len(sides) == 2 and len(current) != 1:
        return "is on both sides" if current else "was on both sides"
    if len(sides) == 2:
        other = next(s for s in sides if s not in current)
        return f"is on side {current[0].upper()} and was on side {other.upper()}"
    return f"{'is' if current else 'was'} on side {sides[0].upper()}"


def ego_network(
    g: nx.MultiDiGraph,
    center: str,
    *,
    depth: int = 1,
    as_of: date | None = None,
    max_nodes: int = 2_000,
) -> EgoNetwork:
    """Nodes within ``depth`` steps of ``center`` (either direction), at most ``max_nodes``."""
    if center not in g:
        raise UnknownNode(f"no node with id {center!r}")
    view = snapshot(g, as_of)
    seen = {center: 0}
    frontier = [center]
    truncated = False
    for level in range(1, depth + 1):
        nxt = []
        for node in frontier:
            for other in (*view.successors(node), *view.predecessors(node)):
                if other not in seen:
                    if len(seen) >= max_nodes:
                        truncated = True
                        break
                    seen[other] = level
                    nxt.append(other)
        frontier = nxt
    nodes = [
        {
            "id": n,
            "label": view.nodes[n].get("label"),
            "name": view.nodes[n].get("name", n),
            "depth": d,
        }
        for n, d in seen.items()
    ]
    rels = [
        {"id": edge_evidence_id(u, v, d), "type": d["type"], "source": u, "target": v}
        for u, v, d in view.subgraph(seen).edges(data=True)
    ]
    return EgoNetwork(
        center=center, depth=depth, nodes=nodes, relationships=rels, truncated=truncated
    )


_PHRASE = {
    "colleague": "works with {other} at {via}",
    "board": "sits on the board of {via} with {other}",
    "co_staff": "staffs {via} with {other}",
    "network": "works at a member of the network {via}, as does {other}",
    "project": "works at a partner in the project {via}, as does {other}",
}

#: The same, for a shared organization, board or alliance whose overlap has ended.
_PAST_PHRASE = {
    "colleague": "worked with {other} at {via}",
    "board": "sat on the board of {via} with {other}",
    "co_staff": "staffed {via} with {other}",
}


def _tie_reasons(
    g: nx.MultiDiGraph, cg: ContactGraph, person: str, other: str, target: str, tname: str
) -> list[tuple[str, list[str]]]:
    """Every tie of the contact network between two people, as (reason, evidence ids)."""
    graph = cg.graph
    oname = f"{g.nodes[other].get('name', other)} of {tname}"
    out: list[tuple[str, list[str]]] = []
    if graph.has_edge(person, other):
        out.append((f"knows {oname}", evidence_ids(graph[person][other]["evidence"])))
    shared = sorted(
        h for h in set(graph[person]) & set(graph[other]) if graph.nodes[h]["kind"] == "hub"
    )
    seen: set[tuple[str, str]] = set()
    for hub in shared:
        kind = graph.nodes[hub]["tie"]
        via = graph.nodes[hub]["of"]
        if via == target or (kind, via) in seen:
            continue  # one reason per organization, however many periods they overlapped
        seen.add((kind, via))
        ended = ended_overlap(graph[person][hub], graph[other][hub], cg.as_of)
        phrase = _PAST_PHRASE[kind] + f", {ended}" if ended and kind in _PAST_PHRASE else None
        text = (phrase or _PHRASE[kind]).format(other=oname, via=g.nodes[via].get("name", via))
        rels = [*graph[person][hub]["evidence"], *graph[other][hub]["evidence"]]
        out.append((text, evidence_ids(rels)))
    return out


def profile(
    g: nx.MultiDiGraph,
    target: str,
    organization: str,
    *,
    as_of: date | None = None,
    ties: Iterable[str] | None = None,
) -> Profile:
    """Who at ``organization`` knows ``target`` (an organization or topic), and why.

    Reasons: a tie of the contact network (of ``ties``, all kinds by default) to someone
    there — knows them, shares a board, an employer, an alliance, a network or a project;
    sits there too; staffs an alliance the target is a member of (or, for a topic, that
    addresses it); used to work there; works for an organization that collaborated with
    it before.
    """
    for node in (target, organization):
        if node not in g:
            raise UnknownNode(f"no node with id {node!r}")
    view = snapshot(g, as_of)
    ours = people_of(g, organization, as_of)
    label = view.nodes[target].get("label")
    reasons: dict[str, list[str]] = defaultdict(list)
    evidence: dict[str, list[str]] = defaultdict(list)
    tname = str(view.nodes[target].get("name", target))
    if label == NodeLabel.ORGANIZATION:
        theirs = people_of(g, target, as_of)
        alliances = {
            a for _, a, d in view.out_edges(target, data=True) if d["type"] == RelType.MEMBER_OF
        }
        partners = {
            v
            for u, v, d in [*view.out_edges(target, data=True), *view.in_edges(target, data=True)]
            if d["type"] == RelType.COLLABORATED_WITH
            for v in (u, v)
            if v != target
        }
    elif label == NodeLabel.TOPIC:
        theirs, partners = set(), set()
        alliances = {
            a for a, _, d in view.in_edges(target, data=True) if d["type"] == RelType.ADDRESSES
        }
    else:
        raise UnknownNode(f"{target!r} is a {label}; profile an organization or a topic")
    cg = CACHE.get(g, as_of, None, ties)
    for person in sorted(ours):
        if person in theirs:
            reasons[person].append(f"is at {tname} too")
            evidence[person].extend(
                edge_evidence_id(person, target, d)
                for d in view.get_edge_data(person, target, default={}).values()
                if d["type"] == RelType.WORKS_AT
            )
        if person in cg.graph:
            contacts: set[str] = set()
            for n in cg.graph[person]:
                if cg.graph.nodes[n]["kind"] == "person":
                    contacts.add(n)
                elif cg.graph.nodes[n]["of"] != target:  # "is at the target too" says it
                    members = cg.graph[n]
                    contacts.update(y for y in theirs if y in members)
            for other in sorted(contacts & theirs - {person}):
                for text, ids in _tie_reasons(g, cg, person, other, target, tname):
                    reasons[person].append(text)
                    evidence[person].extend(ids)
        for u, v, d in [*view.out_edges(person, data=True), *view.in_edges(person, data=True)]:
            other = v if u == person else u
            t = d["type"]
            if t == RelType.STAFFS and other in alliances:
                reasons[person].append(
                    f"staffs {view.nodes[other].get('name', other)} "
                    f"({'with' if label == NodeLabel.ORGANIZATION else 'on'} {tname})"
                )
            elif t == RelType.WORKS_AT and other == target and d.get("until"):
                reasons[person].append(f"worked at {tname} until {d['until']}")
            elif t == RelType.WORKS_AT and other in partners:
                reasons[person].append(
                    f"works at {view.nodes[other].get('name', other)}, which "
                    f"collaborated with {tname}"
                )
            else:
                continue
            evidence[person].append(edge_evidence_id(u, v, d))
    # former employees are not in `ours` through an ended WORKS_AT; look at the full graph
    if label == NodeLabel.ORGANIZATION:
        for u, _, d in g.in_edges(target, data=True):
            if d["type"] == RelType.WORKS_AT and d.get("until") and u in ours and not reasons[u]:
                reasons[u].append(f"worked at {tname} until {d['until']}")
                evidence[u].append(edge_evidence_id(u, target, d))
    people = [
        ProfileEntry(
            person=p,
            name=str(view.nodes[p].get("name", p)),
            reasons=r,
            evidence_relationships=evidence[p],
        )
        for p, r in reasons.items()
        if r
    ]
    people.sort(key=lambda e: (-len(e.reasons), e.person))
    return Profile(target=target, organization=organization, people=people)
