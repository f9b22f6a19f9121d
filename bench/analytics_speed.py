"""Full portfolio report speed on a large portfolio, with the plain-NetworkX baseline beside it.

    python bench/analytics_speed.py [--scale 10] [--ties 1000000] [--quick] [--report-only] [--json]

The sample at ``--scale 10`` (10,000 organizations, 50,000 people, 600 alliances) densified
to ``--ties`` KNOWS ties. After the projection is built: the full report, time per section,
peak memory. Baseline, on the same data in the same run: plain NetworkX for the structural
measures — per-node ``nx.constraint`` for 40 alliance staff members on the contact
network, against ``queries.structural.burt_constraint``; exact betweenness on a
5,000-person subgraph against the sampled betweenness ``queries.metrics`` uses.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402

from bench._common import emit_json, peak_rss_mb, print_table  # noqa: E402
from bench.analytics_quality import sample_graph  # noqa: E402
from queries.metrics import betweenness, contact_network  # noqa: E402
from queries.portfolio import build_report  # noqa: E402
from queries.structural import burt_constraint  # noqa: E402
from samples import generate_portfolio  # noqa: E402


def densify(g: nx.MultiDiGraph, ties: int, seed: int = 9) -> None:
    rng = random.Random(seed)
    people = [n for n, d in g.nodes(data=True) if d["label"] == "Person"]
    have = sum(1 for _, _, d in g.edges(data=True) if d["type"] == "KNOWS")
    while have < ties:
        a, b = rng.choice(people), rng.choice(people)
        if a != b and not g.has_edge(a, b, "KNOWS"):
            g.add_edge(
                a,
                b,
                key="KNOWS",
                type="KNOWS",
                rel_key="",
                strength=round(rng.uniform(0.1, 0.9), 2),
            )
            have += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="scale 2 with 100,000 ties")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="time the report alone; skip the structural-measure baselines",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.scale, args.ties = 2, 100_000
    t0 = time.perf_counter()
    sample = generate_portfolio(args.scale)
    g = sample_graph(sample)
    densify(g, args.ties)
    build_s = time.perf_counter() - t0
    as_of = date.fromisoformat(sample.truth["reference_date"])
    t0 = time.perf_counter()
    report = build_report(g, "org-focal", as_of)
    total_s = time.perf_counter() - t0

    if args.report_only:
        _report_table(report.timings_ms, total_s, g, len(report.alliances), build_s, args.json)
        return
    contacts = contact_network(g, ties=["knows"])  # the KNOWS network, as before the tie kinds
    staff = sorted({u for u, _, d in g.edges(data=True) if d["type"] == "STAFFS" and u in contacts})
    sample = staff[:: max(1, len(staff) // 40)][:40]  # the baseline is slow: time it on 40
    t0 = time.perf_counter()
    burt_constraint(contacts, sample)
    ours_constraint = time.perf_counter() - t0
    t0 = time.perf_counter()
    for person in sample:
        nx.constraint(contacts, [person])
    base_constraint = time.perf_counter() - t0
    t0 = time.perf_counter()
    burt_constraint(contacts, staff)
    ours_all = time.perf_counter() - t0
    sub = contacts.subgraph(list(contacts)[:5_000]).copy()
    t0 = time.perf_counter()
    nx.betweenness_centrality(sub)
    base_between = time.perf_counter() - t0
    t0 = time.perf_counter()
    betweenness(sub, exact_limit=1_000, sample_size=500)
    ours_between = time.perf_counter() - t0

    rows: list[list[Any]] = [[f"report: {k}", v / 1000] for k, v in report.timings_ms.items()]
    rows.append(["report: total", total_s])
    rows += [
        [f"constraint of all {len(staff):,} staff: ours", ours_all],
        [f"constraint of {len(sample)} staff: ours", ours_constraint],
        ["  per-node nx.constraint, same staff (baseline)", base_constraint],
        ["  speed-up ratio", base_constraint / ours_constraint],
        ["betweenness, 5,000-person subgraph: sampled (500)", ours_between],
        ["  exact nx.betweenness_centrality (baseline)", base_between],
        ["  speed-up ratio", base_between / ours_between],
        ["peak memory MB", peak_rss_mb()],
    ]
    ties = sum(1 for _, _, d in g.edges(data=True) if d["type"] == "KNOWS")
    orgs = sum(1 for _, d in g.nodes(data=True) if d["label"] == "Organization")
    print_table(
        f"portfolio report on {orgs:,} organizations, {ties:,} KNOWS ties, "
        f"{len(report.alliances)} alliances (projection built in {build_s:.1f} s)",
        ["measure", "seconds / value"],
        rows,
    )
    if args.json:
        figures: dict[str, Any] = {
            f"{k}_s": round(v / 1000, 3) for k, v in report.timings_ms.items()
        }
        figures.update(
            {
                "report_total_s": round(total_s, 3),
                "peak_mb": round(peak_rss_mb(), 1),
                "constraint_speedup_ratio": round(base_constraint / ours_constraint, 2),
                "betweenness_speedup_ratio": round(base_between / ours_between, 2),
            }
        )
        emit_json(figures)


def _report_table(
    timings: dict[str, float],
    total_s: float,
    g: nx.MultiDiGraph,
    alliances: int,
    build_s: float,
    as_json: bool,
) -> None:
    """The report's sections alone (``--report-only``)."""
    rows: list[list[Any]] = [[f"report: {k}", v / 1000] for k, v in timings.items()]
    rows += [["report: total", total_s], ["peak memory MB", peak_rss_mb()]]
    ties = sum(1 for _, _, d in g.edges(data=True) if d["type"] == "KNOWS")
    print_table(
        f"portfolio report on {ties:,} KNOWS ties, {alliances} alliances "
        f"(projection built in {build_s:.1f} s)",
        ["measure", "seconds / value"],
        rows,
    )
    if as_json:
        figures: dict[str, Any] = {f"{k}_s": round(v / 1000, 3) for k, v in timings.items()}
        figures.update({"report_total_s": round(total_s, 3), "peak_mb": round(peak_rss_mb(), 1)})
        emit_json(figures)


if __name__ == "__main__":
    main()
