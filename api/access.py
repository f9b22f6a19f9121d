"""What one key may see: sharing levels, scopes and confidential fields, applied once per key.

- ``hidden`` organizations/alliances do not exist for a non-admin key not scoped to them, and
  neither do their dependents (an alliance's assessments and projects, an organization's goals);
- ``counts_only`` ones (and their dependents) count in aggregates but are never listed,
  fetched or named;
- a key with a scope sees its scoped ids and their direct neighbours, nothing else;
- viewers receive only the properties the graph model names and does not call confidential
  (``graph.schema.PUBLIC_PROPERTIES``): contribution amounts, contact details, scores and
  every property a mapping added are stripped from the view *before* any analytics,
  explanation text, map or export runs, so no text generated from them (totals, shares,
  score changes) can reach a viewer.

:class:`Access` is built by the one request dependency (:func:`api.deps.get_access`) and
holds only the view: the full projection is not reachable from it, so a route cannot forget
to apply sharing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import networkx as nx

from api.keys import Principal, Role
from graph.projection import node_active
from graph.schema import CONFIDENTIAL_PROPERTIES, PUBLIC_PROPERTIES

_DROP = object()  # a JSON object that names a counts-only node: its list drops it

#: (relationship type, direction) that make a node a dependent of the node at its other end:
#: "in" = the dependent points at its owner (an assessment ASSESSES its alliance).
DEPENDENTS: tuple[tuple[str, str], ...] = (
    ("ASSESSES", "in"),
    ("PART_OF", "in"),
    ("HAS_GOAL", "out"),
)


def _dependents(graph: nx.MultiDiGraph, owners: Iterable[str]) -> set[str]:
    """The nodes that exist only as part of ``owners`` (assessments, projects, goals)."""
    out: set[str] = set()
    for owner in owners:
        for type_, direction in DEPENDENTS:
            edges = (
                graph.in_edges(owner, data="type")
                if direction == "in"
                else graph.out_edges(owner, data="type")
            )
            for u, v, t in edges:
                if t == type_:
                    out.add(u if direction == "in" else v)
    return out


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    """A node's or relationship's properties as a viewer receives them (an allow-list: a
    property added by a mapping may hold anything)."""
    return {k: v for k, v in data.items() if k in PUBLIC_PROPERTIES}


class Access:
    """The view of one projection that one principal may see, built once per store version."""

    def __init__(self, source: nx.MultiDiGraph, principal: Principal) -> None:
        self.principal = principal
        scope = principal.scope or frozenset()
        hidden: set[str] = set()
        counts_only: set[str] = set()
        # admins manage the data, so sharing levels confine every other role only
        shared = () if principal.at_least(Role.ADMIN) else source.nodes(data="sharing")
        for node, sharing in shared:
            if sharing == "hidden" and node not in scope:
                hidden.add(node)
            elif sharing == "counts_only" and node not in scope:
                counts_only.add(node)
        hidden |= {n for n in _dependents(source, hidden) if n not in scope}
        counts_only |= {n for n in _dependents(source, counts_only) if n not in scope}
        counts_only -= hidden
        universe: set[str] | None = None
        if principal.scope is not None:
            universe = set()
            for node in principal.scope:
                if node in source and node not in hidden:
                    universe.add(node)
                    universe.update(source.successors(node))
                    universe.update(source.predecessors(node))
            universe -= hidden
        keep = (lambda n: n not in hidden) if universe is None else (lambda n: n in universe)
        self.counts_only = frozenset(n for n in counts_only if keep(n))
        self.graph = self._build(source, keep, nothing_hidden=not hidden and universe is None)
        self._named: nx.MultiDiGraph | None = None
        # what names a counts-only node in text: its id and its name; a short name ("Qx7",
        # "3M") only as a word of its own, so that it does not match inside other words
        words = set(self.counts_only)
        short: set[str] = set()
        for n in self.counts_only:
            name = str(source.nodes[n].get("name") or "")
            (words if len(name) >= 4 else short).add(name)
        short.discard("")
        parts = [re.escape(w) for w in sorted(words, key=len, reverse=True)]
        parts += [rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(short, key=len, reverse=True)]
        self._naming = re.compile("|".join(parts)) if parts else None

    def _build(
        self, source: nx.MultiDiGraph, keep: Any, *, nothing_hidden: bool
    ) -> nx.MultiDiGraph:
        """The counted view: hidden and out-of-scope nodes gone, confidential fields stripped."""
        if not self.confidential:
            if nothing_hidden:
                return source
            return nx.subgraph_view(source, filter_node=keep)
        view = nx.MultiDiGraph()
        view.graph.update(source.graph)
        view.add_nodes_from((n, _strip(d)) for n, d in source.nodes(data=True) if keep(n))
        view.add_edges_from(
            (u, v, k, _strip(d))
            for u, v, k, d in source.edges(keys=True, data=True)
            if keep(u) and keep(v)
        )
        return view

    @staticmethod
    def signature(principal: Principal) -> tuple[object, ...]:
        """What the view depends on: keys with the same signature see the same view."""
        return (
            principal.at_least(Role.ADMIN),
            principal.at_least(Role.ANALYST),
            principal.scope,
        )

    def for_principal(self, principal: Principal) -> Access:
        """This view for another key with the same :meth:`signature` (shares the graph:
        a viewer's stripped copy is made once, not once per viewer key)."""
        assert self.signature(principal) == self.signature(self.principal)
        clone = copy.copy(self)
        clone.principal = principal
        return clone

    @property
    def confidential(self) -> bool:
        """Whether confidential properties are removed (viewers)."""
        return not self.principal.at_least(Role.ANALYST)

    def exists(self, node: str) -> bool:
        """Whether the node may be counted (in aggregates) by this key."""
        return node in self.graph

    def can_see(self, node: str) -> bool:
        """Whether the node may be named, listed or fetched by this key."""
        return node in self.graph and node not in self.counts_only

    def is_a(self, node: str, label: str | None) -> bool:
        """Whether the key may see ``node`` and it carries ``label`` (any label if ``None``)."""
        return self.can_see(node) and (
            label is None or self.graph.nodes[node].get("label") == label
        )

    def is_present(self, node: str, as_of: date | None) -> bool:
        """Whether the visible ``node`` existed on ``as_of`` (always, without a date)."""
        return as_of is None or node_active(self.graph.nodes[node], as_of)

    def scrub(self, payload: Any) -> Any:
        """A JSON-like result with nothing that names a counts-only node: ids in lists and
        dict keys are dropped, and an object with a field that names one (an explanation,
        a subject) leaves its list. Aggregates that only count them stay."""
        if self._naming is None:
            return payload
        out = self._scrub(payload)
        return None if out is _DROP else out

    def _scrub(self, value: Any) -> Any:
        naming = self._naming
        assert naming is not None
        if isinstance(value, str):
            return _DROP if naming.search(value) else value
        if isinstance(value, list):
            return [v for v in (self._scrub(item) for item in value) if v is not _DROP]
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if isinstance(key, str) and naming.search(key):
                    continue
                cleaned = self._scrub(item)
                if cleaned is _DROP:
                    return _DROP
                out[key] = cleaned
            return out
        return value

    def view(self) -> nx.MultiDiGraph:
        """What this key may count (for analytics whose results are filtered before naming)."""
        return self.graph

    def named_view(self) -> nx.MultiDiGraph:
        """The view without counts-only nodes either (for anything that names nodes)."""
        if self._named is None:
            if not self.counts_only:
                self._named = self.graph
            else:
                self._named = nx.subgraph_view(self.graph, filter_node=self.can_see)
        return self._named

    def props(self, data: dict[str, Any]) -> dict[str, Any]:
        """A node's or relationship's properties as this key may receive them."""
        return _strip(data) if self.confidential else dict(data)

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
