"""Every threshold and tie-strength parameter of the portfolio report, in one validated model.

The command line sets them with ``--set name=value`` and the API with query parameters of
the same names; the report echoes the settings it used. See docs/analytics.md for each.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from queries.money import Conversion, Rate, parse_rates

REQUIRED_ROLES = ("alliance_manager", "km_intermediary", "communications")


class ReportSettings(BaseModel):
    """The report's thresholds (defaults are the documented ones)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # synergies
    min_shared_members: int = Field(3, ge=1, description="partner_overlap: shared members")
    min_shared_networks: int = Field(3, ge=1, description="shared_networks: shared networks")
    min_shared_staff: int = Field(2, ge=1, description="shared_contacts: shared staff")
    min_donor_alliances: int = Field(2, ge=2, description="shared_donor: alliances funded")
    min_shared_topics: int = Field(2, ge=1, description="topic_overlap: shared topics")
    top_partners: int = Field(20, ge=0, description="complementary partners listed")
    min_capability_level: float = Field(0.5, ge=0, le=1, description="capability level counted")
    max_pairs_per_kind: int = Field(
        10,
        ge=1,
        description="pairwise synergies kept per kind (groups count once; partner overlaps: "
        "at least one per alliance of the portfolio)",
    )
    # constraints
    max_staff_roles: int = Field(4, ge=1, description="over_commitment: staff roles per person")
    max_memberships: int = Field(8, ge=1, description="over_commitment: alliances per partner")
    max_membership_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="over_commitment: share of the portfolio's alliances a partner must also "
        "pass (in 11 of 237 alliances is no concentration)",
    )
    donor_share: float = Field(0.5, gt=0, le=1, description="donor_concentration: share")
    min_score: float = Field(2.5, ge=0, le=5, description="weak_relational_capital: floor")
    min_decline: float = Field(0.75, ge=0, description="weak_relational_capital: total fall")
    max_focal_constraint: float = Field(
        0.5, gt=0, description="network_constraint: Burt's constraint above which to report"
    )
    # gaps
    min_partner_share: float = Field(0.1, ge=0, le=1, description="partner_mix: share")
    stale_months: int = Field(12, ge=1, description="stale_assessment: months")
    roles: tuple[str, ...] = Field(REQUIRED_ROLES, description="roles every alliance needs")
    seed: int = Field(7, description="structural_hole: label-propagation seed")
    min_community: int = Field(20, ge=2, description="structural_hole: community size")
    top_holes: int = Field(10, ge=0, description="structural_hole: communities listed")
    # tie strengths of the organization network (closeness, Burt's constraint)
    tie_shared_alliance: float = Field(1.0, gt=0, description="two orgs in one alliance")
    tie_shared_network: float = Field(0.5, ge=0, description="two orgs in one boundary network")
    tie_shared_project: float = Field(0.5, ge=0, description="two orgs in one project")
    # money
    currency: str | None = Field(
        None, pattern=r"^[A-Z]{3}$", description="report currency (needs rates)"
    )
    rates: tuple[Rate, ...] = Field((), description="CUR@YYYY-MM-DD=VALUE into the currency")

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        return (
            tuple(v.strip() for v in value.split(",") if v.strip())
            if isinstance(value, str)
            else value
        )

    @field_validator("rates", mode="before")
    @classmethod
    def _rates(cls, value: object) -> object:
        return parse_rates(value)

    def conversion(self) -> Conversion | None:
        """The conversion into the report currency, when one is set."""
        return Conversion(currency=self.currency, rates=list(self.rates)) if self.currency else None

    def keywords(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The named settings as keyword arguments: each analysis takes a setting under its
        own name (the groups below say which)."""
        return {name: getattr(self, name) for name in names}

    def changed(self) -> dict[str, Any]:
        """The settings that differ from their defaults (JSON-ready)."""
        return self.model_dump(mode="json", exclude_defaults=True)


# The settings each analysis of the report takes (currency and rates make the conversion).
SYNERGY_SETTINGS = (
    "min_shared_members",
    "min_shared_networks",
    "min_shared_staff",
    "min_donor_alliances",
    "min_shared_topics",
    "top_partners",
    "min_capability_level",
    "max_pairs_per_kind",
)
CONSTRAINT_SETTINGS = (
    "max_staff_roles",
    "max_memberships",
    "max_membership_share",
    "donor_share",
    "min_score",
    "min_decline",
    "max_focal_constraint",
)
GAP_SETTINGS = (
    "min_partner_share",
    "stale_months",
    "roles",
    "seed",
    "min_community",
    "top_holes",
)
TIE_SETTINGS = ("tie_shared_alliance", "tie_shared_network", "tie_shared_project")


def parse_settings(pairs: list[str] | dict[str, object] | None) -> ReportSettings:
    """Settings from ``name=value`` pairs (the CLI) or a mapping (the API); a bad name or
    value is a ``ValueError`` naming it and saying why."""
    raw: dict[str, object] = {}
    if isinstance(pairs, dict):
        raw = dict(pairs)
    else:
        for pair in pairs or []:
            name, sep, value = pair.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"a setting is name=value, got {pair!r}")
            raw[name.strip()] = value.strip()
    unknown = sorted(set(raw) - set(ReportSettings.model_fields))
    if unknown:
        raise ValueError(
            f"unknown setting(s): {', '.join(unknown)} "
            f"(known: {', '.join(sorted(ReportSettings.model_fields))})"
        )
    try:
        return ReportSettings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(x) for x in first["loc"])
        raise ValueError(f"setting {name}: {first['msg']} (got {first.get('input')!r})") from None
