"""``alliancegraph map KIND ... --out map.html``: a standalone map that opens offline."""

from __future__ import annotations

import argparse
from pathlib import Path

KINDS = ("portfolio", "ego", "path", "finding", "alliance")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``map`` command."""
    p = sub.add_parser("map", help="write an interactive map as one HTML file (works offline)")
    p.add_argument(
        "kind",
        choices=KINDS,
        help="portfolio ORG | ego ID | path FROM TO | finding ORG KIND [N] | alliance ID",
    )
    p.add_argument("ids", nargs="+", help="the ids the map needs (see kind)")
    p.add_argument("--out", type=Path, default=Path("map.html"))
    p.add_argument("--as-of", help="the network as of this date (YYYY-MM-DD)")
    p.add_argument("--depth", type=int, default=1, help="ego maps: steps from the centre")
    p.add_argument("--max-nodes", type=int, default=2_000)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from api.cli.projection import load_projection, parse_date
    from visualizations import (
        UnknownMapNode,
        alliance_contacts_map,
        ego_map,
        finding_map,
        path_map,
        portfolio_map,
        render,
    )

    graph = load_projection()
    as_of = parse_date(args.as_of)
    ids = args.ids
    need = {"portfolio": 1, "ego": 1, "path": 2, "finding": 2, "alliance": 1}[args.kind]
    if len(ids) < need:
        raise ValueError(f"map {args.kind} needs {need} id(s)")
    try:
        if args.kind == "portfolio":
            spec = portfolio_map(graph, ids[0], as_of=as_of, max_nodes=args.max_nodes)
        elif args.kind == "ego":
            spec = ego_map(graph, ids[0], depth=args.depth, as_of=as_of, max_nodes=args.max_nodes)
        elif args.kind == "alliance":
            spec = alliance_contacts_map(graph, ids[0], as_of=as_of, max_nodes=args.max_nodes)
        elif args.kind == "path":
            from queries.paths import introduction_paths

            spec = path_map(
                graph,
                introduction_paths(graph, ids[0], ids[1], as_of=as_of),
                max_nodes=args.max_nodes,
            )
        else:
            from queries.portfolio import build_report

            report = build_report(graph, ids[0], as_of)
            chosen = [f for f in report.findings() if f.kind == ids[1]]
            index = int(ids[2]) if len(ids) > 2 else 0
            if not chosen or index >= len(chosen):
                kinds = ", ".join(sorted(report.counts))
                raise ValueError(f"no {ids[1]} finding #{index}; kinds found: {kinds}")
            spec = finding_map(graph, chosen[index], max_nodes=args.max_nodes)
    except (UnknownMapNode, LookupError) as exc:
        raise ValueError(str(exc)) from None
    args.out.write_text(render(spec, standalone=True), encoding="utf-8")
    print(
        f"wrote {args.out} ({len(spec.nodes):,} nodes, {len(spec.edges):,} links); open it in a browser"
    )
    return 0
