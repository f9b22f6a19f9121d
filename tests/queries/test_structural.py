"""Burt's constraint and effective size agree with networkx, igraph and hand computation."""

from __future__ import annotations

import math
import random

import igraph as ig
import networkx as nx
import pytest

from queries.structural import burt_constraint, effective_size


@pytest.mark.parametrize("seed", range(5))
def test_constraint_equals_igraph_on_random_graphs(seed: int) -> None:
    g = nx.gnp_random_graph(80, 0.08, seed=seed)
    h = ig.Graph(n=80, edges=list(g.edges()))
    theirs = h.constraint()
    ours = burt_constraint(g)
    for node in g:
        if g.degree(node):
            assert ours[node] == pytest.approx(theirs[node], abs=1e-9)
        else:
            assert math.isnan(ours[node])


@pytest.mark.parametrize("seed", range(3))
def test_weighted_and_directed_constraint_equal_networkx(seed: int) -> None:
    rng = random.Random(seed)
    g = nx.gnp_random_graph(50, 0.1, seed=seed)
    for u, v in g.edges:
        g[u][v]["w"] = rng.uniform(0.1, 2)
    for node, value in nx.constraint(g, weight="w").items():
        assert burt_constraint(g, weight="w")[node] == pytest.approx(value, abs=1e-12, nan_ok=True)
    d = nx.gnp_random_graph(40, 0.1, seed=seed, directed=True)
    for node, value in nx.constraint(d).items():
        # networkx 3.4 gives NaN to nodes with in-ties only; Burt's ties are mutual, so we
        # (like networkx >= 3.5) measure them too
        if d.out_degree(node):
            assert burt_constraint(d)[node] == pytest.approx(value, abs=1e-12)


def test_unweighted_effective_size_equals_networkx() -> None:
    g = nx.gnp_random_graph(60, 0.1, seed=3)
    for node, value in nx.effective_size(g).items():
        assert effective_size(g)[node] == pytest.approx(value, abs=1e-12, nan_ok=True)


def test_weighted_effective_size_follows_burts_formula_by_hand() -> None:
    # node 1: p = {0: 1/4, 2: 3/4}; m_0 = {1: .5, 2: 1}; m_2 = {0: 2/3, 1: 1, 3: 1/3}
    # e(1) = (1 - 3/4 * 1) + (1 - 1/4 * 2/3) = 0.25 + 0.8333...
    g = nx.Graph()
    g.add_weighted_edges_from([(0, 1, 1), (0, 2, 2), (1, 2, 3), (2, 3, 1)], weight="w")
    assert effective_size(g, weight="w")[1] == pytest.approx(0.25 + 1 - 1 / 6)


def test_borgatti_style_ego_network() -> None:
    # An ego with 4 contacts, two of which know each other: 4 - 2*1/4 = 3.5
    g = nx.Graph([("ego", "a"), ("ego", "b"), ("ego", "c"), ("ego", "d"), ("a", "b")])
    assert effective_size(g)["ego"] == pytest.approx(3.5)
    assert burt_constraint(g)["ego"] == pytest.approx(nx.constraint(g)["ego"])


# Borgatti (1997), "Structural Holes: Unpacking Burt's Redundancy Measures", CONNECTIONS
# 20(1): the published example ego network and its published values.
BORGATTI = [
    ("A", "B"),
    ("A", "F"),
    ("A", "G"),
    ("A", "E"),
    ("E", "G"),
    ("F", "G"),
    ("B", "G"),
    ("B", "D"),
    ("D", "G"),
    ("G", "C"),
]


def test_borgatti_1997_published_values() -> None:
    g = nx.Graph(BORGATTI)
    constraint = burt_constraint(g)
    assert constraint["G"] == pytest.approx(0.400, abs=1e-3)
    assert constraint["A"] == pytest.approx(0.595, abs=1e-3)
    size = effective_size(g)
    assert size["G"] == pytest.approx(4.67, abs=1e-2)
    assert size["A"] == pytest.approx(2.50, abs=1e-2)
    nx.set_edge_attributes(g, 1, "weight")
    weighted = effective_size(g, weight="weight")
    assert weighted["G"] == pytest.approx(4.67, abs=1e-2)
    assert weighted["A"] == pytest.approx(2.50, abs=1e-2)
