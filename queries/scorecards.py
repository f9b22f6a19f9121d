"""The shared alliance scorecard (relational capital over time) and the money behind each alliance."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from graph.dates import period_start
from graph.projection import edge_evidence_id
from queries.money import UNSPECIFIED, Totals, add
from queries.portfolio_context import SCORES, Portfolio


class ScorePoint(BaseModel):
    """One dated assessment."""

    assessment: str
    date: str
    scores: dict[str, float]
    outcome: float | None = None
    progress: float | None = None


class Scorecard(BaseModel):
    """An alliance's relational-capital scores over time, with the trend per score (per year)."""

    alliance: str
    name: str
    points: list[ScorePoint]
    #: least-squares change per year of each score; ``None`` (no trend, not a flat one) when
    #: fewer than two assessments, on two dates, score it
    trend_per_year: dict[str, float | None]


class MemberContribution(BaseModel):
    """One member's cash and in-kind contribution, in its currency.

    An amount not recorded is ``None`` (not recorded), never a zero nobody recorded; the
    currency is ``None`` when neither amount is recorded.
    """

    cash: float | None = Field(None, description="cash contributed; null: not recorded")
    in_kind: float | None = Field(None, description="in-kind contribution; null: not recorded")
    currency: str | None = Field(
        None, description="currency of the amounts ('unspecified' if recorded without one)"
    )


class Contributions(BaseModel):
    """Cash and in-kind contributions across members, under the alliance's funding model.

    Every amount is per currency (currency -> amount); nothing is added across currencies.
    """

    alliance: str
    name: str
    funding_model: str | None
    cash: Totals
    in_kind: Totals
    programme_funding: Totals
    management_funding: Totals
    by_member: dict[str, MemberContribution]
    withheld: list[str] = Field(
        default_factory=list,
        description="totals not given to this key (cash, in_kind, programme_funding, "
        "management_funding): with the amounts it is shown, each would reveal the amount of "
        "the one partner or funder it may only count",
    )
    #: who gave what to each funding total, per currency ((purpose, currency) -> funder ->
    #: amount): what :mod:`api.disclosure` needs to tell whether a total gives one away
    _funders: dict[tuple[str, str], dict[str, float]] = PrivateAttr(default_factory=dict)

    def funders(self, purpose: str) -> list[dict[str, float]]:
        """Who gave what to the ``purpose`` funding total, one dict per currency."""
        return [given for (p, _), given in self._funders.items() if p == purpose]


def _slope(xs: list[float], ys: list[float]) -> float | None:
    """The least-squares slope; ``None`` when fewer than two distinct dates give none."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def scorecards(p: Portfolio) -> list[Scorecard]:
    """One scorecard per alliance of the portfolio (least-squares trend, score points per year)."""
    out = []
    for a in p.alliances:
        points = [
            ScorePoint(
                assessment=x.id,
                date=x.date,
                scores=dict(x.scores),
                outcome=x.outcome,
                progress=x.progress,
            )
            for x in p.assessments[a]
        ]
        trend: dict[str, float | None] = {}
        for s in SCORES:
            xs = [period_start(pt.date).toordinal() / 365.25 for pt in points if s in pt.scores]
            ys = [pt.scores[s] for pt in points if s in pt.scores]
            slope = _slope(xs, ys)
            trend[s] = None if slope is None else round(slope, 4)
        out.append(Scorecard(alliance=a, name=p.name(a), points=points, trend_per_year=trend))
    return out


def _amount(value: Any) -> float | None:
    """A recorded amount as a number; ``None`` when nothing is recorded."""
    return None if value is None or value == "" else float(value)


def _member_contribution(d: dict[str, Any]) -> MemberContribution:
    """A member's contribution from its MEMBER_OF properties: only what is recorded."""
    cash, in_kind = _amount(d.get("cash_contribution")), _amount(d.get("in_kind_contribution"))
    recorded = cash is not None or in_kind is not None
    currency = str(d.get("currency") or UNSPECIFIED) if recorded else None
    return MemberContribution(cash=cash, in_kind=in_kind, currency=currency)


def contributions(p: Portfolio) -> list[Contributions]:
    """Cash and in-kind per alliance and member, plus programme and management funding,
    each per currency."""
    g = p.graph
    out = []
    for a in p.alliances:
        by_member: dict[str, MemberContribution] = {}
        cash: Totals = {}
        in_kind: Totals = {}
        for org in sorted(p.members[a]):
            rid = p.members[a][org]
            d: dict[str, Any] = next(
                (
                    x
                    for x in (g.get_edge_data(org, a) or {}).values()
                    if edge_evidence_id(org, a, x) == rid
                ),
                {},
            )
            m = _member_contribution(d)
            by_member[org] = m
            currency = m.currency or UNSPECIFIED
            if m.cash is not None:
                cash = add(cash, m.cash, currency)
            if m.in_kind is not None:
                in_kind = add(in_kind, m.in_kind, currency)
        programme: Totals = {}
        management: Totals = {}
        funders: dict[tuple[str, str], dict[str, float]] = {}
        for f in p.funds[a]:
            if f.purpose == "programme":
                programme = add(programme, f.amount, f.currency)
            elif f.purpose == "management":
                management = add(management, f.amount, f.currency)
            else:
                continue
            given = funders.setdefault((f.purpose, f.currency), {})
            given[f.funder] = given.get(f.funder, 0.0) + f.amount
        out.append(
            Contributions(
                alliance=a,
                name=p.name(a),
                funding_model=g.nodes[a].get("funding_model"),
                cash=cash,
                in_kind=in_kind,
                programme_funding=programme,
                management_funding=management,
                by_member=by_member,
            )
        )
        out[-1]._funders = funders
    return out
