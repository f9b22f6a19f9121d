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


def _hub_graph(seed: int) -> nx.Graph:
    """A random graph where a few nodes are affiliation hubs: many neighbours at one cost."""
    rng = random.Random(seed)
    g = _random_graph(seed, n=80, m=160)
    for hub in rng.sample(sorted(v for v in g if v != "lonely"), 4):
        g.nodes[hub]["kind"] = "hub"
        members = rng.sample(sorted(v for v in g if v not in (hub, "lonely")), 20)
        share = rng.uniform(0.2, 1.0)
        for m in members:
            g.add_edge(hub, m)
        for m in g[hub]:
            g[hub][m]["cost"] = share
    return g


def test_edge_cost_and_units_read_the_compressed_rows() -> None:
    """Every edge, both ways, has its cost and its half-introductions (1 beside a hub, 2
    between people); the virtual ends' edges have neither; a missing edge is an error."""
    g = _hub_graph(2)
    csr = CsrGraph.from_graph(g)
    for a, b, cost in g.edges(data="cost"):
        units = 1 if "hub" in (g.nodes[a].get("kind"), g.nodes[b].get("kind")) else 2
        for u, v in ((a, b), (b, a)):
            i, j = csr.index[u], csr.index[v]
            assert csr.edge_cost(i, j) == cost and csr.edge_units(i, j) == units
    n, person = len(csr.nodes), csr.index["lonely"]
    for u, v in ((n, person), (person, n + 1)):
        assert csr.edge_cost(u, v) == 0.0 and csr.edge_units(u, v) == 0
    far = next(v for v in g if v != "lonely" and not g.has_edge("lonely", v))
    with pytest.raises(IndexError):
        csr.edge_cost(person, csr.index[far])


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("max_hops", [None, 2, 4])
def test_the_lens_gives_the_answer_of_a_search_over_the_whole_graph(
    seed: int, max_hops: int | None
) -> None:
    """Yen's algorithm inside the lens finds the same paths, in the same order, as Yen's
    algorithm over every node; and leaves its workspaces as it found them."""
    g = _hub_graph(seed)
    csr = CsrGraph.from_graph(g)
    rng = random.Random(seed)
    people = sorted(v for v in g if g.nodes[v].get("kind") != "hub")
    for _ in range(6):
        sources = rng.sample(people, rng.randint(1, 3))
        targets = rng.sample([v for v in people if v not in sources], rng.randint(1, 3))
        lens = PathSearch(csr, sources, targets, max_hops)
        everywhere = PathSearch(csr, sources, targets, max_hops)
        ours, theirs = lens.k_cheapest(3), everywhere._yen(3, float("inf"))
        assert [p for _, p in ours] == [p for _, p in theirs]
        assert [c for c, _ in ours] == pytest.approx([c for c, _ in theirs], abs=1e-12)
        assert not lens.lens.any() and lens.everywhere.all()


def test_a_lens_too_narrow_is_widened_and_then_given_up_for_the_whole_graph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    g = _hub_graph(2)
    csr = CsrGraph.from_graph(g)
    people = sorted(v for v in g if g.nodes[v].get("kind") != "hub")
    expected = PathSearch(csr, people[:2], people[-2:], 3)._yen(4, float("inf"))
    assert len(expected) == 4
    attempts: list[float] = []
    real = PathSearch._yen

    def counting(self: PathSearch, k: int, bound: float) -> list[tuple[float, list[int]]]:
        attempts.append(bound)
        return real(self, k, bound)

    monkeypatch.setattr(PathSearch, "_yen", counting)
    monkeypatch.setattr(PathSearch, "MARGIN", 1e-9)  # the first lens holds the best path only
    monkeypatch.setattr(PathSearch, "FLOOR", 1e-9)
    paths = [p for _, p in expected]
    assert [p for _, p in PathSearch(csr, people[:2], people[-2:], 3).k_cheapest(4)] == paths
    assert len(attempts) >= 2 and attempts[0] < attempts[-1]
    attempts.clear()
    monkeypatch.setattr(PathSearch, "WIDEN", 1.0)  # never wide enough: the whole graph
    assert [p for _, p in PathSearch(csr, people[:2], people[-2:], 3).k_cheapest(4)] == paths
    assert attempts[-1] == float("inf") and len(attempts) == PathSearch.ATTEMPTS + 1


