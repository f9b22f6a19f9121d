"""Findings a manager can trust: money per currency, coverage instead of absence-only
findings, dates, consistency, words and settings (issue 14)."""

from __future__ import annotations

import inspect
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from bench.analytics_quality import absence_only, cross_currency_sums, must_not_report
from queries.configuration import read
from queries.money import Conversion, Rate, parse_rates, read_rates
from queries.portfolio import build_report
from queries.portfolio_context import marked_focal
from queries.settings import ReportSettings, parse_settings
from tests.queries.conftest import graph_of, sample_at

REFERENCE = date(2026, 6, 30)


def _two_currency_portfolio() -> nx.MultiDiGraph:
    """One USD donor giving 10,000 and one JPY donor giving 1,000,000 to two alliances."""
    orgs = [{"id": i, "name": i.upper()} for i in ("focal", "usd", "jpy", "m1", "m2")]
    alliances = [{"id": a, "name": a.upper()} for a in ("a1", "a2")]
    funds = [
        {"source": d, "target": a, "amount": x, "currency": c, "year": 2025, "key": d}
        for d, x, c in (("usd", 5_000.0, "USD"), ("jpy", 500_000.0, "JPY"))
        for a in ("a1", "a2")
    ]
    members = [{"source": o, "target": a} for a in ("a1", "a2") for o in ("focal", "m1", "m2")]
    return graph_of(
        {"Organization": orgs, "Alliance": alliances},
        {"FUNDS": funds, "MEMBER_OF": members},
    )


def test_money_in_two_currencies_is_never_summed_as_one() -> None:
    g = _two_currency_portfolio()
    report = build_report(g, "focal", REFERENCE)
    # 1,000,000 JPY against 10,000 USD: added as one the JPY donor would give 99 %
    assert not [f for f in report.constraints if f.kind == "donor_concentration"]
    jpy = next(f for f in report.synergies if f.subject == ["jpy"])
    assert "1,000,000 JPY" in jpy.explanation
    money = {c.alliance: c for c in report.contributions}
    assert money["a1"].programme_funding == {"JPY": 500_000.0, "USD": 5_000.0}
    assert {c.kind for c in report.coverage} >= {"rates"}
    assert cross_currency_sums(g, report) == 0


def test_an_amount_recorded_without_a_currency_is_kept_apart_not_counted_as_dollars() -> None:
    """A FUNDS row without its currency is no dollar amount: it stays apart ("unspecified")
    in the totals, the donor findings and the concentration pools, and is never converted."""
    g = _two_currency_portfolio()
    for _, _, d in g.in_edges("a1", data=True):
        if d.get("type") == "FUNDS" and d["currency"] == "JPY":
            del d["currency"]  # recorded without one: 500,000 of what?
    report = build_report(g, "focal", REFERENCE)
    money = {c.alliance: c for c in report.contributions}
    assert money["a1"].programme_funding == {"USD": 5_000.0, "unspecified": 500_000.0}
    donor = next(f for f in report.synergies if f.subject == ["jpy"])
    assert "500,000 JPY and 500,000 unspecified" in donor.explanation
    assert "USD" not in donor.explanation
    assert not [f for f in report.constraints if f.kind == "donor_concentration"]
    assert cross_currency_sums(g, report) == 0
    converted = build_report(
        g,
        "focal",
        REFERENCE,
        settings=parse_settings(["currency=USD", "rates=JPY@2025-01-01=0.001"]),
    )
    money = {c.alliance: c for c in converted.contributions}
    assert "unspecified" in money["a1"].programme_funding  # no rate can convert it


def test_money_is_converted_only_with_dated_rates() -> None:
    g = _two_currency_portfolio()
    # 1 JPY = 0.001 USD from 2025: the JPY donor gives 1,000 USD of 11,000 (9 %), USD 91 %
    rated = build_report(
        g,
        "focal",
        REFERENCE,
        settings=parse_settings(["currency=USD", "rates=JPY@2025-01-01=0.001"]),
    )
    top = [f for f in rated.constraints if f.kind == "donor_concentration"]
    assert [f.subject for f in top] == [["usd"]]
    assert "91%" in top[0].explanation
    assert not [c for c in rated.coverage if c.kind == "rates"]
    # a rate dated after the funding does not apply: the totals stay per currency
    late = build_report(
        g,
        "focal",
        REFERENCE,
        settings=parse_settings(["currency=USD", "rates=JPY@2026-01-01=0.001"]),
    )
    assert [c.kind for c in late.coverage if c.kind == "rates"] == ["rates"]


