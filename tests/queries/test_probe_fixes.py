"""Fixes for problems found on real-world-shaped data (board histories, bilateral deals,
alliances with a status and no dates, memberships without contributions)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import networkx as nx
import pytest

from queries.contact_graph import Stay, build_contact_graph, overlap_cliques, person_network
from queries.metrics import network_metrics
from queries.neighbourhoods import brokers, profile
from queries.paths import introduction_paths
from queries.portfolio import build_report
from queries.settings import parse_settings
from tests.queries.conftest import graph_of

REFERENCE = date(2026, 6, 30)


# 1. co-affiliation ties need overlapping periods ------------------------------------------


def _board_history() -> nx.MultiDiGraph:
    """Renée left Meta's board in 2009, Zoë joined in 2012; Agnès sat with both; Eva's seat
    has no dates (unknown: tied as today); Omar worked at Meta before Renée's seat."""
    people = [
        {"id": p, "name": n}
        for p, n in (
            ("renee", "Renée"),
            ("zoe", "Zoë"),
            ("agnes", "Agnès"),
            ("eva", "Eva"),
            ("omar", "Omar"),
        )
    ]
    seats = [
        {
            "source": "renee",
            "target": "meta",
            "kind": "board",
            "since": "2002-07",
            "until": "2009-03",
        },
        {"source": "zoe", "target": "meta", "kind": "board", "since": "2012", "until": "2019"},
        {"source": "agnes", "target": "meta", "kind": "board", "since": "2005", "until": "2013"},
        {"source": "eva", "target": "other", "kind": "board"},
        {"source": "renee", "target": "other", "kind": "board", "since": "2001"},
        {"source": "omar", "target": "meta", "since": "1990", "until": "1999"},
        {"source": "renee", "target": "meta", "key": "job", "since": "2000", "until": "2001"},
    ]
    seats += [
        {"source": "renee", "target": "acme", "since": "2000"},
        {"source": "agnes", "target": "beta"},
        {"source": "zoe", "target": "gamma"},
    ]
    orgs = [
        {"id": o, "name": n}
        for o, n in (
            ("meta", "Meta Platforms"),
            ("other", "Other Co"),
            ("acme", "Acme"),
            ("beta", "Beta"),
            ("gamma", "Gamma"),
        )
    ]
    return graph_of({"Organization": orgs, "Person": people}, {"WORKS_AT": seats})


def test_people_whose_seats_never_overlapped_are_not_tied_through_the_board() -> None:
    g = _board_history()
    best = introduction_paths(g, "renee", "zoe", k=1, ties=["board"]).paths[0]
    assert best.people == ["renee", "agnes", "zoe"], "not straight: 2009 and 2012 never met"
    first, second = (h.explanation for h in best.hops)
    assert first.startswith("Renée (Acme) and Agnès (Beta) sat on the board of Meta")
    assert "sat on the board of Meta Platforms together, 2005–2009" in first
    assert (
        "Agnès (Beta) and Zoë (Gamma) sat on the board of Meta Platforms together, 2012–2013"
        in second
    )
    # on a date, only the seats held then count (and they all overlap): unchanged
    on_date = introduction_paths(g, "agnes", "zoe", k=1, as_of=date(2012, 6, 1)).paths[0]
    assert "sit on the board of Meta Platforms" in on_date.hops[0].explanation


def test_two_people_in_several_time_groups_of_a_board_make_one_path_not_several() -> None:
    """Ann and Bo sat together 1990-2010 while Cy (1991-93) and Di (2000-02) came and went:
    the board is split into two time groups, both holding Ann and Bo, and the same
    introduction through each was listed twice (`paths -k 3` printed identical paths)."""
    people = [{"id": p, "name": p.title()} for p in ("ann", "bo", "cy", "di")]
    seats = [
        {"source": "ann", "target": "xco", "kind": "board", "since": "1990", "until": "2010"},
        {"source": "bo", "target": "xco", "kind": "board", "since": "1990", "until": "2010"},
        {"source": "cy", "target": "xco", "kind": "board", "since": "1991", "until": "1993"},
        {"source": "di", "target": "xco", "kind": "board", "since": "2000", "until": "2002"},
    ]
    g = graph_of(
        {"Organization": [{"id": "xco", "name": "Xco"}], "Person": people}, {"WORKS_AT": seats}
    )
    found = introduction_paths(g, "ann", "bo", k=3, ties=["board"]).paths
    hops = [tuple((h.source, h.target, h.via) for h in p.hops) for p in found]
    assert len(hops) == len(set(hops)) and len(hops) >= 1, hops
    assert found[0].people == ["ann", "bo"]
    assert all(len(p.hops) > 1 for p in found[1:])  # the rest go through Cy or Di


