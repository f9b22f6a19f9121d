"""The compiled search against NetworkX on random weighted graphs, with several sources
and targets, unreachable ends and workspaces reused between queries."""

from __future__ import annotations

import random
from itertools import islice

import networkx as nx
import pytest

from queries.path_search import CsrGraph, PathSearch


def _random_graph(seed: int, n: int = 60, m: int = 150) -> nx.Graph:
    rng = random.Random(seed)
    g = nx.gnm_random_graph(n, m, seed=seed)
    g = nx.relabel_nodes(g, {i: f"v{i}" for i in g})
    for u, v in g.edges:
        g[u][v]["cost"] = rng.uniform(0.05, 3.0)
    g.add_node("lonely")
    return g


def _reference(g: nx.Graph, sources: list[str], targets: list[str], k: int) -> list[float]:
    h = g.copy()
    for s in sources:
        h.add_edge("S", s, cost=0.0)
    for t in targets:
        h.add_edge(t, "T", cost=0.0)
    try:
        paths = list(islice(nx.shortest_simple_paths(h, "S", "T", weight="cost"), k))
    except nx.NetworkXNoPath:
        return []
    return [sum(h[u][v]["cost"] for u, v in zip(p, p[1:], strict=False)) for p in paths]


@pytest.mark.parametrize("seed", range(12))
def test_k_cheapest_equals_shortest_simple_paths(seed: int) -> None:
    g = _random_graph(seed)
    csr = CsrGraph.from_graph(g)
    rng = random.Random(seed)
    nodes = sorted(g)
    for _ in range(5):
        sources = rng.sample(nodes, rng.randint(1, 3))
        targets = rng.sample([v for v in nodes if v not in sources], rng.randint(1, 3))
        search = PathSearch(csr, sources, targets)
        ours = search.k_cheapest(4)
        assert [c for c, _ in ours] == pytest.approx(_reference(g, sources, targets, 4), abs=1e-9)
        for cost, path in ours:
            assert path[0] == search.source and path[-1] == search.target
            assert len(set(path)) == len(path)  # loopless
            assert search.path_cost(path) == pytest.approx(cost, abs=1e-9)
            inner = [csr.nodes[i] for i in path[1:-1]]
            assert inner[0] in sources and inner[-1] in targets
            assert all(g.has_edge(u, v) for u, v in zip(inner, inner[1:], strict=False))


def test_workspaces_are_restored_between_searches() -> None:
    g = _random_graph(3)
    csr = CsrGraph.from_graph(g)
    search = PathSearch(csr, ["v1"], ["v2"])
    first = search.k_cheapest(3)
    assert search.k_cheapest(3) == first
    assert (search.dist == float("inf")).all() and (search.pred == -1).all()
    assert not search.done.any() and not search.banned.any()


def test_unreachable_target_gives_no_path() -> None:
    g = _random_graph(5)
    search = PathSearch(CsrGraph.from_graph(g), ["v1"], ["lonely"])
    assert search.k_cheapest(3) == []


def test_workspaces_are_one_per_thread() -> None:
    """Searches reuse their thread's workspaces; concurrent requests never share them."""
    import threading

    csr = CsrGraph.from_graph(_random_graph(4))
    here = PathSearch(csr, ["v1"], ["v2"]).dist
    assert PathSearch(csr, ["v3"], ["v4"]).dist is here
    elsewhere: list[object] = []
    worker = threading.Thread(target=lambda: elsewhere.append(PathSearch(csr, ["v1"], ["v2"]).dist))
    worker.start()
    worker.join()
    assert elsewhere[0] is not here


def test_a_search_with_a_limit_finds_only_cheaper_paths() -> None:
    g = _random_graph(6)
    search = PathSearch(CsrGraph.from_graph(g), ["v1"], ["v2"])
    best = search.cheapest(search.source, [], [])
    assert best is not None
    assert search.cheapest(search.source, [], [], best[0] + 1e-9) == best
    assert search.cheapest(search.source, [], [], best[0]) is None


def _bounded_reference(
    g: nx.Graph, sources: list[str], targets: list[str], k: int, max_hops: int
) -> list[float]:
    """Costs of the k cheapest simple paths of at most ``max_hops`` edges (hubs count half
    on each side), by enumerating every simple path."""
    h = g.copy()
    for s in sources:
        h.add_edge("S", s, cost=0.0)
    for t in targets:
        h.add_edge(t, "T", cost=0.0)

    def units(u: str, v: str) -> int:
        if "S" in (u, v) or "T" in (u, v):
            return 0
        return 1 if "hub" in (g.nodes[u].get("kind"), g.nodes[v].get("kind")) else 2

    costs = []
    for p in nx.all_simple_paths(h, "S", "T", cutoff=2 * max_hops + 2):
        pairs = list(zip(p, p[1:], strict=False))
        if sum(units(u, v) for u, v in pairs) <= 2 * max_hops:
            costs.append(sum(h[u][v]["cost"] for u, v in pairs))
    return sorted(costs)[:k]


@pytest.mark.parametrize("seed", range(8))
def test_k_cheapest_within_a_hop_limit_equals_enumerating_every_short_path(seed: int) -> None:
    rng = random.Random(seed)
    g = _random_graph(seed, n=18, m=34)
    for hub in rng.sample(sorted(v for v in g if v != "lonely"), 3):
        g.nodes[hub]["kind"] = "hub"  # half an introduction on each side
    csr = CsrGraph.from_graph(g)
    nodes = sorted(v for v in g if g.nodes[v].get("kind") != "hub")
    for max_hops in (1, 2, 3):
        for _ in range(3):
            sources = rng.sample(nodes, rng.randint(1, 2))
            targets = rng.sample([v for v in nodes if v not in sources], rng.randint(1, 2))
            search = PathSearch(csr, sources, targets, max_hops)
            ours = search.k_cheapest(3)
            expected = _bounded_reference(g, sources, targets, 3, max_hops)
            assert [c for c, _ in ours] == pytest.approx(expected, abs=1e-9)
            for _, path in ours:
                assert search.path_units(path) <= 2 * max_hops
