"""``build_spec`` on large maps: the reduction draws communities as clusters (or keeps the
highlighted and the best connected nodes), and above the physics limit every node arrives
with a place and physics off."""

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
    spec = build_spec(g, list(g), title="t", highlight=["n599"], max_nodes=100, reduce="top")
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


def test_clusters_account_for_every_node_once() -> None:
    g = _graph(600)
    g.add_node("lonely", label="Person", name="Lonely")
    spec = build_spec(g, list(g), title="t", highlight=["n599", "n0"], max_nodes=100)
    assert len(spec.nodes) <= 100
    ids = {node.i for node in spec.nodes}
    assert {"n599", "n0"} <= ids
    assert all(node.h for node in spec.nodes if node.i in ("n599", "n0"))
    clusters = [node for node in spec.nodes if node.i.startswith("cluster:")]
    assert len(clusters) == len(spec.nodes) - 2
    assert sum(node.p["nodes"] for node in clusters if node.p) == len(g) - 2
    assert any(node.l == "1 with no link among these" for node in clusters)
    assert {group.name for group in spec.groups} >= {"Organization cluster", "unlinked nodes"}
    assert all(e.f in ids and e.t in ids and e.f != e.t for e in spec.edges)
    assert "601 nodes are drawn as" in spec.note


def test_clusters_follow_communities() -> None:
    """Two dense groups joined by one link become two clusters and one edge."""
    g = nx.MultiDiGraph()
    for side in "ab":
        for i in range(30):
            g.add_node(f"{side}{i}", label="Person", name=f"{side.upper()} {i}")
        for i in range(30):
            for j in range(i + 1, 30):
                g.add_edge(f"{side}{i}", f"{side}{j}", type="KNOWS")
    g.add_edge("a0", "b0", type="KNOWS")
    spec = build_spec(g, list(g), title="t", max_nodes=10)
    assert sorted(node.p["nodes"] for node in spec.nodes if node.p) == [30, 30]
    assert len(spec.edges) == 1 and spec.edges[0].w == 1.0
    assert {node.l for node in spec.nodes} == {"30 around A 0", "30 around B 0"}
