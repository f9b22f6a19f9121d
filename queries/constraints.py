"""Constraints: where a portfolio's alliances hold each other back or carry hidden risk."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np
from scipy import sparse

from graph.records import rel_id
from graph.vocabulary import NodeLabel, RelType
from queries.findings import Finding
from queries.money import Conversion
from queries.portfolio_context import SCORES, Funding, Portfolio


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
                        explanation=f"{p.name(org)}, a competitor of {p.name(p.focal)}, "
                        f"{p.membership(org, a)}. What it means: what you share there reaches a "
                        "rival. What to do: agree what to share and what to protect before "
                        "the next joint activity.",
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
                            explanation=f"{p.name(o1)} and {p.name(o2)} compete and both sit in "
                            f"{p.name(a)}. What it means: they may hold back or clash. What to do: "
                            "keep sensitive work in smaller groups and watch their commitment.",
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
                            f"({p.name(a2)}) work on the same topic, {p.name(t)}. What it means: "
                            "your two alliances may be used against each other. What to do: keep "
                            "their plans on this topic apart, or align them openly.",
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
    p: Portfolio,
    *,
    max_staff_roles: int = 4,
    max_memberships: int = 8,
    max_membership_share: float = 0.25,
) -> list[Finding]:
    """People with more than ``max_staff_roles`` staff roles across the portfolio, and
    organizations (other than the focal one) in more than ``max_memberships`` of its alliances
    and more than ``max_membership_share`` of them: a partner in 11 of 237 alliances is no
    concentration."""
    roles: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, staff in p.staff.items():
        for st in staff:
            roles[st.person].append((a, st.rel))
    out = []
    for person, items in sorted(roles.items()):
        if len(items) > max_staff_roles:
            out.append(
                Finding(
                    kind="over_commitment",
                    category="constraint",
                    subject=[person],
                    score=round(len(items) / max_staff_roles, 4),
                    explanation=f"{p.name(person)} holds {len(items)} staff roles across the portfolio "
                    f"(limit {max_staff_roles}). What it means: their commitments and priorities "
                    "will clash. What to do: hand some roles to colleagues.",
                    evidence_nodes=[person, *sorted({a for a, _ in items})],
                    evidence_relationships=sorted(r for _, r in items),
                )
            )
    counts: dict[str, list[str]] = defaultdict(list)
    for a, members in p.members.items():
        for org in members:
            if org != p.focal:
                counts[org].append(a)
    share_limit = max_membership_share * len(p.alliances)
    for org, alliances in sorted(counts.items()):
        if len(alliances) > max_memberships and len(alliances) > share_limit:
            out.append(
                Finding(
                    kind="over_commitment",
                    category="constraint",
                    subject=[org],
                    score=round(len(alliances) / max_memberships, 4),
                    explanation=f"{p.name(org)} is in {len(alliances)} of the portfolio's "
                    f"{len(p.alliances)} alliances (limit {max_memberships}, and "
                    f"{max_membership_share:.0%} of the alliances). What it means: you depend on one partner in "
                    "many places. What to do: check they can keep up, and coordinate one agenda "
                    "with them.",
                    evidence_nodes=[org, *sorted(alliances)],
                    evidence_relationships=sorted(p.members[a][org] for a in alliances),
                )
            )
    return out


def _holds(p: Portfolio, alliance: str) -> bool:
    """Whether the focal organization is a current member of ``alliance`` (so ties it to
    the rest of the portfolio itself); over all of history, not if it left."""
    return p.focal in p.members[alliance] and p.focal not in p.left.get(alliance, {})


def key_people(p: Portfolio) -> list[Finding]:
    """Articulation points: a person or organization whose loss disconnects part of the
    portfolio (alliances, their members and their staff).

    People are judged without the focal organization: one person staffing several of its
    alliances holds those relationships whatever ties the alliances on paper, the risk of
    "one person holding every relationship". Partners are judged with it: the focal
    organization ties together every alliance it is a current member of, so a partner in
    several of those is not "the only link" between them (on a portfolio of bilateral deals
    that restated structure); only alliances it does not hold together (over all of
    history, ones it left) can depend on a partner.
    """
    labels = p.graph.nodes
    out = []
    for kind in (NodeLabel.PERSON, NodeLabel.ORGANIZATION):
        g, rel = _portfolio_graph(p, with_focal=kind == NodeLabel.ORGANIZATION)
        for node in sorted(nx.articulation_points(g)):
            if node == p.focal or labels[node].get("label") != kind:
                continue
            if _separated_alliances(g, node, labels) < 2:
                continue  # its loss cuts off only people or partners, not an alliance
            alliances = sorted(n for n in g[node] if labels[n].get("label") == NodeLabel.ALLIANCE)
            if len(alliances) < 2:
                continue
            out.append(
                Finding(
                    kind="key_person",
                    category="constraint",
                    subject=[node],
                    score=round(len(alliances) / max(1, len(p.alliances)), 4),
                    explanation=f"{p.name(node)} is the only link between {len(alliances)} "
                    f"alliances. {_KEY_ADVICE[kind]}",
                    evidence_nodes=[node, *alliances],
                    evidence_relationships=sorted(rel[frozenset((node, a))] for a in alliances),
                )
            )
    return sorted(out, key=lambda f: f.subject[0])


_KEY_ADVICE = {
    NodeLabel.PERSON: "What it means: losing them disconnects part of the portfolio. What to "
    "do: give someone else a role in the same alliances.",
    NodeLabel.ORGANIZATION: "What it means: if this partner leaves, part of the portfolio no "
    "longer meets the rest. What to do: bring another partner, or your own staff, into the "
    "same alliances.",
}


def _portfolio_graph(
    p: Portfolio, *, with_focal: bool
) -> tuple[nx.Graph, dict[frozenset[str], str]]:
    """Alliances, their members and their staff as one graph, and the relationship behind
    each edge; the focal organization only ``with_focal`` (and then only for alliances it
    holds: :func:`_holds`)."""
    g = nx.Graph()
    rel: dict[frozenset[str], str] = {}
    for a in p.alliances:
        for org, rid in p.members[a].items():
            if org != p.focal or (with_focal and _holds(p, a)):
                g.add_edge(a, org)
                rel[frozenset((a, org))] = rid
        for st in p.staff[a]:
            g.add_edge(a, st.person)
            rel[frozenset((a, st.person))] = st.rel
    return g, rel


def _separated_alliances(g: nx.Graph, node: str, labels: Any) -> int:
    """Into how many groups of alliances the loss of ``node`` splits the portfolio."""
    rest = g.subgraph(n for n in g if n != node)
    return sum(
        any(labels[n].get("label") == NodeLabel.ALLIANCE for n in part)
        for part in nx.connected_components(rest)
    )


def money(
    p: Portfolio, *, donor_share: float = 0.5, conversion: Conversion | None = None
) -> list[Finding]:
    """Alliances with funding recorded but none for managing the relationship itself, and a
    single donor providing more than ``donor_share`` of the portfolio's programme funding.

    An alliance with no funding recorded at all is a data-coverage fact, not a finding.
    Shares are computed in the report currency when every amount has a rate, otherwise
    within each currency (amounts are never added across currencies).
    """
    out = []
    programme: list[tuple[str, Funding]] = []
    for a in p.alliances:
        if not p.funds[a]:
            continue
        if not any(f.purpose == "management" for f in p.funds[a]):
            out.append(
                Finding(
                    kind="no_management_funding",
                    category="constraint",
                    subject=[a],
                    score=1.0,
                    explanation=f"{p.name(a)} has programme funding recorded but none for "
                    "managing the alliance itself. What it means: nobody is paid to run the "
                    "relationship. What to do: budget for alliance management.",
                    evidence_nodes=[a, *sorted({f.funder for f in p.funds[a]})],
                    evidence_relationships=sorted(f.rel for f in p.funds[a]),
                )
            )
        programme += [(a, f) for f in p.funds[a] if f.purpose == "programme"]
    when = p.reference_date
    converted = conversion is not None and all(
        conversion.rate(f.currency, f.on(when)) is not None for _, f in programme
    )
    pools: dict[str, list[tuple[str, Funding, float]]] = defaultdict(list)
    for a, f in programme:
        if converted and conversion is not None:
            rate = conversion.rate(f.currency, f.on(when)) or 0.0
            pools[conversion.currency].append((a, f, f.amount * rate))
        else:
            pools[f.currency].append((a, f, f.amount))
    several = len(pools) > 1
    for currency, items in sorted(pools.items()):
        total = sum(x for _, _, x in items)
        by_donor: dict[str, list[tuple[str, Funding, float]]] = defaultdict(list)
        for a, f, x in items:
            by_donor[f.funder].append((a, f, x))
        if several and len(by_donor) < 2:
            continue  # the only donor in its currency: 100 % says nothing without rates
        for donor, given in sorted(by_donor.items()):
            share = sum(x for _, _, x in given) / total if total else 0.0
            if share <= donor_share:
                continue
            scope = (
                f"{currency} programme funding (other currencies are not converted: "
                "no rates supplied)"
                if several
                else f"programme funding ({currency})"
            )
            out.append(
                Finding(
                    kind="donor_concentration",
                    category="constraint",
                    subject=[donor],
                    score=round(share, 4),
                    explanation=f"{p.name(donor)} provides {share:.0%} of the portfolio's {scope}. "
                    "What it means: one donor's change of priorities would hit most alliances. "
                    "What to do: widen the donor base or agree a multi-year commitment.",
                    evidence_nodes=[donor, *sorted({a for a, _, _ in given})],
                    evidence_relationships=sorted(f.rel for _, f, _ in given),
                )
            )
    return out


def network_constraint(
    p: Portfolio,
    *,
    max_focal_constraint: float = 0.5,
    tie_shared_alliance: float = 1.0,
    tie_shared_network: float = 0.5,
    tie_shared_project: float = 0.5,
    measured: tuple[float | None, dict[str, float]] | None = None,
) -> list[Finding]:
    """Burt's constraint of the focal organization on its partner network, when above
    ``max_focal_constraint``: its partners all know each other, so the portfolio brings
    little new information (few structural holes to broker).

    Not reported for a portfolio of one alliance: its members are tied by that alliance
    alone, so the constraint only restates how few they are."""
    if len(p.alliances) < 2:
        return []
    value, tie = measured or focal_constraint(
        p,
        tie_shared_alliance=tie_shared_alliance,
        tie_shared_network=tie_shared_network,
        tie_shared_project=tie_shared_project,
    )
    if value is None or value <= max_focal_constraint:
        return []
    partners = sorted(tie, key=lambda o: (-tie[o], o))[:10]
    groups = partner_groups(
        p,
        _tie_weights(p, tie_shared_alliance, tie_shared_network, tie_shared_project),
    )
    if len(groups) > 1:
        means = (
            f"its {sum(map(len, groups))} partners form {len(groups)} separate groups, each "
            f"tied together inside (the largest has {max(map(len, groups))}): it brokers "
            "between them, but within each the portfolio hears the same things, and so few "
            "contacts each weigh heavily"
        )
        todo = "look for partners outside these groups"
    else:
        means = (
            "its partners are tied to each other, so the portfolio hears the same things "
            "and depends on one circle"
        )
        todo = "look for partners outside that circle"
    return [
        Finding(
            kind="network_constraint",
            category="constraint",
            subject=[p.focal],
            score=round(value, 4),
            explanation=f"{p.name(p.focal)}'s partner network is closed (Burt's constraint "
            f"{value:.2f}, above {max_focal_constraint:g}). What it means: {means}. "
            f"What to do: {todo} (see complementary partners).",
            evidence_nodes=[p.focal, *partners],
            evidence_relationships=sorted(
                p.members[a][o] for o in partners for a in p.alliances if o in p.members[a]
            ),
        )
    ]


def _tie_weights(
    p: Portfolio, shared_alliance: float, shared_network: float, shared_project: float
) -> dict[tuple[str, str], float]:
    """The weight of the tie between each pair of the portfolio's organizations (the focal
    one and its current partners): summed over the portfolio alliances, boundary networks
    and projects they share, with these weights."""
    weights: dict[tuple[str, str], float] = defaultdict(float)

    def ties(orgs: list[str], w: float) -> None:
        if w <= 0:
            return
        for i, u in enumerate(orgs):
            for v in orgs[i + 1 :]:
                weights[(u, v)] += w

    for a in p.alliances:
        ties(sorted(p.members[a]), shared_alliance)
    partners = {o for m in p.members.values() for o in m} - {p.focal}
    for type_, w in ((RelType.BELONGS_TO, shared_network), (RelType.PARTICIPATES_IN, shared_project)):
        hubs: dict[str, set[str]] = defaultdict(set)
        for u, v, _ in p.edges_of(type_):
            if u in partners:
                hubs[v].add(u)
        for orgs in hubs.values():
            ties(sorted(orgs), w)
    return weights


def partner_groups(p: Portfolio, weights: dict[tuple[str, str], float]) -> list[set[str]]:
    """The focal organization's partners in groups tied together without it (the parts of
    the partner network once the focal organization is taken out), largest first."""
    graph = nx.Graph()
    graph.add_nodes_from(o for m in p.members.values() for o in m if o != p.focal)
    graph.add_edges_from(pair for pair in weights if p.focal not in pair)
    return sorted(nx.connected_components(graph), key=lambda g: (-len(g), min(g)))


def focal_constraint(
    p: Portfolio,
    *,
    tie_shared_alliance: float = 1.0,
    tie_shared_network: float = 0.5,
    tie_shared_project: float = 0.5,
) -> tuple[float | None, dict[str, float]]:
    """Burt's constraint of the focal organization on the network of its current partners,
    tied (with these weights) when they share a portfolio alliance, a boundary network or a
    project; ``None`` when it has no partners. Also returns the focal organization's tie
    weight to each partner.

    Burt's c(i) = sum over contacts j of (p_ij + sum over q of p_iq p_qj)^2 is computed with
    one sparse product (linear in the ties) rather than per-contact loops (quadratic in the
    focal organization's hundreds of partners).
    """
    weights = _tie_weights(p, tie_shared_alliance, tie_shared_network, tie_shared_project)
    partners = {o for m in p.members.values() for o in m} - {p.focal}
    if not partners or not weights:
        return None, {}
    nodes = sorted({x for pair in weights for x in pair})
    index = {n: i for i, n in enumerate(nodes)}
    rows = [index[u] for u, _ in weights] + [index[v] for _, v in weights]
    cols = [index[v] for _, v in weights] + [index[u] for u, _ in weights]
    vals = list(weights.values()) * 2
    w = sparse.csr_matrix((vals, (rows, cols)), shape=(len(nodes), len(nodes)))
    totals = np.asarray(w.sum(axis=1)).ravel()
    totals[totals == 0] = 1.0
    prop = sparse.diags(1.0 / totals) @ w
    i = index[p.focal]
    direct = prop.getrow(i)
    through = direct @ prop  # sum over q of p_iq p_qj
    both = (direct + through).toarray().ravel()
    contacts = direct.indices
    value = float(np.sum(both[contacts] ** 2))
    row = w.getrow(i)
    return value, {nodes[j]: float(x) for j, x in zip(row.indices, row.data, strict=True)}


def relational_capital(
    p: Portfolio, *, min_score: float = 2.5, min_decline: float = 0.75
) -> list[Finding]:
    """Alliances whose latest assessment has a relational-capital score below ``min_score``,
    or whose mean score fell at every assessment by ``min_decline`` or more in all."""
    out = []
    for a, history in p.assessed():
        last = history[-1]
        aid, latest = last.id, last.scores
        low = {s: latest[s] for s in SCORES if s in latest and latest[s] < min_score}
        means = [m for h in history if (m := _mean(h.scores)) is not None]
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
                + f" below {min_score:g} on {last.date}"
            )
        if falling:
            why.append(
                f"mean score fell from {means[0]:.2f} to {means[-1]:.2f} over "
                f"{len(means)} assessments"
            )
        ids = [x.id for x in history]
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
                explanation=f"{p.name(a)}: "
                + "; ".join(why)
                + ". What it means: partners trust and commit less. What to do: talk with the "
                "partners about what went wrong before it shows in the results.",
                evidence_nodes=[a, *ids] if falling else [a, aid],
                evidence_relationships=[
                    rel_id(RelType.ASSESSES, x, a) for x in (ids if falling else [aid])
                ],
            )
        )
    return out


def _mean(scores: dict[str, float]) -> float | None:
    vals = [scores[s] for s in SCORES if s in scores]
    return sum(vals) / len(vals) if vals else None


def find_constraints(
    p: Portfolio,
    *,
    max_staff_roles: int = 4,
    max_memberships: int = 8,
    max_membership_share: float = 0.25,
    donor_share: float = 0.5,
    min_score: float = 2.5,
    min_decline: float = 0.75,
    max_focal_constraint: float = 0.5,
    tie_shared_alliance: float = 1.0,
    tie_shared_network: float = 0.5,
    tie_shared_project: float = 0.5,
    conversion: Conversion | None = None,
    measured: tuple[float | None, dict[str, float]] | None = None,
) -> list[Finding]:
    """Every constraint of the portfolio (``measured``: the focal constraint, if known)."""
    return [
        *coopetition(p),
        *over_commitment(
            p,
            max_staff_roles=max_staff_roles,
            max_memberships=max_memberships,
            max_membership_share=max_membership_share,
        ),
        *key_people(p),
        *money(p, donor_share=donor_share, conversion=conversion),
        *relational_capital(p, min_score=min_score, min_decline=min_decline),
        *network_constraint(
            p,
            max_focal_constraint=max_focal_constraint,
            tie_shared_alliance=tie_shared_alliance,
            tie_shared_network=tie_shared_network,
            tie_shared_project=tie_shared_project,
            measured=measured,
        ),
    ]
