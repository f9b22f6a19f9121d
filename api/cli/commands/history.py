"""``alliancegraph history``: who imported, deleted, reviewed or edited what, and when."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``history`` and ``sources`` commands."""
    h = sub.add_parser("history", help="the store's history: imports, deletes, review decisions")
    h.add_argument("--limit", type=int, default=50, help="newest entries to show (default 50)")
    h.add_argument("--offset", type=int, default=0, help="skip this many newest entries")
    h.add_argument("--json", action="store_true", help="one JSON object per line")
    h.set_defaults(func=history)
    s = sub.add_parser("sources", help="which imports (file and row) asserted a node")
    s.add_argument("node_id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=sources)


def history(args: argparse.Namespace) -> int:
    from api.settings import get_settings

    store = get_settings().open_store()
    try:
        events = store.history(limit=args.limit, offset=args.offset)
    finally:
        store.close()
    if not events:
        print("no history yet")
    for e in events:
        if args.json:
            print(json.dumps(_as_dict(e), ensure_ascii=False))
            continue
        print(f"{e.at}  {e.action:<7} {e.actor:<20} {e.subject}  {_summary(e.detail)}")
    return 0


def sources(args: argparse.Namespace) -> int:
    from api.settings import get_settings

    store = get_settings().open_store()
    try:
        found = store.sources_of(args.node_id)
    finally:
        store.close()
    for s in found:
        if args.json:
            print(json.dumps(_as_dict(s), ensure_ascii=False))
        else:
            where = f"{s.file}" + (f" sheet {s.sheet!r}" if s.sheet else "") + (
                f" row {s.row}" if s.row is not None else ""
            )
            print(f"{s.import_id}  {where}")
    if not found:
        print(f"no recorded source for {args.node_id!r}")
    return 0


def _as_dict(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def _summary(detail: dict[str, object]) -> str:
    """The few fields of an event's detail a person reads first."""
    keep = ("file", "name", "decision", "incoming_name", "written", "rejections", "held")
    parts = [f"{k}={detail[k]}" for k in keep if k in detail and detail[k] not in (None, "")]
    return " ".join(parts)
