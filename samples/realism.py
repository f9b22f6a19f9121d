"""Builders that make the sample behave like real data, each with its planted truth and
what must NOT be reported:

- money in several currencies (EUR and JPY donors whose nominal amounts dwarf USD: added
  as one currency they would look like the dominant donors);
- ended and rejoined memberships (a member who left and came back counts as current);
  an alliance the focal organization left (not in today's portfolio);
- alliances with no staff, funding or assessments recorded (data coverage, not findings);
- renamed organizations (the former name is an alias, never reported as another party);
- competitors with capabilities (co-opetition candidates, never complementary partners);
- identically named organizations (a competitor's namesake is not a competitor);
- a board-interlock network (board seats are not staff roles: no over-commitment).

They draw from their own random stream, so the rest of the sample stays as it was.
"""

from __future__ import annotations

import random
from typing import Any

from graph.vocabulary import NodeLabel, PartnerKind, RelType
from samples import names
from samples.builder import FOCAL_ID, Row, World


def _row(w: World, label: NodeLabel, ident: str) -> Row:
    return next(r for r in w.b.p.nodes[str(label)] if r["id"] == ident)


def strip_competitor_capabilities(w: World) -> None:
    """Drop chance capabilities of recorded competitors, so the planted co-opetition
    candidates are the only ones (their truth is then exact)."""
    rivals = set(w.competitors)
    key = str(RelType.HAS_CAPABILITY)
    w.b.p.relationships[key] = [r for r in w.b.p.relationships[key] if r["source"] not in rivals]


def plant_coopetition_candidates(w: World, rng: random.Random, unused: list[str]) -> list[str]:
    """``scale`` competitors outside the portfolio with strong capabilities on topics the
    alliances address: co-opetition candidates, never complementary partners."""
    addressed = sorted({r["target"] for r in w.b.p.relationships[str(RelType.ADDRESSES)]})
    planted = sorted(unused[: w.scale])
    del unused[: w.scale]
    for org in planted:
        for topic in rng.sample(addressed, 3):
            w.b.rel(RelType.HAS_CAPABILITY, org, topic, level=0.9)
    return planted


