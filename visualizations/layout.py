"""A force-directed layout computed before the page is sent, for maps too large for the
browser's physics: Fruchterman-Reingold, all pairs, compiled with Numba.

NetworkX's ``spring_layout`` took about 8 s for 2,000 nodes; this takes well under one.
Maps keep at most a few thousand nodes (larger graphs are reduced first), so the exact
all-pairs repulsion is affordable and needs no approximation.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
from numba import njit


@njit(cache=True, nogil=True)
def _fruchterman_reingold(
    pos: npt.NDArray[np.float64],
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int64],
    iterations: int,
) -> None:
    n = pos.shape[0]
    k = 1.0 / np.sqrt(n)  # the ideal distance in the unit square
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    disp = np.zeros((n, 2))
    for _ in range(iterations):
        disp[:] = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                d2 = max(dx * dx + dy * dy, 1e-9)
                f = k * k / d2  # repulsion k^2/d along the unit vector
                disp[i, 0] += dx * f
                disp[i, 1] += dy * f
                disp[j, 0] -= dx * f
                disp[j, 1] -= dy * f
        for i in range(n):
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                d = np.sqrt(dx * dx + dy * dy)
                disp[i, 0] -= dx * d / k  # attraction d^2/k along the unit vector
                disp[i, 1] -= dy * d / k
        for i in range(n):
            length = max(np.sqrt(disp[i, 0] ** 2 + disp[i, 1] ** 2), 1e-9)
            step = min(length, temperature) / length
            pos[i, 0] += disp[i, 0] * step
            pos[i, 1] += disp[i, 1] * step
        temperature -= cooling


def force_layout(
    g: nx.Graph, *, scale: float = 1.0, iterations: int = 80, seed: int = 7
) -> dict[Any, tuple[float, float]]:
    """Positions of every node of ``g`` centred on 0 within ``[-scale, scale]``; the same
    graph and seed give the same picture."""
    nodes = list(g)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {v: i for i, v in enumerate(nodes)}
    rows = [[index[w] for w in g[v] if w != v] for v in nodes]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.fromiter((j for r in rows for j in r), np.int64, int(indptr[-1]))
    pos = np.random.default_rng(seed).random((n, 2))
    _fruchterman_reingold(pos, indptr, indices, iterations)
    pos -= pos.mean(axis=0)
    extent = float(np.abs(pos).max()) or 1.0
    pos *= scale / extent
    return {v: (float(pos[i, 0]), float(pos[i, 1])) for i, v in enumerate(nodes)}
