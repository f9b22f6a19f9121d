"""Search by name across every entity type, fast enough to answer each keystroke.

One index per projection (built on first use, kept while the projection lives): every word
of every name, sorted, so a prefix is found by bisection instead of a scan of all nodes
(100,000 entities: a scan took ~60 ms a keystroke, the index well under a millisecond).
"""

from __future__ import annotations

import re
import threading
import weakref
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

WORD = re.compile(r"\w+", re.UNICODE)
#: at most this many index entries are read per query (a one-letter prefix matches many)
SCAN_LIMIT = 4_000


@dataclass(frozen=True)
class Hit:
    """One entity found: what the page shows and links to."""

    id: str
    name: str
    label: str


class SearchIndex:
    """Sorted name words of one projection, for prefix search as you type."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        pairs: list[tuple[str, str]] = []
        self.names: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.rank: dict[str, int] = {}
        for node, data in graph.nodes(data=True):
            name = str(data.get("name") or node)
            self.names[node] = name
            self.labels[node] = str(data.get("label", ""))
            self.rank[node] = graph.degree(node)
            key = node.casefold()
            words = set(WORD.findall(name.casefold())) | set(WORD.findall(key)) | {key}
            pairs += [(w, node) for w in words]
        pairs.sort()
        self.words = [w for w, _ in pairs]
        self.nodes = [n for _, n in pairs]

    def search(
        self, query: str, *, limit: int = 10, allowed: Callable[[str], bool] = lambda n: True
    ) -> list[Hit]:
        """Entities whose name has a word starting with each word of ``query`` (an id
        matches too): names starting with the query first, then the best connected."""
        terms = WORD.findall(query.casefold())
        if not terms:
            return []
        first, rest = max(terms, key=len), terms
        start = bisect_left(self.words, first)
        found: dict[str, None] = {}
        for i in range(start, min(len(self.words), start + SCAN_LIMIT)):
            if not self.words[i].startswith(first):
                break
            found[self.nodes[i]] = None
        whole = query.strip().casefold()
        hits = []
        for node in found:
            name = self.names[node].casefold()
            words = WORD.findall(name) + WORD.findall(node.casefold())
            if not all(any(w.startswith(t) for w in words) for t in rest):
                continue
            if not allowed(node):
                continue
            hits.append(node)
        hits.sort(key=lambda n: (not self.names[n].casefold().startswith(whole), -self.rank[n], n))
        return [Hit(n, self.names[n], self.labels[n]) for n in hits[:limit]]


_indexes: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[object, SearchIndex]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def index_for(graph: nx.MultiDiGraph) -> SearchIndex:
    """The search index of this projection at its version, built once per version (a
    projection that is changed in place moves its version, so an index never goes stale)."""
    version = graph.graph.get("version")
    with _lock:
        found = _indexes.get(graph)
    if found is None or found[0] != version:
        found = (version, SearchIndex(graph))
        with _lock:
            _indexes[graph] = found
    return found[1]
