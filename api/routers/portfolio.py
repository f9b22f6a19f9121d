"""Portfolio analytics: synergies, constraints, gaps, the full report and scorecards."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.routing import APIRoute

from api.access import Access
from api.deps import AccessDep, AnalystDep, AppState, StateDep
from api.disclosure import withhold_single_hidden
from api.models import IsoDate
from api.problems import ProblemError, not_found
from api.work import run_bounded
from queries.findings import Finding
from queries.portfolio import PortfolioReport, build_report
from queries.scorecards import Scorecard
from queries.settings import ReportSettings, parse_settings

router = APIRouter(prefix="/portfolio", tags=["portfolio"], dependencies=[AnalystDep])

OrgId = Annotated[str, Path(max_length=200, description="the focal organization's id")]


def _as_of(
    as_of: Annotated[
        IsoDate | Literal["all", ""] | None,
        Query(
            description="analyse the portfolio as it stood on this date (YYYY-MM-DD); "
            "default (absent or empty) today; `all` for all of history",
        ),
    ] = None,
) -> date | None:
    """``as_of``: today when absent or empty (a cleared date field of the workbench's
    form), ``None`` (all of history) for ``all``."""
    if as_of is None or as_of == "":
        return date.today()
    if as_of == "all":
        return None
    return as_of


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route and its dependencies declare (``as_of``, ...)."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _settings(request: Request) -> ReportSettings:
    """Report settings from query parameters named as the settings (docs/analytics.md);
    ``rates`` may repeat. A bad value is a 422 naming the setting."""
    raw: dict[str, object] = {}
    route = request.scope.get("route")
    own = _query_names(route.dependant) if isinstance(route, APIRoute) else set()
    for name, value in request.query_params.multi_items():
        if name in ReportSettings.model_fields:
            raw[name] = f"{raw[name]},{value}" if name in raw else value
        elif name not in own:  # a misspelt setting must not be ignored without a word
            raise ProblemError(
                422,
                f"unknown setting {name!r}; the settings are "
                f"{', '.join(sorted(ReportSettings.model_fields))} (docs/analytics.md)",
            )
    try:
        return parse_settings(raw)
    except ValueError as exc:
        raise ProblemError(422, str(exc)) from None


AsOf = Annotated[date | None, Depends(_as_of)]
SettingsDep = Annotated[ReportSettings, Depends(_settings)]


def report_for(
    state: AppState,
    access: Access,
    org: str,
    as_of: date | None,
    settings: ReportSettings | None = None,
) -> PortfolioReport:
    """The report on what this key may see, computed once per store version, key, org,
    date and settings (see :mod:`api.result_cache`)."""
    s = settings or ReportSettings()
    return state.results.get(_key(access, org, as_of, s), lambda: _report(access, org, as_of, s))


def _key(
    access: Access, org: str, as_of: date | None, settings: ReportSettings
) -> tuple[object, ...]:
    """The report's cache key, once the key may see ``org`` (404 otherwise)."""
    if not access.can_see(org) or access.graph.nodes[org].get("label") != "Organization":
        raise not_found("organization", org)
    version = access.graph.graph.get("version")
    return (
        "report",
        id(access.graph),
        version,
        access.principal.key_id,
        org,
        as_of,
        settings.model_dump_json(),
    )


def _report(
    access: Access, org: str, as_of: date | None, settings: ReportSettings
) -> PortfolioReport:
    """The report on what this key may count, with nothing that names a counts-only node
    (see :meth:`api.access.Access.scrub`): those count in aggregates only."""
    report = build_report(access.view(), org, as_of, settings)
    if not access.counts_only:
        return report
    withhold_single_hidden(report.contributions, access.counts_only)
    return PortfolioReport.model_validate(access.scrub(report.model_dump(mode="json")))


async def _part(
    state: AppState, access: Access, org: str, as_of: date | None, settings: ReportSettings
) -> PortfolioReport:
    """The report, computed on the heavy lane (stopped if the request gives up)."""
    _key(access, org, as_of, settings)  # 404 before any work
    return await run_bounded(
        lambda: report_for(state, access, org, as_of, settings), state.heavy_lane
    )


@router.get(
    "/{org}/report",
    response_model=PortfolioReport,
    summary="Synergies, constraints, gaps, data coverage, configuration, scorecards and money",
    description="Every setting of docs/analytics.md (min_shared_members, donor_share, "
    "currency, rates, ...) may be given as a query parameter of the same name; the report "
    "echoes the settings it used.",
)
async def report(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> Response:
    key = (*_key(access, org, as_of, settings), "json")
    # the serialised report is shared too: hundreds of kilobytes are not re-encoded per request
    body = await run_bounded(
        lambda: state.results.get(
            key, lambda: report_for(state, access, org, as_of, settings).model_dump_json().encode()
        ),
        state.heavy_lane,
    )
    return Response(content=body, media_type="application/json")


@router.get("/{org}/synergies", response_model=list[Finding])
async def synergies(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Finding]:
    return (await _part(state, access, org, as_of, settings)).synergies


@router.get("/{org}/constraints", response_model=list[Finding])
async def constraints(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Finding]:
    return (await _part(state, access, org, as_of, settings)).constraints


@router.get("/{org}/gaps", response_model=list[Finding])
async def gaps(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Finding]:
    return (await _part(state, access, org, as_of, settings)).gaps


@router.get(
    "/{org}/scorecards",
    response_model=list[Scorecard],
    summary="Relational-capital scores over time, with their trend",
)
async def scorecards(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Scorecard]:
    return (await _part(state, access, org, as_of, settings)).scorecards
