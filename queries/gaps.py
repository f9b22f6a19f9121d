"""Gaps: strategy the portfolio does not cover, partners and roles it lacks, what nobody watches."""

from __future__ import annotations

from collections import Counter

from graph.dates import period_end
from graph.projection import edge_active, edge_evidence_id
from graph.vocabulary import PartnerKind, RelType
from queries.communities import label_propagation
from queries.findings import Finding
from queries.portfolio_context import Portfolio
from queries.settings import REQUIRED_ROLES


def strategy_gaps(p: Portfolio) -> list[Finding]:
    """Goals of the focal organization needing topics that no alliance of the portfolio addresses."""
    g = p.graph
    addressed = {t for topics in p.topics.values() for t in topics}
    out = []
    for _, goal, d in sorted(g.out_edges(p.focal, data=True), key=lambda e: e[1]):
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
                + ", which no alliance of the portfolio addresses. What it means: this part "
                "of the strategy has no partners working on it. What to do: find partners with "
                "these capabilities (see complementary partners) or start an alliance.",
                evidence_nodes=[goal, *missing],
                evidence_relationships=[
                    edge_evidence_id(p.focal, goal, d),
                    *(needs[t] for t in missing),
                ],
            )
        )
    return out


def partner_mix(p: Portfolio, *, min_share: float = 0.1) -> list[Finding]:
    """Supplier, customer and complementor partners missing from the portfolio's classified
    members, or below ``min_share`` of them.

    Competitors are never a gap (more of them is a risk, reported as co-opetition); nothing
    is reported without alliances or without any classified partner (that is coverage).
    """
    members = {o for m in p.members.values() for o in m if o != p.focal}
    classified = sorted(o for o in members if o in p.partner_kind)
    if not p.alliances or not classified:
        return []
    kinds = Counter(p.partner_kind[o][0] for o in classified)
    total = len(classified)
    out = []
    for kind in PartnerKind:
        if kind == PartnerKind.COMPETITOR:
            continue
        n = kinds.get(kind.value, 0)
        share = n / total
        if share >= min_share:
            continue
        examples = [o for o in classified if p.partner_kind[o][0] == kind.value]
        shown = examples or classified[:20]
        out.append(
            Finding(
                kind="partner_mix",
                category="gap",
                subject=[kind.value],
                score=round(min_share - share, 4),
                explanation=(
                    f"no {kind.value}s among the {total} classified partners of the portfolio"
                    if n == 0
                    else f"{kind.value}s are few: {n} of {total} classified partners ({share:.0%})"
                )
                + f". What it means: the portfolio misses what {kind.value}s bring. What to do: "
                f"look for {kind.value}s to bring into an alliance where they fit.",
                evidence_nodes=[p.focal, *shown],
                evidence_relationships=[p.partner_kind[o][1] for o in shown],
            )
        )
    return out


#: How a finding names a staff role ("no communications" read as if nothing were said).
ROLE_NOUNS = {
    "alliance_manager": "alliance manager",
    "km_intermediary": "knowledge-management intermediary",
    "communications": "communications lead",
}


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def missing_roles(p: Portfolio, *, roles: tuple[str, ...] = REQUIRED_ROLES) -> list[Finding]:
    """Alliances with staff recorded but nobody (currently) in one of ``roles``.

    An alliance with no staff recorded at all is a data-coverage fact, not a finding.
    """
    out = []
    for a in p.alliances:
        staff = p.staff[a]
        if not staff:
            continue
        present = {s.role for s in staff}
        for role in roles:
            if role not in present:
                words = ROLE_NOUNS.get(role, role.replace("_", " "))
                out.append(
                    Finding(
                        kind=f"missing_{role}",
                        category="gap",
                        subject=[a],
                        score=1.0 if role == "alliance_manager" else 0.5,
                        explanation=f"{p.name(a)} has {len(staff)} staff roles recorded but no "
                        f"{words}. What it means: nobody is responsible for that part of the "
                        f"alliance. What to do: name {_article(words)} {words}.",
                        evidence_nodes=[a, *sorted({s.person for s in staff})],
                        evidence_relationships=sorted(s.rel for s in staff),
                    )
                )
    return out


