"""``alliancegraph stats``: counts per label and relationship type."""

from __future__ import annotations

import argparse
import json

from api.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``stats`` command."""
    p = sub.add_parser("stats", help="counts of nodes per label and relationships per type")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the counts of the configured store."""
    settings = get_settings()
    store = settings.open_store()
    try:
        counts = store.counts()
        version = store.version()
    finally:
        store.close()
    if args.json:
        print(json.dumps({"version": version, "labels": counts.labels, "types": counts.types}))
        return 0
    print(f"store: {settings.store} ({_where(settings)}), version {version}")
    width = max(len(k) for k in [*counts.labels, *counts.types]) + 2
    print(f"{'nodes':<{width}}  {counts.nodes:>10,}")
    for label, n in counts.labels.items():
        print(f"  {label:<{width - 2}}  {n:>10,}")
    print(f"{'relationships':<{width}}  {counts.relationships:>10,}")
    for type_, n in counts.types.items():
        print(f"  {type_:<{width - 2}}  {n:>10,}")
    return 0


def _where(settings: object) -> str:
    from api.settings import Settings

    assert isinstance(settings, Settings)
    return str(settings.db_path) if settings.store == "embedded" else str(settings.neo4j_uri)
