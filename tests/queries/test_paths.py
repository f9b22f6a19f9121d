"""Introduction paths: correct against networkx, explained hop by hop, safe to share."""

from __future__ import annotations

import random
from datetime import date
from itertools import islice

import networkx as nx
import pytest

from queries.contact_graph import CACHE, build_contact_graph
from queries.paths import SOURCE, TARGET, UnknownEndpoint, introduction_paths
from queries.ties import TieDefaults, derived_strength, knows_strength
from tests.queries.conftest import sample_at


def _reference_costs(g: nx.MultiDiGraph, a: str, b: str, k: int) -> list[float]:
    contacts = CACHE.get(g).graph.copy()
    contacts.add_edge(SOURCE, a, cost=0.0)
    contacts.add_edge(b, TARGET, cost=0.0)
    paths = islice(nx.shortest_simple_paths(contacts, SOURCE, TARGET, weight="cost"), k)
    return [sum(contacts[u][v]["cost"] for u, v in zip(p, p[1:], strict=False)) for p in paths]


@pytest.mark.parametrize("scale", [1, 5])
def test_top_k_equals_networkx_shortest_simple_paths(scale: int) -> None:
    _, g = sample_at(scale)
    people = sorted(n for n, d in g.nodes(data=True) if d["label"] == "Person")
    rng = random.Random(scale)
    for _ in range(8):
        a, b = rng.sample(people, 2)
        ours = [p.cost for p in introduction_paths(g, a, b, k=3, max_hops=100).paths]
        assert ours == pytest.approx(_reference_costs(g, a, b, 3), abs=1e-7)


def test_every_hop_names_both_people_kind_strength_and_origin() -> None:
    _, g = sample_at(1)
    result = introduction_paths(g, "org-focal", "org-00500", k=3)
    assert result.paths, result.explanation
    for path in result.paths:
        assert path.people[0] in {
            u for u, _, d in g.in_edges("org-focal", data=True) if d["type"] == "WORKS_AT"
        }
        for hop in path.hops:
            assert hop.source_name.split(" (")[0] == g.nodes[hop.source]["name"]
            assert g.nodes[hop.target]["name"] in hop.explanation
            assert hop.kind in {"knows", "colleague", "board", "co_staff"}
            assert f"{hop.strength:.2f}" in hop.explanation
            assert hop.origin in {"stored", "derived", "default"}
        assert path.probability == pytest.approx(
            __import__("math").prod(h.strength for h in path.hops), rel=1e-3
        )


def test_unreachable_and_unknown_endpoints() -> None:
    g = nx.MultiDiGraph()
    for p in ("p1", "p2"):
        g.add_node(p, label="Person", name=p.upper())
    result = introduction_paths(g, "p1", "p2")
    assert result.paths == []
    assert "no chain of known ties" in result.explanation
    with pytest.raises(UnknownEndpoint):
        introduction_paths(g, "p1", "nobody")


def test_ties_ended_before_as_of_are_not_used() -> None:
    g = nx.MultiDiGraph()
    for p in ("a", "b"):
        g.add_node(p, label="Person", name=p)
    g.add_edge("a", "b", key="KNOWS", type="KNOWS", rel_key="", strength=0.9, until="2020")
    assert introduction_paths(g, "a", "b", as_of=date(2019, 6, 1)).paths
    assert not introduction_paths(g, "a", "b", as_of=date(2021, 1, 1)).paths


def test_tie_strength_is_stored_or_derived_with_half_life() -> None:
    assert knows_strength({"strength": 0.8}, date(2026, 1, 1)) == (0.8, "stored")
    fresh = derived_strength(20, "2026-01", date(2026, 1, 31))
    old = derived_strength(20, "2025-07", date(2026, 1, 31))
    assert old == pytest.approx(fresh * 0.5 ** ((date(2026, 1, 31) - date(2025, 7, 31)).days / 180))
    assert derived_strength(None, None, date(2026, 1, 1)) == TieDefaults().knows_unknown
    custom = TieDefaults(half_life_days=30)
    assert derived_strength(20, "2025-07", date(2026, 1, 31), custom) == custom.floor