def test_rates_file_errors_name_file_row_and_field(tmp_path: Path) -> None:
    good = tmp_path / "rates.csv"
    good.write_text("currency,date,rate\nJPY,2025-01-01,0.0062\nEUR,2025-01-01,1.08\n")
    assert read_rates(good)[1] == Rate(currency="EUR", date=date(2025, 1, 1), value=1.08)
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,date,rate\nJPY,2025-01-01,0.0062\nEUR,2025-01-01,-1\n")
    with pytest.raises(ValueError, match=r"bad.csv: row 3: field 'rate'"):
        read_rates(bad)
    assert (
        Conversion(currency="USD", rates=[Rate.parse("EUR@2025-01-01=1.1")]).rate(
            "EUR", date(2024, 12, 31)
        )
        is None
    )


def test_a_treaty_portfolio_without_records_gives_coverage_not_findings() -> None:
    orgs = [{"id": i, "name": i} for i in ("focal", "m1", "m2", "m3")]
    alliances = [{"id": f"t{i}", "name": f"Treaty {i}"} for i in range(5)]
    members = [
        {"source": o, "target": a["id"]} for a in alliances for o in ("focal", "m1", "m2", "m3")
    ]
    g = graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})
    report = build_report(g, "focal", REFERENCE)
    absence = {"no_management_funding", "never_assessed", "partner_mix"}
    assert not [f for f in report.findings() if f.kind in absence or f.kind.startswith("missing_")]
    cover = {c.kind: c for c in report.coverage}
    assert cover["staff"].missing == cover["funding"].missing == cover["assessments"].missing == 5
    assert absence_only(report) == 0


def test_an_organization_without_alliances_has_no_portfolio_gaps() -> None:
    _, g = sample_at(1)
    report = build_report(g, "org-00500", REFERENCE)
    assert report.alliances == []
    assert not [f for f in report.gaps if f.kind == "partner_mix"]


def test_the_sample_must_not_report_cases_are_not_reported() -> None:
    sample, g = sample_at(1)
    report = build_report(g, "org-focal", REFERENCE)
    assert must_not_report(sample, report) == {}
    assert absence_only(report) == 0
    assert cross_currency_sums(g, report) == 0
    rejoined = sample.truth["findings"]["planted_rejoined_overlap"]
    overlaps = [f.subject for f in report.synergies if f.kind == "partner_overlap"]
    assert all(pair in overlaps for pair in rejoined)


def test_all_of_history_never_reads_an_ended_membership_as_current() -> None:
    sample, g = sample_at(1)
    report = build_report(g, "org-focal", None)
    assert report.as_of is None
    left = set(sample.truth["near_misses"]["coopetition_left"])
    said = [
        f.explanation
        for f in report.constraints
        if f.kind == "coopetition" and f.subject[0] in left
    ]
    assert said and all("was a member of" in e and "until 2024-12" in e for e in said)
    assert not [e for e in said if "is a member" in e]


def test_competitors_are_candidates_for_coopetition_not_complementary_partners() -> None:
    sample, g = sample_at(1)
    report = build_report(g, "org-focal", REFERENCE)
    rivals = {o for o, (k, _) in _partner_kinds(g).items() if k == "competitor"}
    partners = {f.subject[0] for f in report.synergies if f.kind == "complementary_partner"}
    assert partners and not partners & rivals
    candidates = {f.subject[0] for f in report.synergies if f.kind == "coopetition_candidate"}
    assert candidates == set(sample.truth["findings"]["coopetition_candidate"])
    # a coopetition constraint is never contradicted by a "competitors are thin" gap
    assert not [f for f in report.gaps if f.kind == "partner_mix" and f.subject == ["competitor"]]


def _partner_kinds(g: nx.MultiDiGraph) -> dict[str, tuple[str, str]]:
    return {
        v: (str(d["kind"]), "")
        for u, v, d in g.edges(data=True)
        if d["type"] == "RELATES_TO" and u == "org-focal"
    }


