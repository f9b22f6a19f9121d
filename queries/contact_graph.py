"""The contact graph that introduction paths are searched on, built once per projection.

People are linked by KNOWS ties; shared affiliations pass through a hub node (the
organization, its board, or the alliance), one half of the tie's cost on each side, so a
company of 5,000 employees adds 5,000 edges rather than 12.5 million. Edge cost is
``-log(strength)``: the cheapest path is the most probable chain of introductions.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx

from graph.projection import edge_active, node_active
from graph.vocabulary import NodeLabel, RelType
from queries.path_search import CsrGraph
from queries.ties import TieDefaults, knows_strength

HUB_SUFFIX = {"colleague": "", "board": "#board", "co_staff": ""}


@dataclass(frozen=True)
class ContactGraph:
    """The weighted contact graph and what it was built from."""

    graph: nx.Graph  # nodes: people and hubs; edge attrs: cost, strength, kind, detail
    people: frozenset[str]
    as_of: date | None
    version: object
    csr: CsrGraph  # the same graph as arrays, for the compiled path search
    #: answers derived from the same projection and date (an organization's people, a
    #: person's employer), kept because every query asks them again
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)


def _add(g: nx.Graph, u: str, v: str, cost: float, **attrs: Any) -> None:
    if u == v:
        return
    old = g.get_edge_data(u, v)
    if old is None or cost < old["cost"]:
        g.add_edge(u, v, cost=cost, **attrs)


def build_contact_graph(
    projection: nx.MultiDiGraph, as_of: date | None = None, defaults: TieDefaults | None = None
) -> ContactGraph:
    """People, KNOWS ties and affiliation hubs active on ``as_of``."""
    d = defaults or TieDefaults()
    nodes = projection.nodes
    g = nx.Graph()
    people = [n for n, a in projection.nodes(data=True) if a.get("label") == NodeLabel.PERSON]
    g.add_nodes_from(people, kind="person")
    for u, v, data in projection.edges(data=True):
        t = data.get("type")
        if t not in (RelType.KNOWS, RelType.WORKS_AT, RelType.STAFFS) or not edge_active(
            data, as_of
        ):
            continue
        if t == RelType.KNOWS:
            strength, origin = knows_strength(data, as_of, d)
            _add(
                g,
                u,
                v,
                -math.log(strength),
                strength=strength,
                kind="knows",
                origin=origin,
                source_system=data.get("source_system"),
                last_contact=data.get("last_contact"),
            )
        elif t == RelType.WORKS_AT:
            board = data.get("kind") == "board"
            strength = d.board if board else d.colleague
            hub = v + ("#board" if board else "")
            g.add_node(hub, kind="hub", of=v)
            _add(
                g,
                u,
                hub,
                -math.log(strength) / 2,
                strength=strength,
                kind="board" if board else "colleague",
                origin="default",
                hub_of=v,
            )
        elif node_active(nodes[v], as_of):
            g.add_node(v, kind="hub", of=v)
            _add(
                g,
                u,
                v,
                -math.log(d.co_staff) / 2,
                strength=d.co_staff,
                kind="co_staff",
                origin="default",
                hub_of=v,
                role=data.get("role"),
            )
    return ContactGraph(
        g, frozenset(people), as_of, projection.graph.get("version"), CsrGraph.from_graph(g)
    )


class ContactGraphCache:
    """One contact graph per (projection, as_of, defaults); thread-safe.

    Entries are found by the projection's ``id`` and checked against a weak reference to
    it: a view freed and another made at the same address (each API key has its own)
    must not be handed the first one's contact graph.
    """

    def __init__(self, size: int = 8) -> None:
        self._items: dict[
            tuple[int, object, date | None, str],
            tuple[weakref.ref[nx.MultiDiGraph], ContactGraph],
        ] = {}
        self._lock = threading.Lock()
        self._size = size

    def get(
        self,
        projection: nx.MultiDiGraph,
        as_of: date | None = None,
        defaults: TieDefaults | None = None,
    ) -> ContactGraph:
        key = (
            id(projection),
            projection.graph.get("version"),
            as_of,
            (defaults or TieDefaults()).model_dump_json(),
        )
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0]() is projection:
            return hit[1]
        built = build_contact_graph(projection, as_of, defaults)
        with self._lock:
            self._items.pop(key, None)
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (weakref.ref(projection), built)
        return built


CACHE = ContactGraphCache()
