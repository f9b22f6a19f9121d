"""Network metrics at library speed: ours against python-igraph on the same graph, same run.

    python bench/metrics.py [--people 100000] [--ties 1000000] [--subgraph 5000] [--quick] [--json]

Builds a contact network of PEOPLE people and TIES ties (groups of 100 with 80% of ties
inside, the rest anywhere), then times on that one graph, ours against igraph's:

- betweenness sampled from 500 sources (ours: ``queries.centrality.brandes`` on the sources
  ``queries.metrics.sample_sources`` draws; igraph: ``Graph.betweenness(sources=...)``);
- PageRank (ours: ``queries.centrality.pagerank``; igraph: ``Graph.pagerank``, PRPACK);
- communities (ours: ``queries.communities.communities_of``, label propagation; igraph: the
  same algorithm, ``community_label_propagation``; igraph's Louvain, ``community_multilevel``,
  is timed beside them with every modularity);
- exact betweenness on the SUBGRAPH people of the first groups (``Graph.betweenness()``).

Graph conversion is outside every timing (both sides get their graph ready-made); each call
is timed twice and the faster run kept. Keys ending ``_igraph_ratio`` are our time / igraph's
(below 1: faster); ``*_max_diff`` compare values (betweenness normalised like NetworkX).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import igraph as ig  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from bench._common import emit_json, print_table  # noqa: E402
from queries.centrality import brandes, pagerank  # noqa: E402
from queries.communities import communities_of, undirected_csr  # noqa: E402
from queries.metrics import sample_sources  # noqa: E402

Edges = npt.NDArray[np.int64]


def contact_edges(people: int, ties: int, seed: int = 7, group: int = 100) -> Edges:
    """``ties`` distinct undirected ties among ``people``: 80% within groups of ``group``."""
    rng = np.random.default_rng(seed)
    found = np.zeros((0, 2), np.int64)
    while len(found) < ties:
        m = int((ties - len(found)) * 1.1) + 10
        u = rng.integers(0, people, m)
        inside = rng.random(m) < 0.8
        v = np.where(
            inside, (u // group) * group + rng.integers(0, group, m), rng.integers(0, people, m)
        )
        v = np.minimum(v, people - 1)
        pairs = np.sort(np.stack([u, v], 1)[u != v], axis=1)
        found = np.unique(np.concatenate([found, pairs]), axis=0)
    keep = np.sort(np.random.default_rng(seed + 1).choice(len(found), ties, replace=False))
    return found[keep]


def best_of(runs: int, call: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``runs`` calls (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def normalised(raw: npt.NDArray[np.float64], n: int, scale: float = 1.0) -> npt.NDArray[np.float64]:
    """Brandes' ordered-pair sums normalised like NetworkX (``normalized=True``)."""
    return raw * scale / ((n - 1) * (n - 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--subgraph", type=int, default=5_000)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="10,000 people, 100,000 ties, 1,000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.people, args.ties, args.subgraph = 10_000, 100_000, 1_000
    n = args.people
    edges = contact_edges(n, args.ties)
    indptr, indices = undirected_csr(n, edges[:, 0].copy(), edges[:, 1].copy())
    graph = ig.Graph(n=n, edges=edges.tolist())
    # warm the compiled code (cached on disk after the first run) outside the timings
    path = undirected_csr(4, np.arange(3, dtype=np.int64), np.arange(1, 4, dtype=np.int64))
    brandes(*path, np.arange(4, dtype=np.int64))
    pagerank(*path)
    communities_of(*path)
    fig: dict[str, Any] = {"people": n, "ties": int(args.ties), "threads": numba.get_num_threads()}
    rows: list[list[Any]] = []

    def compare(name: str, ours: Callable[[], Any], theirs: Callable[[], Any]) -> tuple[Any, Any]:
        ours_s, mine = best_of(args.runs, ours)
        theirs_s, other = best_of(args.runs, theirs)
        fig[f"{name}_s"] = round(ours_s, 4)
        fig[f"{name}_igraph_s"] = round(theirs_s, 4)
        fig[f"{name}_igraph_ratio"] = round(ours_s / theirs_s, 3)
        rows.append([name, ours_s, theirs_s, ours_s / theirs_s])
        return mine, other

    sources = sample_sources(n, args.sources, 7)
    mine, other = compare(
        "betweenness_sampled",
        lambda: brandes(indptr, indices, sources),
        lambda: graph.betweenness(sources=sources.tolist()),
    )
    scale = n / len(sources)
    fig["betweenness_sampled_max_diff"] = float(
        np.abs(normalised(mine, n, scale) - normalised(2 * np.asarray(other), n, scale)).max()
    )
    mine, other = compare("pagerank", lambda: pagerank(indptr, indices), lambda: graph.pagerank())
    fig["pagerank_max_diff"] = float(np.abs(mine - np.asarray(other)).max())

    def igraph_lpa() -> Any:
        ig.set_random_number_generator(random.Random(7))
        return graph.community_label_propagation()

    mine, other = compare("communities", lambda: communities_of(indptr, indices, 7), igraph_lpa)
    louvain_s, louvain = best_of(1, graph.community_multilevel)
    fig["communities_modularity"] = round(graph.modularity(mine.tolist()), 4)
    fig["communities_igraph_modularity"] = round(graph.modularity(other), 4)
    fig["communities_louvain_igraph_s"] = round(louvain_s, 4)
    fig["communities_louvain_igraph_modularity"] = round(graph.modularity(louvain), 4)
    fig["communities_louvain_igraph_ratio"] = round(fig["communities_s"] / louvain_s, 3)
    rows.append(
        [
            "communities vs igraph Louvain",
            fig["communities_s"],
            louvain_s,
            fig["communities_louvain_igraph_ratio"],
        ]
    )

    m = args.subgraph
    inside = edges[(edges[:, 0] < m) & (edges[:, 1] < m)]
    sub_ptr, sub_idx = undirected_csr(m, inside[:, 0].copy(), inside[:, 1].copy())
    sub = ig.Graph(n=m, edges=inside.tolist())
    fig["subgraph_people"], fig["subgraph_ties"] = m, len(inside)
    mine, other = compare(
        "betweenness_exact",
        lambda: brandes(sub_ptr, sub_idx, np.arange(m, dtype=np.int64)),
        sub.betweenness,
    )
    fig["betweenness_exact_max_diff"] = float(
        np.abs(normalised(mine, m) - normalised(2 * np.asarray(other), m)).max()
    )
    print_table(
        f"Metrics on {n:,} people / {args.ties:,} ties (exact betweenness on {m:,} people / "
        f"{len(inside):,} ties), {fig['threads']} threads; best of {args.runs}",
        ["metric", "ours s", "igraph s", "ratio"],
        rows,
    )
    print(
        f"\nmax |ours - igraph|: betweenness exact {fig['betweenness_exact_max_diff']:.1e}, "
        f"sampled {fig['betweenness_sampled_max_diff']:.1e}, PageRank {fig['pagerank_max_diff']:.1e}"
        f"\nmodularity: ours {fig['communities_modularity']}, igraph label propagation "
        f"{fig['communities_igraph_modularity']}, igraph Louvain "
        f"{fig['communities_louvain_igraph_modularity']}"
    )
    if args.json:
        emit_json(fig)


if __name__ == "__main__":
    main()
