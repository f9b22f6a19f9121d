"""The full portfolio report: synergies, constraints, gaps, configuration and scorecards."""

from __future__ import annotations

import time
from datetime import date

import networkx as nx
from pydantic import BaseModel, Field

from queries.configuration import Measure, configuration
from queries.constraints import find_constraints
from queries.findings import Finding, ranked
from queries.gaps import find_gaps
from queries.portfolio_context import load_portfolio
from queries.scorecards import Contributions, Scorecard, contributions, scorecards
from queries.synergies import find_synergies


class PortfolioReport(BaseModel):
    """Everything an analyst asks of one focal organization's portfolio on one date."""

    focal: str
    focal_name: str
    as_of: str | None
    alliances: list[str]
    synergies: list[Finding]
    constraints: list[Finding]
    gaps: list[Finding]
    configuration: list[Measure]
    scorecards: list[Scorecard]
    contributions: list[Contributions]
    counts: dict[str, int] = Field(description="findings per kind")
    timings_ms: dict[str, float] = Field(default_factory=dict)

    def findings(self) -> list[Finding]:
        return [*self.synergies, *self.constraints, *self.gaps]


def build_report(
    graph: nx.MultiDiGraph,
    focal: str,
    as_of: date | None = None,
    **thresholds: object,
) -> PortfolioReport:
    """Run every analysis for ``focal`` as of ``as_of``; ``thresholds`` go to the analysis that
    names them (see docs/analytics.md for every one and its default)."""
    timings: dict[str, float] = {}

    def timed(name: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        timings[name] = round((time.perf_counter() - start) * 1000, 2)
        return result

    p = timed("load", load_portfolio, graph, focal, as_of)
    syn_keys = {
        "min_shared_members",
        "min_shared_networks",
        "min_shared_staff",
        "min_donor_alliances",
        "min_shared_topics",
        "top_partners",
    }
    con_keys = {"max_staff_roles", "max_memberships", "donor_share", "min_score", "min_decline"}
    gap_keys = {"min_partner_share", "stale_months", "roles", "seed"}
    unknown = set(thresholds) - syn_keys - con_keys - gap_keys
    if unknown:
        raise ValueError(f"unknown threshold(s): {', '.join(sorted(unknown))}")
    pick = lambda keys: {k: v for k, v in thresholds.items() if k in keys}  # noqa: E731
    syn = timed("synergies", find_synergies, p, **pick(syn_keys))
    con = timed("constraints", find_constraints, p, **pick(con_keys))
    gap = timed("gaps", find_gaps, p, **pick(gap_keys))
    conf = timed("configuration", configuration, p)
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
        configuration=conf,
        scorecards=cards,
        contributions=money,
        counts=counts,
        timings_ms=timings,
    )
