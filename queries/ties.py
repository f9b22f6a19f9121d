"""Tie strength that can be explained: an open formula, not a black-box score.

- A KNOWS tie with a stored ``strength`` is used as given.
- Otherwise strength comes from recorded interactions and their recency:
  ``strength = (1 - exp(-interactions / saturation)) * 0.5 ** (age_days / half_life_days)``,
  clipped to [``floor``, ``cap``] — ten interactions give 0.63 when fresh, and a tie loses
  half its strength every ``half_life_days`` (180 by default) without contact.
- Shared affiliations are ties too, each kind with its own default strength: colleagues at
  one organization, fellow board members, people staffing the same alliance, employees of
  organizations in one boundary network or one joint project.

>>> round(derived_strength(10, "2026-01", date(2026, 1, 31)), 2)
0.63
>>> round(derived_strength(10, "2025-07", date(2026, 1, 31), TieDefaults()), 2)
0.31
"""

from __future__ import annotations

import math
from datetime import date

from pydantic import BaseModel, Field

from graph.dates import period_end


class TieDefaults(BaseModel):
    """Every default of the tie model; each can be overridden per call."""

    colleague: float = Field(
        0.3, gt=0, le=1, description="two current employees of one organization"
    )
    board: float = Field(0.5, gt=0, le=1, description="two board members of one organization")
    co_staff: float = Field(0.4, gt=0, le=1, description="two people staffing one alliance")
    network: float = Field(
        0.1, gt=0, le=1, description="two employees of organizations in one boundary network"
    )
    project: float = Field(
        0.2, gt=0, le=1, description="two employees of organizations in one joint project"
    )
    knows_unknown: float = Field(0.2, gt=0, le=1, description="a KNOWS tie with nothing recorded")
    half_life_days: float = Field(180.0, gt=0)
    saturation: float = Field(10.0, gt=0, description="interactions at which strength is 63%")
    floor: float = Field(0.05, gt=0, le=1)
    cap: float = Field(0.95, gt=0, le=1)


def derived_strength(
    interactions: int | None,
    last_contact: str | None,
    as_of: date | None,
    defaults: TieDefaults | None = None,
) -> float:
    """Strength from interaction count and last contact (see the module docstring)."""
    d = defaults or TieDefaults()
    if not interactions:
        return d.knows_unknown
    frequency = 1 - math.exp(-interactions / d.saturation)
    recency = 1.0
    if last_contact and as_of is not None:
        age = max(0, (as_of - period_end(last_contact)).days)
        recency = 0.5 ** (age / d.half_life_days)
    return min(d.cap, max(d.floor, frequency * recency))


def knows_strength(
    data: dict[str, object], as_of: date | None, defaults: TieDefaults | None = None
) -> tuple[float, str]:
    """The strength of a KNOWS tie and where it came from (``stored`` or ``derived``)."""
    stored = data.get("strength")
    if isinstance(stored, int | float):
        return float(stored), "stored"
    interactions = data.get("interactions")
    last = data.get("last_contact")
    return (
        derived_strength(
            interactions if isinstance(interactions, int) else None,
            last if isinstance(last, str) else None,
            as_of or date.today(),
            defaults,
        ),
        "derived",
    )
