"""The portfolio report finds what the sample generator planted, and nothing it did not."""

from __future__ import annotations

from datetime import date

import pytest

from bench.analytics_quality import SCORED, score
from queries.portfolio import build_report
from queries.portfolio_context import UnknownOrganization, load_portfolio
from tests.queries.conftest import evidence_ids, graph_of, sample_at

REFERENCE = date(2026, 6, 30)


@pytest.mark.parametrize("scale", [1, 5])
def test_planted_findings_are_found_with_precision_and_recall_at_least_095(scale: int) -> None:
    sample, graph = sample_at(scale)
    report = build_report(graph, "org-focal", REFERENCE)
    scores = score(sample, report)
    assert set(scores) == set(SCORED)
    for kind, s in scores.items():
        assert s["truth"] > 0, f"nothing planted for {kind}"
        assert s["precision"] >= 0.95, (kind, s)
        assert s["recall"] >= 0.95, (kind, s)


@pytest.mark.parametrize("scale", [1, 5, 20])
def test_every_finding_has_existing_evidence_and_an_explanation(scale: int) -> None:
    _, graph = sample_at(scale)
    report = build_report(graph, "org-focal", REFERENCE)
    rels = evidence_ids(graph)
    assert report.findings()
    for f in report.findings():
        assert f.explanation.strip(), f
        assert f.evidence_nodes, f
        missing_nodes = [n for n in f.evidence_nodes if n not in graph]
        missing_rels = [r for r in f.evidence_relationships if r not in rels]
        assert not missing_nodes and not missing_rels, (f.kind, missing_nodes, missing_rels)


def test_near_misses_are_not_reported() -> None:
    sample, graph = sample_at(1)
    report = build_report(graph, "org-focal", REFERENCE)
    near = sample.truth["near_misses"]
    coop = {f.subject[0] for f in report.constraints if f.kind == "coopetition"}
    assert not coop & set(near["coopetition_left"])
    weak = {f.subject[0] for f in report.constraints if f.kind == "weak_relational_capital"}
    assert not weak & set(near["relational_capital_just_above"])
    over = {f.subject[0] for f in report.constraints if f.kind == "over_commitment"}
    assert not over & set(near["staff_roles_at_limit"])


def test_as_of_a_year_earlier_sees_the_competitor_who_later_left() -> None:
    sample, graph = sample_at(1)
    left = set(sample.truth["near_misses"]["coopetition_left"])
    earlier = build_report(graph, "org-focal", date(2024, 6, 30))
    coop = {f.subject[0] for f in earlier.constraints if f.kind == "coopetition"}
    assert left <= coop


def test_thresholds_are_parameters() -> None:
    _, graph = sample_at(1)
    strict = build_report(graph, "org-focal", REFERENCE, min_shared_members=5)
    assert not [f for f in strict.synergies if f.kind == "partner_overlap"]
    loose = build_report(graph, "org-focal", REFERENCE, max_staff_roles=3)
    assert len([f for f in loose.constraints if f.kind == "over_commitment"]) > 3
    with pytest.raises(ValueError, match="unknown threshold"):
        build_report(graph, "org-focal", REFERENCE, min_shared_membrs=5)


def test_unknown_focal_organization_is_a_clear_error() -> None:
    _, graph = sample_at(1)
    with pytest.raises(UnknownOrganization, match="no organization with id 'alliance-000'"):
        build_report(graph, "alliance-000")


def test_findings_are_ranked_and_scorecards_trend() -> None:
    sample, graph = sample_at(1)
    report = build_report(graph, "org-focal", REFERENCE)
    for group in (report.synergies, report.constraints, report.gaps):
        assert [f.score for f in group] == sorted((f.score for f in group), reverse=True)
    declining = set(sample.truth["findings"]["declining_relational_capital"])
    cards = {c.alliance: c for c in report.scorecards}
    for a in declining:
        assert cards[a].trend_per_year["trust"] < 0
    money = {c.alliance: c for c in report.contributions}
    assert all(min([*c.cash.values(), *c.in_kind.values(), 0.0]) >= 0 for c in money.values())
    assert {m.name for m in report.configuration} == {
        "partner_type_diversity",
        "industry_diversity",
        "governance_diversity",
        "redundancy",
        "dependence_concentration",
        "network_constraint",
    }
    assert all(m.reading in ("low", "typical", "high") for m in report.configuration)


def test_assessed_leaves_out_the_never_assessed_alliances_in_portfolio_order() -> None:
    _, graph = sample_at(1)
    p = load_portfolio(graph, "org-focal", REFERENCE)
    assessed = p.assessed()
    assert [a for a, _ in assessed] == [a for a in p.alliances if p.assessments[a]]
    assert 0 < len(assessed) < len(p.alliances), "the sample plants never-assessed alliances"
    assert all(history and history is p.assessments[a] for a, history in assessed)


def test_a_score_with_fewer_than_two_dated_assessments_has_no_trend() -> None:
    """No trend is not a flat one: an alliance never assessed, or scored once (or twice on
    one day), has ``None`` for that score, not 0.0."""
    orgs = [{"id": "focal", "name": "Focal"}]
    alliances = [{"id": a, "name": a.upper()} for a in ("never", "once", "same-day", "twice")]
    dated = [("once", "2025-01-01"), ("same-day", "2025-01-01"), ("same-day", "2025-01-01")]
    dated += [("twice", "2024-01-01"), ("twice", "2025-01-01")]
    assessments = [
        {"id": f"as-{i}", "name": f"A{i}", "date": d, "trust": 3.0 + i % 2}
        for i, (_, d) in enumerate(dated)
    ]
    g = graph_of(
        {"Organization": orgs, "Alliance": alliances, "Assessment": assessments},
        {
            "MEMBER_OF": [{"source": "focal", "target": a["id"]} for a in alliances],
            "ASSESSES": [
                {"source": f"as-{i}", "target": a} for i, (a, _) in enumerate(dated)
            ],
        },
    )
    cards = {c.alliance: c for c in build_report(g, "focal", REFERENCE).scorecards}
    assert cards["never"].trend_per_year["trust"] is None
    assert cards["once"].trend_per_year["trust"] is None
    assert cards["same-day"].trend_per_year["trust"] is None
    assert cards["twice"].trend_per_year["trust"] == pytest.approx(-1.0, abs=0.01)
    assert cards["twice"].trend_per_year["commitment"] is None  # never scored