def test_repetitive_pairwise_synergies_are_grouped_and_capped() -> None:
    _, g = sample_at(1)
    report = build_report(g, "org-focal", REFERENCE)
    networks = [f for f in report.synergies if f.kind == "shared_networks"]
    assert len(networks) == report.settings.max_pairs_per_kind
    assert report.omitted["shared_networks"] > 0
    wider = build_report(g, "org-focal", REFERENCE, max_pairs_per_kind=1000)
    assert (
        len([f for f in wider.synergies if f.kind == "shared_networks"])
        == 10 + report.omitted["shared_networks"]
    )


def test_every_explanation_says_what_it_means_and_what_to_do() -> None:
    _, g = sample_at(1)
    report = build_report(g, "org-focal", REFERENCE)
    for f in report.findings():
        assert "What to do" in f.explanation, f
    for m in report.configuration:
        assert m.reading in ("low", "typical", "high") and m.meaning, m
    assert read("dependence_concentration", 0.5)[0] == "high"
    assert read("dependence_concentration", 0.05)[0] == "low"


def test_a_closed_partner_network_is_a_constraint_finding() -> None:
    orgs = [{"id": i, "name": i} for i in ("focal", "m1", "m2", "m3")]
    alliances = [{"id": "a1", "name": "A1"}, {"id": "a2", "name": "A2"}]
    members = [
        {"source": o, "target": a} for a in ("a1", "a2") for o in ("focal", "m1", "m2", "m3")
    ]
    g = graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})
    report = build_report(g, "focal", REFERENCE)
    found = [f for f in report.constraints if f.kind == "network_constraint"]
    assert found and found[0].score > 0.5
    measure = next(m for m in report.configuration if m.name == "network_constraint")
    assert measure.reading == "high"
    relaxed = build_report(g, "focal", REFERENCE, max_focal_constraint=0.99)
    assert not [f for f in relaxed.constraints if f.kind == "network_constraint"]


def test_a_constrained_focal_in_separate_partner_groups_is_not_called_one_circle() -> None:
    """Three partners in one alliance and two in another: two groups each closed inside,
    not "one circle" (the constraint is high from few contacts in closed groups)."""
    orgs = [{"id": i, "name": i} for i in ("focal", "m1", "m2", "m3", "n1", "n2")]
    alliances = [{"id": "a1", "name": "A1"}, {"id": "a2", "name": "A2"}]
    members = [{"source": o, "target": "a1"} for o in ("focal", "m1", "m2", "m3")]
    members += [{"source": o, "target": "a2"} for o in ("focal", "n1", "n2")]
    g = graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})
    report = build_report(g, "focal", REFERENCE, max_focal_constraint=0.3)
    (found,) = [f for f in report.constraints if f.kind == "network_constraint"]
    assert "5 partners form 2 separate groups" in found.explanation
    assert "the largest has 3" in found.explanation
    assert "one circle" not in found.explanation
    whole = build_report(
        graph_of(
            {"Organization": orgs[:4], "Alliance": alliances},
            {"MEMBER_OF": [m for m in members if m["source"] in {"focal", "m1", "m2", "m3"}]},
        ),
        "focal",
        REFERENCE,
    )
    (closed,) = [f for f in whole.constraints if f.kind == "network_constraint"]
    assert "one circle" in closed.explanation


def test_settings_are_validated_and_echoed() -> None:
    _, g = sample_at(1)
    settings = parse_settings(["donor_share=0.9", "roles=alliance_manager"])
    report = build_report(g, "org-focal", REFERENCE, settings)
    assert report.settings == settings
    assert not [f for f in report.constraints if f.kind == "donor_concentration"]
    assert not [f for f in report.gaps if f.kind == "missing_km_intermediary"]
    with pytest.raises(ValueError, match="unknown setting"):
        parse_settings(["donor_shar=0.9"])
    with pytest.raises(ValueError, match="setting donor_share"):
        parse_settings(["donor_share=2"])
    with pytest.raises(ValueError, match="name=value"):
        parse_settings(["donor_share"])
    with pytest.raises(ValueError, match="CURRENCY@YYYY-MM-DD=VALUE"):
        parse_settings(["rates=JPY:0.1"])
    assert ReportSettings().changed() == {}


