"""Builders for the portfolio's alliances, their members, planted overlaps and co-opetition."""

from __future__ import annotations

from graph.vocabulary import AllianceForm, FundingModel, NodeLabel, RelType
from samples import names
from samples.builder import FOCAL_ID, Row, World


def add_alliances(w: World) -> None:
    """``60 * scale`` alliances of the focal organization, each addressing one to three topics.

    alliance-007/008 are hidden and alliance-009/010 counts-only (the sharing tests use them).
    """
    rng, b = w.rng, w.b
    forms = list(AllianceForm)
    for i in range(60 * w.scale):
        word = names.ALLIANCE_WORDS[i % len(names.ALLIANCE_WORDS)]
        row: Row = {
            "id": f"alliance-{i:03d}",
            "name": f"{rng.choice(names.ORG_CORES)} {word} {i}",
            "form": str(forms[i % len(forms)]),
            "status": "active",
            "funding_model": str(rng.choice(list(FundingModel))),
            "started": b.month(2015, 2023),
            "objective": f"Joint work on {names.TOPICS[i % len(w.alliance_topics)].lower()}",
        }
        if i in (7, 8):
            row["sharing"] = "hidden"
        elif i in (9, 10):
            row["sharing"] = "counts_only"
        alliance = b.node(NodeLabel.ALLIANCE, row)
        w.alliances.append(alliance)
        for topic in rng.sample(w.alliance_topics, rng.randint(1, 3)):
            b.rel(RelType.ADDRESSES, alliance, topic, weight=round(rng.uniform(0.4, 1), 2))
        b.rel(
            RelType.MEMBER_OF,
            FOCAL_ID,
            alliance,
            role="lead" if i % 3 == 0 else "member",
            joined=row["started"],
            cash_contribution=float(rng.randint(5, 200) * 1000),
            in_kind_contribution=float(rng.randint(0, 50) * 1000),
            currency="USD",
        )


def add_members(w: World) -> None:
    """Each alliance draws 5-12 members from its own slice of the non-competitor pool, so
    chance overlaps stay rare; overlaps and competitors are then planted on purpose."""
    rng, b = w.rng, w.b
    w.members = {a: set() for a in w.alliances}
    w.left = {a: set() for a in w.alliances}
    pool = list(w.non_competitors)
    rng.shuffle(pool)
    per = max(6, len(pool) // len(w.alliances))
    for i, alliance in enumerate(w.alliances):
        chunk = pool[i * per : (i + 1) * per]
        for org in rng.sample(chunk, min(len(chunk), rng.randint(5, 12))):
            w.members[alliance].add(org)
            b.rel(
                RelType.MEMBER_OF,
                org,
                alliance,
                role="member",
                joined=b.month(2016, 2024),
                cash_contribution=float(rng.randint(0, 80) * 1000),
                currency="USD",
            )


def plant_overlaps(w: World) -> list[list[str]]:
    """``4 * scale`` alliance pairs sharing four members; near-misses sharing three, one of
    whom left before the reference date. Returns the planted pairs."""
    rng, b, a = w.rng, w.b, w.alliances
    pairs = []
    for j in range(4 * w.scale):
        a1, a2 = a[2 * j], a[2 * j + 1]
        for org in rng.sample(sorted(w.members[a1]), 4):
            if b.rel(RelType.MEMBER_OF, org, a2, role="member", joined="2023-01"):
                w.members[a2].add(org)
        pairs.append(sorted([a1, a2]))
    for j in range(2 * w.scale):
        a1, a2 = a[-(2 * j + 1)], a[-(2 * j + 2)]
        shared = [o for o in sorted(w.members[a1]) if o not in w.members[a2]][:3]
        for k, org in enumerate(shared):
            extra = {"left": "2025-03"} if k == 0 else {}
            if b.rel(RelType.MEMBER_OF, org, a2, role="member", joined="2022-05", **extra):
                (w.left if k == 0 else w.members)[a2].add(org)
    return pairs


def plant_coopetition(w: World) -> tuple[list[dict[str, str]], list[str]]:
    """Competitors of the focal organization in ``4 * scale`` alliances; in ``3 * scale``
    more, a competitor who left before the reference date (must not be reported).

    Returns the planted cases and the competitors still unused.
    """
    b = w.b
    pool = list(w.competitors)
    w.rng.shuffle(pool)
    planted = []
    for alliance in w.block("coopetition", 4):
        org = pool.pop()
        b.rel(RelType.MEMBER_OF, org, alliance, role="member", joined="2022-01")
        w.members[alliance].add(org)
        planted.append({"alliance": alliance, "organization": org})
    for alliance in w.block("coopetition_left", 3):
        org = pool.pop()
        b.rel(RelType.MEMBER_OF, org, alliance, role="member", joined="2019-01", left="2024-12")
        w.left[alliance].add(org)
    return planted, pool
