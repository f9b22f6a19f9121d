"""Portfolio analytics: synergies, constraints, gaps, the full report and scorecards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.access import Access
from api.deps import AccessDep, AnalystDep, AppState, StateDep
from api.problems import ProblemError, not_found
from graph.records import parse_rel_id
from queries.findings import Finding
from queries.portfolio import PortfolioReport, build_report
from queries.scorecards import Scorecard
from queries.settings import ReportSettings, parse_settings

router = APIRouter(prefix="/portfolio", tags=["portfolio"], dependencies=[AnalystDep])

OrgId = Annotated[str, Path(max_length=200, description="the focal organization's id")]


def _as_of(
    as_of: Annotated[
        str | None,
        Query(
            max_length=10,
            description="analyse the portfolio as it stood on this date (YYYY-MM-DD); "
            "default today; `all` for all of history",
        ),
    ] = None,
) -> date | None:
    """``as_of``: today when absent, ``None`` (all of history) for ``all``."""
    if as_of is None:
        return date.today()
    if as_of == "all":
        return None
    try:
        return date.fromisoformat(as_of)
    except ValueError:
        raise ProblemError(
            422, f"as_of expects a date such as 2025-06-30 or 'all', got {as_of!r}"
        ) from None


def _settings(request: Request) -> ReportSettings:
    """Report settings from query parameters named as the settings (docs/analytics.md);
    ``rates`` may repeat. A bad value is a 422 naming the setting."""
    raw: dict[str, object] = {}
    for name, value in request.query_params.multi_items():
        if name in ReportSettings.model_fields:
            raw[name] = f"{raw[name]},{value}" if name in raw else value
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
    """The report on what this key may see; anything naming a counts-only node is left out."""
    report = build_report(access.view(), org, as_of, settings)
    if not access.counts_only:
        return report
    return report.model_copy(
        update={
            "alliances": access.visible(report.alliances),
            "coverage": [
                c.model_copy(update={"subjects": access.visible(c.subjects)})
                for c in report.coverage
            ],
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
    summary="Synergies, constraints, gaps, data coverage, configuration, scorecards and money",
    description="Every setting of docs/analytics.md (min_shared_members, donor_share, "
    "currency, rates, ...) may be given as a query parameter of the same name; the report "
    "echoes the settings it used.",
)
def report(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> Response:
    # the serialised report is shared too: hundreds of kilobytes are not re-encoded per request
    body = state.results.get(
        (*_key(access, org, as_of, settings), "json"),
        lambda: report_for(state, access, org, as_of, settings).model_dump_json().encode(),
    )
    return Response(content=body, media_type="application/json")


@router.get("/{org}/synergies", response_model=list[Finding])
def synergies(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Finding]:
    return report_for(state, access, org, as_of, settings).synergies


@router.get("/{org}/constraints", response_model=list[Finding])
def constraints(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Finding]:
    return report_for(state, access, org, as_of, settings).constraints


@router.get("/{org}/gaps", response_model=list[Finding])
def gaps(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Finding]:
    return report_for(state, access, org, as_of, settings).gaps


@router.get(
    "/{org}/scorecards",
    response_model=list[Scorecard],
    summary="Relational-capital scores over time, with their trend",
)
def scorecards(
    org: OrgId, state: StateDep, access: AccessDep, settings: SettingsDep, as_of: AsOf
) -> list[Scorecard]:
    return report_for(state, access, org, as_of, settings).scorecards