def test_rates_text_reads_the_same_in_the_settings_and_the_conversion() -> None:
    eur = Rate(currency="EUR", date=date(2025, 1, 1), value=1.1)
    jpy = Rate(currency="JPY", date=date(2025, 1, 1), value=0.0065)
    text = "EUR@2025-01-01=1.1, ,JPY@2025-01-01=0.0065,"
    assert parse_rates(text) == [eur, jpy]
    assert parse_rates(("EUR@2025-01-01=1.1", jpy)) == [eur, jpy]
    assert parse_rates(5) == 5  # not rates: the model refuses it
    assert ReportSettings(currency="USD", rates=text).rates == (eur, jpy)  # type: ignore[arg-type]
    assert Conversion(currency="USD", rates=text).rates == [eur, jpy]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CURRENCY@YYYY-MM-DD=VALUE"):
        Conversion(currency="USD", rates="JPY:0.1")  # type: ignore[arg-type]


def test_every_setting_reaches_each_analysis_that_takes_it_under_its_own_name() -> None:
    from queries.constraints import find_constraints, focal_constraint
    from queries.gaps import find_gaps
    from queries.settings import CONSTRAINT_SETTINGS, GAP_SETTINGS, SYNERGY_SETTINGS, TIE_SETTINGS
    from queries.synergies import find_synergies

    takes = {
        find_synergies: SYNERGY_SETTINGS,
        find_constraints: (*CONSTRAINT_SETTINGS, *TIE_SETTINGS),
        find_gaps: GAP_SETTINGS,
        focal_constraint: TIE_SETTINGS,
    }
    fields = set(ReportSettings.model_fields)
    for analysis, names in takes.items():
        params = inspect.signature(analysis).parameters.values()
        keywords = {p.name for p in params if p.kind is p.KEYWORD_ONLY}
        assert keywords & fields == set(names), analysis.__name__
    grouped = [*SYNERGY_SETTINGS, *CONSTRAINT_SETTINGS, *GAP_SETTINGS, *TIE_SETTINGS]
    assert sorted(grouped) == sorted(fields - {"currency", "rates"})
    s = ReportSettings(top_partners=3, roles=("a",))
    assert s.keywords(("top_partners", "roles", "seed")) == {
        "top_partners": 3,
        "roles": ("a",),
        "seed": 7,
    }


def test_focal_constraint_equals_burts_definition() -> None:
    from queries.constraints import focal_constraint
    from queries.portfolio_context import load_portfolio
    from queries.structural import burt_constraint

    orgs = [{"id": i, "name": i} for i in ("focal", "m1", "m2", "m3", "m4")]
    alliances = [{"id": "a1", "name": "A1"}, {"id": "a2", "name": "A2"}]
    members = [
        {"source": o, "target": a}
        for a, group in (("a1", ("focal", "m1", "m2")), ("a2", ("focal", "m2", "m3", "m4")))
        for o in group
    ]
    g = graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})
    value, tie = focal_constraint(load_portfolio(g, "focal", REFERENCE))
    ref = nx.Graph()
    for u, v, w in [
        ("focal", "m1", 1),
        ("focal", "m2", 2),
        ("focal", "m3", 1),
        ("focal", "m4", 1),
        ("m1", "m2", 1),
        ("m2", "m3", 1),
        ("m2", "m4", 1),
        ("m3", "m4", 1),
    ]:
        ref.add_edge(u, v, weight=float(w))
    assert value == pytest.approx(burt_constraint(ref, ["focal"], weight="weight")["focal"])
    assert value == pytest.approx(nx.constraint(ref, ["focal"], weight="weight")["focal"])
    assert tie == {"m1": 1.0, "m2": 2.0, "m3": 1.0, "m4": 1.0}


def test_the_focal_organization_is_the_one_the_data_marks() -> None:
    _, g = sample_at(1)
    assert marked_focal(g) == "org-focal"
    unmarked = g.copy()
    unmarked.nodes["org-focal"]["focal"] = False
    assert marked_focal(unmarked) is None
    # only an organization can be the portfolio's owner, whatever else carries the flag
    alliance = next(n for n, d in unmarked.nodes(data=True) if d.get("label") == "Alliance")
    unmarked.nodes[alliance]["focal"] = True
    assert marked_focal(unmarked) is None


def _treaty_portfolio() -> nx.MultiDiGraph:
    """Memberships only, as in treaty data: no kinds, forms, funding; two industries of three."""
    orgs = [
        {"id": "focal", "name": "Focal"},
        {"id": "m1", "name": "M1", "industry": "energy"},
        {"id": "m2", "name": "M2", "industry": "energy"},
        {"id": "bridge", "name": "Bridge State"},
    ]
    alliances = [{"id": a, "name": a.upper()} for a in ("a1", "a2", "a3")]
    members = [
        {"source": o, "target": a}
        for a, orgs_in in (("a1", ("focal", "m1", "bridge")), ("a2", ("focal", "bridge", "m2")))
        for o in orgs_in
    ] + [{"source": "focal", "target": "a3"}]
    return graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})


