"""Who knows whom: introduction paths, brokers, ego networks, the profiler and metrics."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.access import Access
from api.deps import AccessDep, AnalystDep, AppState, StateDep, ViewerDep
from api.models import IsoDate
from api.problems import ProblemError, not_found
from api.provenance import annotate_paths
from api.work import run_bounded
from queries.contact_graph import TIE_KINDS, UnknownTieKind, parse_tie_kinds
from queries.metrics import MetricsResult, network_metrics
from queries.neighbourhoods import BrokersResult, EgoNetwork, Profile, brokers, ego_network, profile
from queries.paths import PathsResult, introduction_paths

router = APIRouter(tags=["who-knows-whom"])

AsOf = Annotated[IsoDate | None, Query(description="use ties and jobs as they stood on this date")]
Id = Annotated[str, Query(min_length=1, max_length=200)]
_KIND = "(" + "|".join(TIE_KINDS) + ")"
Ties = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=rf"^ *{_KIND} *(, *{_KIND} *)*$",
        description="kinds of tie to use, comma-separated, from: "
        + ", ".join(TIE_KINDS)
        + " (default: all)",
    ),
]


def _ties(value: str | None) -> frozenset[str]:
    try:
        return parse_tie_kinds(value)
    except UnknownTieKind as exc:
        raise ProblemError(422, str(exc)) from None


def _visible(access: Access, *ids: str) -> None:
    for node in ids:
        if not access.can_see(node):
            raise not_found("node", node)


def need_present(access: Access, node: str, as_of: date | None) -> None:
    """404 for a visible node that did not exist yet (or any more) on ``as_of``."""
    if not access.is_present(node, as_of):
        raise ProblemError(404, f"{node!r} did not exist on {as_of}", slug="not-on-date")


def check_ego_depth(state: AppState, depth: int) -> None:
    """422 for an ego network deeper than the server allows (its data and its map alike)."""
    if depth > state.settings.max_ego_depth:
        raise ProblemError(
            422, f"depth may be at most {state.settings.max_ego_depth}", slug="limit-exceeded"
        )


def check_path_ends(access: Access, source: str, target: str) -> None:
    """422 unless both visible ends of an introduction path are people or organizations."""
    if {access.graph.nodes[n].get("label") for n in (source, target)} - {"Person", "Organization"}:
        raise ProblemError(422, "paths run between people or organizations")


@router.get(
    "/paths",
    response_model=PathsResult,
    dependencies=[ViewerDep],
    summary="The best introduction paths from a person or organization to another",
)
async def paths(
    state: StateDep,
    access: AccessDep,
    source: Id,
    target: Id,
    k: Annotated[int, Query(ge=1)] = 3,
    as_of: AsOf = None,
    max_hops: Annotated[
        int | None,
        Query(
            ge=1,
            description="the most introductions a path may have (default and ceiling: the "
            "server's max_path_hops); the search keeps within it and says when a more "
            "probable, longer path was left out (hop_limited)",
        ),
    ] = None,
    ties: Ties = None,
    sources: Annotated[
        bool, Query(description="name the file and row behind each hop (provenance)")
    ] = False,
) -> Response:
    settings = state.settings
    if k > settings.max_paths:
        raise ProblemError(422, f"k may be at most {settings.max_paths}", slug="limit-exceeded")
    hops = max_hops or settings.max_path_hops
    if hops > settings.max_path_hops:
        raise ProblemError(
            422, f"max_hops may be at most {settings.max_path_hops}", slug="limit-exceeded"
        )
    _visible(access, source, target)
    check_path_ends(access, source, target)
    view = access.named_view()
    kinds = _ties(ties)

    def search() -> bytes:
        result = introduction_paths(view, source, target, k, as_of=as_of, max_hops=hops, ties=kinds)
        if sources:
            payload = annotate_paths(state.store, view, result.model_dump(mode="json"))
            return json.dumps(payload, ensure_ascii=False).encode()
        # encoded once here: the default response path would validate the model again first
        return result.model_dump_json().encode()

    body = await run_bounded(search, state.path_lane)
    return Response(content=body, media_type="application/json")


@router.get(
    "/brokers",
    response_model=BrokersResult,
    dependencies=[ViewerDep],
    summary="People ranked by the paths they carry between two alliances or organizations",
)
async def brokers_between(
    state: StateDep, access: AccessDep, a: Id, b: Id, as_of: AsOf = None, ties: Ties = None
) -> BrokersResult:
    _visible(access, a, b)
    labels = {access.graph.nodes[n].get("label") for n in (a, b)}
    if not labels <= {"Alliance", "Organization"}:
        raise ProblemError(422, "brokers are found between alliances or organizations")
    view = access.named_view()
    kinds = _ties(ties)
    return await run_bounded(
        lambda: brokers(view, a, b, as_of=as_of, ties=kinds), state.heavy_lane
    )


@router.get(
    "/ego/{node_id}",
    response_model=EgoNetwork,
    dependencies=[ViewerDep],
    summary="The network around one node, to a depth",
)
async def ego(
    state: StateDep,
    access: AccessDep,
    node_id: Annotated[str, Path(max_length=200)],
    depth: Annotated[int, Query(ge=1)] = 1,
    as_of: AsOf = None,
) -> EgoNetwork:
    check_ego_depth(state, depth)
    _visible(access, node_id)
    need_present(access, node_id, as_of)
    view = access.named_view()
    return await run_bounded(
        lambda: ego_network(view, node_id, depth=depth, as_of=as_of), state.heavy_lane
    )


@router.get(
    "/profile",
    response_model=Profile,
    dependencies=[AnalystDep],
    summary="Who in an organization knows a partner or topic, and why",
)
async def profile_of(
    state: StateDep,
    access: AccessDep,
    target: Id,
    organization: Id,
    as_of: AsOf = None,
    ties: Ties = None,
) -> Profile:
    _visible(access, target, organization)
    if access.graph.nodes[target].get("label") not in ("Organization", "Topic"):
        raise ProblemError(422, "profile an organization or a topic")
    if access.graph.nodes[organization].get("label") != "Organization":
        raise ProblemError(422, "organization must be an organization id")
    view = access.named_view()
    kinds = _ties(ties)
    return await run_bounded(
        lambda: profile(view, target, organization, as_of=as_of, ties=kinds), state.heavy_lane
    )


@router.get(
    "/metrics",
    response_model=MetricsResult,
    dependencies=[AnalystDep],
    summary="Degree, betweenness (sampled on large graphs), PageRank, Burt's measures",
)
async def metrics(
    state: StateDep,
    access: AccessDep,
    top: Annotated[int, Query(ge=1, le=500)] = 50,
    as_of: AsOf = None,
    ties: Ties = None,
) -> MetricsResult:
    view = access.named_view()
    kinds = _ties(ties)
    return await run_bounded(
        lambda: network_metrics(view, top=top, as_of=as_of, ties=kinds), state.heavy_lane
    )
