"""The full portfolio report: synergies, constraints, gaps, data coverage, configuration,
scorecards and money, under one set of validated settings that the report echoes."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import networkx as nx
from pydantic import BaseModel, Field

from queries.configuration import Measure, configuration
from queries.constraints import find_constraints, focal_constraint
from queries.coverage import CoverageItem, coverage
from queries.findings import Finding, ranked
from queries.gaps import find_gaps
from queries.portfolio_context import load_portfolio
from queries.scorecards import Contributions, Scorecard, contributions, scorecards
from queries.settings import (
    CONSTRAINT_SETTINGS,
    GAP_SETTINGS,
    SYNERGY_SETTINGS,
    TIE_SETTINGS,
    ReportSettings,
    parse_settings,
)
from queries.synergies import find_synergies

T = TypeVar("T")


class PortfolioReport(BaseModel):
    """Everything an analyst asks of one focal organization's portfolio on one date."""

    focal: str
    focal_name: str
    as_of: str | None = Field(description="the date analysed; null: all of history")
    alliances: list[str]
    synergies: list[Finding]
    constraints: list[Finding]
    gaps: list[Finding]
    coverage: list[CoverageItem] = Field(
        default_factory=list, description="what is not recorded, for how many alliances"
    )
    configuration: list[Measure]
    scorecards: list[Scorecard]
    contributions: list[Contributions]
    counts: dict[str, int] = Field(description="findings per kind")
    omitted: dict[str, int] = Field(
        default_factory=dict, description="groups left out per capped kind (max_pairs_per_kind)"
    )
    settings: ReportSettings = Field(default_factory=ReportSettings, description="as used")
    timings_ms: dict[str, float] = Field(default_factory=dict)

    def findings(self) -> list[Finding]:
        return [*self.synergies, *self.constraints, *self.gaps]


def build_report(
    graph: nx.MultiDiGraph,
    focal: str,
    as_of: date | None = None,
    settings: ReportSettings | None = None,
    **thresholds: object,
) -> PortfolioReport:
    """Run every analysis for ``focal`` as of ``as_of`` (``None``: all of history) under
    ``settings``; keyword ``thresholds`` override single settings (see docs/analytics.md)."""
    if thresholds:
        unknown = sorted(set(thresholds) - set(ReportSettings.model_fields))
        if unknown:
            raise ValueError(f"unknown threshold(s): {', '.join(unknown)}")
        base = settings.model_dump(exclude_defaults=True) if settings else {}
        settings = parse_settings({**base, **thresholds})
    s = settings or ReportSettings()
    conv = s.conversion()
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        timings[name] = round((time.perf_counter() - start) * 1000, 2)
        return result

    p = timed("load", load_portfolio, graph, focal, as_of)
    omitted: dict[str, int] = {}
    ties = s.keywords(TIE_SETTINGS)
    syn = timed(
        "synergies",
        find_synergies,
        p,
        **s.keywords(SYNERGY_SETTINGS),
        conversion=conv,
        omitted=omitted,
    )
    measured = timed("network_constraint", focal_constraint, p, **ties)
    con = timed(
        "constraints",
        find_constraints,
        p,
        **s.keywords(CONSTRAINT_SETTINGS),
        conversion=conv,
        measured=measured,
        **ties,
    )
    gap = timed("gaps", find_gaps, p, **s.keywords(GAP_SETTINGS))
    cover = timed("coverage", coverage, p, conv)
    conf = timed("configuration", configuration, p, conv, measured[0])
    cards = timed("scorecards", scorecards, p)
    money = timed("contributions", contributions, p)
    counts: dict[str, int] = {}
    for f in [*syn, *con, *gap]:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    return PortfolioReport(
        focal=focal,
        focal_name=p.name(focal),
        as_of=as_of.isoformat() if as_of else None,
        alliances=p.alliances,
        synergies=ranked(syn),
        constraints=ranked(con),
        gaps=ranked(gap),
        coverage=cover,
        configuration=conf,
        scorecards=cards,
        contributions=money,
        counts=dict(sorted(counts.items())),
        omitted=dict(sorted(omitted.items())),
        settings=s,
        timings_ms=timings,
    )
