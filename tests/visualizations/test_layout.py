"""The precomputed layout: every node placed, within scale, reproducible, and readable
(linked nodes sit closer than unlinked ones, separate groups apart). Speed is measured by
``bench/maps.py``, not asserted here."""

from __future__ import annotations

import math
from itertools import combinations

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from visualizations.layout import DENSE_UP_TO, _adjacency, force_layout, spectral_start


def _two_groups() -> nx.Graph:
    g = nx.Graph()
    g.add_edges_from(combinations(range(15), 2))
    g.add_edges_from(combinations(range(15, 30), 2))
    g.add_edge(0, 15)
    g.add_node("alone")
    return g


def test_every_node_is_placed_within_scale_and_reproducibly() -> None:
    g = _two_groups()
    pos = force_layout(g, scale=50)
    assert set(pos) == set(g)
    assert all(math.isfinite(c) and abs(c) <= 50 + 1e-9 for xy in pos.values() for c in xy)
    assert max(abs(c) for xy in pos.values() for c in xy) > 49  # uses the space it is given
    assert force_layout(g, scale=50) == pos
    assert force_layout(g, scale=50, seed=8) != pos


def test_groups_sit_apart_and_neighbours_close() -> None:
    g = _two_groups()
    pos = force_layout(g)

    def dist(a: object, b: object) -> float:
        return math.dist(pos[a], pos[b])

    inside = [dist(a, b) for a, b in combinations(range(15), 2)]
    across = [dist(a, b) for a in range(15) for b in range(15, 30)]
    assert max(inside) < min(across) * 1.5
    assert sum(inside) / len(inside) * 2 < sum(across) / len(across)


def test_tiny_graphs() -> None:
    assert force_layout(nx.Graph()) == {}
    assert force_layout(nx.path_graph(["only"])) == {"only": (0.0, 0.0)}


def _large() -> nx.Graph:
    """Above the dense-eigensolver limit, with a few small components and isolated nodes."""
    g = nx.connected_watts_strogatz_graph(DENSE_UP_TO + 200, 4, 0.1, seed=3)
    g.add_edges_from([("a", "b"), ("b", "c"), ("x", "y")])
    g.add_nodes_from(["lonely", "alone"])
    return g


def test_large_layout_is_finite_reproducible_and_spread_out() -> None:
    g = _large()
    pos = force_layout(g, scale=100)
    assert set(pos) == set(g)
    assert all(math.isfinite(c) and abs(c) <= 100 + 1e-9 for xy in pos.values() for c in xy)
    assert force_layout(g, scale=100) == pos
    main = [v for v in g if isinstance(v, int)]
    xy = np.array([pos[v] for v in main])
    # the big component is not crushed by the small ones pushed to the edge
    span = np.ptp(xy, axis=0)
    assert (span > 50).all()
    # few nodes on top of one another (uniform random points: about 4 %)
    ideal = math.sqrt(span.prod() / len(xy))
    nearest = cKDTree(xy).query(xy, 2)[0][:, 1]
    assert (nearest < 0.2 * ideal).mean() < 0.12
    # readable: linked nodes much closer than nodes picked at random
    links = np.mean([math.dist(pos[u], pos[v]) for u, v in g.subgraph(main).edges()])
    pairs = np.random.default_rng(0).integers(0, len(xy), (2_000, 2))
    assert links < 0.3 * np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1).mean()


def test_spectral_start_orders_a_path() -> None:
    """The Laplacian's second eigenvector runs monotonically along a path."""
    for n in (30, DENSE_UP_TO + 50):  # dense and ARPACK
        g = nx.path_graph(n)
        g.add_edge(n, n + 1)  # a smaller component, left to the random start
        indptr, indices = _adjacency(g, list(g))
        start = spectral_start(indptr, indices)
        assert start is not None
        members, xy = start
        assert members.tolist() == list(range(n))
        assert xy.min() >= 0 and xy.max() <= 1 and np.isfinite(xy).all()
        steps = np.diff(xy[:, 0])
        assert (steps > 0).all() or (steps < 0).all()


def test_no_spectral_start_without_a_component_of_three() -> None:
    g = nx.Graph([(0, 1), (2, 3)])
    assert spectral_start(*_adjacency(g, list(g))) is None
    assert set(force_layout(g)) == {0, 1, 2, 3}
