"""Maps as HTML pages, and the vis-network assets they load, all served from this machine."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, HTMLResponse

from api.access import Access
from api.deps import AccessDep, StateDep, ViewerDep
from api.problems import ProblemError, not_found
from graph.schema import CONFIDENTIAL_PROPERTIES
from queries.paths import introduction_paths
from queries.portfolio import build_report
from visualizations import (
    MapSpec,
    alliance_contacts_map,
    ego_map,
    finding_map,
    path_map,
    portfolio_map,
    render,
)
from visualizations.render import SERVED_CSP, asset_path

router = APIRouter(prefix="/maps", tags=["maps"])
AsOf = Annotated[date | None, Query(description="the network as of this date")]
Id = Annotated[str, Path(max_length=200)]
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "an interactive map"}
}
SECURITY_HEADERS = {
    # no inline script or style at all (the map's code is served as files), and no framing
    "Content-Security-Policy": SERVED_CSP + "; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _page(spec: MapSpec, access: Access) -> HTMLResponse:
    return HTMLResponse(render(spec, assets_url="/maps/assets"), headers=SECURITY_HEADERS)


def _options(access: Access) -> dict[str, Any]:
    hide = CONFIDENTIAL_PROPERTIES if access.confidential else frozenset()
    return {"hide": hide}


def _need(access: Access, node: str, label: str | None = None) -> None:
    if not access.can_see(node) or (label and access.graph.nodes[node].get("label") != label):
        raise not_found((label or "node").lower(), node)


@router.get("/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    path = asset_path(name)
    if path is None:
        raise ProblemError(404, f"no map asset {name!r}")
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(
        path,
        media_type=media,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/portfolio/{org}",
    response_class=HTMLResponse,
    responses=HTML,
    dependencies=[ViewerDep],
    summary="The focal organization, its alliances, their members and boundary networks",
)
def portfolio(org: Id, access: AccessDep, as_of: AsOf = None) -> HTMLResponse:
    _need(access, org, "Organization")
    return _page(portfolio_map(access.named_view(), org, as_of=as_of, **_options(access)), access)


@router.get(
    "/portfolio",
    response_class=HTMLResponse,
    responses=HTML,
    dependencies=[ViewerDep],
    summary="The focal organization's portfolio (the organization marked focal)",
)
def focal_portfolio(access: AccessDep, as_of: AsOf = None) -> HTMLResponse:
    view = access.named_view()
    focal = next(
        (
            n
            for n, d in view.nodes(data=True)
            if d.get("label") == "Organization" and d.get("focal")
        ),
        None,
    )
    if focal is None:
        raise ProblemError(404, "no organization is marked focal; use /maps/portfolio/{org}")
    return _page(portfolio_map(view, focal, as_of=as_of, **_options(access)), access)


@router.get("/ego/{node_id}", response_class=HTMLResponse, responses=HTML, dependencies=[ViewerDep])
def ego(
    node_id: Id,
    state: StateDep,
    access: AccessDep,
    depth: Annotated[int, Query(ge=1)] = 1,
    as_of: AsOf = None,
) -> HTMLResponse:
    if depth > state.settings.max_ego_depth:
        raise ProblemError(
            422, f"depth may be at most {state.settings.max_ego_depth}", slug="limit-exceeded"
        )
    _need(access, node_id)
    return _page(
        ego_map(access.named_view(), node_id, depth=depth, as_of=as_of, **_options(access)), access
    )


@router.get(
    "/path",
    response_class=HTMLResponse,
    responses=HTML,
    dependencies=[ViewerDep],
    summary="Who knows whom: the best introduction paths highlighted",
)
def path(
    access: AccessDep,
    source: Annotated[str, Query(max_length=200)],
    target: Annotated[str, Query(max_length=200)],
    k: Annotated[int, Query(ge=1, le=10)] = 3,
    as_of: AsOf = None,
) -> HTMLResponse:
    _need(access, source)
    _need(access, target)
    view = access.named_view()
    if {view.nodes[n].get("label") for n in (source, target)} - {"Person", "Organization"}:
        raise ProblemError(422, "paths run between people or organizations")
    result = introduction_paths(view, source, target, k, as_of=as_of)
    return _page(path_map(view, result, **_options(access)), access)


@router.get(
    "/alliance/{alliance}", response_class=HTMLResponse, responses=HTML, dependencies=[ViewerDep]
)
def alliance(alliance: Id, access: AccessDep, as_of: AsOf = None) -> HTMLResponse:
    _need(access, alliance, "Alliance")
    return _page(
        alliance_contacts_map(access.named_view(), alliance, as_of=as_of, **_options(access)),
        access,
    )


@router.get(
    "/finding/{org}/{kind}",
    response_class=HTMLResponse,
    responses=HTML,
    dependencies=[ViewerDep],
    summary="The evidence of one finding of the portfolio report highlighted",
)
def finding(
    org: Id,
    kind: Annotated[str, Path(max_length=60)],
    access: AccessDep,
    index: Annotated[int, Query(ge=0)] = 0,
    as_of: AsOf = None,
) -> HTMLResponse:
    _need(access, org, "Organization")
    view = access.named_view()
    chosen = [f for f in build_report(view, org, as_of).findings() if f.kind == kind]
    if index >= len(chosen):
        raise ProblemError(404, f"no {kind} finding #{index} for {org}")
    return _page(finding_map(view, chosen[index], **_options(access)), access)
