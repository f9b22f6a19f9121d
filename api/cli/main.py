"""The ``alliancegraph`` command: one sub-command module per topic in ``api/cli/commands``.

Each module there defines ``register(subparsers)`` and sets ``func`` on its parsers; a
``StoreError`` or ``ValueError`` ends the command with one clear line and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import TextIO

from api.cli import commands
from graph.records import BatchValidationError
from graph.store import StoreError


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every command module registered (sorted by module name)."""
    parser = argparse.ArgumentParser(
        prog="alliancegraph",
        description="Manage alliances as a portfolio: load, analyse, serve and map the graph.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


#: control characters (but tab and line feed) shown as ``\\xNN``: a name in the data must
#: not move the cursor, recolour or retitle the user's terminal (ESC sequences, CR, BEL)
_UNPRINTABLE = {
    c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))
}


class _Printable:
    """A text stream that writes control characters escaped (everything the CLI prints
    passes through it, names from the data included)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text.translate(_UNPRINTABLE))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command with its output made safe for a terminal; returns the exit code."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(out), _Printable(err)
    try:
        return _main(argv)
    except BrokenPipeError:  # `alliancegraph stats | head`: the reader has gone, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())  # so that the interpreter's final flush stays quiet
        return 141
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BatchValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for err in exc.errors[5:50]:
            print(f"  {err}", file=sys.stderr)
        return 2
    except (StoreError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
