"""Communities of large contact networks: fast label propagation, compiled with Numba.

The algorithm is NetworkX's ``fast_label_propagation_communities`` (Traag & Šubelj 2023):
a queue of nodes in random order; each takes the label most frequent among its neighbours
(ties broken at random) and, when its label changes, queues the neighbours that disagree.
Here it runs over compressed rows, so a million ties take about a second, not a minute.

The answer depends only on the ties and the seed: nodes are numbered in sorted order before
anything order-dependent runs, so two stores, or two loads of the same rows in another
order, find the same communities.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from numba import njit

H = TypeVar("H", bound=Hashable)


def undirected_csr(
    n: int, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Compressed rows of the simple undirected graph on ``n`` nodes with edges ``u``-``v``
    (both directions kept once; self-loops and repeats dropped)."""
    keep = u != v
    a = np.concatenate([u[keep], v[keep]])
    b = np.concatenate([v[keep], u[keep]])
    pairs = np.sort(a * n + b)  # sort-based unique: numpy's hash-based one is 10x slower here
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
    rows, cols = pairs // n, pairs % n
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols.astype(np.int64)


@njit(cache=True, nogil=True)
def _propagate(
    indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64], seed: int
) -> npt.NDArray[np.int64]:
    n = indptr.shape[0] - 1
    np.random.seed(seed)
    labels = np.arange(n)
    queue = np.random.permutation(n)
    queued = np.ones(n, np.uint8)
    head, size = 0, n
    freq = np.zeros(n, np.int64)
    seen = np.empty(n, np.int64)
    best = np.empty(n, np.int64)
    while size > 0:
        node = queue[head]
        head = (head + 1) % n
        size -= 1
        queued[node] = 0
        start, end = indptr[node], indptr[node + 1]
        if start == end:
            continue
        distinct = 0
        top = 0
        for i in range(start, end):
            label = labels[indices[i]]
            if freq[label] == 0:
                seen[distinct] = label
                distinct += 1
            freq[label] += 1
            top = max(top, freq[label])
        ties = 0
        for j in range(distinct):
            if freq[seen[j]] == top:
                best[ties] = seen[j]
                ties += 1
            freq[seen[j]] = 0
        label = best[np.random.randint(0, ties)]
        if labels[node] != label:
            labels[node] = label
            for i in range(start, end):
                nbr = indices[i]
                if labels[nbr] != label and queued[nbr] == 0:
                    queue[(head + size) % n] = nbr
                    size += 1
                    queued[nbr] = 1
    return labels


def sorted_nodes(nodes: Iterable[H]) -> list[H]:
    """``nodes`` in a fixed order that does not depend on where they came from."""
    unique = set(nodes)
    try:
        return sorted(unique)  # type: ignore[type-var]
    except TypeError:  # mixed types: order by their representation
        return sorted(unique, key=repr)


def communities_of(
    indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64], seed: int = 7
) -> npt.NDArray[np.int64]:
    """A community number for every node of a compressed undirected graph, numbered by
    first member (0, 1, ...; isolated nodes alone)."""
    labels = _propagate(indptr, indices, seed)
    _, first, numbered = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))  # community of node 0 is 0, and so on
    result: npt.NDArray[np.int64] = rank[numbered].astype(np.int64)
    return result


def label_propagation(edges: Iterable[tuple[H, H]], seed: int = 7) -> list[set[H]]:
    """Communities of the undirected graph given by ``edges`` (every node has an edge),
    listed by their smallest member."""
    pairs = list(edges)
    nodes = sorted_nodes(x for pair in pairs for x in pair)
    if not nodes:
        return []
    index = {node: i for i, node in enumerate(nodes)}
    u = np.fromiter((index[a] for a, _ in pairs), np.int64, len(pairs))
    v = np.fromiter((index[b] for _, b in pairs), np.int64, len(pairs))
    indptr, indices = undirected_csr(len(nodes), u, v)
    labels = communities_of(indptr, indices, seed)
    groups: dict[int, set[H]] = {}
    for node, label in zip(nodes, labels.tolist(), strict=True):
        groups.setdefault(label, set()).add(node)
    return [groups[label] for label in sorted(groups)]
