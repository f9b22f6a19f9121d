"""A total that would reveal, by subtraction, the amount of the one partner or funder a key
may only count is withheld; with two such partners it stays (only their sum is given)."""

from __future__ import annotations

import networkx as nx

from api.access import Access
from api.keys import Principal, Role
from api.routers.portfolio import _report
from queries.settings import ReportSettings


def _graph(quiet: list[str]) -> nx.MultiDiGraph:
    """An alliance of the focal organization with two shown partners and ``quiet`` ones
    shared ``counts_only``; every partner gives cash, the quiet ones fund its programme."""
    g = nx.MultiDiGraph()
    g.add_node("org-focal", label="Organization", name="Focal")
    g.add_node("all-1", label="Alliance", name="Coalition", status="active")
    for org in ["org-a", "org-b", *quiet]:
        sharing = "counts_only" if org in quiet else None
        g.add_node(org, label="Organization", name=f"Partner {org}", sharing=sharing)
    for i, org in enumerate(["org-focal", "org-a", "org-b", *quiet]):
        g.add_edge(
            org, "all-1", key="MEMBER_OF", type="MEMBER_OF",
            cash_contribution=1000.0 * (i + 1), currency="EUR",
        )
    for org in quiet:
        g.add_edge(org, "all-1", key="FUNDS", type="FUNDS", amount=500.0, currency="EUR")
    return g


def _money(quiet: list[str]) -> dict[str, object]:
    analyst = Access(_graph(quiet), Principal("k1", Role.ANALYST))
    report = _report(analyst, "org-focal", None, ReportSettings())
    (block,) = [c for c in report.contributions if c.alliance == "all-1"]
    return block.model_dump()


def test_one_counted_only_partner_withholds_the_totals_it_would_reveal() -> None:
    money = _money(["org-q"])
    assert "org-q" not in money["by_member"]  # type: ignore[operator]
    assert money["cash"] == {} and money["programme_funding"] == {}
    assert money["withheld"] == ["cash", "programme_funding"]


def test_two_counted_only_partners_leave_the_totals() -> None:
    money = _money(["org-q", "org-r"])
    assert money["cash"] == {"EUR": 1000.0 + 2000 + 3000 + 4000 + 5000}
    assert money["programme_funding"] == {"EUR": 1000.0} and money["withheld"] == []


def test_nothing_is_withheld_when_every_partner_may_be_named() -> None:
    money = _money([])
    assert money["cash"] == {"EUR": 6000.0} and money["withheld"] == []
