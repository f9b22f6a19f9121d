"""Synergies: where a portfolio's alliances can share knowledge, contacts, money and skills.

Each function takes a :class:`~queries.portfolio_context.Portfolio` and thresholds with
documented defaults, and returns :class:`~queries.findings.Finding` objects.
"""

from __future__ import annotations

from collections import defaultdict

from graph.projection import edge_evidence_id
from graph.vocabulary import RelType
from queries.findings import Finding
from queries.portfolio_context import Portfolio, pair_counts


def partner_overlap(p: Portfolio, *, min_shared_members: int = 3) -> list[Finding]:
    """Alliance pairs sharing at least ``min_shared_members`` current members besides the focal org.

    Their managers should share knowledge; score is the Jaccard index of the memberships.
    """
    groups = {a: set(m) - {p.focal} for a, m in p.members.items()}
    out = []
    for (a1, a2), shared in pair_counts(groups).items():
        if len(shared) < min_shared_members:
            continue
        union = groups[a1] | groups[a2]
        orgs = sorted(shared)
        out.append(
            Finding(
                kind="partner_overlap",
                category="synergy",
                subject=[a1, a2],
                score=round(len(shared) / len(union), 4),
                explanation=f"{p.name(a1)} and {p.name(a2)} share {len(shared)} members: "
                "their managers should share knowledge and coordinate asks",
                evidence_nodes=[a1, a2, *orgs],
                evidence_relationships=[p.members[a][o] for o in orgs for a in (a1, a2)],
            )
        )
    return out


def shared_networks(p: Portfolio, *, min_shared_networks: int = 3) -> list[Finding]:
    """Alliance pairs whose members sit in the same boundary networks (joint communications)."""
    g = p.graph
    nets: dict[str, set[str]] = {}
    via: dict[tuple[str, str], str] = {}
    for a, members in p.members.items():
        nets[a] = set()
        for org in members:
            if org == p.focal:
                continue
            for _, net, data in g.out_edges(org, data=True):
                if data.get("type") == RelType.BELONGS_TO:
                    nets[a].add(net)
                    via.setdefault((a, net), edge_evidence_id(org, net, data))
    out = []
    for (a1, a2), shared in pair_counts(nets).items():
        if len(shared) < min_shared_networks:
            continue
        ns = sorted(shared)
        out.append(
            Finding(
                kind="shared_networks",
                category="synergy",
                subject=[a1, a2],
                score=round(len(shared) / len(nets[a1] | nets[a2]), 4),
                explanation=f"{p.name(a1)} and {p.name(a2)} reach {len(ns)} of the same boundary "
                "networks: plan joint communications and media contacts",
                evidence_nodes=[a1, a2, *ns],
                evidence_relationships=[via[(a, n)] for n in ns for a in (a1, a2)],
            )
        )
    return out


def shared_contacts(p: Portfolio, *, min_shared_staff: int = 2) -> list[Finding]:
    """Alliance pairs staffed by the same people: shared contacts to coordinate through."""
    groups = {a: {s[0] for s in staff} for a, staff in p.staff.items()}
    rel = {(a, s[0]): s[2] for a, staff in p.staff.items() for s in staff}
    out = []
    for (a1, a2), shared in pair_counts(groups).items():
        if len(shared) < min_shared_staff:
            continue
        people = sorted(shared)
        out.append(
            Finding(
                kind="shared_contacts",
                category="synergy",
                subject=[a1, a2],
                score=round(len(shared) / len(groups[a1] | groups[a2]), 4),
                explanation=f"{len(people)} people staff both {p.name(a1)} and {p.name(a2)}",
                evidence_nodes=[a1, a2, *people],
                evidence_relationships=[rel[(a, x)] for x in people for a in (a1, a2)],
            )
        )
    return out


def shared_donors(p: Portfolio, *, min_alliances: int = 2) -> list[Finding]:
    """Donors funding several alliances of the portfolio: joint fundraising, a common fund."""
    by_donor: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for a, funds in p.funds.items():
        for donor, data, rid in funds:
            if donor != p.focal and data.get("purpose", "programme") == "programme":
                by_donor[donor].append((a, rid, float(data.get("amount", 0))))
    out = []
    n = max(1, len(p.alliances))
    for donor, items in by_donor.items():
        alliances = sorted({a for a, _, _ in items})
        if len(alliances) < min_alliances:
            continue
        total = sum(x for _, _, x in items)
        out.append(
            Finding(
                kind="shared_donor",
                category="synergy",
                subject=[donor],
                score=round(len(alliances) / n, 4),
                explanation=f"{p.name(donor)} funds {len(alliances)} alliances of the portfolio "
                f"({total:,.0f} in all): a case for joint fundraising or a common fund",
                evidence_nodes=[donor, *alliances],
                evidence_relationships=sorted(rid for _, rid, _ in items),
            )
        )
    return out


