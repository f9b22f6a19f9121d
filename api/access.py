"""What one key may see: sharing levels, scopes and confidential fields, enforced in one place.

- ``hidden`` organizations/alliances do not exist for a non-admin key not scoped to them;
- ``counts_only`` ones count in aggregates but are never listed, fetched or named;
- a key with a scope sees its scoped ids and their direct neighbours, nothing else;
- viewers never receive a confidential property (``graph.schema.CONFIDENTIAL_PROPERTIES``).

Every router and every analytics result goes through :class:`Access`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from api.keys import Principal, Role
from graph.schema import CONFIDENTIAL_PROPERTIES


class Access:
    """The visibility of one projection for one principal."""

    def __init__(self, graph: nx.MultiDiGraph, principal: Principal) -> None:
        self.graph = graph
        self.principal = principal
        scope = principal.scope or frozenset()
        hidden: set[str] = set()
        counts_only: set[str] = set()
        # admins manage the data, so sharing levels confine every other role only
        shared = () if principal.at_least(Role.ADMIN) else graph.nodes(data=True)
        for node, data in shared:
            sharing = data.get("sharing")
            if sharing == "hidden" and node not in scope:
                hidden.add(node)
            elif sharing == "counts_only" and node not in scope:
                counts_only.add(node)
        self.hidden = frozenset(hidden)
        self.counts_only = frozenset(counts_only)
        self.universe: frozenset[str] | None = None
        if principal.scope is not None:
            reach: set[str] = set()
            for node in principal.scope:
                if node in graph:
                    reach.add(node)
                    reach.update(graph.successors(node))
                    reach.update(graph.predecessors(node))
            self.universe = frozenset(reach - self.hidden)
        self._view: nx.MultiDiGraph | None = None
        self._named: nx.MultiDiGraph | None = None

    @property
    def confidential(self) -> bool:
        """Whether confidential properties must be removed (viewers)."""
        return not self.principal.at_least(Role.ANALYST)

    def exists(self, node: str) -> bool:
        """Whether the node may be counted (in aggregates) by this key."""
        if node not in self.graph or node in self.hidden:
            return False
        return self.universe is None or node in self.universe

    def can_see(self, node: str) -> bool:
        """Whether the node may be named, listed or fetched by this key."""
        return self.exists(node) and node not in self.counts_only

    def view(self) -> nx.MultiDiGraph:
        """The projection without what this key may not know exists (for analytics)."""
        if self._view is None:
            if not self.hidden and self.universe is None:
                self._view = self.graph
            else:
                keep = self.exists
                self._view = nx.subgraph_view(self.graph, filter_node=keep)
                self._view.graph.update(self.graph.graph)
        return self._view

    def named_view(self) -> nx.MultiDiGraph:
        """The projection without counts-only nodes either (for anything that names nodes)."""
        if self._named is None:
            if not self.counts_only:
                self._named = self.view()
            else:
                keep = self.can_see
                self._named = nx.subgraph_view(self.graph, filter_node=keep)
                self._named.graph.update(self.graph.graph)
        return self._named

    def props(self, data: dict[str, Any]) -> dict[str, Any]:
        """A node's or relationship's properties as this key may receive them."""
        if self.confidential:
            return {k: v for k, v in data.items() if k not in CONFIDENTIAL_PROPERTIES}
        return dict(data)

    def visible(self, ids: Iterable[str]) -> list[str]:
        """The ids this key may be shown, in order."""
        return [i for i in ids if self.can_see(i)]


def redact(payload: Any, *, confidential: bool) -> Any:
    """Remove confidential keys anywhere in a JSON-like payload (belt and braces for viewers)."""
    if not confidential:
        return payload
    if isinstance(payload, dict):
        return {
            k: redact(v, confidential=True)
            for k, v in payload.items()
            if k not in CONFIDENTIAL_PROPERTIES
        }
    if isinstance(payload, list):
        return [redact(v, confidential=True) for v in payload]
    return payload
