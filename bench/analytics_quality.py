"""Score the portfolio analytics against the truth planted by the sample generator.

    python bench/analytics_quality.py --scale 1 [--json]

Precision and recall per planted finding kind, as of the sample's reference date, under
the default thresholds; beside them a naive baseline (report every alliance / person for
each kind) shows what the figures would be without the analytics. The must-not-report
cases of the realistic sample (samples/realism.py) count as false positives of the kind
they would be reported as; two more checks must be 0: cross-currency sums (a money figure
that is not the sum of its evidence within one currency) and absence-only findings (a
finding outside the data-coverage section with no relationship as evidence).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import re

from bench._common import emit_json, print_table, timer
from graph.projection import build_projection, edge_evidence_id
from graph.records import validate_nodes, validate_relationships
from queries.money import UNSPECIFIED
from queries.portfolio import PortfolioReport, build_report
from samples import SamplePortfolio, generate_portfolio

SCORED = [
    "partner_overlap",
    "coopetition",
    "over_commitment",
    "missing_alliance_manager",
    "no_management_funding",
    "never_assessed",
    "stale_assessment",
    "weak_relational_capital",
    "strategy_gap",
    "donor_concentration",
    "coopetition_candidate",
]


def must_not_report(
    sample: SamplePortfolio, report: PortfolioReport
) -> dict[str, set[tuple[str, ...]]]:
    """Reported items that the sample says must not be, per kind they were reported as."""
    near = sample.truth["near_misses"]
    out: dict[str, set[tuple[str, ...]]] = {}

    def flag(kind: str, subject: tuple[str, ...]) -> None:
        out.setdefault(kind, set()).add(subject)

    rivals = set(near["competitor_not_complementary"])
    sparse = set(near["sparse_alliances"])
    left = set(near["focal_left_alliance"])
    namesakes = {(c["alliance"], c["organization"]) for c in near["namesake_of_competitor"]}
    foreign = set(near["foreign_currency_donors"])
    former = [r["former"] for r in near["renamed"]]
    directors = {b["person"] for b in near["board_interlocks"]}
    for f in report.findings():
        subject = tuple(f.subject)
        if f.kind == "complementary_partner" and f.subject[0] in rivals:
            flag(f.kind, subject)
        if (sparse | left) & set(f.subject):
            flag(f.kind, subject)
        if f.kind == "coopetition" and subject in namesakes:
            flag(f.kind, subject)
        if f.kind == "donor_concentration" and f.subject[0] in foreign:
            flag(f.kind, subject)
        if f.kind == "over_commitment" and f.subject[0] in directors:
            flag(f.kind, subject)
        if any(name in f.explanation for name in former):
            flag(f.kind, subject)
        if f.kind == "partner_mix" and f.subject == ["competitor"]:
            flag(f.kind, subject)
    if left & set(report.alliances):
        flag("portfolio", tuple(sorted(left & set(report.alliances))))
    return out


_MONEY = re.compile(r"([\d,]+(?:\.\d+)?) ([A-Z]{3}|unspecified)\b")


def cross_currency_sums(graph: Any, report: PortfolioReport) -> int:
    """Money figures of the report that are not a sum within one currency of their evidence."""
    funds: dict[str, tuple[float, str]] = {}
    for u, v, d in graph.edges(data=True):
        if d.get("type") == "FUNDS":
            funds[edge_evidence_id(u, v, d)] = (float(d["amount"]), str(d.get("currency") or UNSPECIFIED))
    bad = 0
    for f in report.findings():
        if f.kind != "shared_donor":
            continue
        per: dict[str, float] = {}
        for r in f.evidence_relationships:
            amount, currency = funds[r]
            per[currency] = per.get(currency, 0.0) + amount
        for number, currency in _MONEY.findall(f.explanation.split(")")[0]):
            if abs(per.get(currency, -1.0) - float(number.replace(",", ""))) > 0.5:
                bad += 1
    for c in report.contributions:
        per = {}
        for _, _, d in graph.in_edges(c.alliance, data=True):
            if d.get("type") == "FUNDS" and d.get("purpose", "programme") == "programme":
                cur = str(d.get("currency") or UNSPECIFIED)
                per[cur] = per.get(cur, 0.0) + float(d["amount"])
        if set(per) != set(c.programme_funding) or any(
            abs(per[k] - c.programme_funding[k]) > 0.5 for k in per
        ):
            bad += 1
    return bad


def absence_only(report: PortfolioReport) -> int:
    """Findings outside the coverage section whose evidence is no recorded relationship."""
    return sum(1 for f in report.findings() if not f.evidence_relationships)


def sample_graph(sample: SamplePortfolio) -> Any:
    """The sample as a projection (validated exactly as the stores validate it)."""
    nodes = [r for label, rows in sample.nodes.items() for r in validate_nodes(label, rows)]
    rels = [r for t, rows in sample.relationships.items() for r in validate_relationships(t, rows)]
    return build_projection(nodes, rels)


def truth_items(sample: SamplePortfolio, kind: str) -> set[tuple[str, ...]]:
    """The planted truth of ``kind`` as subject tuples."""
    items = sample.truth["findings"][kind]
    if kind == "coopetition":
        return {(x["alliance"], x["organization"]) for x in items}
    return {tuple(x) if isinstance(x, list) else (x,) for x in items}


def found_items(report: PortfolioReport, kind: str) -> set[tuple[str, ...]]:
    """What the report found of ``kind``, as subject tuples comparable with the truth
    (alliances never assessed are read from the data-coverage section)."""
    if kind == "never_assessed":
        return {(a,) for c in report.coverage if c.kind == "assessments" for a in c.subjects}
    return {
        tuple(f.subject)
        for f in report.findings()
        if f.kind == kind and (kind != "coopetition" or len(f.subject) == 2)
    }


def score(sample: SamplePortfolio, report: PortfolioReport) -> dict[str, dict[str, float]]:
    """Precision, recall and counts per kind; must-not-report cases are false positives of
    the kind they were reported as (a kind not otherwise scored gets a row of its own)."""
    wrong = must_not_report(sample, report)
    out = {}
    for kind in [*SCORED, *sorted(set(wrong) - set(SCORED))]:
        truth = truth_items(sample, kind) if kind in SCORED else set()
        found = found_items(report, kind) if kind in SCORED else set(wrong[kind])
        found |= wrong.get(kind, set())
        hit = len(truth & found)
        out[kind] = {
            "truth": len(truth),
            "found": len(found),
            "hit": hit,
            "precision": hit / len(found) if found else (1.0 if not truth else 0.0),
            "recall": hit / len(truth) if truth else 1.0,
        }
    return out


def baseline(sample: SamplePortfolio, kind: str) -> tuple[float, float]:
    """Precision/recall of flagging every candidate (all alliances, or all staff)."""
    truth = truth_items(sample, kind) if kind in SCORED else set()
    n_alliances = len(sample.nodes["Alliance"])
    return (len(truth) / n_alliances if n_alliances else 0.0, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with timer() as gen:
        sample = generate_portfolio(args.scale, args.seed)
        graph = sample_graph(sample)
    as_of = date.fromisoformat(sample.truth["reference_date"])
    with timer() as run:
        report = build_report(graph, sample.truth["focal"], as_of)
    scores = score(sample, report)
    rows = []
    for kind, s in scores.items():
        bp, _ = baseline(sample, kind)
        rows.append([kind, s["truth"], s["found"], s["hit"], s["precision"], s["recall"], bp])
    print_table(
        f"analytics quality at scale {args.scale} (seed {args.seed}, as of {as_of}); "
        f"generate {gen():.1f} s, report {run():.2f} s",
        ["kind", "planted", "found", "hit", "precision", "recall", "baseline precision"],
        rows,
    )
    worst_p = min(s["precision"] for s in scores.values())
    worst_r = min(s["recall"] for s in scores.values())
    cross = cross_currency_sums(graph, report)
    absent = absence_only(report)
    print(f"\nworst precision {worst_p:.3f}, worst recall {worst_r:.3f} (aim >= 0.95)")
    print(f"cross-currency sums {cross}, absence-only findings outside coverage {absent} (aim 0)")
    if args.json:
        figures: dict[str, Any] = {
            "scale": args.scale,
            "report_s": round(run(), 3),
            "min_precision_ratio": worst_p,
            "min_recall_ratio": worst_r,
            "cross_currency_sums": cross,
            "absence_only_findings": absent,
        }
        for kind, s in scores.items():
            figures[f"{kind}_precision_ratio"] = round(s["precision"], 4)
            figures[f"{kind}_recall_ratio"] = round(s["recall"], 4)
        emit_json(figures)


if __name__ == "__main__":
    main()
