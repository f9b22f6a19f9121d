"""The precomputed layout: every node placed, within scale, reproducible, and readable
(linked nodes sit closer than unlinked ones, separate groups apart)."""

from __future__ import annotations

import math
from itertools import combinations

import networkx as nx

from visualizations.layout import force_layout


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