def test_a_lens_left_behind_by_a_stopped_request_is_cleared_by_the_next() -> None:
    """A request stopped between the lens and Yen's search (WorkCancelled arrives at the
    next Python instruction) leaves its marks; the thread's next search removes them."""
    from queries.path_search import _lens

    g = _hub_graph(5)
    csr = CsrGraph.from_graph(g)
    people = sorted(v for v in g if g.nodes[v].get("kind") != "hub")
    stopped = PathSearch(csr, people[:2], people[-2:])
    c = csr
    _, _, marked = _lens(
        c.indptr, c.indices, c.cost, stopped.sources, stopped.targets, stopped.is_source,
        stopped.is_target, stopped.dist, stopped.done, stopped.lens, stopped.marked, 0.5, 0.1,
        10_000,
    )  # fmt: skip
    assert marked > 0 and stopped.lens.sum() == marked
    following = PathSearch(csr, people[2:4], people[-4:-2])
    assert following.k_cheapest(3) == PathSearch(csr, people[2:4], people[-4:-2])._yen(
        3, float("inf")
    )
    assert not following.lens.any()


def test_a_wider_lens_resumes_the_narrower_ones_searches_and_a_stopped_ones_are_cleared() -> None:
    """The lens searches persist between the attempts of one query (a wider lens settles
    only what the narrower had not reached, and marks the same nodes as a fresh one); a
    request stopped between attempts leaves them behind, and the next query of the thread
    clears them and still gets the whole-graph answer."""
    import numpy as np

    from queries.path_search import _grow, _grow_reset, _lens

    g = _hub_graph(7)
    csr = CsrGraph.from_graph(g)
    people = sorted(v for v in g if g.nodes[v].get("kind") != "hub")
    search = PathSearch(csr, people[:2], people[-2:])
    c, grow = csr, csr.grow_workspace()

    def grow_to(margin: float) -> set[int]:
        _, _, kept = _grow(
            c.indptr, c.indices, c.cost, search.sources, search.targets, search.is_source,
            search.is_target, *grow, search.lens, search.marked, margin, 0.01, 10_000,
        )  # fmt: skip
        lens = set(search.marked[:kept].tolist())
        search._clear_lens()
        return lens

    def fresh(margin: float) -> set[int]:
        _, _, kept = _lens(
            c.indptr, c.indices, c.cost, search.sources, search.targets, search.is_source,
            search.is_target, search.dist, search.done, search.lens, search.marked, margin,
            0.01, 10_000,
        )  # fmt: skip
        lens = set(search.marked[:kept].tolist())
        search._clear_lens()
        return lens

    narrow = grow_to(0.05)
    settled = int(grow[4][3])
    wide = grow_to(0.5)  # resumed: the state of the narrow lens is still there
    assert grow[4][3] > settled and narrow <= wide
    assert narrow == fresh(0.05) and wide == fresh(0.5)
    # as if stopped here: the next search of this thread starts afresh
    following = PathSearch(csr, people[2:4], people[-4:-2])
    assert following.k_cheapest(3) == PathSearch(csr, people[2:4], people[-4:-2])._yen(
        3, float("inf")
    )
    state, _, _, _, counters, best, within, _, _ = grow
    assert not counters.any() and best[0] == np.inf
    assert (state[:, :2] == np.inf).all() and (state[:, 2:] == -1).all()
    assert (within[:, :2] == np.inf).all() and (within[:, 2:] == -1).all()
    _grow_reset(state, grow[3], counters, best)
