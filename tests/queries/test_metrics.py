"""Network metrics against independent references, and the neighbourhood queries."""

from __future__ import annotations

import random

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from scipy.stats import spearmanr

from queries import centrality
from queries.metrics import betweenness, graph_metrics, network_metrics
from queries.neighbourhoods import UnknownNode, brokers, ego_network, profile
from tests.queries.conftest import sample_at


def test_medici_betweenness_is_0522_on_the_marriage_graph() -> None:
    result = graph_metrics(nx.florentine_families_graph(), top=1)
    top = result.nodes[0]
    assert top.id == "Medici"
    assert top.betweenness == pytest.approx(0.522, abs=5e-4)
    assert result.betweenness_exact and result.betweenness_sample_size is None


@pytest.mark.parametrize("seed", range(3))
def test_betweenness_and_pagerank_agree_with_igraph(seed: int) -> None:
    g = nx.gnm_random_graph(120, 400, seed=seed)
    h = ig.Graph(n=120, edges=list(g.edges()))
    n = g.number_of_nodes()
    ours, _ = betweenness(g)
    theirs = h.betweenness()
    scale = (n - 1) * (n - 2) / 2
    for node in g:
        assert ours[node] == pytest.approx(theirs[node] / scale, abs=1e-9)
    pr = nx.pagerank(g, tol=1e-12)
    for node, value in zip(range(n), h.pagerank(), strict=True):
        assert pr[node] == pytest.approx(value, abs=1e-6)


def test_weighted_shortest_paths_agree_with_igraph() -> None:
    rng = random.Random(3)
    g = nx.gnm_random_graph(80, 300, seed=3)
    for u, v in g.edges:
        g[u][v]["cost"] = rng.uniform(0.05, 3)
    h = ig.Graph(n=80, edges=list(g.edges()))
    h.es["cost"] = [g[u][v]["cost"] for u, v in g.edges()]
    theirs = h.distances(source=[0], weights="cost")[0]
    ours = nx.single_source_dijkstra_path_length(g, 0, weight="cost")
    for node in g:
        assert ours.get(node, float("inf")) == pytest.approx(theirs[node], abs=1e-9)


def test_sampled_betweenness_agrees_with_exact() -> None:
    g = nx.barabasi_albert_graph(3_000, 3, seed=1)
    exact, _ = betweenness(g, exact_limit=10_000)
    sampled, k = betweenness(g, exact_limit=100, sample_size=1_000)
    assert k == 1_000
    top_exact = set(sorted(exact, key=exact.get, reverse=True)[:50])
    top_sampled = set(sorted(sampled, key=sampled.get, reverse=True)[:50])
    assert len(top_exact & top_sampled) / 50 >= 0.9
    nodes = list(g)
    rho = spearmanr([exact[n] for n in nodes], [sampled[n] for n in nodes]).statistic
    assert rho >= 0.95


def test_backend_runs_betweenness_through_networkx_dispatch() -> None:
    """``backend=`` hands the call to NetworkX's dispatch (nx-parallel, nx-cugraph, ... when
    installed); its ``networkx`` backend is always there and must agree with ours."""
    g = nx.gnm_random_graph(300, 1200, seed=2)
    plain, _ = betweenness(g)
    dispatched, _ = betweenness(g, backend="networkx")
    for node in g:
        assert dispatched[node] == pytest.approx(plain[node], abs=1e-12)
    with pytest.raises(ImportError, match="not installed"):
        betweenness(g, backend="no-such-backend")


def test_network_metrics_report_the_sample_size_on_large_graphs() -> None:
    _, g = sample_at(1)
    result = network_metrics(g, top=5, exact_limit=1_000, sample_size=200)
    assert not result.betweenness_exact and result.betweenness_sample_size == 200
    assert len(result.nodes) == 5 and result.node_count == 5000


def test_brokers_ego_and_profiler() -> None:
    _, g = sample_at(1)
    found = brokers(g, "alliance-000", "alliance-001")
    for b in found.brokers:
        assert b.ties_a and b.ties_b or (b.score == 0)
    ego = ego_network(g, "alliance-000", depth=1)
    ids = {n["id"] for n in ego.nodes}
    assert "org-focal" in ids and all(n["depth"] <= 1 for n in ego.nodes)
    member = next(
        u
        for u, _, d in g.in_edges("alliance-000", data=True)
        if d["type"] == "MEMBER_OF" and u != "org-focal"
    )
    prof = profile(g, member, "org-focal")
    assert prof.people and all(e.reasons and e.evidence_relationships for e in prof.people)
    assert any("staffs" in r for e in prof.people for r in e.reasons)
    with pytest.raises(UnknownNode):
        ego_network(g, "nobody")


def test_compiled_pagerank_and_exact_betweenness_equal_igraph_with_isolated_people() -> None:
    g = nx.gnm_random_graph(200, 500, seed=4)
    g.add_nodes_from(range(200, 210))  # people with no tie at all
    result = graph_metrics(g, top=210)
    h = ig.Graph(n=210, edges=list(g.edges()))
    scale = (209 * 208) / 2
    between, rank = h.betweenness(), h.pagerank()
    for node in result.nodes:
        i = int(node.id)
        assert node.betweenness == pytest.approx(round(between[i] / scale, 6), abs=1e-9)
        assert node.pagerank == pytest.approx(round(rank[i], 6), abs=1e-9)
    assert result.betweenness_exact


def test_sampled_betweenness_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    g = nx.barabasi_albert_graph(500, 3, seed=2)
    first, k = betweenness(g, exact_limit=100, sample_size=50, seed=1)
    again, _ = betweenness(g, exact_limit=100, sample_size=50, seed=1)
    other, _ = betweenness(g, exact_limit=100, sample_size=50, seed=2)
    assert k == 50 and first == again and first != other


def test_betweenness_in_many_batches_equals_networkx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sources are taken in batches (so a stopped request stops between two compiled calls);
    cutting them small changes nothing but the order of a sum."""
    g = nx.gnm_random_graph(400, 1600, seed=3)
    monkeypatch.setattr(centrality, "BATCH_EDGE_VISITS", 3_200)  # one source per batch
    assert len(centrality.source_batches(np.arange(400), 3_200, 1)) == 400
    ours, _ = betweenness(g, exact_limit=1_000)
    expected = nx.betweenness_centrality(g, normalized=True)
    for node in g:
        assert ours[node] == pytest.approx(expected[node], abs=1e-12)