def test_every_consumer_reads_the_same_dated_ties() -> None:
    g = _board_history()
    net = person_network(build_contact_graph(g, kinds=["board", "colleague"])).graph
    assert not net.has_edge("renee", "zoe")
    assert net.has_edge("renee", "agnes") and net.has_edge("agnes", "zoe")
    assert not net.has_edge("omar", "renee"), "Omar left Meta before Renée came"
    assert net.has_edge("eva", "renee"), "an undated seat is unknown: tied as today"
    metrics = network_metrics(g, ties=["board"])
    assert metrics.edge_count == 3  # renee-agnes, agnes-zoe, eva-renee
    assert "renee" not in {b.id for b in brokers(g, "renee", "zoe", ties=["board"]).brokers}
    reasons = profile(g, "gamma", "acme", ties=["board"]).model_dump_json()
    assert "Meta Platforms" not in reasons, "Renée never sat with Zoë of Gamma"


def test_profile_speaks_of_an_ended_overlap_in_the_past() -> None:
    text = profile(_board_history(), "beta", "acme", ties=["board"]).model_dump_json()
    assert "sat on the board of Meta Platforms with Agnès of Beta, 2005–2009" in text


def _random_stays(n: int, seed: int) -> list[Stay]:
    rng = random.Random(seed)
    out: list[Stay] = []
    for i in range(n):
        start = date(1990, 1, 1) + timedelta(days=rng.randrange(30 * 365))
        out.append((start, start + timedelta(days=rng.randrange(6 * 365)), f"p{i}", {}))
    return out


@pytest.mark.parametrize("budget", [None, 200])
def test_overlap_groups_never_tie_people_who_never_overlapped(budget: int | None) -> None:
    """Exact groups tie exactly the overlapping pairs; a hub too large for them (the budget
    forced here) may drop short overlaps but never invents one."""
    stays = _random_stays(120, seed=3)
    period = {p: (s, e) for s, e, p, _ in stays if s is not None and e is not None}
    tied = {
        (a, b) for group in overlap_cliques(stays, budget) for a in group for b in group if a < b
    }
    overlapping = {
        (a, b)
        for a in period
        for b in period
        if a < b and period[a][0] <= period[b][1] and period[b][0] <= period[a][1]
    }
    assert tied <= overlapping
    if budget is None:
        assert tied == overlapping
    else:
        assert sum(len(group) for group in overlap_cliques(stays, budget)) <= budget


# 2. status decides when no date does -------------------------------------------------------


def _status_portfolio() -> nx.MultiDiGraph:
    orgs = [{"id": i, "name": i.upper()} for i in ("focal", "a", "b")]
    alliances = [
        {"id": "term", "name": "Terminated JV", "status": "ended", "started": "2001"},
        {"id": "plan", "name": "Planned JV", "status": "planned"},
        {"id": "live", "name": "Live JV", "status": "active", "started": "2001"},
        {"id": "soon", "name": "Planned, dated", "status": "planned", "started": "2001"},
        {"id": "late", "name": "Ending", "status": "ended", "ended": "2099"},
    ]
    members = [
        {"source": o, "target": a}
        for a in ("term", "plan", "live", "soon", "late")
        for o in ("focal", "a")
    ]
    return graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})


def test_an_ended_or_planned_alliance_without_dates_is_not_current() -> None:
    g = _status_portfolio()
    today = build_report(g, "focal", date.today())
    assert today.alliances == ["late", "live", "soon"], "dates, when given, decide"
    # when an undated 'ended' alliance ended is unknown: an earlier report still has it
    assert build_report(g, "focal", date(2010, 1, 1)).alliances == ["late", "live", "soon", "term"]


# 3. key_person: the focal organization ties its own alliances --------------------------------


def _bilateral_portfolio(deals: int = 12) -> nx.MultiDiGraph:
    """Two-party deals: the focal firm with one partner each, three partners in several."""
    partners = ["p0", "p1", "p2"] + [f"q{i}" for i in range(deals)]
    orgs = [{"id": "focal", "name": "Focal"}] + [{"id": p, "name": p.upper()} for p in partners]
    alliances = [{"id": f"d{i:02d}", "name": f"Deal {i}"} for i in range(deals)]
    members = []
    for i in range(deals):
        partner = ["p0", "p1", "p2"][i % 3] if i < 9 else f"q{i}"
        members += [{"source": "focal", "target": f"d{i:02d}"}]
        members += [{"source": partner, "target": f"d{i:02d}"}]
    return graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})


def test_a_partner_in_several_bilateral_deals_is_not_the_only_link() -> None:
    report = build_report(_bilateral_portfolio(), "focal", REFERENCE)
    assert [f for f in report.constraints if f.kind == "key_person"] == []


def test_one_person_holding_every_relationship_is_still_a_key_person() -> None:
    """The focal organization ties its deals on paper, but one manager staffing three of
    them alone holds those relationships: that is the risk the finding is for."""
    g = _bilateral_portfolio()
    g.add_node("ana", label="Person", name="Ana Lima")
    for deal in ("d00", "d01", "d02"):
        g.add_edge("ana", deal, key=f"STAFFS:{deal}", type="STAFFS", role="alliance_manager")
    found = [f for f in build_report(g, "focal", REFERENCE).constraints if f.kind == "key_person"]
    assert [f.subject for f in found] == [["ana"]]
    assert "give someone else a role" in found[0].explanation


