"""Compiled cheapest-path search for introduction paths: Yen's k shortest loopless paths
over a CSR copy of the contact graph, each search a bidirectional Dijkstra in Numba.

The contact graph is undirected. Two virtual nodes join the query's ends at zero cost:
``S`` (index ``n``) to every source person and every target person to ``T`` (``n + 1``),
so "from any of an organization's people" is one search, and the shared arrays are never
modified (concurrent requests read them at once).

A hop limit is part of the search, not a filter on its results: every edge counts its
introductions in half units (a KNOWS tie 2, each side of a shared affiliation 1), and when
the cheapest path is longer than the limit, the spur is searched again for the cheapest path
*within* it: a bidirectional label-setting search over (node, hops used), each side keeping
only labels no settled one beats on both cost and hops. Every search runs compiled with the
GIL released.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import TypeVar

import networkx as nx
import numpy as np
import numpy.typing as npt
from numba import njit

Path = list[int]
W = TypeVar("W")
BIG = 1 << 40
Workspace = tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.uint8],
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
]
#: the lens searches' state between attempts (see :func:`_grow`)
GrowWorkspace = tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
]


def _fresh_search(n: int) -> Workspace:
    """Search workspaces for ``n`` nodes (the virtual ends included), as every search
    leaves them: dist inf, pred -1, done 0 (per side), banned 0, and room for a path."""
    return (
        np.full((2, n), np.inf),
        np.full((2, n), -1, np.int64),
        np.zeros((2, n), np.uint8),
        np.zeros(n, np.uint8),
        np.empty(n, np.int64),
    )


def _fresh_lens(
    n: int,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Lens workspaces for ``n`` nodes: none allowed, none marked, and the all-allowed mask."""
    marked = np.empty(n + 1, np.int64)
    marked[n] = 0  # how many of its first entries are marked in the lens now
    return np.zeros(n, np.uint8), marked, np.ones(n, np.uint8)