def test_affiliations_are_ties_through_hubs() -> None:
    g = nx.MultiDiGraph()
    g.add_node("o", label="Organization", name="Org")
    for p in ("a", "b"):
        g.add_node(p, label="Person", name=p)
        g.add_edge(p, "o", key="WORKS_AT", type="WORKS_AT", rel_key="", kind="board")
    cg = build_contact_graph(g)
    assert cg.graph.has_edge("a", "o#board")
    (path,) = introduction_paths(g, "a", "b", k=1).paths
    (hop,) = path.hops
    assert hop.kind == "board" and hop.via == "o" and hop.strength == TieDefaults().board
    assert "sit on the board of Org" in hop.explanation


def test_contact_graph_cache_never_hands_a_dead_views_graph_to_a_new_one() -> None:
    """Each API key has its own view of the projection; a view freed and another made at
    the same address (same version) must get its own contact graph."""
    import gc

    from queries.contact_graph import ContactGraphCache

    def view(person: str) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph(version=7)
        g.add_node(person, label="Person", name=person)
        return g

    cache = ContactGraphCache()
    first = view("alice")
    assert set(cache.get(first).people) == {"alice"}
    second = view("bob")
    # as if ``second`` had been made where ``first`` lived: its entry sits under that id
    key, entry = cache._items.popitem()
    cache._items[(id(second), *key[1:])] = entry
    del first, entry
    gc.collect()
    assert set(cache.get(second).people) == {"bob"}


def test_each_person_is_named_with_their_employer_on_the_date_current_job_first() -> None:
    """The employer beside a name: a job with no end date before one that ends, then the
    first name; a board seat is no employer; jobs not held on ``as_of`` do not count."""
    g = nx.MultiDiGraph()
    for org, name in (("z", "Zeta"), ("y", "Beta"), ("x", "Alpha"), ("w", "Omega")):
        g.add_node(org, label="Organization", name=name)
    for p in ("a", "b"):
        g.add_node(p, label="Person", name=p.upper())
    g.add_edge("a", "z", key="WORKS_AT", type="WORKS_AT", rel_key="", until="2020")
    g.add_edge("a", "y", key="WORKS_AT", type="WORKS_AT", rel_key="", since="2020")
    g.add_edge("a", "w", key="WORKS_AT", type="WORKS_AT", rel_key="", since="2020")
    g.add_edge("a", "x", key="WORKS_AT", type="WORKS_AT", rel_key="", kind="board")
    g.add_edge("a", "b", key="KNOWS", type="KNOWS", rel_key="", strength=0.9)

    def names(as_of: date) -> tuple[str, str]:
        hop = next(
            h
            for p in introduction_paths(g, "a", "b", k=3, as_of=as_of).paths
            for h in p.hops
            if h.kind == "knows"
        )
        return hop.source_name, hop.target_name

    assert names(date(2019, 6, 1)) == ("A (Zeta)", "B")
    assert names(date(2021, 1, 1)) == ("A (Beta)", "B")


def _office() -> nx.MultiDiGraph:
    """Ann and Bo work at Acme; Bo knows Cy, who knows Di at Delta; Ed works at Acme too."""
    from tests.queries.conftest import graph_of

    people = [{"id": p, "name": p.title()} for p in ("ann", "bo", "cy", "di", "ed")]
    return graph_of(
        {
            "Organization": [{"id": "acme", "name": "Acme"}, {"id": "delta", "name": "Delta"}],
            "Person": people,
        },
        {
            "WORKS_AT": [
                {"source": "ann", "target": "acme"},
                {"source": "bo", "target": "acme"},
                {"source": "ed", "target": "acme"},
                {"source": "di", "target": "delta"},
            ],
            "KNOWS": [
                {"source": "bo", "target": "cy", "strength": 0.9},
                {"source": "cy", "target": "di", "strength": 0.9},
            ],
        },
    )


def test_paths_from_an_organization_start_with_the_colleague_who_knows_someone() -> None:
    result = introduction_paths(_office(), "acme", "delta", k=5)
    assert [p.people for p in result.paths] == [["bo", "cy", "di"]]  # not Ann or Ed via Bo


def test_a_target_at_the_source_organization_needs_no_introduction() -> None:
    g = _office()
    result = introduction_paths(g, "acme", "ed", k=3)
    assert result.paths == [] and result.explanation == "Ed is at Acme: no introduction needed"
    mine = introduction_paths(g, "ann", "acme")
    assert mine.paths == [] and mine.explanation == "Ann is at Acme: no introduction needed"
    same = introduction_paths(g, "ann", "ann")
    assert same.explanation == "Ann and Ann are the same people: no introduction needed"
