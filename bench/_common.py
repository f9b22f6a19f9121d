"""Shared helpers for benchmark scripts: peak memory, timing, table and JSON output."""

from __future__ import annotations

import atexit
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def scratch_dir() -> Path:
    """A new temporary folder for a run's files, removed when the script exits (a 1M-row
    run leaves close to 1 GB of stores and CSV behind otherwise)."""
    path = Path(tempfile.mkdtemp(prefix="alliancegraph-bench-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """``with timer() as elapsed: ...; elapsed()`` gives seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def print_table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A plain, aligned table."""
    cells = [[str(h) for h in header]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for k, r in enumerate(cells):
        print("  ".join(c.rjust(w) if k else c.ljust(w) for c, w in zip(r, widths, strict=True)))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def emit_json(figures: dict[str, Any]) -> None:
    """The figures as one JSON object on the last line."""
    print(json.dumps(figures, sort_keys=True))


@contextmanager
def demo_server(
    db: Path,
    *options: str,
    env: dict[str, str] | None = None,
    command: tuple[str, ...] = ("-m", "api.cli.main"),
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``alliancegraph demo`` on a free loopback port, storing in ``db``: its URL and process,
    stopped on leaving. It runs with none of this shell's ``ALLIANCEGRAPH_``/``NEO4J_``
    settings, only ``env``'s (so a developer's own settings cannot skew a figure)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCEGRAPH_", "NEO4J_"))}
    clean["PYTHONPATH"] = str(ROOT)
    clean.update(env or {})
    server = subprocess.Popen(
        [sys.executable, *command, "demo", "--port", "0", "--db", str(db), *options],
        stdout=subprocess.PIPE,
        text=True,
        env=clean,
    )
    try:
        url = ""
        assert server.stdout is not None
        for line in server.stdout:
            if m := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line):
                url = m.group(1)
                break
        if not url:
            raise RuntimeError(f"the demo server ended before listening (exit {server.wait()})")
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=30)
