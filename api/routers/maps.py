"""Maps as HTML pages, and the vis-network assets they load, all served from this machine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.types import DecoratedCallable

from api.access import Access
from api.deps import AccessDep, AppState, StateDep, ViewerDep
from api.models import IsoDate
from api.problems import ProblemError, not_found
from api.routers.paths import check_ego_depth, check_path_ends, need_present
from api.routers.portfolio import AsOf as ReportAsOf
from api.routers.portfolio import report_for
from api.work import run_bounded
from graph.schema import CONFIDENTIAL_PROPERTIES
from queries.paths import introduction_paths
from queries.portfolio_context import marked_focal
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
AsOf = Annotated[IsoDate | None, Query(description="the network as of this date")]
Id = Annotated[str, Path(max_length=200)]
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "an interactive map"}
}
SECURITY_HEADERS = {
    # no inline script or style at all (the map's code is served as files), and no framing
    "Content-Security-Policy": SERVED_CSP + "; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _map_route(
    path: str, summary: str | None = None
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declare a map page: open to viewers and up, answered as one HTML page (every map
    route is declared alike)."""
    return router.get(
        path,
        response_class=HTMLResponse,
        responses=HTML,
        dependencies=[ViewerDep],
        summary=summary,
    )


def _page(spec: MapSpec, access: Access) -> HTMLResponse:
    # "data loaded" is when the served projection last took the store's data in (built or
    # followed a write), the same on every page of that version, not the time of drawing
    built = access.graph.graph.get("built_at")
    loaded = datetime.fromtimestamp(built, UTC) if built is not None else None
    page = render(spec, assets_url="/maps/assets", loaded_at=loaded)
    return HTMLResponse(page, headers=SECURITY_HEADERS)


def map_options(access: Access) -> dict[str, Any]:
    """The map builders' options for this key: a viewer's map never carries a confidential
    field (the served maps and the browser app's maps share this one rule)."""
    hide = CONFIDENTIAL_PROPERTIES if access.confidential else frozenset()
    return {"hide": hide}


async def _draw(state: AppState, access: Access, build: Callable[[], MapSpec]) -> HTMLResponse:
    """Build and render a map on the heavy lane (stopped if the request gives up)."""
    return await run_bounded(lambda: _page(build(), access), state.heavy_lane)


def _need(access: Access, node: str, label: str | None = None) -> None:
    if not access.is_a(node, label):
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


@_map_route(
    "/portfolio/{org}",
    summary="The focal organization, its alliances, their members and boundary networks",
)
async def portfolio(
    org: Id, state: StateDep, access: AccessDep, as_of: AsOf = None
) -> HTMLResponse:
    _need(access, org, "Organization")
    view = access.named_view()
    return await _draw(
        state, access, lambda: portfolio_map(view, org, as_of=as_of, **map_options(access))
    )


@_map_route(
    "/portfolio", summary="The focal organization's portfolio (the organization marked focal)"
)
async def focal_portfolio(state: StateDep, access: AccessDep, as_of: AsOf = None) -> HTMLResponse:
    view = access.named_view()
    focal = marked_focal(view)
    if focal is None:
        raise ProblemError(404, "no organization is marked focal; use /maps/portfolio/{org}")
    return await _draw(
        state, access, lambda: portfolio_map(view, focal, as_of=as_of, **map_options(access))
    )


@_map_route("/ego/{node_id}")
async def ego(
    node_id: Id,
    state: StateDep,
    access: AccessDep,
    depth: Annotated[int, Query(ge=1)] = 1,
    as_of: AsOf = None,
) -> HTMLResponse:
    check_ego_depth(state, depth)
    _need(access, node_id)
    need_present(access, node_id, as_of)
    view = access.named_view()
    return await _draw(
        state,
        access,
        lambda: ego_map(view, node_id, depth=depth, as_of=as_of, **map_options(access)),
    )


@_map_route("/path", summary="Who knows whom: the best introduction paths highlighted")
async def path(
    state: StateDep,
    access: AccessDep,
    source: Annotated[str, Query(max_length=200)],
    target: Annotated[str, Query(max_length=200)],
    k: Annotated[int, Query(ge=1, le=10)] = 3,
    as_of: AsOf = None,
) -> HTMLResponse:
    _need(access, source)
    _need(access, target)
    check_path_ends(access, source, target)
    view = access.named_view()
    return await _draw(
        state,
        access,
        lambda: path_map(
            view, introduction_paths(view, source, target, k, as_of=as_of), **map_options(access)
        ),
    )


@_map_route("/alliance/{alliance}")
async def alliance(
    alliance: Id, state: StateDep, access: AccessDep, as_of: AsOf = None
) -> HTMLResponse:
    _need(access, alliance, "Alliance")
    view = access.named_view()
    return await _draw(
        state,
        access,
        lambda: alliance_contacts_map(view, alliance, as_of=as_of, **map_options(access)),
    )


@_map_route(
    "/finding/{org}/{kind}",
    summary="The evidence of one finding of the portfolio report highlighted",
)
async def finding(
    org: Id,
    kind: Annotated[str, Path(max_length=60)],
    state: StateDep,
    access: AccessDep,
    as_of: ReportAsOf,
    index: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    _need(access, org, "Organization")
    view = access.named_view()
    # the same report the portfolio routes answer, on the same view of the graph
    report = await run_bounded(lambda: report_for(state, access, org, as_of), state.heavy_lane)
    chosen = [f for f in report.findings() if f.kind == kind]
    if index >= len(chosen):
        raise ProblemError(404, f"no {kind} finding #{index} for {org}")
    chosen_one = chosen[index]
    return await _draw(state, access, lambda: finding_map(view, chosen_one, **map_options(access)))
