"""``alliancegraph load``, ``review`` and ``export``: data in and out, with an exact report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``load``, ``review`` and ``export`` commands."""
    p = sub.add_parser(
        "load",
        help="load a portfolio document, CSV or text table, Excel, GraphML, GEXF, Pajek, "
        "an edge list or a LinkedIn export",
    )
    p.add_argument("path", type=Path, help="a file, or a folder holding portfolio.json")
    p.add_argument("--mapping", type=Path, help="a column mapping YAML file (CSV)")
    p.add_argument("--owner", help="the person id whose LinkedIn connections these are")
    from loaders.tabular import add_reader_flags

    add_reader_flags(p)
    p.add_argument("--dry-run", action="store_true", help="report what would happen, write nothing")
    p.add_argument(
        "--skip-invalid", action="store_true", help="write the valid rows even if some are not"
    )
    p.add_argument("--json", action="store_true", help="print the import report as JSON")
    p.add_argument("--batch-size", type=int, default=5_000)
    p.add_argument(
        "--progress",
        action="store_true",
        help="print a line to stderr per batch written (for logs and scripts; a terminal "
        "gets a progress bar anyway)",
    )
    p.set_defaults(func=load)
    r = sub.add_parser(
        "review", help="list, accept or reject ambiguous organization matches (one or in bulk)"
    )
    r.add_argument("action", nargs="?", choices=["list", "accept", "reject"], default="list")
    r.add_argument("review_id", nargs="?", help="one item; leave out with --all for bulk")
    r.add_argument("--into", help="with accept: the candidate id to merge into (default: the best)")
    r.add_argument("--all", action="store_true", help="every open item matching the filters")
    r.add_argument("--min-score", type=float, help="with --all: only items scoring at least this")
    r.add_argument("--file", help="with --all: only items from this file")
    r.add_argument("--mapping", help="with --all: only items from files loaded with this mapping")
    r.set_defaults(func=review)
    e = sub.add_parser(
        "export", help="export the graph as JSON (re-loadable), GraphML, GEXF (Gephi) or CSV"
    )
    e.add_argument("--format", choices=["json", "graphml", "gexf", "csv"], required=True)
    e.add_argument("--out", type=Path, required=True, help="file to write (csv: a .zip)")
    e.set_defaults(func=export)


def load(args: argparse.Namespace) -> int:
    from api.settings import get_settings
    from loaders.pipeline import load_path

    store = get_settings().open_store()
    interactive = sys.stderr.isatty() and not args.json and not args.progress
    bar = None
    if interactive:
        from tqdm import tqdm

        bar = tqdm(unit=" rows", desc="writing", leave=False)
    last: dict[str, int] = {}

    def progress(what: str, done: int) -> None:
        if args.progress:
            print(f"written {done} rows ({what})", file=sys.stderr, flush=True)
        if bar is not None:
            bar.update(done - last.get(what, 0))
            bar.set_postfix_str(what)
        last[what] = done

    from loaders.tabular import mapping_with_flags

    mapping = mapping_with_flags(args.path, args.mapping, args)
    try:
        report = load_path(
            store,
            args.path,
            mapping,
            owner=args.owner,
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            batch_size=args.batch_size,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.close()
        store.close()
    print(report.model_dump_json() if args.json else report.table())
    return 1 if report.rejections and not args.skip_invalid else 0


def review(args: argparse.Namespace) -> int:
    from api.settings import get_settings
    from graph.writer import cli_actor
    from loaders.review import StoredReviewQueue, decide, decide_many

    store = get_settings().open_store()
    try:
        queue = StoredReviewQueue(store)
        if args.action == "list":
            items = queue.open_items()
            if not items:
                print("nothing to review")
            for item in items:
                cands = "; ".join(f"{c['name']} ({c['id']}, {c['score']})" for c in item.candidates)
                held = len(queue.held.get(item.review_id, []))
                why = f"; {item.reason}" if item.reason else ""
                print(
                    f"[{item.review_id}] {item.incoming_name!r} might be: {cands} "
                    f"({held} row(s) held{why})"
                )
            return 0
        decision = (
            "reject" if args.action == "reject" else (f"accept:{args.into}" if args.into else "accept")
        )
        if args.all:
            done = decide_many(
                store,
                queue,
                decision,
                actor=cli_actor(),
                min_score=args.min_score,
                file=args.file,
                mapping=args.mapping,
            )
            print(f"{len(done)} item(s) decided: {args.action}")
            return 0
        if not args.review_id:
            raise ValueError(
                f"review {args.action} needs a review id, or --all "
                "(see `alliancegraph review list`)"
            )
        applied = decide(store, queue, args.review_id, decision, actor=cli_actor())
        rows = sum(r.written for r in applied.written.values())
        print(f"{applied.review_id}: {applied.decision}; {rows} held row(s) written")
        for line in applied.skipped:
            print(f"  not written: {line}")
        return 0
    finally:
        store.close()


def export(args: argparse.Namespace) -> int:
    from api.cli.projection import load_projection
    from loaders.export import to_csv_zip, to_graphml, to_json

    graph = load_projection()
    if args.format == "json":
        args.out.write_text(to_json(graph), encoding="utf-8")
    elif args.format == "graphml":
        args.out.write_text(to_graphml(graph), encoding="utf-8")
    elif args.format == "gexf":
        from loaders.gexf import to_gexf

        args.out.write_text(to_gexf(graph), encoding="utf-8")
    else:
        args.out.write_bytes(to_csv_zip(graph))
    print(
        f"wrote {graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} relationships to {args.out}"
    )
    return 0
