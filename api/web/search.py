"""Search by name across every entity type, fast enough to answer each keystroke.

Names are compared folded (case and accents: "lefevre" finds Lefèvre), and an entity's
other names (``aliases``: a former name, a spelling met in an import) find it too.

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
from datetime import date

import networkx as nx

from graph.dates import period_end
from loaders.names import aliases_of, fold

WORD = re.compile(r"\w+", re.UNICODE)
#: at most this many index entries are read per query (a one-letter prefix matches many;
#: within one word the best connected come first, so those are the ones read)
SCAN_LIMIT = 1_500
#: sorts after every character a name can hold, to find where a prefix's range ends
_END = "\U0010ffff"


@dataclass(frozen=True)
class Hit:
    """One entity found: what the page shows and links to."""

    id: str
    name: str
    label: str


def describe(graph: nx.MultiDiGraph, node: str, allowed: Callable[[str], bool]) -> str:
    """A few words that tell namesakes apart: where a person works ("at Acme, Beta"), or
    worked when no job is current ("formerly at Acme"); an organization's country. Only
    what ``allowed`` lets the key see is named."""
    data = graph.nodes[node]
    if data.get("label") == "Organization":
        return str(data.get("country") or "")
    if data.get("label") != "Person":
        return ""
    today = date.today()
    now: dict[str, str] = {}
    before: dict[str, str] = {}
    for _, org, tie in graph.out_edges(node, data=True):
        if tie.get("type") != "WORKS_AT" or not allowed(org):
            continue
        name = str(graph.nodes[org].get("name") or org)
        until = str(tie.get("until") or "")
        (before if until and period_end(until) < today else now)[org] = name
    names = sorted(set((now or before).values()))
    if not names:
        return ""
    shown = ", ".join(names if len(names) <= 3 else names[:2])
    if len(names) > 3:
        shown += f" and {len(names) - 2} more"
    return ("at " if now else "formerly at ") + shown


class SearchIndex:
    """Sorted name words of one projection, for prefix search as you type."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        pairs: list[tuple[str, str]] = []
        self.names: dict[str, str] = {}
        self.folded: dict[str, str] = {}
        self.tokens: dict[str, tuple[str, ...]] = {}
        self.labels: dict[str, str] = {}
        self.rank: dict[str, int] = {}
        for node, data in graph.nodes(data=True):
            name = str(data.get("name") or node)
            key = node.casefold()
            self.names[node] = name
            self.folded[node] = fold(name)
            self.labels[node] = str(data.get("label", ""))
            self.rank[node] = graph.degree(node)
            words = set(WORD.findall(self.folded[node])) | set(WORD.findall(key)) | {key}
            for alias in aliases_of(data):  # a former name finds the entity as it is now
                words |= set(WORD.findall(fold(alias)))
            self.tokens[node] = tuple(words)
            pairs += [(w, node) for w in words]
        rank = self.rank
        pairs.sort(key=lambda p: (p[0], -rank[p[1]], p[1]))
        self.words = [w for w, _ in pairs]
        self.nodes = [n for _, n in pairs]

    def search(
        self, query: str, *, limit: int = 10, allowed: Callable[[str], bool] = lambda n: True
    ) -> list[Hit]:
        """Entities whose name has a word starting with each word of ``query`` (an id
        matches too): names starting with the query first, then the best connected.

        At most ``SCAN_LIMIT`` index entries are read for the longest word of the query, so
        a keystroke costs the same however large the graph is."""
        terms = WORD.findall(fold(query))
        if not terms:
            return []
        words, nodes = self.words, self.nodes
        # read the rarest word's entries, check the others on what it found
        spans = {t: (bisect_left(words, t), bisect_left(words, t + _END)) for t in terms}
        first = min(spans, key=lambda t: spans[t][1] - spans[t][0])
        others = [t for t in terms if t != first]
        start, stop = spans[first]
        found = set(nodes[start : min(stop, start + SCAN_LIMIT)])
        if others:
            tokens = self.tokens
            found = {
                n for n in found if all(any(w.startswith(t) for w in tokens[n]) for t in others)
            }
        whole = fold(query.strip())
        folded, rank = self.folded, self.rank
        ranked = sorted(found, key=lambda n: (not folded[n].startswith(whole), -rank[n], n))
        hits: list[Hit] = []
        for n in ranked:
            if allowed(n):
                hits.append(Hit(n, self.names[n], self.labels[n]))
                if len(hits) == limit:
                    break
        return hits


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
