"""Portfolio configuration: the diversity, redundancy and concentration measures of
alliance-portfolio research, each with the alliances that drive it and its reading
(low / typical / high, and what that means for a manager)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from queries.money import Conversion
from queries.portfolio_context import Portfolio

Reading = Literal["low", "typical", "high", "unknown"]


class Measure(BaseModel):
    """One configuration measure, its reading, and the alliances that contribute most to it."""

    name: str
    value: float | None = Field(description="None when the data to measure it is not recorded")
    explanation: str
    reading: Reading = "unknown"
    meaning: str = ""
    distribution: dict[str, float]
    drivers: list[str]


#: (low below, high above, what low means, what high means) per measure.
BANDS: dict[str, tuple[float, float, str, str]] = {
    "partner_type_diversity": (
        0.3,
        0.6,
        "partners are mostly of one kind: the portfolio brings one kind of resource",
        "a broad mix of competitors, suppliers, customers and complementors: more to learn, "
        "more to coordinate",
    ),
    "industry_diversity": (
        0.4,
        0.8,
        "partners come from few industries: deep but narrow knowledge",
        "partners span many industries: new ideas, but harder to align",
    ),
    "governance_diversity": (
        0.3,
        0.7,
        "alliances mostly share one form: one way of managing fits them all",
        "many alliance forms: each needs its own management routine",
    ),
    "redundancy": (
        0.1,
        0.3,
        "few partners are met in more than one alliance: little overlap to coordinate",
        "many partners are met in several alliances: coordinate asks, or consolidate",
    ),
    "dependence_concentration": (
        0.15,
        0.25,
        "funding is spread over many donors: resilient",
        "funding depends on few donors: one donor's change of priorities hits many alliances",
    ),
    "network_constraint": (
        0.1,
        0.5,
        "partners are not tied to each other: the focal organization brokers between "
        "separate circles and hears of more opportunities",
        "partners are tied to each other: a closed circle, safe but with little new information",
    ),
}


def read(name: str, value: float) -> tuple[Reading, str]:
    """The reading of a measure's value (see :data:`BANDS`).

    >>> read("redundancy", 0.5)[0]
    'high'
    """
    low, high, says_low, says_high = BANDS[name]
    if math.isnan(value):
        return "unknown", "not enough data to read"
    if value < low:
        return "low", says_low
    if value > high:
        return "high", says_high
    return "typical", f"between {low:g} and {high:g}, as in most portfolios"


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


def _measure(
    name: str,
    value: float,
    explanation: str,
    distribution: dict[str, float],
    drivers: list[str],
    missing: str = "",
) -> Measure:
    """A measure and its reading; ``value`` NaN (with ``missing`` saying what is not
    recorded) when there is nothing to measure: not measured, rather than a 0 read as low."""
    reading, meaning = read(name, value)
    if math.isnan(value) and missing:
        meaning = f"not measured: {missing}"
    return Measure(
        name=name,
        value=round(value, 4) if not math.isnan(value) else None,
        explanation=explanation,
        reading=reading,
        meaning=meaning,
        distribution=distribution,
        drivers=drivers,
    )


def _funding_by_donor(
    p: Portfolio, conversion: Conversion | None
) -> tuple[dict[str, float], dict[str, float], str]:
    """Funding per donor and per alliance in one currency: the report currency when every
    amount has a rate, else the currency with the most funding records (others left out)."""
    funds = [(a, f) for a in p.alliances for f in p.funds[a]]
    if not funds:
        return {}, {}, "no funding recorded"
    when = p.reference_date
    if conversion is not None and all(conversion.rate(f.currency, f.on(when)) for _, f in funds):
        currency, factor = (
            conversion.currency,
            {
                (a, f.rel): f.amount * (conversion.rate(f.currency, f.on(when)) or 0.0)
                for a, f in funds
            },
        )
        note = f"in {currency}, converted at the rates supplied"
    else:
        counts = Counter(f.currency for _, f in funds)
        currency = max(sorted(counts), key=lambda c: counts[c]) if counts else "USD"
        factor = {(a, f.rel): f.amount for a, f in funds if f.currency == currency}
        others = sorted(set(counts) - {currency})
        note = f"{currency} funding only" + (
            f" ({', '.join(others)} not converted: no rates)" if others else ""
        )
    by_donor: dict[str, float] = defaultdict(float)
    by_alliance: dict[str, float] = defaultdict(float)
    for a, f in funds:
        if (a, f.rel) in factor:
            by_donor[f.funder] += factor[(a, f.rel)]
            by_alliance[a] += factor[(a, f.rel)]
    return dict(by_donor), dict(by_alliance), note


def configuration(
    p: Portfolio,
    conversion: Conversion | None = None,
    focal_constraint: float | None = None,
) -> list[Measure]:
    """Partner-type, industry and governance diversity; redundancy; dependence concentration;
    and, when given, Burt's constraint of the focal organization."""
    g = p.graph
    members = {a: {o for o in m if o != p.focal} for a, m in p.members.items()}
    partners = set().union(*members.values()) if members else set()
    kinds = {o: p.partner_kind[o][0] for o in partners if o in p.partner_kind}
    industries = {o: str(g.nodes[o]["industry"]) for o in partners if g.nodes[o].get("industry")}
    forms = {a: str(g.nodes[a]["form"]) for a in p.alliances if g.nodes[a].get("form")}
    kind = Counter(kinds.values())
    industry = Counter(industries.values())
    form = Counter(forms.values())
    reached: dict[str, list[str]] = defaultdict(list)
    for a, orgs in members.items():
        for o in orgs:
            reached[o].append(a)
    redundant = {o: a for o, a in reached.items() if len(a) > 1}
    funding, by_alliance, note = _funding_by_donor(p, conversion)

    def share(c: Counter[str]) -> dict[str, float]:
        total = sum(c.values()) or 1
        return {k: round(v / total, 4) for k, v in sorted(c.items())}

    def rarest_drivers(attr: dict[str, str]) -> list[str]:
        """Alliances holding the partners of the rarest kinds (they create the diversity)."""
        counts = Counter(attr.values())
        ranked = sorted(attr, key=lambda o: (counts[attr[o]], o))
        return sorted({a for o in ranked[:10] for a in reached.get(o, [])})[:10]

    def over(known: int, total: int, what: str) -> str:
        """Which part of the portfolio a diversity index reads, when not all of it."""
        return f" (over the {known} of {total} {what} recorded)" if 0 < known < total else ""

    top_donor = max(sorted(funding), key=lambda d: funding[d]) if funding else None
    nan = math.nan
    out = [
        _measure(
            "partner_type_diversity",
            blau(kind) if kinds else nan,
            "Blau index of partner kinds (competitor, supplier, customer, complementor): "
            "0 = all one kind, 0.75 = all four equally" + over(len(kinds), len(partners), "kinds"),
            share(kind),
            rarest_drivers(kinds),
            "no partner's kind (competitor, supplier, customer, complementor) is recorded",
        ),
        _measure(
            "industry_diversity",
            blau(industry) if industries else nan,
            "Blau index of the partners' industries: 0 = one industry, near 1 = many"
            + over(len(industries), len(partners), "industries"),
            share(industry),
            rarest_drivers(industries),
            "no partner's industry is recorded",
        ),
        _measure(
            "governance_diversity",
            blau(form) if forms else nan,
            "Blau index of alliance forms in the portfolio: 0 = one form"
            + over(len(forms), len(p.alliances), "forms"),
            share(form),
            sorted(forms, key=lambda a: (form[forms[a]], a))[:10],
            "no alliance's form (joint venture, coalition, ...) is recorded",
        ),
        _measure(
            "redundancy",
            len(redundant) / len(partners) if partners else nan,
            "share of partners reached through more than one alliance",
            {o: float(len(a)) for o, a in sorted(redundant.items())[:50]},
            sorted({a for al in redundant.values() for a in al})[:10],
            "the portfolio's alliances have no other members",
        ),
        _measure(
            "dependence_concentration",
            hhi(funding) if funding else nan,
            f"Herfindahl index of funding by donor, {note}: 1 = a single donor",
            {d: round(v, 2) for d, v in sorted(funding.items(), key=lambda x: (-x[1], x[0]))[:20]},
            sorted(
                (
                    a
                    for a in p.alliances
                    if top_donor and any(f.funder == top_donor for f in p.funds[a])
                ),
                key=lambda a: (-by_alliance.get(a, 0.0), a),
            )[:10],
            "no funding (FUNDS) is recorded for the portfolio's alliances",
        ),
    ]
    if focal_constraint is not None:
        out.append(
            _measure(
                "network_constraint",
                focal_constraint,
                "Burt's constraint of the focal organization on its partner network: "
                "near 0 = partners in separate circles, 1 = all tied to each other",
                {},
                [],
            )
        )
    return out
