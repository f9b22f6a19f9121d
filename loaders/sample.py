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

import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

from graph.store import GraphStore
from graph.vocabulary import AllianceForm, FundingModel, NodeLabel, PartnerKind, RelType
from loaders import sample_names as names

FORMAT = "alliancegraph-portfolio"
REFERENCE_DATE = date(2026, 6, 30)
FOCAL_ID = "org-focal"
#: Thresholds under which the truth is recorded (the analytics' documented defaults).
TRUTH_THRESHOLDS = {
    "min_shared_members": 3,
    "max_staff_roles": 4,
    "min_score": 2.5,
    "stale_months": 12,
    "donor_share": 0.5,
}

Row = dict[str, Any]


@dataclass
class SamplePortfolio:
    """Rows per label and type, in the portfolio JSON format, and the planted truth."""

    nodes: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    relationships: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    truth: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The portfolio as one JSON-ready document (see docs/loaders.md)."""
        return {
            "format": FORMAT,
            "version": 1,
            "nodes": {k: v for k, v in self.nodes.items() if v},
            "relationships": {k: v for k, v in self.relationships.items() if v},
        }


class _Builder:
    """Accumulates rows while keeping ids unique and relationships deduplicated."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.p = SamplePortfolio()
        self._rel_keys: set[tuple[str, str, str, str]] = set()

    def node(self, label: NodeLabel, row: Row) -> str:
        self.p.nodes[str(label)].append(row)
        return str(row["id"])

    def rel(self, type_: RelType, source: str, target: str, **props: Any) -> bool:
        key = str(props.get("key", ""))
        ident = (str(type_), source, target, key)
        if ident in self._rel_keys or source == target:
            return False
        self._rel_keys.add(ident)
        self.p.relationships[str(type_)].append({"source": source, "target": target, **props})
        return True

    def month(self, first: int, last: int) -> str:
        return f"{self.rng.randint(first, last)}-{self.rng.randint(1, 12):02d}"


