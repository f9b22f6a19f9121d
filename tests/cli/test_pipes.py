"""``alliancegraph stats | head``: a reader that stops early is not an error to report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graph.sqlite_store import SQLiteStore
from tests.cli.cli_process import ROOT, cli_env


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "p.db")
    store.upsert_nodes("Organization", [{"id": f"org-{i}", "name": f"Org {i}"} for i in range(50)])
    store.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "stats"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(tmp_path / "p.db"),
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the command prints a line
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 141
