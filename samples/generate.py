"""The sample portfolio: a seeded, realistic alliance portfolio with planted ground truth.

``generate_portfolio(scale, seed)`` builds a focal organization with about 60 alliances
(times ``scale``), 1,000 organizations across the four partner kinds, boundary networks,
5,000 people with KNOWS ties of varied strength, donors, topics, goals, projects and dated
assessments. Known synergies, constraints and gaps are planted, mixed with near-misses
that must not be reported (a competitor who left before the reference date, a score just
above the threshold, ...), and the truth of each kind is recorded in ``truth`` as of
``REFERENCE_DATE`` under the documented default thresholds.
"""

from __future__ import annotations

import random
from itertools import combinations
from typing import Any

from samples import activities, alliances, assessments, funding, organizations, people, realism
from samples.builder import (
    FOCAL_ID,
    REFERENCE_DATE,
    TRUTH_THRESHOLDS,
    Builder,
    SamplePortfolio,
    World,
)


def generate_portfolio(scale: int = 1, seed: int = 7) -> SamplePortfolio:
    """Build the sample portfolio ``scale`` times the base size; the same seed, the same data."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    truth: dict[str, Any] = {
        "reference_date": REFERENCE_DATE.isoformat(),
        "focal": FOCAL_ID,
        "scale": scale,
        "seed": seed,
        "thresholds": TRUTH_THRESHOLDS,
    }
    w = World(b=Builder(seed), scale=scale, truth=truth)
    organizations.add_topics(w)
    organizations.add_organizations(w)
    organizations.add_partner_kinds(w)
    organizations.add_capabilities(w)
    organizations.add_networks(w)
    alliances.add_alliances(w)
    alliances.add_members(w)
    overlap_pairs = alliances.plant_overlaps(w)
    coopetition, unused_rivals = alliances.plant_coopetition(w)
    funding.add_donors(w)
    no_mgmt_funding, donor_share = funding.add_funding(w)
    strategy_gaps = activities.add_goals(w)
    activities.add_projects(w)
    people.add_people(w)
    missing_manager, near_over = people.add_staffing(w)
    people.add_ties(w)
    planted = assessments.add_assessments(w)
    real = _realism(w, random.Random(seed * 7919 + 1), unused_rivals, coopetition)

    current = {a: w.members[a] - w.left[a] for a in w.alliances}
    overlaps = sorted(
        [a1, a2]
        for a1, a2 in combinations(w.alliances, 2)
        if len(current[a1] & current[a2]) >= TRUTH_THRESHOLDS["min_shared_members"]
    )
    truth["findings"] = {
        "partner_overlap": overlaps,
        "planted_partner_overlap": sorted(overlap_pairs),
        "coopetition": coopetition,
        "over_commitment": sorted(
            p for p, n in w.roles.items() if n > TRUTH_THRESHOLDS["max_staff_roles"]
        ),
        "missing_alliance_manager": sorted(missing_manager),
        "no_management_funding": sorted(no_mgmt_funding),
        "never_assessed": sorted(planted["never"] | set(real["sparse_alliances"])),
        "stale_assessment": sorted(planted["stale"]),
        "weak_relational_capital": sorted(planted["weak"] | planted["declining"]),
        "declining_relational_capital": sorted(planted["declining"]),
        "strategy_gap": strategy_gaps,
        "coopetition_candidate": real["coopetition_candidate"],
        "planted_rejoined_overlap": real["rejoined_overlap"],
        "donor_concentration": [w.donors[0]]
        if donor_share > TRUTH_THRESHOLDS["donor_share"]
        else [],
    }
    truth["near_misses"] = {
        "coopetition_left": sorted(w.blocks["coopetition_left"]),
        "relational_capital_just_above": sorted(planted["near_weak"]),
        "staff_roles_at_limit": [near_over],
        # what must NOT be reported (see samples/realism.py)
        "competitor_not_complementary": real["coopetition_candidate"],
        "foreign_currency_donors": real["foreign_currency_donors"],
        "sparse_alliances": real["sparse_alliances"],
        "focal_left_alliance": real["focal_left_alliance"],
        "namesake_of_competitor": real["namesakes"],
        "renamed": real["renamed"],
        "board_interlocks": real["board_interlocks"],
    }
    truth["donor_share"] = round(donor_share, 4)
    w.b.p.truth = truth
    return w.b.p


def _realism(
    w: World, rng: random.Random, unused_rivals: list[str], coopetition: list[dict[str, str]]
) -> dict[str, Any]:
    """The real-data cases of :mod:`samples.realism`, on their own random stream."""
    realism.strip_competitor_capabilities(w)
    rivals = sorted(unused_rivals)
    return {
        "coopetition_candidate": realism.plant_coopetition_candidates(w, rng, rivals),
        "foreign_currency_donors": realism.add_currencies(w, rng),
        "rejoined_overlap": realism.plant_rejoined(w, rng),
        "sparse_alliances": realism.add_sparse_alliances(w, rng),
        "focal_left_alliance": realism.add_left_alliances(w, rng, rivals),
        "renamed": realism.rename_organizations(
            w, rng, [c["organization"] for c in coopetition[: w.scale]]
        ),
        "namesakes": realism.add_namesakes(w, rng),
        "board_interlocks": realism.add_board_interlocks(w, rng),
    }
