"""Running ``alliancegraph`` as a user would: a fresh process that reads only its own settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli_env(db_path: Path) -> dict[str, str]:
    """This environment without ALLIANCEGRAPH_/NEO4J_ settings, with this checkout importable
    and the embedded store at ``db_path`` (so no setting of the machine leaks into a test)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCEGRAPH_", "NEO4J_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["ALLIANCEGRAPH_DB_PATH"] = str(db_path)
    return env


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """``python -m api.cli.main ARGS`` in a subprocess, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
