"""Portfolio analytics: synergies, constraints, gaps, the full report and scorecards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.access import Access
from api.deps import AccessDep, AnalystDep
from api.problems import not_found
from queries.findings import Finding
from queries.portfolio import PortfolioReport, build_report
from queries.scorecards import Scorecard

router = APIRouter(prefix="/portfolio", tags=["portfolio"], dependencies=[AnalystDep])

AsOf = Annotated[date | None, Query(description="analyse the portfolio as it stood on this date")]
OrgId = Annotated[str, Path(max_length=200, description="the focal organization's id")]


def report_for(access: Access, org: str, as_of: date | None) -> PortfolioReport:
    """The report on what this key may see; anything naming a counts-only node is left out."""
    if not access.can_see(org) or access.graph.nodes[org].get("label") != "Organization":
        raise not_found("organization", org)
    report = build_report(access.view(), org, as_of)
    if not access.counts_only:
        return report
    ok = lambda f: all(access.can_see(n) for n in [*f.subject, *f.evidence_nodes])  # noqa: E731
    return report.model_copy(
        update={
            "alliances": access.visible(report.alliances),
            "synergies": [f for f in report.synergies if ok(f)],
            "constraints": [f for f in report.constraints if ok(f)],
            "gaps": [f for f in report.gaps if ok(f)],
            "scorecards": [c for c in report.scorecards if access.can_see(c.alliance)],
            "contributions": [c for c in report.contributions if access.can_see(c.alliance)],
        }
    )


@router.get(
    "/{org}/report",
    response_model=PortfolioReport,
    summary="Synergies, constraints, gaps, configuration, scorecards and money",
)
def report(org: OrgId, access: AccessDep, as_of: AsOf = None) -> PortfolioReport:
    return report_for(access, org, as_of)


@router.get("/{org}/synergies", response_model=list[Finding])
def synergies(org: OrgId, access: AccessDep, as_of: AsOf = None) -> list[Finding]:
    return report_for(access, org, as_of).synergies


@router.get("/{org}/constraints", response_model=list[Finding])
def constraints(org: OrgId, access: AccessDep, as_of: AsOf = None) -> list[Finding]:
    return report_for(access, org, as_of).constraints


@router.get("/{org}/gaps", response_model=list[Finding])
def gaps(org: OrgId, access: AccessDep, as_of: AsOf = None) -> list[Finding]:
    return report_for(access, org, as_of).gaps


@router.get(
    "/{org}/scorecards",
    response_model=list[Scorecard],
    summary="Relational-capital scores over time, with their trend",
)
def scorecards(org: OrgId, access: AccessDep, as_of: AsOf = None) -> list[Scorecard]:
    return report_for(access, org, as_of).scorecards
