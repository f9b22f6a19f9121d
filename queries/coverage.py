"""Data coverage: what is not recorded, and for how many alliances.

Missing data is not a finding. An alliance with no staff, funding or assessment recorded
tells the reader about the records, not about the alliance; listing forty "no manager"
gaps for a portfolio nobody entered staff for would bury the real findings. This section
says once, per kind of record, how many alliances lack it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pydantic import BaseModel, Field

from queries.money import Conversion
from queries.portfolio_context import Portfolio


class CoverageItem(BaseModel):
    """One kind of record and the alliances (or partners) it is missing for."""

    kind: str = Field(description="staff, funding, assessments, topics, partner_kinds, rates")
    missing: int
    of: int
    explanation: str
    subjects: list[str] = Field(description="the alliances (or partners) lacking the record")


def _item(kind: str, missing: list[str], of: int, what: str, means: str) -> CoverageItem:
    return CoverageItem(
        kind=kind,
        missing=len(missing),
        of=of,
        explanation=f"{what} not recorded for {len(missing)} of {of}. {means}",
        subjects=missing,
    )


def coverage(p: Portfolio, conversion: Conversion | None = None) -> list[CoverageItem]:
    """What is not recorded for the portfolio (only kinds missing somewhere are listed)."""
    n = len(p.alliances)
    out = []
    # kind, the records by alliance, what is not recorded, what that leaves unchecked
    checks: list[tuple[str, Mapping[str, Collection[object]], str, str]] = [
        (
            "staff",
            p.staff,
            "Staff roles (STAFFS) are",
            "Roles such as alliance manager cannot be checked for these alliances.",
        ),
        (
            "funding",
            p.funds,
            "Funding (FUNDS) is",
            "Money for managing these alliances and donor concentration cannot be checked.",
        ),
        (
            "assessments",
            p.assessments,
            "Assessments (never assessed) are",
            "Relational capital of these alliances is unknown: run the scorecard.",
        ),
        (
            "topics",
            p.topics,
            "Topics addressed (ADDRESSES) are",
            "Strategy fit and topic overlaps cannot be checked for these alliances.",
        ),
    ]
    for kind, records, what, means in checks:
        missing = [a for a in p.alliances if not records[a]]
        if missing:
            out.append(_item(kind, missing, n, what, means))
    partners = sorted({o for m in p.members.values() for o in m} - {p.focal})
    unclassified = [o for o in partners if o not in p.partner_kind]
    if partners and unclassified:
        out.append(
            CoverageItem(
                kind="partner_kinds",
                missing=len(unclassified),
                of=len(partners),
                explanation=f"Partner kind (competitor, supplier, customer, complementor) not "
                f"recorded for {len(unclassified)} of {len(partners)} partners. The partner mix "
                "is read from the classified ones only.",
                subjects=unclassified[:200],
            )
        )
    currencies = sorted({f.currency for a in p.alliances for f in p.funds[a]})
    when = p.reference_date
    if len(currencies) > 1:
        unconverted = (
            currencies
            if conversion is None
            else sorted(
                {
                    f.currency
                    for a in p.alliances
                    for f in p.funds[a]
                    if conversion.rate(f.currency, f.on(when)) is None
                }
            )
        )
        if unconverted:
            out.append(
                CoverageItem(
                    kind="rates",
                    missing=len(unconverted),
                    of=len(currencies),
                    explanation=f"Funding is recorded in {len(currencies)} currencies "
                    f"({', '.join(currencies)}) and no rate converts {', '.join(unconverted)}: "
                    "money is totalled per currency (set currency and rates to convert).",
                    subjects=unconverted,
                )
            )
    return out
