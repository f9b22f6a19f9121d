"""Network metrics of the contact network: degree, betweenness, PageRank, Burt's measures,
communities.

Heavy metrics go through NetworkX's dispatch (``backend=``, or the environment variable
``NETWORKX_BACKEND_PRIORITY``), so ``nx-parallel`` on many cores or ``nx-cugraph`` on a GPU
needs no code change. Exact betweenness is O(nm): above ``exact_limit`` nodes it is
sampled from ``sample_size`` sources, and the result says so.
"""

from __future__ import annotations

from datetime import date

import networkx as nx
from pydantic import BaseModel, Field

from graph.projection import edge_active
from graph.vocabulary import NodeLabel, RelType
from queries.structural import burt_constraint, effective_size


class NodeMetrics(BaseModel):
    """The metrics of one node."""

    id: str
    name: str
    degree: int
    betweenness: float
    pagerank: float
    constraint: float | None
    effective_size: float | None
    community: int


class MetricsResult(BaseModel):
    """Metrics of the top nodes, and how betweenness was computed."""

    nodes: list[NodeMetrics]
    node_count: int
    edge_count: int
    communities: int
    betweenness_exact: bool
    betweenness_sample_size: int | None = Field(
        None, description="sources sampled for betweenness; None when exact"
    )
    backend: str | None = None


def contact_network(projection: nx.MultiDiGraph, as_of: date | None = None) -> nx.Graph:
    """People joined by KNOWS ties active on ``as_of`` (undirected, one edge a pair)."""
    g = nx.Graph()
    g.add_nodes_from(
        n for n, d in projection.nodes(data=True) if d.get("label") == NodeLabel.PERSON
    )
    for u, v, d in projection.edges(data=True):
        if d.get("type") == RelType.KNOWS and edge_active(d, as_of) and u != v:
            g.add_edge(u, v)
    return g


def betweenness(
    g: nx.Graph,
    *,
    exact_limit: int = 2_000,
    sample_size: int = 500,
    seed: int = 7,
    backend: str | None = None,
) -> tuple[dict[str, float], int | None]:
    """Normalised betweenness, exact up to ``exact_limit`` nodes, else sampled (with k)."""
    kwargs = {"backend": backend} if backend else {}
    if g.number_of_nodes() <= exact_limit:
        return nx.betweenness_centrality(g, normalized=True, **kwargs), None
    k = min(sample_size, g.number_of_nodes())
    return nx.betweenness_centrality(g, k=k, normalized=True, seed=seed, **kwargs), k


def network_metrics(
    projection: nx.MultiDiGraph,
    *,
    as_of: date | None = None,
    top: int = 50,
    exact_limit: int = 2_000,
    sample_size: int = 500,
    seed: int = 7,
    backend: str | None = None,
) -> MetricsResult:
    """Metrics of the contact network; the ``top`` people by betweenness come back."""
    return graph_metrics(
        contact_network(projection, as_of),
        names=projection.nodes,
        top=top,
        exact_limit=exact_limit,
        sample_size=sample_size,
        seed=seed,
        backend=backend,
    )


def graph_metrics(
    g: nx.Graph,
    *,
    names: object = None,
    top: int = 50,
    exact_limit: int = 2_000,
    sample_size: int = 500,
    seed: int = 7,
    backend: str | None = None,
) -> MetricsResult:
    """The same metrics for any undirected graph (e.g. Padgett's Florentine families)."""
    between, k = betweenness(
        g, exact_limit=exact_limit, sample_size=sample_size, seed=seed, backend=backend
    )
    rank = nx.pagerank(g) if g.number_of_edges() else dict.fromkeys(g, 1 / max(1, len(g)))
    communities = (
        nx.community.louvain_communities(g, seed=seed) if g.number_of_edges() else [set(g)]
    )
    community_of = {n: i for i, c in enumerate(communities) for n in c}
    chosen = sorted(g, key=lambda n: (-between[n], str(n)))[:top]
    cons = burt_constraint(g, chosen)
    eff = effective_size(g, chosen)
    lookup = names if names is not None else {}

    def name(n: object) -> str:
        try:
            return str(lookup[n].get("name", n))  # type: ignore[index]
        except (KeyError, TypeError):
            return str(n)

    def finite(x: float) -> float | None:
        return None if x != x else round(x, 6)

    return MetricsResult(
        nodes=[
            NodeMetrics(
                id=str(n),
                name=name(n),
                degree=g.degree(n),
                betweenness=round(between[n], 6),
                pagerank=round(rank[n], 6),
                constraint=finite(cons[n]),
                effective_size=finite(eff[n]),
                community=community_of[n],
            )
            for n in chosen
        ],
        node_count=g.number_of_nodes(),
        edge_count=g.number_of_edges(),
        communities=len(communities),
        betweenness_exact=k is None,
        betweenness_sample_size=k,
        backend=backend,
    )