def test_a_measure_with_nothing_recorded_is_not_measured_rather_than_read_as_low() -> None:
    """Memberships alone used to read as 'partners are mostly of one kind' and 'funding is
    spread over many donors: resilient': restating missing data as a finding."""
    report = build_report(_treaty_portfolio(), "focal", REFERENCE)
    measures = {m.name: m for m in report.configuration}
    for name in ("partner_type_diversity", "governance_diversity", "dependence_concentration"):
        m = measures[name]
        assert m.value is None and m.reading == "unknown", m
        assert m.meaning.startswith("not measured: no "), m
    assert "resilient" not in measures["dependence_concentration"].meaning
    # two industries recorded of three partners: the unrecorded one is no third industry
    industry = measures["industry_diversity"]
    assert industry.value == 0.0 and industry.reading == "low"
    assert "over the 2 of 3 industries recorded" in industry.explanation
    assert measures["redundancy"].value == 0.3333  # the bridge, of three partners


def test_a_partner_in_alliances_the_focal_organization_holds_is_not_the_only_link() -> None:
    """The focal organization is in a1 and a2 itself: "Bridge State is the only link between
    2 alliances" restated structure (the advice for a genuine key partner is tested in
    test_probe_fixes)."""
    report = build_report(_treaty_portfolio(), "focal", REFERENCE)
    assert [f for f in report.constraints if f.kind == "key_person"] == []


def test_one_small_alliance_is_not_reported_as_a_closed_partner_network() -> None:
    """Its members are tied by that alliance alone: Burt's constraint of 0.65 for four
    partners only restated that the portfolio holds one alliance of five."""
    orgs = [{"id": i, "name": i} for i in ("focal", "m1", "m2", "m3", "m4")]
    members = [{"source": o["id"], "target": "a1"} for o in orgs]
    g = graph_of(
        {"Organization": orgs, "Alliance": [{"id": "a1", "name": "A1"}]}, {"MEMBER_OF": members}
    )
    report = build_report(g, "focal", REFERENCE)
    assert not [f for f in report.constraints if f.kind == "network_constraint"]
    measure = next(m for m in report.configuration if m.name == "network_constraint")
    assert measure.value is not None and measure.value > 0.5  # still measured, as it is


def test_partner_overlaps_are_capped_at_one_per_alliance_strongest_first() -> None:
    """Multilateral treaties share a few members pairwise by the thousand (1,523 pairs for
    one state in 143 treaties): the strongest overlaps are kept, the rest counted."""
    orgs = [{"id": f"m{i}", "name": f"M{i}"} for i in range(12)] + [{"id": "focal", "name": "F"}]
    alliances = [{"id": f"a{k}", "name": f"A{k}"} for k in range(6)]
    members = [
        {"source": o, "target": f"a{k}"}
        for k in range(6)
        for o in ["focal", *(f"m{i}" for i in range(k, k + 6))]
    ]
    g = graph_of({"Organization": orgs, "Alliance": alliances}, {"MEMBER_OF": members})
    every = build_report(g, "focal", REFERENCE, max_pairs_per_kind=1000)
    pairs = sorted(
        (f for f in every.synergies if f.kind == "partner_overlap"), key=lambda f: -f.score
    )
    assert len(pairs) == 12  # a0..a5 each share 3+ of six members with the next three
    capped = build_report(g, "focal", REFERENCE, max_pairs_per_kind=1)
    kept = [f for f in capped.synergies if f.kind == "partner_overlap"]
    assert len(kept) == 6 and capped.omitted["partner_overlap"] == 6  # one per alliance
    assert min(f.score for f in kept) >= pairs[5].score


def test_money_totals_read_as_the_amounts_added_by_hand() -> None:
    """Cents add up to cents: 2,472,221.89 is not reported as 2472221.8899999997."""
    from queries.money import add

    total: dict[str, float] = {}
    for amount in (1_000_000.11, 1_472_221.67, 0.11):
        total = add(total, amount, "EUR")
    assert total == {"EUR": 2_472_221.89}
    assert repr(total["EUR"]) == "2472221.89"
