"""Portfolio configuration: the diversity, redundancy and concentration measures of
alliance-portfolio research, each with the alliances that drive it."""

from __future__ import annotations

from collections import Counter, defaultdict

from pydantic import BaseModel

from queries.portfolio_context import Portfolio


class Measure(BaseModel):
    """One configuration measure and the alliances that contribute most to it."""

    name: str
    value: float
    explanation: str
    distribution: dict[str, float]
    drivers: list[str]


def blau(counts: Counter[str]) -> float:
    """Blau's index of heterogeneity: 1 - sum of squared shares (0 = all one kind).

    >>> blau(Counter({"a": 1, "b": 1}))
    0.5
    """
    total = sum(counts.values())
    return 0.0 if total == 0 else 1.0 - sum((n / total) ** 2 for n in counts.values())


def hhi(values: dict[str, float]) -> float:
    """Herfindahl-Hirschman concentration of shares (1 = one holder of everything)."""
    total = sum(values.values())
    return 0.0 if total == 0 else sum((v / total) ** 2 for v in values.values())


def configuration(p: Portfolio) -> list[Measure]:
    """Partner-type, industry and governance diversity; redundancy; dependence concentration."""
    g = p.graph
    members = {a: {o for o in m if o != p.focal} for a, m in p.members.items()}
    partners = set().union(*members.values()) if members else set()
    kind = Counter(p.partner_kind[o][0] for o in partners if o in p.partner_kind)
    industry = Counter(str(g.nodes[o].get("industry", "unknown")) for o in partners)
    form = Counter(str(g.nodes[a].get("form", "unknown")) for a in p.alliances)
    reached: dict[str, list[str]] = defaultdict(list)
    for a, orgs in members.items():
        for o in orgs:
            reached[o].append(a)
    redundant = {o: a for o, a in reached.items() if len(a) > 1}
    funding: dict[str, float] = defaultdict(float)
    by_alliance: dict[str, float] = defaultdict(float)
    for a in p.alliances:
        for donor, d, _ in p.funds[a]:
            funding[donor] += float(d.get("amount", 0.0))
            by_alliance[a] += float(d.get("amount", 0.0))

    def share(c: Counter[str]) -> dict[str, float]:
        total = sum(c.values()) or 1
        return {k: round(v / total, 4) for k, v in sorted(c.items())}

    def rarest_drivers(attr: dict[str, str]) -> list[str]:
        """Alliances holding the partners of the rarest kinds (they create the diversity)."""
        counts = Counter(attr.values())
        ranked = sorted(attr, key=lambda o: (counts[attr[o]], o))
        return sorted({a for o in ranked[:10] for a in reached.get(o, [])})[:10]

    top_donor = max(funding, key=lambda d: funding[d]) if funding else None
    return [
        Measure(
            name="partner_type_diversity",
            value=round(blau(kind), 4),
            explanation="Blau index of partner kinds (competitor, supplier, customer, complementor)",
            distribution=share(kind),
            drivers=rarest_drivers(
                {o: p.partner_kind[o][0] for o in partners if o in p.partner_kind}
            ),
        ),
        Measure(
            name="industry_diversity",
            value=round(blau(industry), 4),
            explanation="Blau index of the partners' industries",
            distribution=share(industry),
            drivers=rarest_drivers(
                {o: str(g.nodes[o].get("industry", "unknown")) for o in partners}
            ),
        ),
        Measure(
            name="governance_diversity",
            value=round(blau(form), 4),
            explanation="Blau index of alliance forms in the portfolio",
            distribution=share(form),
            drivers=sorted(
                p.alliances, key=lambda a: (form[str(g.nodes[a].get("form", "unknown"))], a)
            )[:10],
        ),
        Measure(
            name="redundancy",
            value=round(len(redundant) / len(partners), 4) if partners else 0.0,
            explanation="share of partners reached through more than one alliance",
            distribution={o: float(len(a)) for o, a in sorted(redundant.items())[:50]},
            drivers=sorted({a for al in redundant.values() for a in al})[:10],
        ),
        Measure(
            name="dependence_concentration",
            value=round(hhi(dict(funding)), 4),
            explanation="Herfindahl index of funding by donor (1 = a single donor)",
            distribution={
                d: round(v, 2) for d, v in sorted(funding.items(), key=lambda x: -x[1])[:20]
            },
            drivers=sorted(
                (
                    a
                    for a in p.alliances
                    if top_donor and any(d == top_donor for d, _, _ in p.funds[a])
                ),
                key=lambda a: -by_alliance[a],
            )[:10],
        ),
    ]
