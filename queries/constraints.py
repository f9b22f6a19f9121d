"""Constraints: where a portfolio's alliances hold each other back or carry hidden risk."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from graph.records import rel_id
from graph.vocabulary import NodeLabel, RelType
from queries.findings import Finding
from queries.portfolio_context import Portfolio

SCORES = ("trust", "social_interaction", "transparency", "commitment", "compatibility")


def coopetition(p: Portfolio) -> list[Finding]:
    """Competitors of the focal organization, or of each other, inside one alliance; and
    competitors in different alliances that address the same topic."""
    out = []
    focal_rivals = p.competitors(p.focal)
    where: dict[str, list[str]] = defaultdict(list)
    for a in p.alliances:
        members = p.members[a]
        for org in sorted(members):
            where[org].append(a)
            if org in focal_rivals:
                out.append(
                    Finding(
                        kind="coopetition",
                        category="constraint",
                        subject=[a, org],
                        score=1.0,
                        explanation=f"{p.name(org)}, a competitor of {p.name(p.focal)}, is a member "
                        f"of {p.name(a)}: balance sharing and protecting",
                        evidence_nodes=[a, org, p.focal],
                        evidence_relationships=[members[org], members[p.focal], focal_rivals[org]]
                        if p.focal in members
                        else [members[org], focal_rivals[org]],
                    )
                )
        others = sorted(o for o in members if o != p.focal)
        for i, o1 in enumerate(others):
            rivals = p.competitors(o1)
            for o2 in others[i + 1 :]:
                if o2 in rivals:
                    out.append(
                        Finding(
                            kind="coopetition",
                            category="constraint",
                            subject=[a, o1, o2],
                            score=0.8,
                            explanation=f"{p.name(o1)} and {p.name(o2)} compete and are both in {p.name(a)}",
                            evidence_nodes=[a, o1, o2],
                            evidence_relationships=[members[o1], members[o2], rivals[o2]],
                        )
                    )
    for org, alliances in where.items():
        if org == p.focal:
            continue
        for rival, rid in p.competitors(org).items():
            if rival == p.focal or rival <= org or rival not in where:
                continue
            for a1 in alliances:
                for a2 in where[rival]:
                    shared = set(p.topics[a1]) & set(p.topics[a2])
                    if a1 == a2 or not shared:
                        continue
                    t = sorted(shared)[0]
                    out.append(
                        Finding(
                            kind="coopetition_topic",
                            category="constraint",
                            subject=sorted([a1, a2]) + [org, rival],
                            score=0.5,
                            explanation=f"competitors {p.name(org)} ({p.name(a1)}) and {p.name(rival)} "
                            f"({p.name(a2)}) work on the same topic, {p.name(t)}",
                            evidence_nodes=[a1, a2, org, rival, t],
                            evidence_relationships=[
                                p.members[a1][org],
                                p.members[a2][rival],
                                rid,
                                p.topics[a1][t],
                                p.topics[a2][t],
                            ],
                        )
                    )
    return out


def over_commitment(
    p: Portfolio, *, max_staff_roles: int = 4, max_memberships: int = 8
) -> list[Finding]:
    """People with more than ``max_staff_roles`` staff roles across the portfolio, and
    organizations (other than the focal one) in more than ``max_memberships`` of its alliances."""
    roles: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, staff in p.staff.items():
        for person, _, rid in staff:
            roles[person].append((a, rid))
    out = []
    for person, items in roles.items():
        if len(items) > max_staff_roles:
            out.append(
                Finding(
                    kind="over_commitment",
                    category="constraint",
                    subject=[person],
                    score=round(len(items) / max_staff_roles, 4),
                    explanation=f"{p.name(person)} holds {len(items)} staff roles across the portfolio "
                    f"(limit {max_staff_roles}): commitment and priorities will clash",
                    evidence_nodes=[person, *sorted({a for a, _ in items})],
                    evidence_relationships=sorted(r for _, r in items),
                )
            )
    counts: dict[str, list[str]] = defaultdict(list)
    for a, members in p.members.items():
        for org in members:
            if org != p.focal:
                counts[org].append(a)
    for org, alliances in counts.items():
        if len(alliances) > max_memberships:
            out.append(
                Finding(
                    kind="over_commitment",
                    category="constraint",
                    subject=[org],
                    score=round(len(alliances) / max_memberships, 4),
                    explanation=f"{p.name(org)} is in {len(alliances)} alliances of the portfolio "
                    f"(limit {max_memberships})",
                    evidence_nodes=[org, *sorted(alliances)],
                    evidence_relationships=sorted(p.members[a][org] for a in alliances),
                )
            )
    return out


def key_people(p: Portfolio) -> list[Finding]:
    """Articulation points: a person or organization whose loss disconnects part of the
    portfolio (alliances, their members and their staff, focal organization left out)."""
    g = nx.Graph()
    rel: dict[frozenset[str], str] = {}
    for a in p.alliances:
        for org, rid in p.members[a].items():
            if org != p.focal:
                g.add_edge(a, org)
                rel[frozenset((a, org))] = rid
        for person, _, rid in p.staff[a]:
            g.add_edge(a, person)
            rel[frozenset((a, person))] = rid
    labels = p.graph.nodes
    out = []
    for node in nx.articulation_points(g):
        if labels[node].get("label") not in (NodeLabel.PERSON, NodeLabel.ORGANIZATION):
            continue
        alliances = sorted(n for n in g[node] if labels[n].get("label") == NodeLabel.ALLIANCE)
        if len(alliances) < 2:
            continue
        out.append(
            Finding(
                kind="key_person",
                category="constraint",
                subject=[node],
                score=round(len(alliances) / max(1, len(p.alliances)), 4),
                explanation=f"{p.name(node)} is the only link between {len(alliances)} alliances: "
                "losing them disconnects part of the portfolio",
                evidence_nodes=[node, *alliances],
                evidence_relationships=sorted(rel[frozenset((node, a))] for a in alliances),
            )
        )
    return out


def money(p: Portfolio, *, donor_share: float = 0.5) -> list[Finding]:
    """Alliances with no money recorded for managing the relationship itself, and a single
    donor providing more than ``donor_share`` of the portfolio's programme funding."""
    out = []
    by_donor: dict[str, list[tuple[str, float]]] = defaultdict(list)
    total = 0.0
    for a in p.alliances:
        mgmt = [rid for _, d, rid in p.funds[a] if d.get("purpose") == "management"]
        if not mgmt:
            out.append(
                Finding(
                    kind="no_management_funding",
                    category="constraint",
                    subject=[a],
                    score=1.0,
                    explanation=f"{p.name(a)} has no funding recorded for managing the alliance itself",
                    evidence_nodes=[a],
                )
            )
        for donor, d, rid in p.funds[a]:
            if d.get("purpose", "programme") == "programme":
                amount = float(d.get("amount", 0.0))
                by_donor[donor].append((rid, amount))
                total += amount
    for donor, items in by_donor.items():
        share = sum(x for _, x in items) / total if total else 0.0
        if share > donor_share:
            out.append(
                Finding(
                    kind="donor_concentration",
                    category="constraint",
                    subject=[donor],
                    score=round(share, 4),
                    explanation=f"{p.name(donor)} provides {share:.0%} of the portfolio's programme "
                    "funding: one donor's change of priorities would hit most alliances",
                    evidence_nodes=[donor],
                    evidence_relationships=sorted(r for r, _ in items),
                )
            )
    return out


