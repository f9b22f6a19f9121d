"""Network metrics of the contact network: degree, betweenness, PageRank, Burt's measures,
communities.

The network is the one every people question reads (:mod:`queries.contact_graph`),
unfolded person to person: any two people joined by a tie of any kind (or of the kinds
asked for) share one edge. Betweenness and PageRank are compiled (:mod:`queries.centrality`),
communities are the compiled label propagation of :mod:`queries.communities`, all on every
core and at least as fast as python-igraph on the same graph (``bench/metrics.py``). Exact
betweenness is O(nm): above ``exact_limit`` people it is sampled from ``sample_size``
sources, and the result says so.

``backend=`` (or ``NETWORKX_BACKEND_PRIORITY``) instead runs betweenness and PageRank
through NetworkX's dispatch, so ``nx-parallel`` on many cores or ``nx-cugraph`` on a GPU
needs no code change.

Every answer is independent of store and row order: people are numbered in id order, the
sample of sources is drawn from that order with a fixed seed, and ties in every ranking are
broken by id.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from datetime import date
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from queries.centrality import brandes, pagerank
from queries.communities import communities_of, sorted_nodes, undirected_csr
from queries.contact_graph import CACHE, TIE_KINDS, person_network
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


class SkippedGroup(BaseModel):
    """An affiliation too large to unfold into pairwise ties."""

    id: str
    kind: str
    people: int


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
    ties: list[str] = Field(default_factory=lambda: list(TIE_KINDS))
    edge_kinds: dict[str, int] = Field(
        default_factory=dict, description="how many edges have a tie of each kind"
    )
    skipped_groups: list[SkippedGroup] = Field(
        default_factory=list,
        description="affiliations of more than max_group people, left out of the edges",
    )


def contact_network(
    projection: nx.MultiDiGraph,
    as_of: date | None = None,
    *,
    ties: Iterable[str] | None = None,
    max_group: int = 200,
) -> nx.Graph:
    """People joined by ties of ``ties`` (all kinds by default) active on ``as_of``: one
    edge a pair, with its ``strength``, ``kinds`` and shared ``via`` hubs."""
    return person_network(CACHE.get(projection, as_of, None, ties), max_group).graph


def _csr(g: nx.Graph, order: list[Hashable]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    index = {node: i for i, node in enumerate(order)}
    m = g.number_of_edges()
    u = np.fromiter((index[a] for a, _ in g.edges()), np.int64, m)
    v = np.fromiter((index[b] for _, b in g.edges()), np.int64, m)
    return undirected_csr(len(order), u, v)


def sample_sources(n: int, k: int, seed: int) -> npt.NDArray[np.int64]:
    """``k`` of ``n`` node numbers drawn with ``seed`` (the same for the same n, k, seed)."""
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False)).astype(np.int64)


def betweenness(
    g: nx.Graph,
    *,
    exact_limit: int = 2_000,
    sample_size: int = 500,
    seed: int = 7,
    backend: str | None = None,
) -> tuple[dict[Any, float], int | None]:
    """Normalised betweenness, exact up to ``exact_limit`` nodes, else sampled (with k)."""
    n = g.number_of_nodes()
    k = None if n <= exact_limit else min(sample_size, n)
    if backend:
        return nx.betweenness_centrality(g, k=k, normalized=True, seed=seed, backend=backend), k
    order = sorted_nodes(g)
    indptr, indices = _csr(g, order)
    sources = np.arange(n, dtype=np.int64) if k is None else sample_sources(n, k, seed)
    raw = brandes(indptr, indices, sources)
    scale = 1 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    if k is not None:
        scale *= n / k
    return dict(zip(order, (raw * scale).tolist(), strict=True)), k


def network_metrics(
    projection: nx.MultiDiGraph,
    *,
    as_of: date | None = None,
    top: int = 50,
    exact_limit: int = 2_000,
    sample_size: int = 500,
    seed: int = 7,
    backend: str | None = None,
    ties: Iterable[str] | None = None,
    max_group: int = 200,
) -> MetricsResult:
    """Metrics of the contact network (ties of ``ties``, all by default); the ``top``
    people by betweenness come back."""
    cg = CACHE.get(projection, as_of, None, ties)
    people = person_network(cg, max_group)
    result = graph_metrics(
        people.graph,
        names=projection.nodes,
        top=top,
        exact_limit=exact_limit,
        sample_size=sample_size,
        seed=seed,
        backend=backend,
    )
    kinds: dict[str, int] = dict.fromkeys(TIE_KINDS, 0)
    for _, _, d in people.graph.edges(data=True):
        for kind in d["kinds"]:
            kinds[kind] += 1
    return result.model_copy(
        update={
            "ties": [t for t in TIE_KINDS if t in cg.kinds],
            "edge_kinds": {k: c for k, c in kinds.items() if k in cg.kinds},
            "skipped_groups": [SkippedGroup(id=h, kind=k, people=n) for h, k, n in people.skipped],
        }
    )


def graph_metrics(
    g: nx.Graph,
    *,
    names: Mapping[Any, Any] | None = None,
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
    order = sorted_nodes(g)
    indptr, indices = _csr(g, order)
    if backend:
        rank = nx.pagerank(g, backend=backend) if g.number_of_edges() else {}
    else:
        rank = dict(zip(order, pagerank(indptr, indices).tolist(), strict=True))
    if not rank:
        rank = dict.fromkeys(g, 1 / max(1, len(g)))
    labels = communities_of(indptr, indices, seed).tolist() if order else []
    community_of = dict(zip(order, labels, strict=True))
    chosen = sorted(order, key=lambda n: (-between[n], str(n)))[:top]
    cons = burt_constraint(g, chosen)
    eff = effective_size(g, chosen)
    lookup: Mapping[Any, Any] = names if names is not None else {}

    def name(n: object) -> str:
        try:
            return str(lookup[n].get("name", n))
        except (KeyError, TypeError, AttributeError):
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
        communities=len(set(labels)),
        betweenness_exact=k is None,
        betweenness_sample_size=k,
        backend=backend,
    )
