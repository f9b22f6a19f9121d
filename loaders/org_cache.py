"""The stored organizations' index, kept between imports by a process that serves the graph.

Resolving an upload's organizations needs every stored organization indexed by normalized
name and alias (:class:`loaders.resolve.OrgIndex`). Built from the projection, that costs
time in proportion to the store on every import (a third of a second at 20,000
organizations). :class:`OrgIndexCache` builds it once and brings it to each later
projection by re-indexing only the organizations written since (``GraphStore.changes_since``)
and those an import added to it while resolving: an import pays for its own size. The
result is the index a fresh build from that projection gives (same ids, names, keys and
blocks).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.store import GraphStore
from graph.vocabulary import NodeLabel
from loaders.names import normalize_org
from loaders.resolve import OrgIndex, _block

#: Re-index at most this share of the index's organizations; build it afresh beyond.
RESYNC_SHARE = 0.25


@dataclass
class TrackedOrgIndex(OrgIndex):
    """An :class:`OrgIndex` that remembers what each id was indexed under, so that an
    organization can be taken out again, and which ids were added since the last sync."""

    texts: dict[str, list[str]] = field(default_factory=dict)  # id -> names and aliases
    added: set[str] = field(default_factory=set)

    def add(
        self,
        org_id: str,
        name: str,
        aliases: list[str] | None = None,
        country: str | None = None,
    ) -> None:
        super().add(org_id, name, aliases, country)
        texts = self.texts.setdefault(org_id, [])
        texts.extend(t for t in dict.fromkeys([name, *(aliases or [])]) if t not in texts)
        self.added.add(org_id)

    def remove(self, org_id: str) -> None:
        """Forget ``org_id`` (nothing when it is not indexed)."""
        texts = self.texts.pop(org_id, None)
        if texts is None:
            return
        self.names.pop(org_id, None)
        self.countries.pop(org_id, None)
        for text in texts:
            key = normalize_org(text)
            ids = self.keys.get(key)
            if ids is not None and org_id in ids:
                ids.remove(org_id)
                if not ids:
                    del self.keys[key]
        choice = self.choices.pop(org_id, None)
        if choice:
            block = self.blocks.get(_block(choice))
            if block is not None:
                block.pop(org_id, None)
                if not block:
                    del self.blocks[_block(choice)]

    def index(self, graph: nx.MultiDiGraph, node: str) -> None:
        """(Re-)index ``node`` as ``graph`` holds it: out if it is no organization there."""
        self.remove(node)
        data = graph.nodes.get(node) if node in graph else None
        if data is not None and data.get("label") == NodeLabel.ORGANIZATION:
            self.add(node, *indexed(node, data))


def indexed(node: str, data: dict[str, Any]) -> tuple[str, list[str], str | None]:
    """What an organization of the store is indexed under: name, aliases, country."""
    country = data.get("country")
    return (
        str(data.get("name", node)),
        list(data.get("aliases", [])),
        str(country) if country else None,
    )


def build_index(graph: nx.MultiDiGraph) -> TrackedOrgIndex:
    """The index of every organization of ``graph``, in the graph's order."""
    index = TrackedOrgIndex()
    for node, data in graph.nodes(data=True):
        if data.get("label") == NodeLabel.ORGANIZATION:
            index.add(node, *indexed(node, data))
    index.added.clear()
    return index


class OrgIndexCache:
    """One organization index for the imports of a process, lent to one import at a time.

    :meth:`acquire` brings the index to the version of the projection an import resolves
    against and lends it (an import adds the file's organizations to it as it goes);
    :meth:`release` takes it back, and the next :meth:`acquire` re-indexes what that import
    added along with what the store changed. While it is lent, a concurrent import gets
    ``None`` and indexes the projection itself, as without a cache.
    """

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._index: TrackedOrgIndex | None = None
        self._version = -1
        #: full builds and incremental syncs so far (for tests and benchmarks)
        self.builds = 0
        self.syncs = 0

    def acquire(self, graph: nx.MultiDiGraph) -> OrgIndex | None:
        """The index of ``graph``'s organizations, lent until :meth:`release`; ``None``
        when another import holds it."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._bring_to(graph)
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        """The import that acquired the index is done with it."""
        self._lock.release()

    def _bring_to(self, graph: nx.MultiDiGraph) -> TrackedOrgIndex:
        version = int(graph.graph.get("version", -1))
        index = self._index
        if index is not None and version >= 0 and self._version >= 0:
            # from the older of the two versions: every node that differs is among these
            changes = self._store.changes_since(min(self._version, version))
            if changes is not None:
                stale = changes.nodes | changes.deleted_nodes | index.added
                if len(stale) <= max(1_000, RESYNC_SHARE * len(index.names)):
                    for node in stale:
                        index.index(graph, node)
                    index.added.clear()
                    self._version = version
                    self.syncs += 1
                    return index
        self._index = index = build_index(graph)
        self._version = version
        self.builds += 1
        return index


__all__ = ["OrgIndexCache", "TrackedOrgIndex", "build_index", "indexed"]