def add_currencies(w: World, rng: random.Random) -> list[str]:
    """Three EUR and three JPY donors funding ``4 * scale`` alliances each, with balanced
    totals (none dominates its currency). Returns the donors (none is a concentration)."""
    donors = []
    for currency, low, high in (("EUR", 40_000, 160_000), ("JPY", 20_000_000, 40_000_000)):
        for k in range(3):
            donor = w.b.node(
                NodeLabel.ORGANIZATION,
                {
                    "id": f"donor-{currency.lower()}-{k}",
                    "name": f"{rng.choice(names.ORG_CORES)} {currency} Fund {k}",
                    "industry": "philanthropy",
                    "country": "JP" if currency == "JPY" else "DE",
                },
            )
            donors.append(donor)
            for alliance in rng.sample(w.alliances, 4 * w.scale):
                w.b.rel(
                    RelType.FUNDS,
                    donor,
                    alliance,
                    key="2025",
                    amount=float(rng.randint(low // 1000, high // 1000) * 1000),
                    currency=currency,
                    year=2025,
                    purpose="programme",
                )
    return donors


def plant_rejoined(w: World, rng: random.Random) -> list[list[str]]:
    """``2 * scale`` alliance pairs sharing three current members, one of whom left the
    second alliance in 2021 and rejoined in 2023 (EUR contributions): a real overlap."""
    pairs = []
    block = w.block("rejoined_overlap", 4)
    for j in range(0, len(block), 2):
        a1, a2 = block[j], block[j + 1]
        shared = [o for o in sorted(w.members[a1]) if o not in w.members[a2]][:3]
        for k, org in enumerate(shared):
            if k == 0:
                w.b.rel(
                    RelType.MEMBER_OF,
                    org,
                    a2,
                    key="2019",
                    role="member",
                    joined="2019-01",
                    left="2021-06",
                )
                w.b.rel(
                    RelType.MEMBER_OF,
                    org,
                    a2,
                    key="2023",
                    role="member",
                    joined="2023-03",
                    cash_contribution=float(rng.randint(5, 50) * 1000),
                    currency="EUR",
                )
            else:
                w.b.rel(RelType.MEMBER_OF, org, a2, role="member", joined="2022-02")
            w.members[a2].add(org)
        pairs.append(sorted([a1, a2]))
    return pairs


def _new_alliance(w: World, rng: random.Random, ident: str, name: str, **props: Any) -> str:
    topic = rng.choice(w.alliance_topics)
    alliance = w.b.node(
        NodeLabel.ALLIANCE,
        {"id": ident, "name": name, "form": "coalition", "status": "active", "started": "2020-01"},
    )
    w.b.rel(RelType.ADDRESSES, alliance, topic, weight=0.8)
    w.b.rel(RelType.MEMBER_OF, FOCAL_ID, alliance, role="member", joined="2020-01", **props)
    return alliance


def add_sparse_alliances(w: World, rng: random.Random) -> list[str]:
    """``3 * scale`` alliances with members and a topic but no staff, funding or assessment
    recorded (a treaty portfolio): coverage, never per-alliance findings."""
    sparse = []
    for k in range(3 * w.scale):
        alliance = _new_alliance(w, rng, f"alliance-sparse-{k:03d}", f"Treaty Coalition {k}")
        for i in range(5):
            org = w.b.node(
                NodeLabel.ORGANIZATION,
                {"id": f"org-sparse-{k:03d}-{i}", "name": f"Ministry {k}.{i}", "country": "KE"},
            )
            w.b.rel(RelType.MEMBER_OF, org, alliance, role="member", joined="2020-01")
        sparse.append(alliance)
    return sparse


def add_left_alliances(w: World, rng: random.Random, unused: list[str]) -> list[str]:
    """``scale`` alliances the focal organization left in 2024, each with a competitor as a
    current member: not in today's portfolio, so no finding about them."""
    left = []
    for k in range(w.scale):
        alliance = _new_alliance(
            w, rng, f"alliance-left-{k:03d}", f"Former Partnership {k}", left="2024-06"
        )
        w.b.rel(RelType.MEMBER_OF, unused.pop(), alliance, role="member", joined="2021-01")
        left.append(alliance)
    return left


def rename_organizations(w: World, rng: random.Random, orgs: list[str]) -> list[dict[str, str]]:
    """Give ``orgs`` a new name, the former one kept as an alias: reports use the new name."""
    renamed = []
    for org in orgs:
        row = _row(w, NodeLabel.ORGANIZATION, org)
        former = str(row["name"])
        row["name"] = f"{rng.choice(names.ORG_CORES)} Renewed {org[-3:]}"
        row["aliases"] = [*row.get("aliases", []), former]
        renamed.append({"id": org, "former": former, "name": row["name"]})
    return renamed


def add_namesakes(w: World, rng: random.Random) -> list[dict[str, str]]:
    """``scale`` pairs of organizations with one name and different countries: one a recorded
    competitor outside the portfolio, the other a member. The member is no competitor."""
    cases = []
    free = w.blocks["rejoined_overlap"]  # alliances with no coopetition planted
    for k in range(w.scale):
        name = f"{rng.choice(names.ORG_CORES)} Meridian Systems"
        rival = w.b.node(
            NodeLabel.ORGANIZATION, {"id": f"org-twin-{k:03d}-jp", "name": name, "country": "JP"}
        )
        w.b.rel(RelType.RELATES_TO, FOCAL_ID, rival, kind=str(PartnerKind.COMPETITOR))
        twin = w.b.node(
            NodeLabel.ORGANIZATION, {"id": f"org-twin-{k:03d}-br", "name": name, "country": "BR"}
        )
        alliance = free[k % len(free)]
        w.b.rel(RelType.MEMBER_OF, twin, alliance, role="member", joined="2021-05")
        w.members[alliance].add(twin)
        cases.append({"alliance": alliance, "organization": twin, "namesake": rival})
    return cases


def add_board_interlocks(w: World, rng: random.Random) -> list[dict[str, Any]]:
    """``5 * scale`` people with no staff role, each on the boards of three portfolio members
    (current): a board-interlock network. Board seats are not staff roles."""
    partners = sorted({o for a in w.alliances for o in w.members[a]})
    free = [p for p in w.people if not w.roles.get(p) and w.employer[p] != FOCAL_ID]
    out = []
    for pid in sorted(rng.sample(free, 5 * w.scale)):
        boards = sorted(rng.sample(partners, 3))
        for org in boards:
            w.b.rel(RelType.WORKS_AT, pid, org, since="2022", kind="board", title="Board member")
        out.append({"person": pid, "boards": boards})
    return out
