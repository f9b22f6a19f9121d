"""``alliancegraph sample``: the sample portfolio as files, with its planted truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sample`` command."""
    p = sub.add_parser(
        "sample", help="write the sample portfolio (JSON import format) and truth.json"
    )
    p.add_argument("--scale", type=int, default=1, help="N times the base size (%(default)s)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, required=True, help="directory to write into")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from samples import write_sample

    path = write_sample(args.out, args.scale, args.seed)
    print(f"wrote {path} and {path.with_name('truth.json')}")
    print(f"load it with: alliancegraph load {path}")
    return 0
