"""Portfolio analytics: synergies, constraints, gaps, the full report and scorecards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.access import Access
from api.deps import AccessDep, AnalystDep, AppState, StateDep
from api.problems import not_found
from graph.records import parse_rel_id
from queries.findings import Finding
from queries.portfolio import PortfolioReport, build_report
from queries.scorecards import Scorecard

router = APIRouter(prefix="/portfolio", tags=["portfolio"], dependencies=[AnalystDep])

AsOf = Annotated[date | None, Query(description="analyse the portfolio as it stood on this date")]
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
    """The report on what this key may see; anything naming a counts-only node is left out."""
    report = build_report(access.view(), org, as_of)
    if not access.counts_only:
        return report
    return report.model_copy(
        update={
            "alliances": access.visible(report.alliances),
            "synergies": _visible_findings(access, report.synergies),
            "constraints": _visible_findings(access, report.constraints),
            "gaps": _visible_findings(access, report.gaps),
            "scorecards": [c for c in report.scorecards if access.can_see(c.alliance)],
            "contributions": [c for c in report.contributions if access.can_see(c.alliance)],
            "configuration": [
                m.model_copy(
                    update={
                        "drivers": access.visible(m.drivers),
                        "distribution": {
                            k: v
                            for k, v in m.distribution.items()
                            if k not in access.graph or access.can_see(k)
                        },
                    }
                )
                for m in report.configuration
            ],
        }
    )


def _visible_findings(access: Access, findings: list[Finding]) -> list[Finding]:
    """Findings about what the key may see, their evidence trimmed to what it may see.

    A finding about a counts-only node is dropped; a visible finding keeps its score (the
    aggregate) but names no counts-only node in its evidence.
    """
    out = []
    for f in findings:
        if not all(access.can_see(n) for n in f.subject):
            continue
        rels = [
            r
            for r in f.evidence_relationships
            if (p := parse_rel_id(r)) and access.can_see(p[0]) and access.can_see(p[2])
        ]
        out.append(
            f.model_copy(
                update={
                    "evidence_nodes": access.visible(f.evidence_nodes),
                    "evidence_relationships": rels,
                }
            )
        )
    return out


@router.get(
    "/{org}/report",
    response_model=PortfolioReport,
    summary="Synergies, constraints, gaps, configuration, scorecards and money",
)
def report(org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None) -> Response:
    # the serialised report is shared too: hundreds of kilobytes are not re-encoded per request
    body = state.results.get(
        (*_key(access, org, as_of), "json"),
        lambda: report_for(state, access, org, as_of).model_dump_json().encode(),
    )
    return Response(content=body, media_type="application/json")


@router.get("/{org}/synergies", response_model=list[Finding])
def synergies(org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None) -> list[Finding]:
    return report_for(state, access, org, as_of).synergies


@router.get("/{org}/constraints", response_model=list[Finding])
def constraints(
    org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None
) -> list[Finding]:
    return report_for(state, access, org, as_of).constraints


@router.get("/{org}/gaps", response_model=list[Finding])
def gaps(org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None) -> list[Finding]:
    return report_for(state, access, org, as_of).gaps


@router.get(
    "/{org}/scorecards",
    response_model=list[Scorecard],
    summary="Relational-capital scores over time, with their trend",
)
def scorecards(
    org: OrgId, state: StateDep, access: AccessDep, as_of: AsOf = None
) -> list[Scorecard]:
    return report_for(state, access, org, as_of).scorecards
