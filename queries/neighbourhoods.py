"""Brokers between two alliances or organizations, ego networks, and the profiler
("find the person who knows")."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import networkx as nx
from pydantic import BaseModel

from graph.projection import edge_active, edge_evidence_id, snapshot
from graph.vocabulary import NodeLabel, RelType
from queries.contact_graph import CACHE


class UnknownNode(LookupError):
    """An id that is not in the graph (or not of the kind asked for)."""


class Broker(BaseModel):
    """A person tied to people of both sides."""

    id: str
    name: str
    score: float
    ties_a: list[str]
    ties_b: list[str]


class BrokersResult(BaseModel):
    a: str
    b: str
    brokers: list[Broker]
    explanation: str


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
    g: nx.MultiDiGraph, a: str, b: str, *, as_of: date | None = None, top: int = 20
) -> BrokersResult:
    """People with KNOWS ties into both sides (or on both sides), by summed tie strength."""
    side_a, side_b = people_of(g, a, as_of), people_of(g, b, as_of)
    contacts = CACHE.get(g, as_of).graph
    score: dict[str, float] = defaultdict(float)
    ties: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for i, side in enumerate((side_a, side_b)):
        for person in side:
            if person not in contacts:
                continue
            for other, d in contacts[person].items():
                if d.get("kind") == "knows":
                    ties[other][i].append(person)
                    score[other] += d["strength"]
    both = [p for p, (x, y) in ties.items() if x and y] + sorted(side_a & side_b)
    out = [
        Broker(
            id=p,
            name=str(g.nodes[p].get("name", p)),
            score=round(score[p], 4),
            ties_a=sorted(ties[p][0]),
            ties_b=sorted(ties[p][1]),
        )
        for p in dict.fromkeys(both)
    ]
    out.sort(key=lambda x: (-x.score, x.id))
    name = lambda n: str(g.nodes[n].get("name", n))  # noqa: E731
    return BrokersResult(
        a=a,
        b=b,
        brokers=out[:top],
        explanation=f"{len(out)} people know someone on both sides of {name(a)} and {name(b)}",
    )


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


def profile(
    g: nx.MultiDiGraph, target: str, organization: str, *, as_of: date | None = None
) -> Profile:
    """Who at ``organization`` knows ``target`` (an organization or topic), and why.

    Reasons: knows someone there; staffs an alliance the target is a member of (or, for a
    topic, that addresses it); used to work there; works for an organization that
    collaborated with it before.
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
    for person in ours:
        for u, v, d in [*view.out_edges(person, data=True), *view.in_edges(person, data=True)]:
            other = v if u == person else u
            t = d["type"]
            if t == RelType.KNOWS and other in theirs:
                reasons[person].append(f"knows {view.nodes[other].get('name', other)} at {tname}")
            elif t == RelType.STAFFS and other in alliances:
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
