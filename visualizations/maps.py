"""The maps: portfolio, ego network, who-knows-whom path, finding overlay, alliance contacts.

Each builder takes the projection (or a view of it that the caller's key may see) and a
query result, and returns a :class:`~visualizations.render.MapSpec`; ``render`` turns it
into HTML. Above ``max_nodes`` a map keeps the highlighted nodes and the best connected
others and says so; above ``physics_limit`` the layout is computed here and physics is off,
so large maps open at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

import networkx as nx

from graph.dates import period_end, period_start
from graph.projection import TIME_FIELDS, snapshot
from graph.records import parse_rel_id
from graph.vocabulary import NodeLabel, RelType
from queries.communities import label_propagation
from queries.findings import Finding
from queries.paths import PathsResult
from queries.ties import knows_strength
from visualizations.layout import force_layout
from visualizations.render import (
    PALETTE,
    TYPE_STYLES,
    MapEdge,
    MapGroup,
    MapNode,
    MapSpec,
    group_style,
    type_rank,
)

TOOLTIP_FIELDS = (
    "industry",
    "country",
    "form",
    "status",
    "kind",
    "title",
    "role",
    "date",
    "funding_model",
    "email",
    "trust",
    "started",
    "ended",
)


#: legend groups that stand for many nodes
AGGREGATES = frozenset({"small communities", "unlinked nodes", "member cluster"})


class UnknownMapNode(LookupError):
    """An id the map was asked to centre on is not in the graph."""


def build_spec(
    g: nx.MultiDiGraph,
    node_ids: Iterable[str],
    *,
    title: str,
    subtitle: str = "",
    highlight: Iterable[str] = (),
    highlight_edges: Iterable[tuple[str, str]] = (),
    hide: frozenset[str] = frozenset(),
    color_by: str = "label",
    max_nodes: int = 2_000,
    physics_limit: int = 400,
    note: str = "",
    as_of: date | None = None,
    reduce: Literal["clusters", "top"] = "clusters",
) -> MapSpec:
    """A map of ``node_ids`` and the relationships among them.

    Above ``max_nodes`` the map is reduced: ``"clusters"`` draws each community (nodes
    that link mostly to each other) as one node, the highlighted nodes staying themselves;
    ``"top"`` keeps the highlighted and the best-connected nodes.
    """
    marked = {n for n in highlight if n in g}
    wanted = [n for n in dict.fromkeys([*marked, *node_ids]) if n in g]
    total = len(wanted)
    if total > max_nodes and reduce == "clusters":
        return _clustered_spec(
            g,
            wanted,
            marked,
            title=title,
            subtitle=subtitle,
            note=note,
            max_nodes=max_nodes,
            physics_limit=physics_limit,
        )
    if total > max_nodes:
        degree_in = _degrees_within(g, wanted)
        ranked = sorted((n for n in wanted if n not in marked), key=lambda n: -degree_in[n])
        wanted = [*marked, *ranked[: max(0, max_nodes - len(marked))]]
        note = (note + " " if note else "") + (
            f"Showing {len(wanted):,} of {total:,} nodes (the best connected); search, filter "
            "or open an ego map to see the rest."
        )
    legend = _Legend()

    def group_of(n: str) -> int:
        d = g.nodes[n]
        name = (
            str(d.get(color_by) or d.get("label", "?")) if color_by != "label" else str(d["label"])
        )
        return legend.group(name)

    # the subgraph's nodes and edges in its own order, read straight from ``g``: a
    # subgraph view filters every adjacency it walks, which cost more than the layout
    keep = set(wanted)
    order = [n for n in g if n in keep]
    sub_edges = [(u, v, d) for u, v, d in g.edges(order, data=True) if v in keep]
    undirected = nx.Graph()
    undirected.add_nodes_from(order)
    undirected.add_edges_from((u, v) for u, v, _ in sub_edges)
    degree = dict(undirected.degree())
    top = max(degree.values(), default=1) or 1
    nodes = []
    for n in wanted:
        d = g.nodes[n]
        tip = {k: d[k] for k in TOOLTIP_FIELDS if k in d and k not in hide}
        node = MapNode(
            i=n,
            l=str(d.get("name", n)),
            g=group_of(n),
            s=round(8 + 22 * (degree[n] / top) ** 0.5, 1),  # area grows with importance
            h=True if n in marked else None,
            p=tip or None,
        )
        if d.get("label") in (NodeLabel.ALLIANCE, NodeLabel.PROJECT):
            node.t0 = period_start(d["started"]).isoformat() if d.get("started") else None
            node.t1 = period_end(d["ended"]).isoformat() if d.get("ended") else None
        nodes.append(node)
    hot = {frozenset(e) for e in highlight_edges}
    edges = []
    seen: set[frozenset[str]] = set()
    for u, v, d in sub_edges:
        pair = frozenset((u, v))
        if pair in seen:
            continue
        seen.add(pair)
        edge = MapEdge(f=u, t=v, h=True if pair in hot else None)
        if d.get("type") == RelType.KNOWS:
            strength, _ = knows_strength(d, as_of)
            edge.s = round(strength, 2)
            edge.w = round(1 + 5 * strength, 1)
        if pair in hot:
            edge.w = max(edge.w or 1, 4)
        fields = TIME_FIELDS.get(d.get("type", ""))
        if fields:
            if d.get(fields[0]):
                edge.t0 = period_start(d[fields[0]]).isoformat()
            if d.get(fields[1]):
                edge.t1 = period_end(d[fields[1]]).isoformat()
        edges.append(edge)
    return MapSpec(
        title=title,
        subtitle=subtitle,
        note=note,
        groups=legend.finish(nodes),
        nodes=nodes,
        edges=edges,
        physics=_place(nodes, undirected, physics_limit),
    )


def _clustered_spec(
    g: nx.MultiDiGraph,
    wanted: list[str],
    marked: set[str],
    *,
    title: str,
    subtitle: str,
    note: str,
    max_nodes: int,
    physics_limit: int,
) -> MapSpec:
    """``wanted`` drawn as its communities (label propagation on the links among them):
    one node per community, sized by its members and named for its best-connected one;
    one edge per pair of linked communities, as wide as their links are many. The
    highlighted nodes stay themselves; past ``max_nodes`` the smallest communities share
    one node; nodes with no link among ``wanted`` share another."""
    keep = set(wanted)
    links = [(u, v) for u, v in g.edges(wanted) if v in keep and u != v]
    degree = _degrees_within(g, wanted)
    found = (sorted(c - marked, key=lambda n: (-degree[n], n)) for c in label_propagation(links))
    communities = sorted((c for c in found if c), key=lambda c: (-len(c), c[0]))
    room = max(1, max_nodes - len(marked) - 2)
    parts: list[tuple[str, list[str]]] = [("highlighted", [n]) for n in wanted if n in marked]
    parts += [("community", c) for c in communities[:room]]
    linked = {n for c in communities for n in c}
    shared = (
        ("small communities", [n for c in communities[room:] for n in c]),
        ("unlinked", [n for n in wanted if n not in linked and n not in marked]),
    )
    parts += [
        (kind, sorted(extra, key=lambda n: (-degree[n], n))) for kind, extra in shared if extra
    ]
    owner = {n: i for i, (_, mine) in enumerate(parts) for n in mine}
    weight: Counter[tuple[int, int]] = Counter()
    for u, v in links:
        a, b = owner[u], owner[v]
        if a != b:
            weight[(min(a, b), max(a, b))] += 1
    legend = _Legend()
    nodes: list[MapNode] = []
    biggest = max((len(mine) for _, mine in parts), default=1)
    for i, (kind, mine) in enumerate(parts):
        head = mine[0]
        if kind == "highlighted":
            name = str(g.nodes[head].get("label", "?"))
            node = MapNode(i=head, l=str(g.nodes[head].get("name", head)), g=0, s=30, h=True)
        else:
            if kind == "community":
                most = Counter(str(g.nodes[n].get("label", "?")) for n in mine).most_common(1)
                name = f"{most[0][0]} cluster"
                text = f"{len(mine):,} around {g.nodes[head].get('name', head)}"
            elif kind == "small communities":
                name, text = kind, f"{len(mine):,} in small communities"
            else:
                name, text = "unlinked nodes", f"{len(mine):,} with no link among these"
            node = MapNode(
                i=f"cluster:{i}",
                l=text,
                g=0,
                s=round(8 + 42 * (len(mine) / biggest) ** 0.5, 1),
                p={
                    "nodes": len(mine),
                    "best connected": ", ".join(str(g.nodes[n].get("name", n)) for n in mine[:5]),
                },
            )
        node.g = legend.group(name)
        nodes.append(node)
    edges = [
        MapEdge(f=nodes[a].i, t=nodes[b].i, w=round(1 + 2 * math.log2(count), 1))
        for (a, b), count in sorted(weight.items())
    ]
    cluster_graph = nx.Graph()
    cluster_graph.add_nodes_from(node.i for node in nodes)
    cluster_graph.add_edges_from((e.f, e.t) for e in edges)
    shown = sum(1 for kind, _ in parts if kind != "highlighted")
    note = (note + " " if note else "") + (
        f"{len(wanted):,} nodes are drawn as {shown:,} clusters of nodes that link mostly to "
        "each other (hover for their best-connected members); open an ego map to see one."
    )
    return MapSpec(
        title=title,
        subtitle=subtitle,
        note=note,
        groups=legend.finish(nodes),
        nodes=nodes,
        edges=edges,
        physics=_place(nodes, cluster_graph, physics_limit),
    )


class _Legend:
    """Map groups with their fixed colour and shape (a node type looks the same on every map)
    and how many nodes each has; the legend lists node types in a fixed order."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._counts: Counter[str] = Counter()

    def group(self, name: str) -> int:
        """The number of group ``name`` (a new one if unseen), counting one more node."""
        if name not in self._index:
            self._index[name] = len(self._index)
        self._counts[name] += 1
        return self._index[name]

    def finish(self, nodes: list[MapNode]) -> list[MapGroup]:
        """The groups in legend order (types first, in a fixed order), renumbering the
        nodes' groups to match."""
        names = sorted(self._index, key=lambda n: (type_rank(n), self._index[n]))
        new = {self._index[name]: i for i, name in enumerate(names)}
        for node in nodes:
            node.g = new[node.g]
        groups = []
        for i, name in enumerate(names):
            if name in TYPE_STYLES or name.endswith(" cluster") or name in AGGREGATES:
                color, shape, dashed = group_style(name)
            else:  # colouring by a property: its values take the palette in order
                color, shape, dashed = PALETTE[i % len(PALETTE)], "dot", False
            groups.append(
                MapGroup(
                    name=name,
                    color=color,
                    shape=shape,
                    dashed=dashed or None,
                    count=self._counts[name],
                )
            )
        return groups