def test_a_partner_linking_alliances_the_focal_organization_left_is_a_key_partner() -> None:
    """Over all of history, the focal organization left a2: only the bridge still ties it."""
    orgs = [{"id": i, "name": i.upper()} for i in ("focal", "m1", "m2", "bridge")]
    alliances = [{"id": a, "name": a.upper()} for a in ("a1", "a2")]
    members = [
        {"source": "focal", "target": "a1"},
        {"source": "m1", "target": "a1"},
        {"source": "bridge", "target": "a1"},
        {"source": "focal", "target": "a2", "joined": "2010", "left": "2015"},
        {"source": "bridge", "target": "a2"},
        {"source": "m2", "target": "a2"},
    ]
    g = graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})
    (finding,) = [f for f in build_report(g, "focal", None).constraints if f.kind == "key_person"]
    assert finding.subject == ["bridge"]
    assert "bring another partner" in finding.explanation
    assert "give someone else a role" not in finding.explanation


# 4. over_commitment of organizations is relative to the portfolio ---------------------------


def _busy_partner(alliances: int, busy_in: int) -> nx.MultiDiGraph:
    orgs = [{"id": i, "name": i.upper()} for i in ("focal", "busy")]
    rows = [{"id": f"a{i:03d}", "name": f"A{i}"} for i in range(alliances)]
    members = [{"source": "focal", "target": r["id"]} for r in rows]
    members += [{"source": "busy", "target": r["id"]} for r in rows[:busy_in]]
    return graph_of({"Organization": orgs, "Alliance": rows}, {"MEMBER_OF": members})


def _org_overcommitment(g: nx.MultiDiGraph, **settings: object) -> list[list[str]]:
    report = build_report(g, "focal", REFERENCE, parse_settings(dict(settings)))
    return [f.subject for f in report.constraints if f.kind == "over_commitment"]


def test_a_partner_in_11_of_237_alliances_is_no_concentration() -> None:
    assert _org_overcommitment(_busy_partner(237, 11)) == []
    assert _org_overcommitment(_busy_partner(30, 11)) == [["busy"]]  # 37% of 30
    assert _org_overcommitment(_busy_partner(237, 11), max_membership_share=0.04) == [["busy"]]
    with pytest.raises(ValueError, match="max_membership_share"):
        parse_settings({"max_membership_share": "1.5"})


# 5. contributions: nothing recorded is not zero -------------------------------------------


def test_a_contribution_not_recorded_is_null_not_zero() -> None:
    orgs = [{"id": i, "name": i.upper()} for i in ("focal", "a", "b")]
    members: list[dict[str, Any]] = [
        {"source": "focal", "target": "x"},
        {"source": "a", "target": "x", "cash_contribution": 100, "currency": "EUR"},
        {"source": "b", "target": "x", "in_kind_contribution": 0},
    ]
    g = graph_of(
        {"Organization": orgs, "Alliance": [{"id": "x", "name": "X"}]}, {"MEMBER_OF": members}
    )
    (money,) = build_report(g, "focal", REFERENCE).contributions
    focal, a, b = (money.by_member[o] for o in ("focal", "a", "b"))
    assert (focal.cash, focal.in_kind, focal.currency) == (None, None, None)
    assert (a.cash, a.in_kind, a.currency) == (100.0, None, "EUR")
    assert (b.cash, b.in_kind, b.currency) == (None, 0.0, "unspecified")  # a recorded zero
    assert money.cash == {"EUR": 100.0} and money.in_kind == {"unspecified": 0.0}


# 6. findings read as sentences ----------------------------------------------------------------


def test_missing_role_findings_name_the_role_grammatically() -> None:
    """They read "name a alliance manager" and "but no communications"."""
    orgs = [{"id": "focal", "name": "Focal"}, {"id": "m1", "name": "M1"}]
    alliances = [{"id": "a1", "name": "A1"}]
    people = [{"id": "ana", "name": "Ana"}]
    rels = {
        "MEMBER_OF": [{"source": "focal", "target": "a1"}, {"source": "m1", "target": "a1"}],
        "STAFFS": [{"source": "ana", "target": "a1", "role": "km_intermediary"}],
    }
    g = graph_of({"Organization": orgs, "Alliance": alliances, "Person": people}, rels)
    gaps = {f.kind: f.explanation for f in build_report(g, "focal", REFERENCE).gaps}
    assert "What to do: name an alliance manager." in gaps["missing_alliance_manager"]
    assert "but no communications lead." in gaps["missing_communications"]
    assert "What to do: name a communications lead." in gaps["missing_communications"]