def relational_capital(
    p: Portfolio, *, min_score: float = 2.5, min_decline: float = 0.75
) -> list[Finding]:
    """Alliances whose latest assessment has a relational-capital score below ``min_score``,
    or whose mean score fell at every assessment by ``min_decline`` or more in all."""
    out = []
    for a in p.alliances:
        history = p.assessments[a]
        if not history:
            continue
        aid, latest = history[-1]
        low = {
            s: latest[s]
            for s in SCORES
            if isinstance(latest.get(s), int | float) and latest[s] < min_score
        }
        means = [m for _, h in history if (m := _mean(h)) is not None]
        falling = (
            len(means) >= 3
            and all(x > y for x, y in zip(means, means[1:], strict=False))
            and means[0] - means[-1] >= min_decline
        )
        if not low and not falling:
            continue
        why = []
        if low:
            why.append(
                ", ".join(f"{s.replace('_', ' ')} {v:g}" for s, v in low.items())
                + f" below {min_score:g} on {latest.get('date')}"
            )
        if falling:
            why.append(
                f"mean score fell from {means[0]:.2f} to {means[-1]:.2f} over "
                f"{len(means)} assessments"
            )
        ids = [x for x, _ in history]
        out.append(
            Finding(
                kind="weak_relational_capital",
                category="constraint",
                subject=[a],
                score=round(
                    max([min_score - v for v in low.values()] + [0.0])
                    + (means[0] - means[-1] if falling else 0.0),
                    4,
                ),
                explanation=f"{p.name(a)}: " + "; ".join(why),
                evidence_nodes=[a, *ids] if falling else [a, aid],
                evidence_relationships=[
                    rel_id(RelType.ASSESSES, x, a) for x in (ids if falling else [aid])
                ],
            )
        )
    return out


def _mean(scores: dict[str, object]) -> float | None:
    vals = [float(v) for s in SCORES if isinstance(v := scores.get(s), int | float)]
    return sum(vals) / len(vals) if vals else None


def find_constraints(
    p: Portfolio,
    *,
    max_staff_roles: int = 4,
    max_memberships: int = 8,
    donor_share: float = 0.5,
    min_score: float = 2.5,
    min_decline: float = 0.75,
) -> list[Finding]:
    """Every constraint of the portfolio."""
    return [
        *coopetition(p),
        *over_commitment(p, max_staff_roles=max_staff_roles, max_memberships=max_memberships),
        *key_people(p),
        *money(p, donor_share=donor_share),
        *relational_capital(p, min_score=min_score, min_decline=min_decline),
    ]
