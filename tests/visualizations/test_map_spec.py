"""``build_spec`` on large maps: the reduction keeps the highlighted and the best connected
nodes, and above the physics limit every node arrives with a place and physics off."""

from __future__ import annotations

import math

import networkx as nx

from visualizations.maps import _degrees_within, build_spec


def _graph(n: int) -> nx.MultiDiGraph:
    base = nx.barabasi_albert_graph(n, 2, seed=5)
    g = nx.MultiDiGraph()
    for v in base:
        g.add_node(f"n{v}", label="Organization", name=f"Node {v}")
    for u, v in base.edges():
        g.add_edge(f"n{u}", f"n{v}", key="COLLABORATED_WITH", type="COLLABORATED_WITH")
    g.add_edge("n1", "n2", key="PARTNER_OF", type="PARTNER_OF")  # a parallel edge
    g.add_edge("n3", "n3", key="SELF", type="SELF")  # and a self-loop
    return g


def test_degrees_within_match_the_subgraph_degree() -> None:
    g = _graph(300)
    nodes = [n for n in g if int(n[1:]) % 3]
    sub = g.subgraph(nodes)
    assert _degrees_within(g, nodes) == dict(sub.degree())
    simple = nx.Graph(g)
    assert _degrees_within(simple, nodes) == dict(simple.subgraph(nodes).degree())


def test_reduction_keeps_highlighted_and_best_connected() -> None:
    g = _graph(600)
    spec = build_spec(g, list(g), title="t", highlight=["n599"], max_nodes=100)
    kept = [node.i for node in spec.nodes]
    assert len(kept) == 100 and kept[0] == "n599"
    degree = dict(g.degree())
    threshold = min(degree[n] for n in kept[1:])
    assert all(degree[n] <= threshold for n in g if n not in kept)
    assert "Showing 100 of 600 nodes" in spec.note


def test_layout_above_the_physics_limit_only() -> None:
    g = _graph(300)
    small = build_spec(g, list(g), title="t", physics_limit=400)
    assert small.physics and all(node.x is None for node in small.nodes)
    large = build_spec(g, list(g), title="t", physics_limit=100)
    assert not large.physics
    assert all(
        node.x is not None and node.y is not None and math.isfinite(node.x + node.y)
        for node in large.nodes
    )
    again = build_spec(g, list(g), title="t", physics_limit=100)
    assert [(n.x, n.y) for n in again.nodes] == [(n.x, n.y) for n in large.nodes]
