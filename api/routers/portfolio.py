"""Portfolio analytics: synergies, constraints, gaps, the full report and scorecards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.access import Access
from api.deps import AccessDep, AnalystDep, AppState, StateDep
from api.models import IsoDate
from api.problems import not_found
from api.work import run_bounded
from queries.findings import Finding
from queries.portfolio import PortfolioReport, build_report
from queries.scorecards import Scorecard

router = APIRouter(prefix="/portfolio", tags=["portfolio"], dependencies=[AnalystDep])

AsOf = Annotated[
    IsoDate | None, Query(description="analyse the portfolio as it stood on this date")
]
OrgId = Annotated[str, Path(max_length=200, description="the focal organization's id")]


def report_for(state: AppState, access: Access, org: str, as_of: date | None) -> PortfolioReport:
    """The report on what this key may see, computed once per store version, key, org and
    date (see :mod:`api.result_cache`)."""
    return state.results.get(_key(access, org, as_of), lambda: _report(access, org, as_of))


def _key(access: Access, org: str, as_of: date | None) -> tuple[object, ...]:
    """The report's cache key, once the key may see ``org`` (404 otherwise)."""
    if not access.can_see(org) or access.graph.nodes[org].get("label") != "Organization":
        raise not_found("organization", org)
    version = access.graph.graph.get("version")
    return ("report", id(access.graph), version, access.principal.key_id, org, as_of)


def _report(access: Access, org: str, as_of: date | None) -> PortfolioReport:
    """The report on what this key may count, with nothing that names a counts-only node
    (see :meth:`api.access.Access.scrub`): those count in aggregates only."""
    report = build_report(access.view(), org, as_of)
    if not access.counts_only:
        return report
    return PortfolioReport.model_validate(access.scrub(report.model_dump(mode="json")))


async def _part(state: AppState, access: Access, org: str, as_of: date | None) -> PortfolioReport:
    """The report, computed on the heavy lane (stopped if the request gives up)."""
    _key(access, org, as_of)  # 404 before any work
    return await run_bounded(lambda: report_for(state, access, org, as_of), state.heavy_lane)


@router.get(
    "/{org}/report",
    response_model=PortfolioReport,
    summary="Synergies, constraints, gaps, configuration, scorecards and money",
)
async def report(org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None) -> Response:
    key = (*_key(access, org, as_of), "json")
    # the serialised report is shared too: hundreds of kilobytes are not re-encoded per request
    body = await run_bounded(
        lambda: state.results.get(
            key, lambda: report_for(state, access, org, as_of).model_dump_json().encode()
        ),
        state.heavy_lane,
    )
    return Response(content=body, media_type="application/json")


@router.get("/{org}/synergies", response_model=list[Finding])
async def synergies(
    org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None
) -> list[Finding]:
    return (await _part(state, access, org, as_of)).synergies


@router.get("/{org}/constraints", response_model=list[Finding])
async def constraints(
    org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None
) -> list[Finding]:
    return (await _part(state, access, org, as_of)).constraints


@router.get("/{org}/gaps", response_model=list[Finding])
async def gaps(org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None) -> list[Finding]:
    return (await _part(state, access, org, as_of)).gaps


@router.get(
    "/{org}/scorecards",
    response_model=list[Scorecard],
    summary="Relational-capital scores over time, with their trend",
)
async def scorecards(
    org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None
) -> list[Scorecard]:
    return (await _part(state, access, org, as_of)).scorecards
