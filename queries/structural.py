"""Burt's structural-hole measures: network constraint and effective size.

Same definitions as :func:`networkx.constraint` and :func:`networkx.effective_size`
(Burt 1992; Borgatti 1997), computed once per node from cached proportional tie
strengths, so measuring many nodes costs O(sum of squared degrees) rather than repeated
neighbourhood scans. Neighbours are summed in id order, so the values do not depend on the
order the graph was built in.

>>> import networkx as nx
>>> g = nx.star_graph(3)
>>> round(burt_constraint(g)[0], 4), round(effective_size(g)[0], 4)
(0.3333, 3.0)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import networkx as nx


def _mutual_weights(g: nx.Graph, weight: str | None) -> dict[Hashable, dict[Hashable, float]]:
    """``a_ij + a_ji`` for every tie (symmetric; self-loops ignored)."""
    w: dict[Hashable, dict[Hashable, float]] = {n: {} for n in g}
    for u, v, d in g.edges(data=True):
        if u == v:
            continue
        x = float(d.get(weight, 1.0)) if weight else 1.0
        w[u][v] = w[u].get(v, 0.0) + x
        w[v][u] = w[v].get(u, 0.0) + x
    return w


def _in_order(nbrs: dict[Hashable, float]) -> dict[Hashable, float]:
    """``nbrs`` by neighbour id: sums over it then come out the same to the last bit
    whatever order the graph's edges were added in."""
    try:
        return dict(sorted(nbrs.items()))
    except TypeError:  # mixed types: order by their representation
        return dict(sorted(nbrs.items(), key=lambda item: repr(item[0])))


def _proportions(w: dict[Hashable, dict[Hashable, float]]) -> dict[Hashable, dict[Hashable, float]]:
    out = {}
    for u, unordered in w.items():
        nbrs = _in_order(unordered)
        total = sum(nbrs.values())
        out[u] = {v: x / total for v, x in nbrs.items()} if total else {}
    return out


def burt_constraint(
    g: nx.Graph, nodes: Iterable[Hashable] | None = None, weight: str | None = None
) -> dict[Hashable, float]:
    """Burt's constraint of ``nodes`` (all by default); NaN for isolated nodes, like networkx.

    c(i) = sum over neighbours j of (p_ij + sum over q of p_iq * p_qj)^2.
    """
    p = _proportions(_mutual_weights(g, weight))
    result: dict[Hashable, float] = {}
    for i in nodes if nodes is not None else g:
        pi = p[i]
        if not pi:
            result[i] = float("nan")
            continue
        total = 0.0
        for j, pij in pi.items():
            indirect = 0.0
            for q, piq in pi.items():
                if q != j:
                    indirect += piq * p[q].get(j, 0.0)
            total += (pij + indirect) ** 2
        result[i] = total
    return result


def effective_size(
    g: nx.Graph, nodes: Iterable[Hashable] | None = None, weight: str | None = None
) -> dict[Hashable, float]:
    """Burt's effective size of ``nodes``: non-redundant contacts; NaN for isolated nodes.

    Unweighted undirected graphs use Borgatti's shortcut n - 2t/n (t = ties among the
    neighbours); otherwise sum over j of (1 - sum over q of p_iq * m_jq).
    """
    result: dict[Hashable, float] = {}
    targets = list(nodes) if nodes is not None else list(g)
    if weight is None and not g.is_directed():
        adj = {n: set(g[n]) - {n} for n in g}
        for i in targets:
            nbrs = adj[i]
            n = len(nbrs)
            if n == 0:
                result[i] = float("nan")
                continue
            ties = sum(len(adj[j] & nbrs) for j in nbrs) / 2
            result[i] = n - 2 * ties / n
        return result
    w = _mutual_weights(g, weight)
    p = _proportions(w)
    m = {u: {v: x / max(nbrs.values()) for v, x in nbrs.items()} for u, nbrs in w.items() if nbrs}
    for i in targets:
        if not p[i]:
            result[i] = float("nan")
            continue
        total = 0.0
        for j in p[i]:
            redundancy = sum(piq * m.get(j, {}).get(q, 0.0) for q, piq in p[i].items() if q != j)
            total += 1 - redundancy
        result[i] = total
    return result