def topic_overlap(p: Portfolio, *, min_shared_topics: int = 2) -> list[Finding]:
    """Alliance pairs addressing the same topics: coordinate them, or consider merging."""
    groups = {a: set(t) for a, t in p.topics.items()}
    out = []
    for (a1, a2), shared in pair_counts(groups).items():
        if len(shared) < min_shared_topics:
            continue
        ts = sorted(shared)
        out.append(
            Finding(
                kind="topic_overlap",
                category="synergy",
                subject=[a1, a2],
                score=round(len(shared) / len(groups[a1] | groups[a2]), 4),
                explanation=f"{p.name(a1)} and {p.name(a2)} both address "
                + ", ".join(p.name(t) for t in ts)
                + ": coordinate or merge",
                evidence_nodes=[a1, a2, *ts],
                evidence_relationships=[p.topics[a][t] for t in ts for a in (a1, a2)],
            )
        )
    return out


def complementary_partners(
    p: Portfolio, *, top_n: int = 20, min_level: float = 0.5
) -> list[Finding]:
    """Organizations outside the portfolio whose capabilities cover a topic an alliance addresses
    or a goal needs, ranked by resource allocation to the focal organization.

    Closeness is the resource-allocation index on the organization graph where two
    organizations are linked when they share an alliance, a boundary network or a project.
    """
    g = p.graph
    wanted: dict[str, list[str]] = defaultdict(list)  # topic -> why (alliance or goal ids)
    for a, topics in p.topics.items():
        for t in topics:
            wanted[t].append(a)
    for _, goal, d in g.out_edges(p.focal, data=True):
        if d.get("type") == RelType.HAS_GOAL:
            for _, t, d2 in g.out_edges(goal, data=True):
                if d2.get("type") == RelType.NEEDS:
                    wanted[t].append(goal)
    in_portfolio = {o for m in p.members.values() for o in m}
    candidates: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for topic in wanted:
        for org, _, d in g.in_edges(topic, data=True):
            if (
                d.get("type") == RelType.HAS_CAPABILITY
                and org not in in_portfolio
                and float(d.get("level", 1.0)) >= min_level
            ):
                candidates[org].append((topic, edge_evidence_id(org, topic, d)))
    if not candidates:
        return []
    closeness = _resource_allocation(p, list(candidates), p.focal)
    out = []
    for org, caps in candidates.items():
        ra = closeness[org]
        score = round(len(caps) * (1.0 + ra), 4)
        names = ", ".join(sorted(p.name(t) for t, _ in caps))
        out.append(
            Finding(
                kind="complementary_partner",
                category="synergy",
                subject=[org],
                score=score,
                explanation=f"{p.name(org)} has capabilities in {names} that the portfolio needs "
                f"(closeness to {p.name(p.focal)}: {ra:.3f})",
                evidence_nodes=[
                    org,
                    *sorted({t for t, _ in caps}),
                    *sorted({x for t, _ in caps for x in wanted[t]}),
                ],
                evidence_relationships=sorted(r for _, r in caps),
            )
        )
    out.sort(key=lambda f: -f.score)
    return out[:top_n]


def _resource_allocation(p: Portfolio, sources: list[str], target: str) -> dict[str, float]:
    """The resource-allocation index of each source with ``target`` on the organization
    graph, where two organizations are linked when they share an alliance, a boundary
    network or a project: the sum of 1/degree over their common neighbours.

    Computed from the memberships directly (only the neighbourhoods asked about), not by
    building the whole organization graph, which is quadratic in every hub's size.
    """
    hubs: dict[str, set[str]] = defaultdict(set)
    for t in (RelType.MEMBER_OF, RelType.BELONGS_TO, RelType.PARTICIPATES_IN):
        for u, v, _ in p.edges_of(t):
            hubs[v].add(u)
    # a very large hub says little about closeness and costs O(n^2)
    small = {h: orgs for h, orgs in hubs.items() if len(orgs) <= 200}
    of: dict[str, list[str]] = defaultdict(list)
    for h, orgs in small.items():
        for o in orgs:
            of[o].append(h)
    degree: dict[str, int] = {}

    def neighbours(x: str) -> set[str]:
        return {y for h in of.get(x, ()) for y in small[h]} - {x}

    def deg(x: str) -> int:
        if x not in degree:
            degree[x] = len(neighbours(x))
        return degree[x]

    around_target = neighbours(target)
    return {
        s: sum(1 / deg(w) for w in neighbours(s) & around_target) if s != target else 0.0
        for s in sources
    }


def find_synergies(
    p: Portfolio,
    *,
    min_shared_members: int = 3,
    min_shared_networks: int = 3,
    min_shared_staff: int = 2,
    min_donor_alliances: int = 2,
    min_shared_topics: int = 2,
    top_partners: int = 20,
) -> list[Finding]:
    """Every synergy of the portfolio."""
    return [
        *partner_overlap(p, min_shared_members=min_shared_members),
        *shared_networks(p, min_shared_networks=min_shared_networks),
        *shared_contacts(p, min_shared_staff=min_shared_staff),
        *shared_donors(p, min_alliances=min_donor_alliances),
        *topic_overlap(p, min_shared_topics=min_shared_topics),
        *complementary_partners(p, top_n=top_partners),
    ]
