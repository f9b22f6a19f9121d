"""Betweenness and PageRank compiled with Numba over compressed rows, on every core.

Both run with the GIL released and split their work across Numba's threads (sources for
betweenness, rows for PageRank), so they beat python-igraph's single-threaded C on the same
graph (``bench/metrics.py``) and give the same values: exact betweenness agrees with
igraph's to 1e-9, PageRank to its convergence tolerance.

Betweenness is Brandes' algorithm for unweighted undirected graphs, normalised like
NetworkX (``normalized=True``); sampled from ``k`` sources it is scaled by ``n / k``, as
NetworkX does. PageRank is the power iteration with dangling nodes spread uniformly, like
igraph's PRPACK and NetworkX.

>>> import numpy as np
>>> indptr, indices = np.array([0, 1, 3, 4]), np.array([1, 0, 2, 1])  # the path 0-1-2
>>> brandes(indptr, indices, np.arange(3), 1).tolist()
[0.0, 2.0, 0.0]
>>> [round(x, 5) for x in pagerank(indptr, indices).tolist()]
[0.25676, 0.48649, 0.25676]
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt
from numba import njit, prange

Ints = npt.NDArray[np.int64]
Ints32 = npt.NDArray[np.int32]
Floats = npt.NDArray[np.float64]


@njit(cache=True, nogil=True, parallel=True)
def _brandes(indptr: Ints, indices: Ints32, sources: Ints, chunks: int) -> Floats:
    n = indptr.shape[0] - 1
    acc = np.zeros((chunks, n))
    per = (sources.shape[0] + chunks - 1) // chunks
    for c in prange(chunks):
        sigma = np.zeros(n)
        dist = np.full(n, -1, np.int32)
        delta = np.zeros(n)
        order = np.empty(n, np.int32)
        # each node's predecessors on shortest paths, in its own row's slots: the backward
        # pass then walks only the shortest-path DAG, not every neighbour
        npred = np.zeros(n, np.int32)
        preds = np.empty(indices.shape[0], np.int32)
        for si in range(c * per, min((c + 1) * per, sources.shape[0])):
            s = sources[si]
            sigma[s] = 1.0
            dist[s] = 0
            order[0] = s
            head, tail = 0, 1
            while head < tail:  # breadth first, counting shortest paths (sigma)
                v = order[head]
                head += 1
                next_level = dist[v] + 1
                sv = sigma[v]
                for i in range(indptr[v], indptr[v + 1]):
                    w = indices[i]
                    dw = dist[w]
                    if dw < 0:
                        dist[w] = next_level
                        order[tail] = w
                        tail += 1
                        sigma[w] = sv
                        preds[indptr[w]] = v
                        npred[w] = 1
                    elif dw == next_level:
                        sigma[w] += sv
                        preds[indptr[w] + npred[w]] = v
                        npred[w] += 1
            for j in range(tail - 1, 0, -1):  # farthest first, the source last (skipped)
                w = order[j]
                coeff = (1.0 + delta[w]) / sigma[w]
                for i in range(indptr[w], indptr[w] + npred[w]):
                    v = preds[i]
                    delta[v] += sigma[v] * coeff
                acc[c, w] += delta[w]
            for j in range(tail):
                w = order[j]
                sigma[w] = 0.0
                dist[w] = -1
                delta[w] = 0.0
                npred[w] = 0
    return acc.sum(axis=0)


#: edge visits per compiled call (about a fifth of a second): the sources are taken in
#: batches this size, so a request that is stopped (its 504) stops within one batch
BATCH_EDGE_VISITS = 40_000_000


def source_batches(sources: Ints, edges: int, threads: int) -> list[Ints]:
    """``sources`` cut into consecutive batches of about :data:`BATCH_EDGE_VISITS` edge
    visits each, whole rounds of ``threads`` (a compiled call cannot be interrupted; the
    Python step between two can).

    >>> [b.tolist() for b in source_batches(np.arange(5), 20_000_000, 1)]
    [[0, 1], [2, 3], [4]]
    """
    per = max(1, BATCH_EDGE_VISITS // max(1, edges)) * threads
    return [sources[i : i + per] for i in range(0, sources.shape[0], per)]


def brandes(indptr: Ints, indices: Ints, sources: Ints, chunks: int | None = None) -> Floats:
    """Raw betweenness (each ordered pair counted, as Brandes sums it) from ``sources``.

    Batches and the chunks of sources inside them are summed in a fixed order, so the
    answer does not depend on how the threads were scheduled.
    """
    threads = chunks or max(1, numba.get_num_threads())
    rows, cols = indptr.astype(np.int64), indices.astype(np.int32)
    total = np.zeros(rows.shape[0] - 1)
    for batch in source_batches(sources.astype(np.int64), cols.shape[0], threads):
        total += _brandes(rows, cols, batch, threads)
    return total


@njit(cache=True, nogil=True, parallel=True)
def _pagerank(
    indptr: Ints, indices: Ints, damping: float, tol: float, max_iter: int
) -> tuple[Floats, int]:
    n = indptr.shape[0] - 1
    degree = np.empty(n)
    for v in range(n):
        degree[v] = indptr[v + 1] - indptr[v]
    x = np.full(n, 1.0 / n)
    y = np.empty(n)
    share = np.empty(n)
    done = 0
    for it in range(max_iter):
        dangling = 0.0
        for v in range(n):
            if degree[v] == 0:
                dangling += x[v]
                share[v] = 0.0
            else:
                share[v] = x[v] / degree[v]
        base = (1.0 - damping) / n + damping * dangling / n
        for v in prange(n):
            s = 0.0
            for i in range(indptr[v], indptr[v + 1]):
                s += share[indices[i]]
            y[v] = base + damping * s
        err = 0.0
        for v in range(n):
            err += abs(y[v] - x[v])
        x, y = y, x
        done = it + 1
        if err < tol:
            break
    return x / x.sum(), done


def pagerank(
    indptr: Ints, indices: Ints, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1_000
) -> Floats:
    """PageRank of every node (sums to 1); stops when an iteration moves less than ``tol``
    in total (L1)."""
    n = indptr.shape[0] - 1
    if n == 0:
        return np.zeros(0)
    scores, _ = _pagerank(indptr.astype(np.int64), indices.astype(np.int64), damping, tol, max_iter)
    return scores
