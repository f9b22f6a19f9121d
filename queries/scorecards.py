"""The shared alliance scorecard (relational capital over time) and the money behind each alliance."""

from __future__ import annotations

from pydantic import BaseModel

from graph.dates import period_start
from queries.constraints import SCORES
from queries.portfolio_context import Portfolio


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
    trend_per_year: dict[str, float]


class Contributions(BaseModel):
    """Cash and in-kind contributions across members, under the alliance's funding model."""

    alliance: str
    name: str
    funding_model: str | None
    cash: float
    in_kind: float
    programme_funding: float
    management_funding: float
    by_member: dict[str, dict[str, float]]


def _slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return 0.0 if den == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def scorecards(p: Portfolio) -> list[Scorecard]:
    """One scorecard per alliance of the portfolio (least-squares trend, score points per year)."""
    out = []
    for a in p.alliances:
        points = []
        for aid, data in p.assessments[a]:
            scores = {s: float(data[s]) for s in SCORES if isinstance(data.get(s), int | float)}
            points.append(
                ScorePoint(
                    assessment=aid,
                    date=str(data.get("date")),
                    scores=scores,
                    outcome=data.get("outcome"),
                    progress=data.get("progress"),
                )
            )
        trend = {}
        for s in SCORES:
            xs = [period_start(pt.date).toordinal() / 365.25 for pt in points if s in pt.scores]
            ys = [pt.scores[s] for pt in points if s in pt.scores]
            trend[s] = round(_slope(xs, ys), 4)
        out.append(Scorecard(alliance=a, name=p.name(a), points=points, trend_per_year=trend))
    return out


def contributions(p: Portfolio) -> list[Contributions]:
    """Cash and in-kind per alliance and member, plus programme and management funding."""
    g = p.graph
    out = []
    for a in p.alliances:
        by_member: dict[str, dict[str, float]] = {}
        for org in p.members[a]:
            d = g.edges[org, a, "MEMBER_OF"] if g.has_edge(org, a, "MEMBER_OF") else {}
            by_member[org] = {
                "cash": float(d.get("cash_contribution", 0.0)),
                "in_kind": float(d.get("in_kind_contribution", 0.0)),
            }
        programme = sum(
            float(d.get("amount", 0))
            for _, d, _ in p.funds[a]
            if d.get("purpose", "programme") == "programme"
        )
        management = sum(
            float(d.get("amount", 0)) for _, d, _ in p.funds[a] if d.get("purpose") == "management"
        )
        out.append(
            Contributions(
                alliance=a,
                name=p.name(a),
                funding_model=g.nodes[a].get("funding_model"),
                cash=sum(m["cash"] for m in by_member.values()),
                in_kind=sum(m["in_kind"] for m in by_member.values()),
                programme_funding=programme,
                management_funding=management,
                by_member=by_member,
            )
        )
    return out
