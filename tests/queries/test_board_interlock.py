"""A board-interlock network (people, companies, board seats only): every people question
reads the same contact network, built from board seats when there is nothing else."""

from __future__ import annotations

import random
from itertools import combinations
from typing import Any

import networkx as nx
import pytest

from graph.projection import build_projection
from graph.records import validate_nodes, validate_relationships
from queries.metrics import network_metrics
from queries.neighbourhoods import brokers, profile
from queries.paths import introduction_paths
from tests.queries.conftest import evidence_ids

COMPANIES = 40


def interlock_rows(seed: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Companies on a line, each with three directors of its own, one director sitting on
    each pair of neighbouring boards and a few shortcuts two boards apart: pairs of
    directors are up to ~40 introductions apart."""
    rng = random.Random(seed)
    companies = [{"id": f"co-{i:02d}", "name": f"Company {i}"} for i in range(COMPANIES)]
    people: list[dict[str, Any]] = []
    seats: list[dict[str, Any]] = []

    def director(pid: str, *boards: int) -> None:
        people.append({"id": pid, "name": pid.replace("-", " ").title()})
        for b in boards:
            seats.append({"source": pid, "target": f"co-{b:02d}", "kind": "board"})

    for i in range(COMPANIES):
        for j in range(3):
            director(f"dir-{i:02d}-{j}", i)
        if i + 1 < COMPANIES:
            director(f"link-{i:02d}", i, i + 1)
    for n, i in enumerate(rng.sample(range(COMPANIES - 2), 4)):
        director(f"short-{n}", i, i + 2)
    return {"Organization": companies, "Person": people, "WORKS_AT": seats}


def interlock_graph(rows: dict[str, list[dict[str, Any]]] | None = None) -> nx.MultiDiGraph:
    rows = rows or interlock_rows()
    nodes = [
        *validate_nodes("Organization", rows["Organization"]),
        *validate_nodes("Person", rows["Person"]),
    ]
    return build_projection(nodes, validate_relationships("WORKS_AT", rows["WORKS_AT"]))


def director_projection(g: nx.MultiDiGraph) -> nx.Graph:
    """Directors joined when they share a board, computed straight from the seats."""
    boards: dict[str, set[str]] = {}
    for u, v in g.edges():
        boards.setdefault(v, set()).add(u)
    h = nx.Graph()
    h.add_nodes_from(n for n, d in g.nodes(data=True) if d["label"] == "Person")
    for members in boards.values():
        h.add_edges_from(combinations(sorted(members), 2))
    return h


def test_metrics_count_every_pair_of_directors_sharing_a_board() -> None:
    g = interlock_graph()
    directors = director_projection(g)
    result = network_metrics(g, top=5)
    assert result.edge_count == directors.number_of_edges() > 0
    assert result.node_count == directors.number_of_nodes()
    assert result.edge_kinds == {
        k: (directors.number_of_edges() if k == "board" else 0) for k in result.ties
    }
    assert result.nodes[0].betweenness > 0 and result.nodes[0].id.startswith(("link", "short"))


def test_metrics_restricted_to_knows_ties_see_no_edges() -> None:
    result = network_metrics(interlock_graph(), ties=["knows"])
    assert result.edge_count == 0 and result.ties == ["knows"]


def test_brokers_rank_the_director_on_both_boards_first() -> None:
    g = interlock_graph()
    found = brokers(g, "co-10", "co-11")
    assert found.brokers, found.explanation
    top = found.brokers[0]
    assert top.id == "link-10" and top.sides == ["a", "b"]
    assert top.paths == max(b.paths for b in found.brokers)
    assert "carries" in top.reason and top.kinds == ["board"]


def test_a_former_director_is_said_to_have_been_on_her_old_board() -> None:
    rows = interlock_rows()
    for seat in rows["WORKS_AT"]:
        if seat["source"] == "link-10" and seat["target"] == "co-10":
            seat.update(since="2010", until="2015-06")
    found = brokers(interlock_graph(rows), "co-10", "co-11")
    former = next(b for b in found.brokers if b.id == "link-10")
    assert former.sides == ["a", "b"]  # over all of history she was on both
    assert former.reason.startswith("is on side B and was on side A")


def test_profile_finds_directors_who_share_a_board_with_the_target() -> None:
    g = interlock_graph()
    prof = profile(g, "co-11", "co-10")
    people = {e.person: e for e in prof.people}
    assert "link-10" in people and "is at Company 11 too" in people["link-10"].reasons
    own = people["dir-10-0"]
    assert "sits on the board of Company 10 with Link 10 of Company 11" in own.reasons
    evidence = {e for p in prof.people for e in p.evidence_relationships}
    assert evidence and evidence <= evidence_ids(g)


def test_paths_hop_counts_equal_networkx_shortest_paths_on_the_director_projection() -> None:
    g = interlock_graph()
    directors = director_projection(g)
    people = sorted(directors)
    rng = random.Random(11)
    far = 0
    for _ in range(50):
        a, b = rng.sample(people, 2)
        expected = nx.shortest_path_length(directors, a, b)
        far += expected > 8
        found = introduction_paths(g, a, b, k=1, max_hops=60)
        assert len(found.paths[0].hops) == expected, (a, b)
        default = introduction_paths(g, a, b, k=3)
        if expected <= 8:
            assert len(default.paths[0].hops) == expected
            assert all(len(p.hops) <= 8 for p in default.paths)
        else:
            assert default.paths == [] and default.hop_limited
            assert "no path within 8 introductions" in default.explanation
            assert "raise --max-hops" in default.explanation
    assert far >= 10  # the sample does include pairs far apart


def _ladder() -> nx.MultiDiGraph:
    """Ten strong introductions from s to t along a ladder (2^9 cheap long paths) and one
    weak two-introduction path through x."""
    g = nx.MultiDiGraph()
    names = ["s", "t", "x"] + [f"{side}{i}" for i in range(1, 10) for side in "ab"]
    for n in names:
        g.add_node(n, label="Person", name=n.upper())

    def knows(u: str, v: str, strength: float) -> None:
        g.add_edge(u, v, key="KNOWS", type="KNOWS", rel_key="", strength=strength)

    previous = ["s"]
    for i in range(1, 10):
        step = [f"a{i}", f"b{i}"]
        for u in previous:
            for v in step:
                knows(u, v, 0.95)
        previous = step
    for u in previous:
        knows(u, "t", 0.95)
    knows("s", "x", 0.1)
    knows("x", "t", 0.1)
    return g


@pytest.mark.parametrize("k", [1, 3, 10])
def test_the_hop_limit_is_part_of_the_search(k: int) -> None:
    found = introduction_paths(_ladder(), "s", "t", k=k, max_hops=8)
    assert [p.people for p in found.paths] == [["s", "x", "t"]]
    assert found.hop_limited and "raise --max-hops" in found.explanation
    unlimited = introduction_paths(_ladder(), "s", "t", k=k, max_hops=12)
    assert len(unlimited.paths) == k and len(unlimited.paths[0].hops) == 10
    assert not unlimited.hop_limited


def test_someone_who_only_knows_the_person_on_both_sides_is_no_broker() -> None:
    g = nx.MultiDiGraph()
    g.add_node("org-a", label="Organization", name="A")
    g.add_node("org-b", label="Organization", name="B")
    for p in ["her", "a1", "b1", *[f"k{i}" for i in range(7)]]:
        g.add_node(p, label="Person", name=p.upper())
    for person, org in [("her", "org-a"), ("her", "org-b"), ("a1", "org-a"), ("b1", "org-b")]:
        g.add_edge(person, org, key="WORKS_AT", type="WORKS_AT", rel_key="", kind="employee")
    for i in range(7):
        g.add_edge(f"k{i}", "her", key="KNOWS", type="KNOWS", rel_key="", strength=0.9)
    found = brokers(g, "org-a", "org-b")
    assert [b.id for b in found.brokers][:1] == ["her"]
    assert not any(b.id.startswith("k") for b in found.brokers)
    assert found.brokers[0].paths == 3  # her-b1, a1-her, a1-b1
