"""Synergies: where a portfolio's alliances can share knowledge, contacts, money and skills.

Each function takes a :class:`~queries.portfolio_context.Portfolio` and thresholds with
documented defaults, and returns :class:`~queries.findings.Finding` objects. Pairwise kinds
that repeat (the same boundary networks or topics shared by many alliances) are grouped —
alliances sharing exactly the same items make one finding — and capped, so the top of the
report is the most valuable findings, not the most numerous.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from graph.projection import edge_evidence_id
from graph.vocabulary import RelType
from queries.findings import Finding
from queries.money import Conversion, Totals, add, convert, describe
from queries.portfolio_context import Portfolio, pair_counts


def partner_overlap(
    p: Portfolio,
    *,
    min_shared_members: int = 3,
    cap: int | None = None,
    omitted: dict[str, int] | None = None,
) -> list[Finding]:
    """Alliance pairs sharing at least ``min_shared_members`` current members besides the focal org.

    Their managers should share knowledge; score is the Jaccard index of the memberships.
    At most ``cap`` pairs are kept, the most overlapping first (default: as many as the
    portfolio has alliances): large multilateral treaties share a few members pairwise by
    the thousand, and a manager can coordinate the strongest overlaps, not every one.
    """
    groups = {a: set(m) - {p.focal} for a, m in p.members.items()}
    out = []
    for (a1, a2), shared in sorted(pair_counts(groups).items()):
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
                explanation=f"{p.name(a1)} and {p.name(a2)} share {len(shared)} members. "
                "What it means: the same partners hear from both alliances. What to do: have "
                "the two alliance managers compare plans and coordinate what they ask of them.",
                evidence_nodes=[a1, a2, *orgs],
                evidence_relationships=[p.members[a][o] for o in orgs for a in (a1, a2)],
            )
        )
    limit = len(p.alliances) if cap is None else cap
    if len(out) > limit:
        out.sort(key=lambda f: (-f.score, f.subject))
        if omitted is not None:
            omitted["partner_overlap"] = len(out) - limit
        out = sorted(out[:limit], key=lambda f: f.subject)
    return out


def _grouped(
    p: Portfolio,
    kind: str,
    items: dict[str, set[str]],
    via: Callable[[str, str], str],
    minimum: int,
    cap: int,
    say: Callable[[list[str], list[str]], str],
    omitted: dict[str, int] | None,
) -> list[Finding]:
    """Pairs of alliances sharing at least ``minimum`` items, grouped by the exact shared set
    (every alliance of a group has every item of it), best ``cap`` groups kept."""
    groups: dict[frozenset[str], set[str]] = defaultdict(set)
    best: dict[frozenset[str], float] = defaultdict(float)
    for (a1, a2), shared in pair_counts(items).items():
        if len(shared) < minimum:
            continue
        key = frozenset(shared)
        groups[key] |= {a1, a2}
        best[key] = max(best[key], len(shared) / len(items[a1] | items[a2]))
    out = []
    for key, group in groups.items():
        alliances, common = sorted(group), sorted(key)
        out.append(
            Finding(
                kind=kind,
                category="synergy",
                subject=alliances,
                score=round(best[key], 4),
                explanation=say(alliances, common),
                evidence_nodes=[*alliances, *common],
                evidence_relationships=[via(a, x) for x in common for a in alliances],
            )
        )
    out.sort(key=lambda f: (-f.score, f.subject))
    if omitted is not None and len(out) > cap:
        omitted[kind] = len(out) - cap
    return out[:cap]


def _names(p: Portfolio, ids: list[str], limit: int = 4) -> str:
    limit = len(ids) if len(ids) == limit + 1 else limit  # never "and 1 more": name it
    shown = [p.name(x) for x in ids[:limit]]
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return (", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]) + more


def shared_networks(
    p: Portfolio,
    *,
    min_shared_networks: int = 3,
    cap: int = 10,
    omitted: dict[str, int] | None = None,
) -> list[Finding]:
    """Alliances whose members sit in the same boundary networks (joint communications)."""
    belongs: dict[str, list[tuple[str, str]]] = defaultdict(list)  # org -> (network, rel)
    for org, net, data in p.edges_of(RelType.BELONGS_TO):
        belongs[org].append((net, edge_evidence_id(org, net, data)))
    nets: dict[str, set[str]] = {}
    via: dict[tuple[str, str], str] = {}
    for a, members in p.members.items():
        nets[a] = set()
        for org in sorted(members):
            if org == p.focal:
                continue
            for net, rid in sorted(belongs.get(org, ())):
                nets[a].add(net)
                via.setdefault((a, net), rid)
    return _grouped(
        p,
        "shared_networks",
        nets,
        lambda a, n: via[(a, n)],
        min_shared_networks,
        cap,
        lambda al, ns: (
            f"{_names(p, al)} reach the same {len(ns)} boundary networks "
            f"({_names(p, ns, 3)}). What it means: their audiences overlap. What to do: plan "
            "joint communications and share media contacts instead of approaching them twice."
        ),
        omitted,
    )


def shared_contacts(
    p: Portfolio,
    *,
    min_shared_staff: int = 2,
    cap: int = 10,
    omitted: dict[str, int] | None = None,
) -> list[Finding]:
    """Alliances staffed by the same people: shared contacts to coordinate through."""
    groups = {a: {s.person for s in staff} for a, staff in p.staff.items()}
    rel = {(a, s.person): s.rel for a, staff in p.staff.items() for s in staff}
    return _grouped(
        p,
        "shared_contacts",
        groups,
        lambda a, x: rel[(a, x)],
        min_shared_staff,
        cap,
        lambda al, people: (
            f"{len(people)} people ({_names(p, people, 3)}) staff {_names(p, al)}. "
            "What it means: knowledge can flow between these alliances through them. What to do: "
            "ask them to carry lessons across, and protect their time."
        ),
        omitted,
    )


def money_phrase(
    totals: Totals, items: list[tuple[float, str, object]], conv: Conversion | None
) -> str:
    """``1,000,000 JPY and 10,000 EUR`` — or the converted total when every amount has a rate."""
    converted = convert(items, conv)  # type: ignore[arg-type]
    if converted is not None and conv is not None and len(totals) > 1:
        return f"{describe(totals)}; {converted:,.0f} {conv.currency} at the rates supplied"
    return describe(totals)


def shared_donors(
    p: Portfolio, *, min_alliances: int = 2, conversion: Conversion | None = None
) -> list[Finding]:
    """Donors funding several alliances of the portfolio: joint fundraising, a common fund.

    Amounts are totalled per currency (converted only with supplied rates).
    """
    by_donor: dict[str, list[tuple[str, str, float, str, object]]] = defaultdict(list)
    for a in p.alliances:
        for f in p.funds[a]:
            if f.funder != p.focal and f.purpose == "programme":
                by_donor[f.funder].append((a, f.rel, f.amount, f.currency, f.on(p.reference_date)))
    out = []
    n = max(1, len(p.alliances))
    for donor, items in sorted(by_donor.items()):
        alliances = sorted({a for a, *_ in items})
        if len(alliances) < min_alliances:
            continue
        totals: Totals = {}
        for _, _, amount, currency, _ in items:
            totals = add(totals, amount, currency)
        total = money_phrase(totals, [(x, c, d) for _, _, x, c, d in items], conversion)
        out.append(
            Finding(
                kind="shared_donor",
                category="synergy",
                subject=[donor],
                score=round(len(alliances) / n, 4),
                explanation=f"{p.name(donor)} funds {len(alliances)} alliances of the portfolio "
                f"({total}). What it means: one donor relationship serves several alliances. "
                "What to do: consider joint fundraising or a common fund, with one contact person.",
                evidence_nodes=[donor, *alliances],
                evidence_relationships=sorted(rid for _, rid, *_ in items),
            )
        )
    return out


def topic_overlap(
    p: Portfolio,
    *,
    min_shared_topics: int = 2,
    cap: int = 10,
    omitted: dict[str, int] | None = None,
) -> list[Finding]:
    """Alliances addressing the same topics: coordinate them, or consider merging."""
    groups = {a: set(t) for a, t in p.topics.items()}
    return _grouped(
        p,
        "topic_overlap",
        groups,
        lambda a, t: p.topics[a][t],
        min_shared_topics,
        cap,
        lambda al, ts: (
            f"{_names(p, al)} {'both' if len(al) == 2 else 'all'} work on {_names(p, ts, 5)}. "
            "What it means: "
            "effort may be duplicated. What to do: agree who leads on each topic, or consider "
            "merging the work."
        ),
        omitted,
    )


def complementary_partners(
    p: Portfolio, *, top_n: int = 20, min_level: float = 0.5
) -> list[Finding]:
    """Organizations outside the portfolio whose capabilities cover a topic an alliance addresses
    or a goal needs, ranked by resource allocation to the focal organization.

    Recorded competitors of the focal organization are not proposed as partners: they are
    reported as ``coopetition_candidate`` instead (a different decision, with its risks).
    Closeness is the resource-allocation index on the organization graph where two
    organizations are linked when they share an alliance, a boundary network or a project.
    """
    g = p.graph
    wanted: dict[str, list[str]] = defaultdict(list)  # topic -> why (alliance or goal ids)
    for a, topics in p.topics.items():
        for t in topics:
            wanted[t].append(a)
    for _, goal, d in sorted(g.out_edges(p.focal, data=True), key=lambda e: e[1]):
        if d.get("type") == RelType.HAS_GOAL:
            for _, t, d2 in sorted(g.out_edges(goal, data=True), key=lambda e: e[1]):
                if d2.get("type") == RelType.NEEDS:
                    wanted[t].append(goal)
    in_portfolio = {o for m in p.members.values() for o in m}
    candidates: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for org, topic, d in p.edges_of(RelType.HAS_CAPABILITY):
        if topic in wanted and org not in in_portfolio and float(d.get("level", 1.0)) >= min_level:
            candidates[org].append((topic, edge_evidence_id(org, topic, d)))
    for caps in candidates.values():
        caps.sort()
    if not candidates:
        return []
    closeness = _resource_allocation(p, sorted(candidates), p.focal)
    rivals = p.competitors(p.focal)
    partners, coop = [], []
    for org, caps in sorted(candidates.items()):
        ra = closeness[org]
        strength = len(caps) * (1.0 + ra)  # capabilities, more when already close
        score = round(strength / (strength + 2.0), 4)  # onto 0..1, beside the other kinds
        names = ", ".join(sorted(p.name(t) for t, _ in caps))
        nodes = [
            org,
            *sorted({t for t, _ in caps}),
            *sorted({x for t, _ in caps for x in wanted[t]}),
        ]
        rels = sorted(r for _, r in caps)
        if org in rivals:
            coop.append(
                Finding(
                    kind="coopetition_candidate",
                    category="synergy",
                    subject=[org],
                    score=round(score / 2, 4),
                    explanation=f"{p.name(org)}, a recorded competitor, has capabilities in {names} "
                    f"that the portfolio needs (closeness to {p.name(p.focal)}: "
                    f"{_closeness_reading(ra)}). What it means: working with them is co-opetition. "
                    "What to do: decide what you would share and what you must protect before "
                    "approaching them.",
                    evidence_nodes=nodes,
                    evidence_relationships=[*rels, rivals[org]],
                )
            )
            continue
        partners.append(
            Finding(
                kind="complementary_partner",
                category="synergy",
                subject=[org],
                score=score,
                explanation=f"{p.name(org)} has capabilities in {names} that the portfolio needs "
                f"(closeness to {p.name(p.focal)}: {_closeness_reading(ra)}). What to do: "
                "consider inviting them into an alliance that works on these topics.",
                evidence_nodes=nodes,
                evidence_relationships=rels,
            )
        )
    partners.sort(key=lambda f: (-f.score, f.subject))
    coop.sort(key=lambda f: (-f.score, f.subject))
    return partners[:top_n] + coop[:top_n]


def _closeness_reading(ra: float) -> str:
    """Resource allocation in words: how well connected the focal organization already is."""
    if ra == 0:
        return "no partners in common yet, an introduction is needed"
    if ra < 0.05:
        return f"low ({ra:.3f}), a few distant partners in common"
    if ra < 0.2:
        return f"typical ({ra:.3f}), partners in common can introduce you"
    return f"high ({ra:.3f}), close partners in common"


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
        s: sum(1 / deg(w) for w in sorted(neighbours(s) & around_target)) if s != target else 0.0
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
    min_capability_level: float = 0.5,
    max_pairs_per_kind: int = 10,
    conversion: Conversion | None = None,
    omitted: dict[str, int] | None = None,
) -> list[Finding]:
    """Every synergy of the portfolio; ``omitted`` receives how many groups each cap left out."""
    cap = max_pairs_per_kind
    return [
        *partner_overlap(
            p,
            min_shared_members=min_shared_members,
            cap=max(cap, len(p.alliances)),
            omitted=omitted,
        ),
        *shared_networks(p, min_shared_networks=min_shared_networks, cap=cap, omitted=omitted),
        *shared_contacts(p, min_shared_staff=min_shared_staff, cap=cap, omitted=omitted),
        *shared_donors(p, min_alliances=min_donor_alliances, conversion=conversion),
        *topic_overlap(p, min_shared_topics=min_shared_topics, cap=cap, omitted=omitted),
        *complementary_partners(p, top_n=top_partners, min_level=min_capability_level),
    ]
