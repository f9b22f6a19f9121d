"""Who-knows-whom on the command line: ``paths``, ``brokers``, ``ego``, ``profile``, ``metrics``."""

from __future__ import annotations

import argparse

from api.cli.projection import load_projection, parse_date

TIES_HELP = (
    "kinds of tie to use, comma-separated, from: knows, colleague, board, co_staff, network, "
    "project (default: all)"
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the who-knows-whom commands."""
    p = sub.add_parser("paths", help="the best introduction paths between two people/organizations")
    p.add_argument(
        "source", help="a person or organization id (an organization: any of its people)"
    )
    p.add_argument("target", help="a person or organization id")
    p.add_argument("-k", type=int, default=3, help="how many distinct paths (%(default)s)")
    p.add_argument(
        "--max-hops",
        type=int,
        default=8,
        help="the most introductions a path may have (%(default)s); the search keeps within "
        "it and says when a more probable, longer path was left out",
    )
    p.add_argument("--ties", help=TIES_HELP)
    p.add_argument("--as-of", help="use ties and jobs as they stood on this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=paths)
    b = sub.add_parser("brokers", help="people ranked by the A-B paths they carry")
    b.add_argument("a", help="an organization or alliance id")
    b.add_argument("b", help="an organization or alliance id")
    b.add_argument("--ties", help=TIES_HELP)
    b.add_argument("--as-of", help="use ties and jobs as they stood on this date (YYYY-MM-DD)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=brokers)
    e = sub.add_parser("ego", help="the network around one node")
    e.add_argument("id")
    e.add_argument("--depth", type=int, default=2, help="steps from the node (%(default)s)")
    e.add_argument("--as-of", help="use ties and jobs as they stood on this date (YYYY-MM-DD)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=ego)
    pr = sub.add_parser("profile", help="who in our organization knows a partner or topic")
    pr.add_argument("target", help="an organization or topic id")
    pr.add_argument(
        "--organization", default=None, help="whose people (default: the focal organization)"
    )
    pr.add_argument("--ties", help=TIES_HELP)
    pr.add_argument("--as-of", help="use ties and jobs as they stood on this date (YYYY-MM-DD)")
    pr.add_argument("--json", action="store_true")
    pr.set_defaults(func=profile)
    m = sub.add_parser(
        "metrics", help="degree, betweenness, PageRank, Burt's measures, communities"
    )
    m.add_argument(
        "--top", type=int, default=20, help="people listed, by betweenness (%(default)s)"
    )
    m.add_argument("--as-of", help="use ties and jobs as they stood on this date (YYYY-MM-DD)")
    m.add_argument("--backend", default=None, help="a NetworkX backend, e.g. parallel")
    m.add_argument("--ties", help=TIES_HELP)
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=metrics)


def paths(args: argparse.Namespace) -> int:
    from queries.contact_graph import parse_tie_kinds
    from queries.paths import UnknownEndpoint, introduction_paths

    graph = load_projection()
    try:
        result = introduction_paths(
            graph,
            args.source,
            args.target,
            args.k,
            as_of=parse_date(args.as_of),
            max_hops=args.max_hops,
            ties=parse_tie_kinds(args.ties),
        )
    except UnknownEndpoint as exc:
        raise ValueError(str(exc)) from None
    if args.json:
        print(result.model_dump_json())
        return 0
    print(result.explanation)
    for i, path in enumerate(result.paths, 1):
        print(f"\n{i}. probability {path.probability:.3f}, {len(path.hops)} introduction(s)")
        for hop in path.hops:
            print(f"   - {hop.explanation}")
    return 0


def brokers(args: argparse.Namespace) -> int:
    from queries.contact_graph import parse_tie_kinds
    from queries.neighbourhoods import UnknownNode, brokers

    try:
        result = brokers(
            load_projection(),
            args.a,
            args.b,
            as_of=parse_date(args.as_of),
            ties=parse_tie_kinds(args.ties),
        )
    except UnknownNode as exc:
        raise ValueError(str(exc)) from None
    if args.json:
        print(result.model_dump_json())
        return 0
    print(result.explanation)
    for b in result.brokers:
        print(f"  {b.name} ({b.id}): {b.reason}, strength {b.score:g}")
    return 0


def ego(args: argparse.Namespace) -> int:
    from queries.neighbourhoods import UnknownNode, ego_network

    try:
        result = ego_network(
            load_projection(), args.id, depth=args.depth, as_of=parse_date(args.as_of)
        )
    except UnknownNode as exc:
        raise ValueError(str(exc)) from None
    if args.json:
        print(result.model_dump_json())
        return 0
    print(
        f"{len(result.nodes)} nodes and {len(result.relationships)} relationships within "
        f"{result.depth} step(s) of {args.id}" + (" (truncated)" if result.truncated else "")
    )
    for n in sorted(result.nodes, key=lambda n: (n["depth"], str(n["label"]), str(n["name"])))[:50]:
        print(f"  {n['depth']}  {n['label']:<13} {n['name']} ({n['id']})")
    return 0


def profile(args: argparse.Namespace) -> int:
    from queries.contact_graph import parse_tie_kinds
    from queries.neighbourhoods import UnknownNode, profile
    from queries.portfolio_context import marked_focal

    graph = load_projection()
    org = args.organization or marked_focal(graph)
    if org is None:
        raise ValueError("no focal organization in the graph; pass --organization ID")
    try:
        result = profile(
            graph, args.target, org, as_of=parse_date(args.as_of), ties=parse_tie_kinds(args.ties)
        )
    except UnknownNode as exc:
        raise ValueError(str(exc)) from None
    if args.json:
        print(result.model_dump_json())
        return 0
    print(f"{len(result.people)} people at {org} know {args.target}")
    for e in result.people:
        print(f"  {e.name} ({e.person}): " + "; ".join(e.reasons))
    return 0


def metrics(args: argparse.Namespace) -> int:
    from queries.contact_graph import parse_tie_kinds
    from queries.metrics import network_metrics

    result = network_metrics(
        load_projection(),
        top=args.top,
        as_of=parse_date(args.as_of),
        backend=args.backend,
        ties=parse_tie_kinds(args.ties),
    )
    if args.json:
        print(result.model_dump_json())
        return 0
    how = (
        "exact"
        if result.betweenness_exact
        else f"sampled from {result.betweenness_sample_size} sources"
    )
    print(
        f"{result.node_count:,} people, {result.edge_count:,} ties, {result.communities} communities; "
        f"betweenness {how}"
    )
    kinds = ", ".join(f"{k} {n:,}" for k, n in result.edge_kinds.items())
    print(f"  ties by kind: {kinds}")
    for group in result.skipped_groups:
        print(f"  left out: {group.kind} {group.id} ({group.people:,} people)")
    print(
        f"  {'name':<28} {'degree':>6} {'betweenness':>11} {'pagerank':>9} {'constraint':>10} {'eff.size':>8}"
    )
    for n in result.nodes:
        print(
            f"  {n.name[:28]:<28} {n.degree:>6} {n.betweenness:>11.5f} {n.pagerank:>9.5f} "
            f"{(n.constraint or 0):>10.3f} {(n.effective_size or 0):>8.2f}"
        )
    return 0
