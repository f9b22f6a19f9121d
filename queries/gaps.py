"""Gaps: strategy the portfolio does not cover, partners and roles it lacks, what nobody watches."""

from __future__ import annotations

from collections import Counter

from graph.dates import period_end
from graph.projection import edge_evidence_id
from graph.records import rel_id
from graph.vocabulary import PartnerKind, RelType
from queries.communities import label_propagation
from queries.findings import Finding
from queries.portfolio_context import Portfolio

REQUIRED_ROLES = ("alliance_manager", "km_intermediary", "communications")


def strategy_gaps(p: Portfolio) -> list[Finding]:
    """Goals of the focal organization needing topics that no alliance of the portfolio addresses."""
    g = p.graph
    addressed = {t for topics in p.topics.values() for t in topics}
    out = []
    for _, goal, d in g.out_edges(p.focal, data=True):
        if d.get("type") != RelType.HAS_GOAL:
            continue
        needs = {
            t: edge_evidence_id(goal, t, d2)
            for _, t, d2 in g.out_edges(goal, data=True)
            if d2.get("type") == RelType.NEEDS
        }
        missing = sorted(t for t in needs if t not in addressed)
        if not missing:
            continue
        out.append(
            Finding(
                kind="strategy_gap",
                category="gap",
                subject=[goal],
                score=round(len(missing) / len(needs), 4),
                explanation=f"{p.name(goal)} needs "
                + ", ".join(p.name(t) for t in missing)
                + ", which no alliance of the portfolio addresses",
                evidence_nodes=[goal, *missing],
                evidence_relationships=[
                    edge_evidence_id(p.focal, goal, d),
                    *(needs[t] for t in missing),
                ],
            )
        )
    return out


def partner_mix(p: Portfolio, *, min_share: float = 0.1) -> list[Finding]:
    """Partner kinds missing from the portfolio's members, or below ``min_share`` of them."""
    members = {o for m in p.members.values() for o in m if o != p.focal}
    kinds = Counter(p.partner_kind[o][0] for o in members if o in p.partner_kind)
    total = sum(kinds.values())
    out = []
    for kind in PartnerKind:
        n = kinds.get(kind.value, 0)
        share = n / total if total else 0.0
        if share >= min_share:
            continue
        examples = sorted(o for o in members if p.partner_kind.get(o, ("",))[0] == kind.value)
        out.append(
            Finding(
                kind="partner_mix",
                category="gap",
                subject=[kind.value],
                score=round(min_share - share, 4),
                explanation=(
                    f"no {kind.value}s among the portfolio's partners"
                    if n == 0
                    else f"{kind.value}s are thin: {n} of {total} classified partners ({share:.0%})"
                ),
                evidence_nodes=[p.focal, *examples],
                evidence_relationships=[p.partner_kind[o][1] for o in examples],
            )
        )
    return out


def missing_roles(p: Portfolio, *, roles: tuple[str, ...] = REQUIRED_ROLES) -> list[Finding]:
    """Alliances with nobody (currently) in one of ``roles``."""
    out = []
    for a in p.alliances:
        present = {r for _, r, _ in p.staff[a]}
        for role in roles:
            if role not in present:
                out.append(
                    Finding(
                        kind=f"missing_{role}",
                        category="gap",
                        subject=[a],
                        score=1.0 if role == "alliance_manager" else 0.5,
                        explanation=f"{p.name(a)} has no {role.replace('_', ' ')}",
                        evidence_nodes=[a],
                    )
                )
    return out


def monitoring(p: Portfolio, *, stale_months: int = 12) -> list[Finding]:
    """Alliances never assessed, or not assessed in the last ``stale_months`` months."""
    ref = p.reference_date
    out = []
    for a in p.alliances:
        history = p.assessments[a]
        if not history:
            out.append(
                Finding(
                    kind="never_assessed",
                    category="gap",
                    subject=[a],
                    score=1.0,
                    explanation=f"{p.name(a)} has never been assessed",
                    evidence_nodes=[a],
                )
            )
            continue
        aid, latest = history[-1]
        when = period_end(str(latest["date"]))
        months = (ref.year - when.year) * 12 + ref.month - when.month
        if months > stale_months:
            out.append(
                Finding(
                    kind="stale_assessment",
                    category="gap",
                    subject=[a],
                    score=round(months / stale_months, 4),
                    explanation=f"{p.name(a)} was last assessed {months} months before {ref.isoformat()}",
                    evidence_nodes=[a, aid],
                    evidence_relationships=[rel_id(RelType.ASSESSES, aid, a)],
                )
            )
    return out


def structural_holes(
    p: Portfolio, *, seed: int = 7, min_size: int = 20, top_n: int = 10
) -> list[Finding]:
    """Communities of the contact network (KNOWS) with no tie to the focal organization's people.

    Communities come from fast label propagation (:mod:`queries.communities`, linear in
    the ties and compiled), so this stays quick on a million ties.
    """
    g = p.graph
    knows = [(u, v) for u, v, _ in p.edges_of(RelType.KNOWS)]
    if not knows:
        return []
    ours = {u for u, _, d in g.in_edges(p.focal, data=True) if d.get("type") == RelType.WORKS_AT}
    reach = set(ours)
    for u, v in knows:
        if u in ours:
            reach.add(v)
        if v in ours:
            reach.add(u)
    communities = label_propagation(knows, seed=seed)
    everyone = sum(len(c) for c in communities)
    out = []
    for community in communities:
        if len(community) < min_size or not community.isdisjoint(reach):
            continue
        members = sorted(community)
        out.append(
            Finding(
                kind="structural_hole",
                category="gap",
                subject=members[:1],
                score=round(len(community) / everyone, 6),
                explanation=f"a community of {len(community)} contacts (e.g. {p.name(members[0])}) "
                f"has no tie to anyone at {p.name(p.focal)}",
                evidence_nodes=members[:50],
            )
        )
    out.sort(key=lambda f: -f.score)
    return out[:top_n]


def find_gaps(
    p: Portfolio,
    *,
    min_partner_share: float = 0.1,
    stale_months: int = 12,
    roles: tuple[str, ...] = REQUIRED_ROLES,
    seed: int = 7,
) -> list[Finding]:
    """Every gap of the portfolio."""
    return [
        *strategy_gaps(p),
        *partner_mix(p, min_share=min_partner_share),
        *missing_roles(p, roles=roles),
        *monitoring(p, stale_months=stale_months),
        *structural_holes(p, seed=seed),
    ]