def monitoring(p: Portfolio, *, stale_months: int = 12) -> list[Finding]:
    """Alliances last assessed more than ``stale_months`` months before the reference date.

    Alliances never assessed are reported in the data-coverage section.
    """
    ref = p.reference_date
    out = []
    for a, history in p.assessed():
        latest = history[-1]
        when = period_end(latest.date)
        months = (ref.year - when.year) * 12 + ref.month - when.month
        if months > stale_months:
            out.append(
                Finding(
                    kind="stale_assessment",
                    category="gap",
                    subject=[a],
                    score=round(months / stale_months, 4),
                    explanation=f"{p.name(a)} was last assessed {months} months before "
                    f"{ref.isoformat()}. What it means: nobody knows how the relationship is "
                    "doing now. What to do: run the scorecard with the partners.",
                    evidence_nodes=[a, latest.id],
                    evidence_relationships=[latest.rel],
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
    ties = p.edges_of(RelType.KNOWS)
    knows = [(u, v) for u, v, _ in ties]
    if not knows:
        return []
    ours = {u for u, _, d in g.in_edges(p.focal, data=True) if d.get("type") == RelType.WORKS_AT}
    reach = set(ours)
    for u, v in knows:
        if u in ours:
            reach.add(v)
        if v in ours:
            reach.add(u)
    # self-pairs first fix the node numbering (label propagation drops self-loops), so the
    # communities do not depend on the order the store returned the ties in
    people = sorted({x for pair in knows for x in pair})
    communities = label_propagation([*((x, x) for x in people), *knows], seed=seed)
    everyone = sum(len(c) for c in communities)
    holes = sorted(
        (sorted(c) for c in communities if len(c) >= min_size and c.isdisjoint(reach)),
        key=lambda m: (-len(m), m[0]),
    )[:top_n]
    shown = {x: i for i, members in enumerate(holes) for x in members[:50]}
    inside: list[list[str]] = [[] for _ in holes]
    raw = p.source if p.source is not None else p.graph
    for u, i in shown.items():  # the shown members' own ties, not a pass over every tie
        for v, keyed in raw._adj[u].items():
            if shown.get(v) != i:
                continue
            for d in keyed.values():
                if d.get("type") == RelType.KNOWS and edge_active(d, p.as_of):
                    inside[i].append(edge_evidence_id(u, v, d))
    return [
        Finding(
            kind="structural_hole",
            category="gap",
            subject=members[:1],
            score=round(len(members) / everyone, 6),
            explanation=f"a community of {len(members)} contacts (e.g. {p.name(members[0])}) "
            f"has no tie to anyone at {p.name(p.focal)} or their direct contacts. What it "
            "means: a structural hole, news and opportunities there do not reach you. What to "
            "do: find one person who can introduce you (see who-knows-whom).",
            evidence_nodes=members[:50],
            evidence_relationships=sorted(rels)[:50],
        )
        for members, rels in zip(holes, inside, strict=True)
    ]


def find_gaps(
    p: Portfolio,
    *,
    min_partner_share: float = 0.1,
    stale_months: int = 12,
    roles: tuple[str, ...] = REQUIRED_ROLES,
    seed: int = 7,
    min_community: int = 20,
    top_holes: int = 10,
) -> list[Finding]:
    """Every gap of the portfolio."""
    return [
        *strategy_gaps(p),
        *partner_mix(p, min_share=min_partner_share),
        *missing_roles(p, roles=roles),
        *monitoring(p, stale_months=stale_months),
        *structural_holes(p, seed=seed, min_size=min_community, top_n=top_holes),
    ]