def _place(nodes: list[MapNode], links: nx.Graph, physics_limit: int) -> bool:
    """Whether the browser's physics should lay the map out; above ``physics_limit`` nodes
    it is laid out here instead (every node gets its place) and physics stays off."""
    if len(nodes) <= physics_limit:
        return True
    positions = force_layout(links, scale=60 * len(nodes) ** 0.5, iterations=60)
    for node in nodes:
        node.x, node.y = (round(float(v), 1) for v in positions[node.i])
    return False


def _degrees_within(g: nx.Graph, nodes: list[str]) -> dict[str, int]:
    """Each node's degree in the subgraph of ``nodes`` (as ``g.subgraph(nodes).degree``
    counts it: parallel edges each, self-loops twice), in one pass over their edges;
    the subgraph view's own degree filters every adjacency and took ~0.3 s at 20,000."""
    degree = dict.fromkeys(nodes, 0)
    for u, v in g.edges(nodes):
        if u in degree and v in degree:
            degree[u] += 1
            degree[v] += 1
    return degree


def _need(g: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    if node not in g:
        raise UnknownMapNode(f"no node with id {node!r}")
    return dict(g.nodes[node])


def portfolio_map(
    g: nx.MultiDiGraph,
    focal: str,
    *,
    as_of: date | None = None,
    aggregate_over: int = 1_500,
    **options: Any,
) -> MapSpec:
    """The focal organization, its alliances, their members and the members' boundary networks.

    With more than ``aggregate_over`` members, each alliance's members collapse into one
    cluster node (their count on it), so a portfolio of any size opens at once.
    """
    name = _need(g, focal).get("name", focal)
    view = snapshot(g, as_of)
    alliances = sorted(
        a for _, a, d in view.out_edges(focal, data=True) if d["type"] == RelType.MEMBER_OF
    )
    members = {
        a: sorted(
            u
            for u, _, d in view.in_edges(a, data=True)
            if d["type"] == RelType.MEMBER_OF and u != focal
        )
        for a in alliances
    }
    everyone = {m for ms in members.values() for m in ms}
    subtitle = f"{len(alliances)} alliances, {len(everyone):,} partners" + (
        f", as of {as_of.isoformat()}" if as_of else ""
    )
    if len(everyone) > aggregate_over:
        return _aggregated_portfolio(
            view, focal, str(name), alliances, members, subtitle, **options
        )
    networks = {
        n
        for m in everyone
        for _, n, d in view.out_edges(m, data=True)
        if d["type"] == RelType.BELONGS_TO
    }
    return build_spec(
        view,
        [focal, *alliances, *sorted(everyone), *sorted(networks)],
        title=f"Alliance portfolio of {name}",
        subtitle=subtitle,
        highlight=[focal],
        as_of=as_of,
        **options,
    )


def _aggregated_portfolio(
    g: nx.MultiDiGraph,
    focal: str,
    name: str,
    alliances: list[str],
    members: dict[str, list[str]],
    subtitle: str,
    **options: Any,
) -> MapSpec:
    spec = build_spec(
        g,
        [focal, *alliances],
        title=f"Alliance portfolio of {name}",
        subtitle=subtitle,
        highlight=[focal],
        physics_limit=10**9,
        **options,
    )
    group = len(spec.groups)
    color, shape, _ = group_style("member cluster")
    spec.groups.append(
        MapGroup(name="member cluster", color=color, shape=shape, dashed=True, count=len(alliances))
    )
    for a in alliances:
        cid = f"{a}::members"
        spec.nodes.append(
            MapNode(
                i=cid,
                l=f"{len(members[a])} members of {g.nodes[a].get('name', a)}",
                g=group,
                s=round(8 + min(40.0, len(members[a]) ** 0.5 * 3), 1),
                p={"members": len(members[a])},
            )
        )
        spec.edges.append(MapEdge(f=cid, t=a, w=2))
    spec.note = (
        f"{sum(len(m) for m in members.values()):,} memberships are shown as one cluster "
        "per alliance; open an alliance's contact map or ego map to see its members."
    )
    return spec


def ego_map(
    g: nx.MultiDiGraph, center: str, *, depth: int = 1, as_of: date | None = None, **options: Any
) -> MapSpec:
    """Everything within ``depth`` steps of ``center``."""
    name = _need(g, center).get("name", center)
    view = snapshot(g, as_of)
    reach = nx.single_source_shortest_path_length(
        view.to_undirected(as_view=True), center, cutoff=depth
    )
    return build_spec(
        view,
        sorted(reach, key=lambda n: (reach[n], n)),
        title=f"Ego network of {name}",
        subtitle=f"{len(reach) - 1:,} nodes within {depth} step(s)",
        highlight=[center],
        as_of=as_of,
        **options,
    )


def path_map(
    g: nx.MultiDiGraph, result: PathsResult, *, context: int = 8, **options: Any
) -> MapSpec:
    """The introduction paths highlighted within their surroundings (up to ``context``
    neighbours of each person on a path)."""
    on_path: list[str] = []
    hot: list[tuple[str, str]] = []
    for path in result.paths:
        for hop in path.hops:
            on_path += [hop.source, hop.target] + ([hop.via] if hop.via else [])
            if hop.via:
                hot += [(hop.source, hop.via), (hop.via, hop.target)]
            else:
                hot.append((hop.source, hop.target))
    around: list[str] = []
    for n in dict.fromkeys(on_path):
        around += sorted(nx.all_neighbors(g, n))[:context]
    src = g.nodes[result.source].get("name", result.source) if result.source in g else result.source
    dst = g.nodes[result.target].get("name", result.target) if result.target in g else result.target
    return build_spec(
        g,
        [result.source, result.target, *on_path, *around],
        title=f"Who knows whom: {src} → {dst}",
        subtitle=result.explanation,
        highlight=[*on_path, result.source, result.target],
        highlight_edges=hot,
        **options,
    )


def finding_map(
    g: nx.MultiDiGraph, finding: Finding, *, context: int = 5, **options: Any
) -> MapSpec:
    """The evidence of one finding highlighted, with the context most relevant to it.

    Context is chosen by relevance, not by id: the neighbours that touch the most evidence
    nodes first (a partner of two overlapping alliances explains an overlap better than a
    partner of one), then the best connected; about ``context`` per evidence node.
    """
    evidence = [n for n in finding.evidence_nodes if n in g]
    hot = [(p[0], p[2]) for rid in finding.evidence_relationships if (p := parse_rel_id(rid))]
    return build_spec(
        g,
        [*evidence, *relevant_context(g, evidence, context * len(evidence))],
        title=f"{finding.category.title()}: {finding.kind.replace('_', ' ')}",
        subtitle=finding.explanation,
        highlight=evidence,
        highlight_edges=hot,
        **options,
    )


def relevant_context(g: nx.MultiDiGraph, evidence: list[str], limit: int) -> list[str]:
    """Up to ``limit`` neighbours of ``evidence``, those linked to the most evidence nodes
    first, then the best connected (ties by id, so the same finding gives the same map)."""
    marked = set(evidence)
    touches: Counter[str] = Counter()
    for n in evidence:
        for m in set(nx.all_neighbors(g, n)):
            if m not in marked:
                touches[m] += 1
    ranked = sorted(touches, key=lambda m: (-touches[m], -g.degree(m), m))
    return ranked[:limit]


def alliance_contacts_map(
    g: nx.MultiDiGraph, alliance: str, *, as_of: date | None = None, **options: Any
) -> MapSpec:
    """One alliance: its members (each with how many people it has) and its staff (with their
    employers and who among them knows whom) — not every employee of every member, which
    buried the alliance's own people under thousands of others."""
    data = _need(g, alliance)
    view = snapshot(g, as_of)
    members = sorted(
        u for u, _, d in view.in_edges(alliance, data=True) if d["type"] == RelType.MEMBER_OF
    )
    staff = sorted(
        u for u, _, d in view.in_edges(alliance, data=True) if d["type"] == RelType.STAFFS
    )
    people = {
        m: sum(1 for _, _, d in view.in_edges(m, data=True) if d["type"] == RelType.WORKS_AT)
        for m in members
    }
    employers = sorted(
        {
            o
            for p in staff
            for _, o, d in view.out_edges(p, data=True)
            if d["type"] == RelType.WORKS_AT
        }
        - set(members)
    )
    total = sum(people.values())
    spec = build_spec(
        view,
        [alliance, *staff, *members, *employers],
        title=f"Members and staff of {data.get('name', alliance)}",
        subtitle=f"{len(members)} members ({total:,} people), {len(staff)} staff",
        highlight=[alliance, *staff],
        as_of=as_of,
        **options,
    )
    for node in spec.nodes:
        if node.i in people:
            node.p = {**(node.p or {}), "people": people[node.i]}
    return spec


__all__ = [
    "UnknownMapNode",
    "alliance_contacts_map",
    "build_spec",
    "ego_map",
    "finding_map",
    "path_map",
    "portfolio_map",
    "relevant_context",
]
