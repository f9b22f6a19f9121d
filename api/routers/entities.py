"""Organizations, alliances, networks and people: list (filter, search, page) and get by id."""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Query

from api.access import Access
from api.deps import AccessDep, StateDep, ViewerDep
from api.models import NodeDetail, NodeOut, Page, RelationshipOut
from api.problems import ProblemError, not_found
from graph.projection import edge_evidence_id
from graph.vocabulary import NodeLabel
from loaders.names import fold, matches_name

FILTERS: dict[NodeLabel, tuple[str, ...]] = {
    NodeLabel.ORGANIZATION: ("industry", "country"),
    NodeLabel.ALLIANCE: ("form", "status", "funding_model"),
    NodeLabel.NETWORK: ("kind",),
    NodeLabel.PERSON: (),
}
PATHS = {
    NodeLabel.ORGANIZATION: "organizations",
    NodeLabel.ALLIANCE: "alliances",
    NodeLabel.NETWORK: "networks",
    NodeLabel.PERSON: "people",
}


def node_out(graph: nx.MultiDiGraph, node: str, access: Access) -> NodeOut:
    """A node of the projection as ``access`` may see it."""
    data = graph.nodes[node]
    props = {k: v for k, v in data.items() if k not in ("label", "name")}
    return NodeOut(
        id=node,
        label=data["label"],
        name=str(data.get("name", node)),
        properties=access.props(props),
    )


def detail(graph: nx.MultiDiGraph, node: str, access: Access) -> NodeDetail:
    """The node with the relationships and neighbours the key may see."""
    rels = []
    neighbours: dict[str, NodeOut] = {}
    for u, v, data in [*graph.out_edges(node, data=True), *graph.in_edges(node, data=True)]:
        other = v if u == node else u
        if not access.can_see(other):
            continue
        props = {k: val for k, val in data.items() if k not in ("type", "rel_key")}
        rels.append(
            RelationshipOut(
                id=edge_evidence_id(u, v, data),
                type=data["type"],
                source=u,
                target=v,
                properties=access.props(props),
            )
        )
        if other not in neighbours:
            neighbours[other] = node_out(graph, other, access)
    return NodeDetail(
        node=node_out(graph, node, access),
        relationships=rels,
        neighbours=sorted(neighbours.values(), key=lambda n: n.id),
    )


def _make_router(label: NodeLabel) -> APIRouter:
    path = PATHS[label]
    router = APIRouter(prefix=f"/{path}", tags=[path], dependencies=[ViewerDep])
    filters = FILTERS[label]

    @router.get(
        "", response_model=Page[NodeOut], summary=f"List {path}: search by name, filter, page"
    )
    def list_nodes(
        state: StateDep,
        access: AccessDep,
        q: Annotated[
            str | None, Query(max_length=200, description="case-insensitive name search")
        ] = None,
        organization: Annotated[
            str | None, Query(max_length=200, description="people working at this organization")
        ] = None,
        industry: Annotated[str | None, Query(max_length=200)] = None,
        country: Annotated[str | None, Query(max_length=200)] = None,
        form: Annotated[str | None, Query(max_length=200)] = None,
        status: Annotated[str | None, Query(max_length=200)] = None,
        funding_model: Annotated[str | None, Query(max_length=200)] = None,
        kind: Annotated[str | None, Query(max_length=200)] = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        page_size: Annotated[int, Query(ge=1)] = 50,
    ) -> Page[NodeOut]:
        if page_size > state.settings.max_page_size:
            raise ProblemError(
                422,
                f"page_size may be at most {state.settings.max_page_size}",
                slug="limit-exceeded",
            )
        given: dict[str, Any] = {
            "industry": industry,
            "country": country,
            "form": form,
            "status": status,
            "funding_model": funding_model,
            "kind": kind,
        }
        wanted = {k: v for k, v in given.items() if v is not None}
        unknown = set(wanted) - set(filters)
        if unknown:
            raise ProblemError(
                422,
                f"{path} cannot be filtered by {', '.join(sorted(unknown))}; "
                f"filters: {', '.join(filters) or 'none'}",
            )
        if organization is not None and label != NodeLabel.PERSON:
            raise ProblemError(422, "the organization filter applies to people only")
        graph = access.graph
        needle = fold(q) if q else None
        matches: list[str] = []
        # an organization the key may not see filters like one that does not exist
        employer = organization if organization is None or access.can_see(organization) else None
        if organization is not None and employer is None:
            return Page[NodeOut](items=[], total=0, page=page, page_size=page_size)
        for node, data in graph.nodes(data=True):
            if data.get("label") != label or not access.can_see(node):
                continue
            if needle and not matches_name(data, needle):
                continue
            if any(str(data.get(k)) != v for k, v in wanted.items()):
                continue
            if employer is not None and not graph.has_edge(node, employer, "WORKS_AT"):
                continue
            matches.append(node)
        matches.sort(key=lambda n: (str(graph.nodes[n].get("name", "")).casefold(), n))
        start = (page - 1) * page_size
        items = [node_out(graph, n, access) for n in matches[start : start + page_size]]
        return Page[NodeOut](items=items, total=len(matches), page=page, page_size=page_size)

    @router.get(
        "/{node_id}",
        response_model=NodeDetail,
        summary="One node with its neighbourhood",
        responses={404: {"description": "no such id (or not visible to this key)"}},
    )
    def get_node(node_id: str, access: AccessDep) -> NodeDetail:
        if not access.is_a(node_id, label):
            raise not_found(label.value.lower(), node_id)
        return detail(access.graph, node_id, access)

    return router


routers = [_make_router(label) for label in FILTERS]


def query_parameters() -> dict[str, set[str]]:
    """The query parameters each list route accepts (the OpenAPI document lists only
    these; the route shares one signature and refuses the others with 422)."""
    common = {"q", "page", "page_size"}
    return {
        f"/{path}": common
        | set(FILTERS[label])
        | ({"organization"} if label == NodeLabel.PERSON else set())
        for label, path in PATHS.items()
    }
