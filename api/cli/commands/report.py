"""``alliancegraph report ORG``: synergies, constraints, gaps, data coverage and configuration."""

from __future__ import annotations

import argparse
from datetime import date


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    p = sub.add_parser("report", help="the portfolio report of a focal organization")
    p.add_argument("org", help="the focal organization's id")
    p.add_argument(
        "--as-of",
        default="today",
        help="analyse the portfolio as of this date (YYYY-MM-DD); 'all' for all of history "
        "(default: today)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="settings",
        help="a threshold or tie-strength setting, e.g. --set donor_share=0.6 (repeatable; "
        "see docs/analytics.md)",
    )
    p.add_argument(
        "--rates",
        metavar="FILE",
        help="CSV of dated exchange rates (currency,date,rate) into --set currency=XXX",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--top", type=int, default=10, help="findings shown per section (%(default)s)")
    p.set_defaults(func=run)


def as_of_value(text: str) -> date | None:
    """``--as-of``: ``today`` (the default), ``all`` (None: all of history) or an ISO date."""
    if text == "today":
        return date.today()
    if text == "all":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--as-of expects a date such as 2025-06-30, 'today' or 'all', got {text!r}"
        ) from None


def run(args: argparse.Namespace) -> int:
    """Build the report and print it."""
    from api.cli.projection import load_projection
    from queries.money import read_rates
    from queries.portfolio import build_report
    from queries.portfolio_context import UnknownOrganization
    from queries.settings import parse_settings

    as_of = as_of_value(args.as_of)
    settings = parse_settings(args.settings)
    if args.rates:
        rates = [*settings.rates, *read_rates(args.rates)]
        settings = settings.model_copy(update={"rates": tuple(rates)})
        if settings.currency is None:
            raise ValueError("--rates needs the report currency: --set currency=EUR (for example)")
    graph = load_projection()
    try:
        report = build_report(graph, args.org, as_of, settings)
    except UnknownOrganization as exc:
        raise ValueError(str(exc)) from None
    if args.json:
        print(report.model_dump_json())
        return 0
    when = f" as of {report.as_of}" if report.as_of else " over all of history"
    print(
        f"Portfolio of {report.focal_name} ({report.focal}){when}: {len(report.alliances)} alliances"
    )
    if not report.alliances:
        print(
            f"{report.focal_name} is a member of no alliance{when}: nothing to analyse "
            "(try --as-of all, or check its MEMBER_OF relationships)"
        )
        return 0
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
        kinds = {f.kind for f in findings}
        capped = {k: v for k, v in report.omitted.items() if k in kinds}
        if capped:
            print(
                "  grouped and capped, the strongest kept (max_pairs_per_kind): "
                + ", ".join(f"{k} {v} more" for k, v in capped.items())
            )
    print(f"\nDATA COVERAGE ({len(report.coverage)})")
    for c in report.coverage:
        print(f"  [{c.kind}] {c.explanation}")
    if not report.coverage:
        print("  everything the analyses read is recorded for every alliance")
    print("\nCONFIGURATION")
    for m in report.configuration:
        if m.value is None:
            print(f"  {m.name}: {m.meaning} — {m.explanation}")
        else:
            print(f"  {m.name}: {m.value:g} ({m.reading}) — {m.explanation}. {m.meaning}")
    print("\nfindings per kind: " + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))
    changed = settings.changed()
    print(
        "settings: "
        + (", ".join(f"{k}={v}" for k, v in changed.items()) if changed else "the defaults")
        + " (see --json for every value)"
    )
    return 0
