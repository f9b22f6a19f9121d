"""Compiled label propagation, structural holes and partner closeness on graphs whose
answer is known."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import networkx as nx
import pytest

from queries.communities import label_propagation
from queries.gaps import structural_holes
from queries.portfolio_context import load_portfolio
from queries.synergies import _resource_allocation, complementary_partners
from tests.queries.conftest import sample_at


def _cliques(sizes: list[int], prefix: str = "p") -> list[tuple[str, str]]:
    edges, start = [], 0
    for size in sizes:
        members = [f"{prefix}{i}" for i in range(start, start + size)]
        edges += list(combinations(members, 2))
        start += size
    return edges


def test_planted_blocks_are_found_and_the_seed_fixes_the_answer() -> None:
    g = nx.planted_partition_graph(4, 40, 0.5, 0.005, seed=3)
    found = label_propagation(list(g.edges), seed=1)
    blocks = [set(b) for b in g.graph["partition"]]
    assert sorted(map(sorted, found)) == sorted(map(sorted, blocks))
    assert label_propagation(list(g.edges), seed=1) == found


def test_every_node_gets_one_community_and_no_edges_gives_none() -> None:
    edges = _cliques([5, 6]) + [("p0", "p5"), ("x", "x")]
    found = label_propagation(edges)
    assert sorted(n for c in found for n in c) == sorted({n for e in edges for n in e})
    assert label_propagation([]) == []


def _contact_portfolio() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("org-focal", label="Organization", name="Focal")
    people = {n for e in _cliques([25, 30, 12]) for n in e}
    for person in sorted(people):
        g.add_node(person, label="Person", name=person.upper())
    for u, v in _cliques([25, 30, 12]):
        g.add_edge(u, v, key="KNOWS", type="KNOWS", rel_key="")
    g.add_edge("p0", "org-focal", key="WORKS_AT", type="WORKS_AT", rel_key="")
    g.add_node("p99", label="Person", name="LEFT")  # a tie that ended before as_of
    g.add_edge("p99", "p30", key="KNOWS", type="KNOWS", rel_key="", until="2020")
    g.add_edge("p99", "org-focal", key="WORKS_AT", type="WORKS_AT", rel_key="")
    return g


def test_structural_holes_are_the_large_communities_out_of_reach() -> None:
    p = load_portfolio(_contact_portfolio(), "org-focal", date(2026, 1, 1))
    holes = structural_holes(p, min_size=20)
    # p0..p24 hold the focal organization's person; p55..p66 is too small to report
    assert len(holes) == 1
    assert set(holes[0].evidence_nodes) == {f"p{i}" for i in range(25, 55)}
    assert holes[0].score == pytest.approx(30 / 67, abs=1e-6)
    assert "30 contacts" in holes[0].explanation


def test_an_ended_tie_does_not_reach_a_community() -> None:
    g = _contact_portfolio()
    assert structural_holes(load_portfolio(g, "org-focal", None), min_size=20) == []


def _organization_graph(g: nx.MultiDiGraph) -> nx.Graph:
    """The reference: organizations linked when they share an alliance, network or project."""
    hubs: dict[str, set[str]] = {}
    for u, v, d in g.edges(data=True):
        if d["type"] in ("MEMBER_OF", "BELONGS_TO", "PARTICIPATES_IN"):
            hubs.setdefault(v, set()).add(u)
    co = nx.Graph()
    co.add_nodes_from(n for n, d in g.nodes(data=True) if d["label"] == "Organization")
    for orgs in hubs.values():
        if len(orgs) <= 200:
            co.add_edges_from(combinations(sorted(orgs), 2))
    return co


def test_partner_closeness_equals_networkx_resource_allocation() -> None:
    _, g = sample_at(1)
    p = load_portfolio(g, "org-focal", None)
    orgs = sorted(n for n, d in g.nodes(data=True) if d["label"] == "Organization")[:300]
    co = _organization_graph(g)
    reference = {
        u: s
        for u, _, s in nx.resource_allocation_index(
            co, [(o, "org-focal") for o in orgs if o != "org-focal"]
        )
    }
    ours = _resource_allocation(p, [o for o in orgs if o != "org-focal"], "org-focal")
    assert ours == pytest.approx(reference, abs=1e-12)
    assert any(v > 0 for v in ours.values())
    findings = complementary_partners(p)
    assert findings and all("closeness to" in f.explanation for f in findings)
