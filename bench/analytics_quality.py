"""Score the portfolio analytics against the truth planted by the sample generator.

    python bench/analytics_quality.py --scale 1 [--json]

Precision and recall per planted finding kind, as of the sample's reference date, under
the default thresholds; beside them a naive baseline (report every alliance / person for
each kind) shows what the figures would be without the analytics.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit_json, print_table, timer
from graph.projection import build_projection
from graph.records import validate_nodes, validate_relationships
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
]


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
    """Precision, recall and counts per kind."""
    out = {}
    for kind in SCORED:
        truth, found = truth_items(sample, kind), found_items(report, kind)
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
    truth = truth_items(sample, kind)
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
    print(f"\nworst precision {worst_p:.3f}, worst recall {worst_r:.3f} (aim >= 0.95)")
    if args.json:
        figures: dict[str, Any] = {
            "scale": args.scale,
            "report_s": round(run(), 3),
            "min_precision_ratio": worst_p,
            "min_recall_ratio": worst_r,
        }
        for kind, s in scores.items():
            figures[f"{kind}_precision_ratio"] = round(s["precision"], 4)
            figures[f"{kind}_recall_ratio"] = round(s["recall"], 4)
        emit_json(figures)


if __name__ == "__main__":
    main()
