"""A total that would reveal, by subtraction, the amount of the one partner or funder a key
may only count is withheld; with two such partners in the same currency it stays (only
their sum is given). Names of such partners, short ones too, never reach the key."""

from __future__ import annotations

from datetime import date
from typing import Any

import networkx as nx

from api.access import Access
from api.keys import Principal, Role
from api.routers.portfolio import _report
from queries.settings import ReportSettings


def _graph(quiet: dict[str, tuple[float, str]], funds: dict[str, tuple[float, int]]) -> nx.MultiDiGraph:
    """An alliance of the focal organization with a shown partner (2,000 EUR) and ``quiet``
    partners (id -> cash, currency) shared ``counts_only``; ``funds``: funder -> (amount in
    EUR, year) for its programme, the shown partner's 1,000 EUR of 2024 among them."""
    g = nx.MultiDiGraph()
    g.add_node("org-focal", label="Organization", name="Focal")
    g.add_node("all-1", label="Alliance", name="Coalition", status="active")
    g.add_node("org-a", label="Organization", name="Shown Partner")
    g.add_edge("org-focal", "all-1", key="MEMBER_OF", type="MEMBER_OF")
    g.add_edge("org-a", "all-1", key="MEMBER_OF", type="MEMBER_OF", cash_contribution=2000.0, currency="EUR")
    for org, (cash, currency) in quiet.items():
        g.add_node(org, label="Organization", name=f"Quiet {org}", sharing="counts_only")
        g.add_edge(org, "all-1", key="MEMBER_OF", type="MEMBER_OF", cash_contribution=cash, currency=currency)
    for org, (amount, year) in {"org-a": (1000.0, 2024), **funds}.items():
        if org not in g:
            g.add_node(org, label="Organization", name=f"Quiet {org}", sharing="counts_only")
        g.add_edge(org, "all-1", key="FUNDS", type="FUNDS", amount=amount, currency="EUR", year=year)
    return g


def _money(g: nx.MultiDiGraph, as_of: date | None = None) -> dict[str, Any]:
    analyst = Access(g, Principal("k1", Role.ANALYST))
    report = _report(analyst, "org-focal", as_of, ReportSettings())
    (block,) = [c for c in report.contributions if c.alliance == "all-1"]
    return block.model_dump()


def test_one_counted_only_partner_withholds_the_totals_it_would_reveal() -> None:
    money = _money(_graph({"org-q": (4000.0, "EUR")}, {"org-q": (500.0, 2024)}))
    assert "org-q" not in money["by_member"]
    assert money["cash"] == {} and money["programme_funding"] == {}
    assert money["withheld"] == ["cash", "programme_funding"]


def test_two_counted_only_partners_in_one_currency_leave_the_totals() -> None:
    money = _money(
        _graph(
            {"org-q": (4000.0, "EUR"), "org-r": (5000.0, "EUR")},
            {"org-q": (500.0, 2024), "org-r": (700.0, 2024)},
        )
    )
    assert money["cash"] == {"EUR": 11000.0} and money["programme_funding"] == {"EUR": 2200.0}
    assert money["withheld"] == []


def test_a_partner_alone_in_its_currency_is_not_hidden_by_one_in_another() -> None:
    money = _money(_graph({"org-q": (4000.0, "EUR"), "org-r": (5000.0, "USD")}, {}))
    assert money["cash"] == {} and money["withheld"] == ["cash"]  # USD 5000 was org-r's


def test_only_the_funding_the_total_counts_decides() -> None:
    """Funding of a year after the report's date is not in its total: it hides nothing."""
    g = _graph({}, {"org-q": (4444.0, 2025), "org-r": (5555.0, 2030)})
    money = _money(g, as_of=date(2026, 6, 30))  # 5,444 - 1,000 shown would be org-q's
    assert money["programme_funding"] == {} and money["withheld"] == ["programme_funding"]
    over_all_time = _money(g)  # both quiet funders are in the total: only their sum shows
    assert over_all_time["programme_funding"] == {"EUR": 1000.0 + 4444.0 + 5555.0}


def test_a_zero_hides_nothing() -> None:
    money = _money(_graph({"org-q": (4000.0, "EUR"), "org-r": (0.0, "EUR")}, {}))
    assert money["cash"] == {} and money["withheld"] == ["cash"]


def test_nothing_is_withheld_when_every_partner_may_be_named() -> None:
    money = _money(_graph({}, {}))
    assert money["cash"] == {"EUR": 2000.0} and money["withheld"] == []


def test_a_short_counted_only_name_is_scrubbed_like_a_long_one() -> None:
    g = nx.MultiDiGraph()
    g.add_node("org-q", label="Organization", name="Qx7", sharing="counts_only")
    g.add_node("org-w", label="Organization", name="Qx70 Holdings")
    access = Access(g, Principal("k1", Role.ANALYST))
    kept = {"explanation": "Qx70 Holdings is a member"}  # not the same word
    assert access.scrub([{"explanation": "Qx7, a competitor, is a member"}, kept]) == [kept]
