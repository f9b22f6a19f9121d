"""The sample portfolio as a projection, built once per scale for the query tests."""

from __future__ import annotations

from functools import cache
from typing import Any

import networkx as nx

from bench.analytics_quality import sample_graph
from samples import SamplePortfolio, generate_portfolio


@cache
def sample_at(scale: int) -> tuple[SamplePortfolio, nx.MultiDiGraph]:
    """The seeded sample at ``scale`` and its projection (cached for the session)."""
    sample = generate_portfolio(scale, seed=7)
    return sample, sample_graph(sample)


def evidence_ids(graph: nx.MultiDiGraph) -> set[str]:
    """Every relationship evidence id of the graph."""
    from graph.projection import edge_evidence_id

    return {edge_evidence_id(u, v, d) for u, v, d in graph.edges(data=True)}


def as_json(obj: Any) -> Any:
    return obj.model_dump(mode="json")


def graph_of(
    nodes: dict[str, list[dict[str, Any]]], rels: dict[str, list[dict[str, Any]]]
) -> nx.MultiDiGraph:
    """A projection of hand-written rows (label or type -> rows), validated as a load would."""
    from graph.projection import build_projection
    from graph.records import validate_nodes, validate_relationships

    n = [r for label, rows in nodes.items() for r in validate_nodes(label, rows)]
    r = [x for t, rows in rels.items() for x in validate_relationships(t, rows)]
    return build_projection(n, r)