def generate_portfolio(scale: int = 1, seed: int = 7) -> SamplePortfolio:
    """Build the sample portfolio ``scale`` times the base size; the same seed, the same data."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    b = _Builder(seed)
    rng = b.rng
    truth: dict[str, Any] = {
        "reference_date": REFERENCE_DATE.isoformat(),
        "focal": FOCAL_ID,
        "scale": scale,
        "seed": seed,
        "thresholds": TRUTH_THRESHOLDS,
    }

    topics = [
        b.node(NodeLabel.TOPIC, {"id": f"topic-{i:03d}", "name": t})
        for i, t in enumerate(names.TOPICS)
    ]
    orphan_topics = topics[-2:]  # needed by goals, addressed by no alliance
    alliance_topics = topics[:-2]

    b.node(
        NodeLabel.ORGANIZATION,
        {
            "id": FOCAL_ID,
            "name": "Northwind Foundation",
            "focal": True,
            "aliases": ["Northwind", "Fundación Northwind"],
            "industry": "philanthropy",
        },
    )
    orgs: list[str] = []
    for i in range(1000 * scale):
        core = rng.choice(names.ORG_CORES)
        kind = rng.choice(names.ORG_KINDS)
        suffix = rng.choice(names.LEGAL_SUFFIXES)
        name = f"{core} {kind} {suffix}".strip() + ("" if i < 900 * scale else f" {i}")
        row: Row = {
            "id": f"org-{i:05d}",
            "name": name,
            "industry": rng.choice(names.INDUSTRIES),
            "country": rng.choice(["DE", "FR", "KE", "BR", "IN", "US", "JP", "ES", "NG"]),
        }
        if rng.random() < 0.15:
            row["aliases"] = [f"{core} {kind}", f"{core.upper()} {kind[:3].upper()}"]
        orgs.append(b.node(NodeLabel.ORGANIZATION, row))

    # partner kinds relative to the focal organization
    kinds = [
        PartnerKind.COMPETITOR,
        PartnerKind.SUPPLIER,
        PartnerKind.CUSTOMER,
        PartnerKind.COMPLEMENTOR,
    ]
    partner_kind: dict[str, str] = {}
    for org in orgs:
        if rng.random() < 0.4:
            kind_ = rng.choices(kinds, weights=[3, 2, 2, 3])[0]
            partner_kind[org] = str(kind_)
            b.rel(RelType.RELATES_TO, FOCAL_ID, org, kind=str(kind_))
    competitors = [o for o, k in partner_kind.items() if k == PartnerKind.COMPETITOR]
    non_competitors = [o for o in orgs if partner_kind.get(o) != PartnerKind.COMPETITOR]

    for org in rng.sample(orgs, 120 * scale):
        for topic in rng.sample(topics, rng.randint(1, 3)):
            b.rel(RelType.HAS_CAPABILITY, org, topic, level=round(rng.uniform(0.3, 1.0), 2))

    networks = []
    for i in range(20 * scale):
        base = names.NETWORK_NAMES[i % len(names.NETWORK_NAMES)]
        networks.append(
            b.node(
                NodeLabel.NETWORK,
                {
                    "id": f"net-{i:03d}",
                    "name": f"{base} {i // len(names.NETWORK_NAMES) + 1}",
                    "kind": names.NETWORK_KINDS[i % len(names.NETWORK_KINDS)],
                },
            )
        )
    for org in rng.sample(orgs, 400 * scale):
        for net in rng.sample(networks, rng.randint(1, 2)):
            b.rel(RelType.BELONGS_TO, org, net, since=str(rng.randint(2012, 2024)))

    # alliances of the focal organization's portfolio
    n_alliances = 60 * scale
    alliances = []
    forms = list(AllianceForm)
    for i in range(n_alliances):
        word = names.ALLIANCE_WORDS[i % len(names.ALLIANCE_WORDS)]
        row = {
            "id": f"alliance-{i:03d}",
            "name": f"{rng.choice(names.ORG_CORES)} {word} {i}",
            "form": str(forms[i % len(forms)]),
            "status": "active",
            "funding_model": str(rng.choice(list(FundingModel))),
            "started": b.month(2015, 2023),
            "objective": f"Joint work on {names.TOPICS[i % len(alliance_topics)].lower()}",
        }
        if i in (7, 8):
            row["sharing"] = "hidden"
        elif i in (9, 10):
            row["sharing"] = "counts_only"
        alliances.append(b.node(NodeLabel.ALLIANCE, row))
        for topic in rng.sample(alliance_topics, rng.randint(1, 3)):
            b.rel(RelType.ADDRESSES, alliances[-1], topic, weight=round(rng.uniform(0.4, 1), 2))
        b.rel(
            RelType.MEMBER_OF,
            FOCAL_ID,
            alliances[-1],
            role="lead" if i % 3 == 0 else "member",
            joined=row["started"],
            cash_contribution=float(rng.randint(5, 200) * 1000),
            in_kind_contribution=float(rng.randint(0, 50) * 1000),
            currency="USD",
        )

    # planted cases take disjoint blocks of alliances after the 8*scale used for overlaps,
    # so that no two planted kinds ever land on one alliance at any scale
    blocks: dict[str, list[str]] = {}
    cursor_block = [8 * scale]

    def block(name: str, per_scale: int) -> list[str]:
        start = cursor_block[0]
        cursor_block[0] += per_scale * scale
        blocks[name] = alliances[start : cursor_block[0]]
        return blocks[name]

    # members: each alliance draws from its own slice of the non-competitor pool so that
    # chance overlaps stay rare; overlaps and competitors are then planted on purpose
    members: dict[str, set[str]] = {a: set() for a in alliances}
    left: dict[str, set[str]] = {a: set() for a in alliances}
    pool = list(non_competitors)
    rng.shuffle(pool)
    per = max(6, len(pool) // n_alliances)
    for i, alliance in enumerate(alliances):
        chunk = pool[i * per : (i + 1) * per]
        for org in rng.sample(chunk, min(len(chunk), rng.randint(5, 12))):
            members[alliance].add(org)
            b.rel(
                RelType.MEMBER_OF,
                org,
                alliance,
                role="member",
                joined=b.month(2016, 2024),
                cash_contribution=float(rng.randint(0, 80) * 1000),
                currency="USD",
            )

    overlap_pairs = []
    for j in range(4 * scale):
        a1, a2 = alliances[2 * j], alliances[2 * j + 1]
        shared = rng.sample(sorted(members[a1]), 4)
        for org in shared:
            if b.rel(RelType.MEMBER_OF, org, a2, role="member", joined="2023-01"):
                members[a2].add(org)
        overlap_pairs.append(sorted([a1, a2]))
    for j in range(2 * scale):  # near-miss: three shared, but one left before the reference date
        a1, a2 = alliances[-(2 * j + 1)], alliances[-(2 * j + 2)]
        shared = [o for o in sorted(members[a1]) if o not in members[a2]][:3]
        for k, org in enumerate(shared):
            extra = {"left": "2025-03"} if k == 0 else {}
            if b.rel(RelType.MEMBER_OF, org, a2, role="member", joined="2022-05", **extra):
                (left if k == 0 else members)[a2].add(org)

    coopetition = []
    comp_pool = list(competitors)
    rng.shuffle(comp_pool)
    planted = block("coopetition", 4)
    for alliance in planted:
        org = comp_pool.pop()
        b.rel(RelType.MEMBER_OF, org, alliance, role="member", joined="2022-01")
        members[alliance].add(org)
        coopetition.append({"alliance": alliance, "organization": org})
    for alliance in block("coopetition_left", 3):  # near-miss: competitor left before
        org = comp_pool.pop()
        b.rel(RelType.MEMBER_OF, org, alliance, role="member", joined="2019-01", left="2024-12")
        left[alliance].add(org)

    # donors and funding
    donors = [
        b.node(
            NodeLabel.ORGANIZATION,
            {
                "id": f"donor-{i:03d}",
                "name": f"{rng.choice(names.ORG_CORES)} Philanthropies {i}",
                "industry": "philanthropy",
            },
        )
        for i in range(15 * scale)
    ]
    no_mgmt_funding = set(block("no_management_funding", 4))
    major = donors[0]
    programme_total = 0.0
    major_total = 0.0
    for i, alliance in enumerate(alliances):
        for donor in rng.sample(donors[1:], 2):
            amount = float(rng.randint(10, 120) * 1000)
            programme_total += amount
            b.rel(
                RelType.FUNDS,
                donor,
                alliance,
                key="2025",
                amount=amount,
                currency="USD",
                year=2025,
                purpose="programme",
            )
        if i % 2 == 0:
            amount = float(rng.randint(400, 600) * 1000)
            programme_total += amount
            major_total += amount
            b.rel(
                RelType.FUNDS,
                major,
                alliance,
                key="2025",
                amount=amount,
                currency="USD",
                year=2025,
                purpose="programme",
            )
        if alliance not in no_mgmt_funding:
            amount = float(rng.choice([1, 5, 20, 60]) * 1000)  # small amounts still count
            b.rel(
                RelType.FUNDS,
                FOCAL_ID,
                alliance,
                key="2025-mgmt",
                amount=amount,
                currency="USD",
                year=2025,
                purpose="management",
            )

    # goals of the focal organization
    goals = []
    for i in range(8):
        gid = b.node(
            NodeLabel.GOAL,
            {"id": f"goal-{i}", "name": f"Strategy goal {i + 1}", "priority": 1 + i % 5},
        )
        goals.append(gid)
        b.rel(RelType.HAS_GOAL, FOCAL_ID, gid)
        needs = [orphan_topics[i % 2]] if i < 2 else rng.sample(alliance_topics[:10], 2)
        for topic in needs:
            b.rel(RelType.NEEDS, gid, topic, weight=1.0)
    addressed = {r["target"] for r in b.p.relationships[str(RelType.ADDRESSES)]}
    strategy_gaps = sorted(
        {r["source"] for r in b.p.relationships[str(RelType.NEEDS)] if r["target"] not in addressed}
    )

    # projects and collaboration history
    for i, alliance in enumerate(alliances):
        for k in range(rng.randint(1, 3)):
            pid = b.node(
                NodeLabel.PROJECT,
                {
                    "id": f"project-{i:03d}-{k}",
                    "name": f"Project {i}.{k}",
                    "started": b.month(2019, 2025),
                },
            )
            b.rel(RelType.PART_OF, pid, alliance)
            for org in rng.sample(sorted(members[alliance]), min(3, len(members[alliance]))):
                b.rel(RelType.PARTICIPATES_IN, org, pid)
    for _ in range(300 * scale):
        o1, o2 = rng.sample(orgs, 2)
        b.rel(
            RelType.COLLABORATED_WITH,
            o1,
            o2,
            key=str(rng.randint(2010, 2025)),
            year=rng.randint(2010, 2025),
            outcome=rng.choice(["success", "mixed", "failed"]),
        )

    # people, employment, staffing and ties
    employer: dict[str, str] = {}
    staff_of: dict[str, list[str]] = defaultdict(list)
    n_people = 5000 * scale
    focal_staff_n = 80 * scale
    for i in range(n_people):
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        pid = f"person-{i:05d}"
        org = FOCAL_ID if i < focal_staff_n else rng.choice(orgs)
        email_local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        b.node(
            NodeLabel.PERSON,
            {"id": pid, "name": f"{first} {last}", "email": f"{email_local}.{i}@example.org"},
        )
        b.rel(RelType.WORKS_AT, pid, org, since=str(rng.randint(2008, 2024)), kind="employee")
        employer[pid] = org
        staff_of[org].append(pid)
        r = rng.random()
        if r < 0.08:  # a previous employer, ended
            b.rel(
                RelType.WORKS_AT,
                pid,
                rng.choice(orgs),
                since="2010",
                until=str(rng.randint(2012, 2020)),
            )
        elif r < 0.11:  # a board seat elsewhere, current
            b.rel(
                RelType.WORKS_AT,
                pid,
                rng.choice(orgs),
                since="2021",
                kind="board",
                title="Board member",
            )

    focal_staff = staff_of[FOCAL_ID]
    roles: dict[str, int] = defaultdict(int)
    missing_manager = set(block("missing_alliance_manager", 3))
    over_committed = focal_staff[: 3 * scale]
    near_over = focal_staff[3 * scale]
    regular = focal_staff[3 * scale + 1 :]
    cursor = 0
    for alliance in alliances:
        wanted = ["alliance_director", "km_intermediary", "communications"]
        if alliance not in missing_manager:
            wanted.insert(0, "alliance_manager")
        for role in wanted:
            if role != "alliance_manager" and rng.random() < 0.3:
                continue
            person = regular[cursor % len(regular)]
            cursor += 1
            if b.rel(RelType.STAFFS, person, alliance, key=role, role=role, since="2023"):
                roles[person] += 1
        for org in sorted(members[alliance])[:2]:
            if staff_of[org]:
                b.rel(
                    RelType.STAFFS, staff_of[org][0], alliance, key="researcher", role="researcher"
                )
                roles[staff_of[org][0]] += 1
    for k, person in enumerate(over_committed):
        for alliance in alliances[k * 6 : k * 6 + 6]:
            if b.rel(
                RelType.STAFFS,
                person,
                alliance,
                key="business_developer",
                role="business_developer",
            ):
                roles[person] += 1
    for alliance in alliances[-4:]:
        if b.rel(RelType.STAFFS, near_over, alliance, key="finance", role="finance"):
            roles[near_over] += 1

    people = [f"person-{i:05d}" for i in range(n_people)]
    for pid in people:
        for _ in range(3):
            roll = rng.random()
            colleagues = staff_of[employer[pid]]
            other = (
                rng.choice(colleagues) if roll < 0.5 and len(colleagues) > 1 else rng.choice(people)
            )
            if rng.random() < 0.6:
                b.rel(
                    RelType.KNOWS,
                    pid,
                    other,
                    strength=round(rng.uniform(0.15, 0.95), 2),
                    source_system="crm",
                    since=str(rng.randint(2010, 2024)),
                )
            else:
                b.rel(
                    RelType.KNOWS,
                    pid,
                    other,
                    interactions=rng.randint(1, 60),
                    last_contact=f"{rng.randint(2023, 2026)}-{rng.randint(1, 6):02d}",
                    source_system="email",
                )

    # assessments: the relational-capital scorecard over time
    never = set(block("never_assessed", 3))
    stale = set(block("stale_assessment", 3))
    weak = set(block("weak", 3))
    near_weak = set(block("near_weak", 2))
    declining = set(block("declining", 2))
    for alliance in alliances:
        if alliance in never:
            continue
        dates = ["2025-06-15", "2025-12-15", "2026-05-15"]
        if alliance in stale:
            dates = ["2024-03-15", "2025-04-15"]
        level = rng.uniform(3.3, 4.5)  # each alliance has its own level, with small noise
        for k, when in enumerate(dates):
            scores = {
                s: round(level + rng.uniform(-0.3, 0.3), 1)
                for s in (
                    "trust",
                    "social_interaction",
                    "transparency",
                    "commitment",
                    "compatibility",
                )
            }
            if alliance in declining:
                scores = dict.fromkeys(scores, 4.5 - 0.8 * k)
            is_last = k == len(dates) - 1
            if is_last and alliance in weak:
                scores["trust"] = 2.0
            if is_last and alliance in near_weak:
                scores["trust"] = 2.6
            aid = b.node(
                NodeLabel.ASSESSMENT,
                {
                    "id": f"assessment-{alliance}-{k}",
                    "name": f"Scorecard {when}",
                    "date": when,
                    "outcome": round(rng.uniform(2.5, 4.5), 1),
                    "progress": round(min(1.0, 0.3 * (k + 1)), 2),
                    **scores,
                },
            )
            b.rel(RelType.ASSESSES, aid, alliance)

    current = {a: members[a] - left[a] for a in alliances}
    overlaps = sorted(
        [a1, a2]
        for a1, a2 in combinations(alliances, 2)
        if len(current[a1] & current[a2]) >= TRUTH_THRESHOLDS["min_shared_members"]
    )
    truth["findings"] = {
        "partner_overlap": overlaps,
        "planted_partner_overlap": sorted(overlap_pairs),
        "coopetition": coopetition,
        "over_commitment": sorted(
            p for p, n in roles.items() if n > TRUTH_THRESHOLDS["max_staff_roles"]
        ),
        "missing_alliance_manager": sorted(missing_manager),
        "no_management_funding": sorted(no_mgmt_funding),
        "never_assessed": sorted(never),
        "stale_assessment": sorted(stale),
        "weak_relational_capital": sorted(weak | declining),
        "declining_relational_capital": sorted(declining),
        "strategy_gap": strategy_gaps,
        "donor_concentration": [major]
        if major_total / programme_total > TRUTH_THRESHOLDS["donor_share"]
        else [],
    }
    truth["near_misses"] = {
        "coopetition_left": sorted(blocks["coopetition_left"]),
        "relational_capital_just_above": sorted(near_weak),
        "staff_roles_at_limit": [near_over],
    }
    truth["donor_share"] = round(major_total / programme_total, 4)
    b.p.truth = truth
    return b.p


def write_sample(directory: str | Path, scale: int = 1, seed: int = 7) -> Path:
    """Write ``portfolio.json`` (the import format) and ``truth.json`` into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    sample = generate_portfolio(scale, seed)
    path = out / "portfolio.json"
    path.write_text(json.dumps(sample.document(), ensure_ascii=False), encoding="utf-8")
    (out / "truth.json").write_text(json.dumps(sample.truth, indent=2), encoding="utf-8")
    return path


def load_sample(
    store: GraphStore,
    scale: int = 1,
    seed: int = 7,
    batch_size: int = 20_000,
    progress: Callable[[str, int], None] | None = None,
) -> SamplePortfolio:
    """Generate the sample and upsert it into ``store``: nodes first, then relationships."""
    sample = generate_portfolio(scale, seed)
    for label in NodeLabel:
        rows = sample.nodes.get(str(label), [])
        for i in range(0, len(rows), batch_size):
            store.upsert_nodes(label, rows[i : i + batch_size])
        if progress:
            progress(str(label), len(rows))
    for type_ in RelType:
        rows = sample.relationships.get(str(type_), [])
        for i in range(0, len(rows), batch_size):
            store.upsert_relationships(type_, rows[i : i + batch_size])
        if progress:
            progress(str(type_), len(rows))
    return sample
