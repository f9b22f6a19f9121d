"""``alliancegraph report ORG``: synergies, constraints, gaps and configuration."""

from __future__ import annotations

import argparse

from api.cli.projection import load_projection, parse_date


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    p = sub.add_parser("report", help="the portfolio report of a focal organization")
    p.add_argument("org", help="the focal organization's id")
    p.add_argument("--as-of", help="analyse the portfolio as of this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--top", type=int, default=10, help="findings shown per section (%(default)s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the report and print it."""
    from queries.portfolio import build_report
    from queries.portfolio_context import UnknownOrganization

    graph = load_projection()
    try:
        report = build_report(graph, args.org, parse_date(args.as_of))
    except UnknownOrganization as exc:
        raise ValueError(str(exc)) from None
    if args.json:
        print(report.model_dump_json())
        return 0
    when = f" as of {report.as_of}" if report.as_of else ""
    print(
        f"Portfolio of {report.focal_name} ({report.focal}){when}: {len(report.alliances)} alliances"
    )
    for title, findings in (
        ("SYNERGIES", report.synergies),
        ("CONSTRAINTS", report.constraints),
        ("GAPS", report.gaps),
    ):
        print(f"\n{title} ({len(findings)})")
        for f in findings[: args.top]:
            print(f"  [{f.kind}] {f.explanation}  (score {f.score:g})")
        if len(findings) > args.top:
            print(f"  ... {len(findings) - args.top} more (--top N or --json)")
    print("\nCONFIGURATION")
    for m in report.configuration:
        print(f"  {m.name}: {m.value:g} — {m.explanation}")
    print("\nfindings per kind: " + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))
    return 0