def _fresh_bounded(n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Hop-limited search workspaces for ``n`` nodes: fewest hops ``BIG``, head -1, per side."""
    return np.full((2, n), BIG, np.int64), np.full((2, n), -1, np.int64)


def _fresh_grow(n: int) -> GrowWorkspace:
    """A grow workspace for ``n`` nodes (the virtual ends included), as restored: per node
    [distance from S, from T, place in S's heap, in T's], the heaps' keys and nodes, the
    touched nodes, the counters, the best meeting, and for the restricted searches the same
    rows and heaps."""
    state = np.empty((n, 4))
    state[:, :2], state[:, 2:] = np.inf, -1.0
    within = np.empty((n, 4))
    within[:, :2], within[:, 2:] = np.inf, -1.0
    return (
        state,
        np.empty((2, n)),
        np.empty((2, n), np.int64),
        np.empty(n, np.int64),
        np.zeros(4, np.int64),
        np.full(1, np.inf),
        within,
        np.empty((2, n)),
        np.empty((2, n), np.int64),
    )


@dataclass(frozen=True)
class CsrGraph:
    """An undirected weighted graph as compressed rows: node ``i``'s neighbours are
    ``indices[indptr[i]:indptr[i + 1]]`` at ``cost`` of the same slice."""

    nodes: list[str]
    index: dict[str, int]
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    cost: npt.NDArray[np.float64]
    #: introductions per edge in half units: 2 between two people, 1 to or from a hub
    units: npt.NDArray[np.int64]
    _local: threading.local = field(default_factory=threading.local, compare=False, repr=False)

    def _per_thread(self, name: str, make: Callable[[int], W]) -> W:
        """This thread's workspace ``name``, made by ``make`` (given the node count with
        the virtual ends) on the thread's first use and kept for its later searches."""
        ws: W | None = getattr(self._local, name, None)
        if ws is None:
            ws = make(len(self.nodes) + 2)
            setattr(self._local, name, ws)
        return ws

    def workspace(self) -> Workspace:
        """This thread's search workspaces (dist, pred, done, banned, out), made once per
        thread: every search leaves them as it found them, and filling fresh ones per
        request cost a tenth of a query."""
        return self._per_thread("ws", _fresh_search)

    def lens_workspace(
        self,
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        """This thread's lens workspaces: the nodes a search may use (all 0), the list of
        those marked, and a mask allowing every node (all 1, never written)."""
        return self._per_thread("lens", _fresh_lens)

    def grow_workspace(self) -> GrowWorkspace:
        """This thread's lens-search state (:func:`_grow`), kept between the attempts of
        one query so that a wider lens resumes the narrower one's searches."""
        return self._per_thread("grow", _fresh_grow)

    def bounded_workspace(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """This thread's workspaces for the hop-limited search: the fewest hops settled at
        each node (``BIG``) and its last settled label (-1), per side."""
        return self._per_thread("bounded", _fresh_bounded)

    @classmethod
    def from_graph(cls, g: nx.Graph, weight: str = "cost") -> CsrGraph:
        """Copy ``g`` (one entry per direction of every edge); nodes whose ``kind`` is
        ``hub`` count half an introduction on each side."""
        nodes = list(g)
        index = {v: i for i, v in enumerate(nodes)}
        degree = np.fromiter((len(g._adj[v]) for v in nodes), np.int64, len(nodes))
        indptr = np.zeros(len(nodes) + 1, np.int64)
        np.cumsum(degree, out=indptr[1:])
        total = int(indptr[-1])
        indices = np.fromiter((index[w] for v in nodes for w in g._adj[v]), np.int32, total)
        cost = np.fromiter(
            (d[weight] for v in nodes for d in g._adj[v].values()), np.float64, total
        )
        hub = np.fromiter((g.nodes[v].get("kind") == "hub" for v in nodes), np.bool_, len(nodes))
        rows = np.repeat(np.arange(len(nodes)), degree)
        units = np.where(hub[rows] | hub[indices], 1, 2).astype(np.int64)
        return cls(nodes, index, indptr, indices, cost, units)

    def _place(self, u: int, v: int) -> int | None:
        """Where the edge ``u``-``v`` stands in the compressed rows (IndexError when there
        is none), None for the virtual ends' edges."""
        n = len(self.nodes)
        if u >= n or v >= n:
            return None
        start = int(self.indptr[u])
        at = np.flatnonzero(self.indices[start : self.indptr[u + 1]] == v)
        return start + int(at[0])

    def edge_units(self, u: int, v: int) -> int:
        """Half-introductions of the edge ``u``-``v``, zero for the virtual ends' edges."""
        at = self._place(u, v)
        return 0 if at is None else int(self.units[at])

    def edge_cost(self, u: int, v: int) -> float:
        """Cost of the edge ``u``-``v``, zero for the virtual ends' edges."""
        at = self._place(u, v)
        return 0.0 if at is None else float(self.cost[at])


@njit(cache=True, nogil=True)
def _banned(u: int, v: int, banned_edges: npt.NDArray[np.int64]) -> bool:
    for i in range(banned_edges.shape[0]):
        a, b = banned_edges[i, 0], banned_edges[i, 1]
        if (a == u and b == v) or (a == v and b == u):
            return True
    return False


@njit(cache=True, nogil=True)
def _edge(indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int32], u: int, v: int) -> int:
    """The place of the edge ``u``-``v`` in the CSR arrays (its first, in ``u``'s row), -1
    when either end is a virtual one (or there is no such edge)."""
    n = indptr.shape[0] - 1
    if u < n and v < n:
        for i in range(indptr[u], indptr[u + 1]):
            if indices[i] == v:
                return i
    return -1


@njit(cache=True, nogil=True, inline="always")
def _fan(
    indptr: npt.NDArray[np.int64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    is_source: npt.NDArray[np.uint8],
    is_target: npt.NDArray[np.uint8],
    v: int,
    side: int,
    toward: bool,
    own_ends: bool,
) -> tuple[int, int, bool, int]:
    """The edges ``side``'s search walks out of ``v``, as places ``lo`` to ``end`` for
    :func:`_neighbour`: returns (lo, hi, whether the place at ``hi`` is the edge to T, end).

    For a person, ``lo``..``hi`` is its row of the CSR arrays, then come its edges to the
    virtual ends, T's before S's; for S or T, the people it joins (``lo`` = ``hi`` = 0).
    With ``toward``, a person's edge to an end is walked only toward the far end of
    ``side`` (to T going forward from S, to S going backward from T); with ``own_ends``,
    S's and T's edges only from the end ``side`` started at.
    """
    n = indptr.shape[0] - 1
    if v < n:
        lo, hi = indptr[v], indptr[v + 1]
        to_t = (side == 0 or not toward) and is_target[v] == 1
        to_s = (side == 1 or not toward) and is_source[v] == 1
        return lo, hi, to_t, hi + (1 if to_t else 0) + (1 if to_s else 0)
    if v == n:
        ends = sources.shape[0] if side == 0 or not own_ends else 0
    else:
        ends = targets.shape[0] if side == 1 or not own_ends else 0
    return 0, 0, False, ends


@njit(cache=True, nogil=True, inline="always")
def _neighbour(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    v: int,
    hi: int,
    to_t: bool,
    i: int,
) -> tuple[int, float, int]:
    """The edge at place ``i`` out of ``v`` (see :func:`_fan`): (the node it leads to, its
    cost, its place in the CSR arrays or -1 for a virtual end's edge, which costs 0)."""
    n = indptr.shape[0] - 1
    if i < hi:
        return int(indices[i]), cost[i], i
    if v == n:
        return int(sources[i]), 0.0, -1
    if v == n + 1:
        return int(targets[i]), 0.0, -1
    return (n + 1 if to_t and i == hi else n), 0.0, -1


@njit(cache=True, nogil=True)
def _search(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    is_source: npt.NDArray[np.uint8],
    is_target: npt.NDArray[np.uint8],
    start: int,
    banned_nodes: npt.NDArray[np.uint8],
    allowed: npt.NDArray[np.uint8],
    banned_edges: npt.NDArray[np.int64],
    dist: npt.NDArray[np.float64],
    pred: npt.NDArray[np.int64],
    done: npt.NDArray[np.uint8],
    out: npt.NDArray[np.int64],
    limit: float,
) -> tuple[float, int]:
    """Cheapest ``start`` -> T path avoiding what is banned (and every node not
    ``allowed``) and costing less than ``limit``; writes it into ``out`` and returns
    (cost, length), length 0 if there is none.

    ``dist``/``pred``/``done`` are workspaces of shape (2, n + 2) holding inf / -1 / 0,
    restored before returning. The search alternates sides and stops once the two
    fringes' minima add up to at least the best meeting found.
    """
    goal = indptr.shape[0]  # T, index n + 1
    touched = [start, goal]
    dist[0, start] = 0.0
    dist[1, goal] = 0.0
    heap0 = [(0.0, start)]
    heap1 = [(0.0, goal)]
    best = limit  # nothing at or above it is wanted: the search may stop there
    meet = -1
    while len(heap0) > 0 and len(heap1) > 0:
        if heap0[0][0] + heap1[0][0] >= best:
            break
        side = 0 if heap0[0][0] <= heap1[0][0] else 1
        d, v = heapq.heappop(heap0) if side == 0 else heapq.heappop(heap1)
        if done[side, v] == 1:
            continue
        done[side, v] = 1
        other = 1 - side
        # v's neighbours: its row of the contact graph, then the virtual ends' edges
        lo, hi, to_t, end = _fan(
            indptr, sources, targets, is_source, is_target, v, side, True, False
        )
        for i in range(lo, end):
            w, c, _ = _neighbour(indptr, indices, cost, sources, targets, v, hi, to_t, i)
            if banned_nodes[w] == 1 or allowed[w] == 0 or done[side, w] == 1:
                continue
            if banned_edges.shape[0] > 0 and _banned(v, w, banned_edges):
                continue
            vw = d + c
            if vw < dist[side, w]:
                if dist[0, w] == np.inf and dist[1, w] == np.inf:
                    touched.append(w)
                dist[side, w] = vw
                pred[side, w] = v
                if side == 0:
                    heapq.heappush(heap0, (vw, w))
                else:
                    heapq.heappush(heap1, (vw, w))
                if dist[other, w] < np.inf and vw + dist[other, w] < best:
                    best = vw + dist[other, w]
                    meet = w
    length = 0
    if meet >= 0:
        # start ... meet from the forward side, then meet ... goal from the backward side
        node = meet
        while node != -1:
            out[length] = node
            length += 1
            node = pred[0, node]
        out[:length] = out[:length][::-1].copy()
        node = meet
        while node != goal:
            node = pred[1, node]
            out[length] = node
            length += 1
    for v in touched:
        dist[0, v] = np.inf
        dist[1, v] = np.inf
        pred[0, v] = -1
        pred[1, v] = -1
        done[0, v] = 0
        done[1, v] = 0
    return best, length


@njit(cache=True, nogil=True)
def _search_bounded(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    units: npt.NDArray[np.int64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    is_source: npt.NDArray[np.uint8],
    is_target: npt.NDArray[np.uint8],
    start: int,
    banned_nodes: npt.NDArray[np.uint8],
    allowed: npt.NDArray[np.uint8],
    banned_edges: npt.NDArray[np.int64],
    fewest: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    out: npt.NDArray[np.int64],
    budget: int,
    limit: float,
) -> tuple[float, int]:
    """Cheapest ``start`` -> T path of at most ``budget`` half-introductions costing less
    than ``limit`` over ``allowed`` nodes; writes it into ``out`` and returns (cost,
    length), length 0 if none.

    A bidirectional label-setting search: each side settles labels (cost, half-hops) in
    cost order; a label at a node where its side already settled one with no more hops is
    dominated. Settled labels of a node are chained from ``head`` (fewest hops last), and
    every relaxation is checked against the other side's settled labels at its far end, so
    the search can stop once the two fringes' minima add up to the best meeting.
    ``fewest`` (shape (2, n + 2), ``BIG``) and ``head`` (shape (2, n + 2), -1) are
    workspaces, restored before returning.
    """
    t_node = indptr.shape[0]  # index n + 1
    # labels of both sides in one set of lists: node, cost, hops, predecessor, and the
    # previous settled label at the same node (same side)
    lab_node = [start, t_node]
    lab_cost = [0.0, 0.0]
    lab_hops = [0, 0]
    lab_pred = [-1, -1]
    lab_prev = [-1, -1]
    heap0 = [(0.0, 0, 0)]
    heap1 = [(0.0, 0, 1)]
    touched = [start, t_node]
    best = limit
    meet_f, meet_b = -1, -1
    while len(heap0) > 0 and len(heap1) > 0:
        if heap0[0][0] + heap1[0][0] >= best:
            break
        side = 0 if heap0[0][0] <= heap1[0][0] else 1
        d, h, li = heapq.heappop(heap0) if side == 0 else heapq.heappop(heap1)
        v = lab_node[li]
        if h >= fewest[side, v]:
            continue
        if fewest[0, v] == BIG and fewest[1, v] == BIG:
            touched.append(v)
        fewest[side, v] = h
        lab_prev[li] = head[side, v]
        head[side, v] = li
        other = 1 - side
        # v's neighbours: its row, the virtual ends' edges, the edge to the end it touches
        lo, hi, to_t, end = _fan(
            indptr, sources, targets, is_source, is_target, v, side, True, True
        )
        for i in range(lo, end):
            w, c, e = _neighbour(indptr, indices, cost, sources, targets, v, hi, to_t, i)
            u = int(units[e]) if e >= 0 else 0
            if banned_nodes[w] == 1 or allowed[w] == 0:
                continue
            hw = h + u
            if hw > budget:
                continue
            if banned_edges.shape[0] > 0 and _banned(v, w, banned_edges):
                continue
            dw = d + c
            k = head[other, w]
            while k >= 0:  # meet the other side's settled labels at w
                if hw + lab_hops[k] <= budget and dw + lab_cost[k] < best:
                    best = dw + lab_cost[k]
                    meet_f, meet_b = (li, k) if side == 0 else (k, li)
                k = lab_prev[k]
            if dw >= best or hw >= fewest[side, w]:
                continue
            lab_node.append(w)
            lab_cost.append(dw)
            lab_hops.append(hw)
            lab_pred.append(li)
            lab_prev.append(-1)
            if side == 0:
                heapq.heappush(heap0, (dw, hw, len(lab_node) - 1))
            else:
                heapq.heappush(heap1, (dw, hw, len(lab_node) - 1))
    length = 0
    if meet_f >= 0:
        li = meet_f
        while li >= 0:
            out[length] = lab_node[li]
            length += 1
            li = lab_pred[li]
        out[:length] = out[:length][::-1].copy()
        li = meet_b
        while li >= 0:
            out[length] = lab_node[li]
            length += 1
            li = lab_pred[li]
    for v in touched:
        fewest[0, v] = BIG
        fewest[1, v] = BIG
        head[0, v] = -1
        head[1, v] = -1
    return best, length


@njit(cache=True, nogil=True)
def _sift_up(
    key: npt.NDArray[np.float64],
    node: npt.NDArray[np.int64],
    state: npt.NDArray[np.float64],
    side: int,
    i: int,
) -> None:
    """Move entry ``i`` of ``side``'s indexed binary heap up to its place (each node's
    heap position is kept in ``state[node, 2 + side]``)."""
    k, v = key[side, i], node[side, i]
    while i > 0:
        parent = (i - 1) >> 1
        if key[side, parent] <= k:
            break
        key[side, i] = key[side, parent]
        node[side, i] = node[side, parent]
        state[node[side, i], 2 + side] = i
        i = parent
    key[side, i] = k
    node[side, i] = v
    state[v, 2 + side] = i


@njit(cache=True, nogil=True)
def _pop(
    key: npt.NDArray[np.float64],
    node: npt.NDArray[np.int64],
    state: npt.NDArray[np.float64],
    side: int,
    size: int,
) -> tuple[float, int]:
    """Remove and return the least (key, node) of ``side``'s heap of ``size`` entries,
    marking the node settled (position -2)."""
    top_k, top_v = key[side, 0], node[side, 0]
    state[top_v, 2 + side] = -2.0
    size -= 1
    if size > 0:
        k, v = key[side, size], node[side, size]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= size:
                break
            if c + 1 < size and key[side, c + 1] < key[side, c]:
                c += 1
            if key[side, c] >= k:
                break
            key[side, i] = key[side, c]
            node[side, i] = node[side, c]
            state[node[side, i], 2 + side] = i
            i = c
        key[side, i] = k
        node[side, i] = v
        state[v, 2 + side] = i
    return top_k, top_v


@njit(cache=True, nogil=True)
def _lower(
    key: npt.NDArray[np.float64],
    node: npt.NDArray[np.int64],
    state: npt.NDArray[np.float64],
    side: int,
    size: int,
    w: int,
    d: float,
) -> int:
    """Give ``w`` the distance ``d`` from ``side``'s end (``state[w, side]``) and its
    place in that side's indexed heap of ``size`` entries, pushed or moved up; returns the
    heap's new size."""
    state[w, side] = d
    at = state[w, 2 + side]
    if at < 0:
        at = size
        size += 1
        node[side, int(at)] = w
    key[side, int(at)] = d
    _sift_up(key, node, state, side, int(at))
    return size


@njit(cache=True, nogil=True)
def _grow(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    is_source: npt.NDArray[np.uint8],
    is_target: npt.NDArray[np.uint8],
    state: npt.NDArray[np.float64],
    hkey: npt.NDArray[np.float64],
    hnode: npt.NDArray[np.int64],
    gtouched: npt.NDArray[np.int64],
    gint: npt.NDArray[np.int64],
    gbest: npt.NDArray[np.float64],
    within: npt.NDArray[np.float64],
    wkey: npt.NDArray[np.float64],
    wnode: npt.NDArray[np.int64],
    allowed: npt.NDArray[np.uint8],
    marked: npt.NDArray[np.int64],
    margin: float,
    floor: float,
    cap: int,
) -> tuple[float, float, int]:
    """Mark in ``allowed`` (and list in ``marked``) every node that can lie on an S -> T
    path costing less than ``M`` = C + max(``margin`` × C, ``floor``), C the cheapest such
    path; returns (C, M, nodes marked), C ``inf`` when T cannot be reached, and -1 marked
    when more than ``cap`` nodes had to be settled.

    Two Dijkstra searches grow from S and T (the smaller fringe first) until their radii
    add up to ``M``. A node on a path cheaper than ``M`` has distances from S and T adding
    up to less than ``M``; a node one search did not settle is at least that search's
    radius away. So the nodes whose known distances (or the radius, where not known) add
    up to less than ``M`` hold every path that can still matter, and a handful of them is
    all Yen's spur searches need to look at.

    The two searches live in the grow workspace (see :meth:`CsrGraph.grow_workspace`:
    per node its distance from S and from T and its place in either heap, -1 none, -2
    settled, in one row so that a relaxation reads one cache line; ``gint`` holds the count
    of touched nodes, the two heaps' sizes and the nodes settled) and are *resumed* by the
    next call: a wider lens only settles the nodes the narrower one had not reached.
    :func:`_grow_reset` restores the workspace; ``within`` is restored here.
    """
    n = indptr.shape[0] - 1
    s_node, t_node = n, n + 1
    if gint[0] == 0:  # a fresh start: S and T on their heaps
        gtouched[0], gtouched[1] = s_node, t_node
        state[s_node, 0] = 0.0
        state[t_node, 1] = 0.0
        hkey[0, 0], hnode[0, 0], state[s_node, 2] = 0.0, s_node, 0.0
        hkey[1, 0], hnode[1, 0], state[t_node, 3] = 0.0, t_node, 0.0
        gint[0], gint[1], gint[2], gint[3] = 2, 1, 1, 0
        gbest[0] = np.inf
    best = gbest[0]
    ntouched, size0, size1, settled = gint[0], gint[1], gint[2], gint[3]
    while True:
        top0 = hkey[0, 0] if size0 > 0 else np.inf
        top1 = hkey[1, 0] if size1 > 0 else np.inf
        if top0 + top1 >= best + max(margin * best, floor):
            break
        if top0 == np.inf or top1 == np.inf:
            break
        if settled > cap:
            break
        side = 0 if size0 <= size1 else 1
        if side == 0:
            d, v = _pop(hkey, hnode, state, 0, size0)
            size0 -= 1
        else:
            d, v = _pop(hkey, hnode, state, 1, size1)
            size1 -= 1
        settled += 1
        other = 1 - side
        lo, hi, to_t, end = _fan(
            indptr, sources, targets, is_source, is_target, v, side, True, False
        )
        for i in range(lo, end):
            w, c, _ = _neighbour(indptr, indices, cost, sources, targets, v, hi, to_t, i)
            at = state[w, 2 + side]
            if at == -2.0:
                continue
            vw = d + c
            if vw < state[w, side]:
                if state[w, 0] == np.inf and state[w, 1] == np.inf:
                    gtouched[ntouched] = w
                    ntouched += 1
                if side == 0:
                    size0 = _lower(hkey, hnode, state, 0, size0, w, vw)
                else:
                    size1 = _lower(hkey, hnode, state, 1, size1, w, vw)
                if state[w, other] + vw < best:
                    best = state[w, other] + vw
    gint[0], gint[1], gint[2], gint[3] = ntouched, size0, size1, settled
    gbest[0] = best
    top0 = hkey[0, 0] if size0 > 0 else np.inf
    top1 = hkey[1, 0] if size1 > 0 else np.inf
    bound = best + max(margin * best, floor)
    if settled > cap:
        return best, bound, -1
    count = 0
    for i in range(ntouched):
        v = gtouched[i]
        done0, done1 = state[v, 2] == -2.0, state[v, 3] == -2.0
        low0 = state[v, 0] if done0 else top0
        low1 = state[v, 1] if done1 else top1
        if (done0 or done1) and low0 + low1 < bound:
            allowed[v] = 1
            marked[count] = v
            count += 1
    if count <= 0:
        return best, bound, count
    # A path cheaper than the bound uses only marked nodes, so distances measured over
    # them alone still add up to less than the bound along it: keep only those nodes.
    for side in range(2):
        _within(
            indptr, indices, cost, sources, targets, is_source, is_target, allowed, side, bound,
            within, wkey, wnode,
        )
    kept = 0
    for i in range(count):  # only marked nodes (and S, T) were reached: restore those
        v = marked[i]
        if within[v, 2] == -2.0 and within[v, 3] == -2.0 and within[v, 0] + within[v, 1] < bound:
            marked[kept] = v
            kept += 1
        else:
            allowed[v] = 0
        within[v, 0], within[v, 1], within[v, 2], within[v, 3] = np.inf, np.inf, -1.0, -1.0
    for v in (s_node, t_node):
        within[v, 0], within[v, 1], within[v, 2], within[v, 3] = np.inf, np.inf, -1.0, -1.0
    marked[marked.shape[0] - 1] = kept  # recorded here, where nothing can interrupt
    return best, bound, kept


@njit(cache=True, nogil=True)
def _grow_reset(
    state: npt.NDArray[np.float64],
    gtouched: npt.NDArray[np.int64],
    gint: npt.NDArray[np.int64],
    gbest: npt.NDArray[np.float64],
) -> None:
    """Restore a grow workspace after (or instead of) the searches :func:`_grow` left."""
    for i in range(gint[0]):
        v = gtouched[i]
        state[v, 0], state[v, 1], state[v, 2], state[v, 3] = np.inf, np.inf, -1.0, -1.0
    gint[:] = 0
    gbest[0] = np.inf


def _lens(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    is_source: npt.NDArray[np.uint8],
    is_target: npt.NDArray[np.uint8],
    dist: npt.NDArray[np.float64],
    done: npt.NDArray[np.uint8],
    allowed: npt.NDArray[np.uint8],
    marked: npt.NDArray[np.int64],
    margin: float,
    floor: float,
    cap: int,
) -> tuple[float, float, int]:
    """One lens on its own: :func:`_grow` from a fresh workspace, discarded after
    (``dist`` and ``done`` are not needed and left as they are)."""
    grow = _fresh_grow(indptr.shape[0] + 1)
    return _grow(
        indptr, indices, cost, sources, targets, is_source, is_target, *grow, allowed,
        marked, margin, floor, cap,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _within(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    is_source: npt.NDArray[np.uint8],
    is_target: npt.NDArray[np.uint8],
    allowed: npt.NDArray[np.uint8],
    side: int,
    bound: float,
    within: npt.NDArray[np.float64],
    wkey: npt.NDArray[np.float64],
    wnode: npt.NDArray[np.int64],
) -> None:
    """Distances from S (``side`` 0) or T (1) over ``allowed`` nodes only, up to ``bound``,
    into ``within[:, side]``; ``within[:, 2 + side]`` holds each node's place in the heap
    (``wkey``/``wnode``), -1 none, -2 settled."""
    n = indptr.shape[0] - 1
    s_node, t_node = n, n + 1
    begin = s_node if side == 0 else t_node
    within[begin, side] = 0.0
    wkey[side, 0], wnode[side, 0], within[begin, 2 + side] = 0.0, begin, 0.0
    size = 1
    while size > 0 and wkey[side, 0] < bound:
        d, v = _pop(wkey, wnode, within, side, size)
        size -= 1
        # the edges to the virtual ends, both ways
        lo, hi, to_t, end = _fan(
            indptr, sources, targets, is_source, is_target, v, side, False, False
        )
        for i in range(lo, end):
            w, c, _ = _neighbour(indptr, indices, cost, sources, targets, v, hi, to_t, i)
            if allowed[w] == 0:
                continue
            at = within[w, 2 + side]
            vw = d + c
            if at == -2.0 or vw >= within[w, side]:
                continue
            size = _lower(wkey, wnode, within, side, size, w, vw)


@njit(cache=True, nogil=True)
def _spur(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    units: npt.NDArray[np.int64],
    sources: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    is_source: npt.NDArray[np.uint8],
    is_target: npt.NDArray[np.uint8],
    start: int,
    root: npt.NDArray[np.int64],
    banned_nodes: npt.NDArray[np.uint8],
    allowed: npt.NDArray[np.uint8],
    banned_edges: npt.NDArray[np.int64],
    dist: npt.NDArray[np.float64],
    pred: npt.NDArray[np.int64],
    done: npt.NDArray[np.uint8],
    fewest: npt.NDArray[np.int64],
    head: npt.NDArray[np.int64],
    out: npt.NDArray[np.int64],
    limit: float,
    budget: int,
) -> tuple[float, int, bool]:
    """One spur search of Yen's algorithm, compiled from end to end: the cheapest
    ``start`` -> T path avoiding the ``root`` nodes and the banned edges, costing less than
    ``limit``; when ``budget`` >= 0 and that path has more half-introductions, the cheapest
    one within the budget instead. Writes the path into ``out``; returns (cost, length,
    whether a cheaper path was passed over for its length), length 0 if there is none.
    ``banned_nodes`` is marked and unmarked here, where nothing can interrupt."""
    for v in root:
        banned_nodes[v] = 1
    best, length = _search(
        indptr, indices, cost, sources, targets, is_source, is_target, start, banned_nodes,
        allowed, banned_edges, dist, pred, done, out, limit,
    )  # fmt: skip
    cut = False
    if length > 0 and budget >= 0:
        used = 0
        for j in range(1, length):
            e = _edge(indptr, indices, out[j - 1], out[j])
            if e >= 0:
                used += units[e]
        if used > budget:
            cut = True
            best, length = _search_bounded(
                indptr, indices, cost, units, sources, targets, is_source, is_target, start,
                banned_nodes, allowed, banned_edges, fewest, head, out, budget, limit,
            )  # fmt: skip
    for v in root:
        banned_nodes[v] = 0
    return best, length, cut


@njit(cache=True, nogil=True)
def _prefix_sums(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    cost: npt.NDArray[np.float64],
    units: npt.NDArray[np.int64],
    path: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Cost and half-introductions of ``path[: j + 1]`` for every ``j``, summed edge by
    edge from the start (the virtual ends' edges cost nothing and count no hop)."""
    costs = np.zeros(path.shape[0])
    hops = np.zeros(path.shape[0], np.int64)
    for j in range(1, path.shape[0]):
        e = _edge(indptr, indices, path[j - 1], path[j])
        c, h = (cost[e], units[e]) if e >= 0 else (0.0, 0)
        costs[j] = costs[j - 1] + c
        hops[j] = hops[j - 1] + h
    return costs, hops


class PathSearch:
    """One query's sources and targets over a shared :class:`CsrGraph`, with its own
    workspaces (one per request: searches never share mutable state)."""

    def __init__(
        self,
        csr: CsrGraph,
        sources: list[str],
        targets: list[str],
        max_hops: int | None = None,
    ) -> None:
        self.csr = csr
        #: the hop limit in half-introductions (None: no limit)
        self.budget = None if max_hops is None else 2 * max_hops
        #: whether a cheaper path was passed over for being longer than the limit
        self.cut = False
        n = len(csr.nodes)
        self.n = n
        self.source = n
        self.target = n + 1
        self.sources = np.array(sorted({csr.index[p] for p in sources if p in csr.index}), np.int64)
        self.targets = np.array(sorted({csr.index[p] for p in targets if p in csr.index}), np.int64)
        self.is_source = np.zeros(n + 2, np.uint8)
        self.is_source[self.sources] = 1
        self.is_target = np.zeros(n + 2, np.uint8)
        self.is_target[self.targets] = 1
        self.dist, self.pred, self.done, self.banned, self.out = csr.workspace()
        self.lens, self.marked, self.everywhere = csr.lens_workspace()
        self.bounded = csr.bounded_workspace()
        #: the nodes the searches may use: all of them, or the lens of one attempt
        self.allowed = self.everywhere

    def cheapest(
        self,
        start: int,
        banned_nodes: Path | npt.NDArray[np.int64],
        banned_edges: list[tuple[int, int]],
        limit: float = np.inf,
        budget: int | None = None,
    ) -> tuple[float, Path] | None:
        """The cheapest ``start`` -> T path that avoids the banned nodes and edges, costs
        less than ``limit`` and has at most ``budget`` half-introductions."""
        fewest, head = self.bounded
        c = self.csr
        best, length, cut = _spur(
            c.indptr,
            c.indices,
            c.cost,
            c.units,
            self.sources,
            self.targets,
            self.is_source,
            self.is_target,
            start,
            np.asarray(banned_nodes, np.int64),
            self.banned,
            self.allowed,
            np.array(banned_edges, np.int64).reshape(-1, 2),
            self.dist,
            self.pred,
            self.done,
            fewest,
            head,
            self.out,
            limit,
            -1 if budget is None else budget,
        )
        self.cut = self.cut or cut
        if length == 0:
            return None
        return float(best), self.out[:length].tolist()

    def prefix_sums(self, path: Path) -> tuple[list[float], list[int]]:
        """Cost and half-introductions of ``path[: j + 1]`` for every ``j``."""
        c = self.csr
        costs, hops = _prefix_sums(c.indptr, c.indices, c.cost, c.units, np.array(path, np.int64))
        return costs.tolist(), hops.tolist()

    def path_units(self, path: Path) -> int:
        """Half-introductions along ``path``."""
        return self.prefix_sums(path)[1][-1]

    def path_cost(self, path: Path) -> float:
        """Cost of ``path``, summed edge by edge from its start."""
        return self.prefix_sums(path)[0][-1]

    @staticmethod
    def _limit(candidates: list[tuple[float, int, Path]], need: int, root_cost: float) -> float:
        """What a spur path may cost at most and still matter: once ``need`` candidates
        wait, a dearer one would never be chosen (it would also lose every tie, coming
        later), so its search can stop at that cost. A hair of slack absorbs rounding."""
        if len(candidates) < need:
            return float(np.inf)
        worst = heapq.nsmallest(need, candidates)[-1][0]
        return worst - root_cost + 1e-9

    #: the first lens holds every path up to this share (and at least FLOOR) dearer than
    #: the cheapest; each attempt that finds fewer than k paths in it widens it WIDEN times
    MARGIN = 0.08
    FLOOR = 0.05
    WIDEN = 1.7
    ATTEMPTS = 6

    def k_cheapest(self, k: int) -> list[tuple[float, Path]]:
        """Yen's k shortest loopless S -> T paths within the hop limit, cheapest first.

        Yen's algorithm runs first inside a *lens* (:func:`_grow`): the few nodes that can
        lie on a path costing less than the cheapest plus a margin. When it finds k paths
        there, no path outside could be cheaper than any of them, so they are the answer;
        otherwise the lens is widened (its two searches resumed where they stopped), and
        after a few attempts the search runs over the whole graph. On 100,000 people the lens is typically tens of nodes where the spur
        searches would have explored thousands each.
        """
        csr = self.csr
        margin, floor = self.MARGIN, self.FLOOR
        cap = max(4096, len(csr.nodes) // 8)
        self._clear_lens()  # in case a stopped request left one
        grow = csr.grow_workspace()
        _grow_reset(grow[0], *grow[3:6])  # likewise its lens searches
        try:
            for _ in range(self.ATTEMPTS):
                cheapest, bound, marked = _grow(
                    csr.indptr,
                    csr.indices,
                    csr.cost,
                    self.sources,
                    self.targets,
                    self.is_source,
                    self.is_target,
                    *grow,
                    self.lens,
                    self.marked,
                    margin,
                    floor,
                    cap,
                )
                if cheapest == np.inf:
                    self._clear_lens()
                    return []  # no path at all
                if marked < 0:
                    break  # the lens would be most of the graph: search all of it
                self.allowed = self.lens
                try:
                    self.cut = False
                    found = self._yen(k, bound)
                finally:
                    self._clear_lens()
                    self.allowed = self.everywhere
                if len(found) == k and found[-1][0] < bound - 1e-9:
                    return found
                margin, floor = margin * self.WIDEN, floor * self.WIDEN
        finally:
            _grow_reset(grow[0], *grow[3:6])
        self.cut = False
        return self._yen(k, np.inf)

    def _clear_lens(self) -> None:
        """Unmark the lens, which :func:`_grow` recorded itself: a request stopped between
        two attempts (:class:`api.work.WorkCancelled`) leaves none behind for the next."""
        count = int(self.marked[-1])
        self.lens[self.marked[:count]] = 0
        self.marked[-1] = 0

    def _yen(self, k: int, bound: float) -> list[tuple[float, Path]]:
        """Yen's k shortest loopless S -> T paths costing less than ``bound``, within the
        hop limit, over the nodes ``allowed``."""
        first = self.cheapest(self.source, [], [], bound, budget=self.budget)
        if first is None:
            return []
        found = [first]
        seen = {tuple(first[1])}
        candidates: list[tuple[float, int, Path]] = []
        tie = count()
        while len(found) < k:
            _, last = found[-1]
            # cost and half-introductions of last[: j + 1], summed as path_cost sums
            prefix, used = self.prefix_sums(last)
            along = np.array(last, np.int64)
            for j in range(len(last) - 1):
                spur, root = last[j], last[: j + 1]
                banned_edges = [
                    (p[j], p[j + 1]) for _, p in found if p[: j + 1] == root and len(p) > j + 1
                ]
                root_cost = prefix[j]
                spur_path = self.cheapest(
                    spur,
                    along[:j],  # root[:-1]
                    banned_edges,
                    min(self._limit(candidates, k - len(found), root_cost), bound - root_cost),
                    None if self.budget is None else self.budget - used[j],
                )
                if spur_path is None:
                    continue
                path = root[:-1] + spur_path[1]
                if tuple(path) in seen:
                    continue
                seen.add(tuple(path))
                heapq.heappush(candidates, (root_cost + spur_path[0], next(tie), path))
            if not candidates:
                break
            cost, _, path = heapq.heappop(candidates)
            found.append((cost, path))
        return found
