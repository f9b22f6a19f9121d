"""``alliancegraph stats`` reports counts, and a bad store setting ends in one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    import os

    root = Path(__file__).resolve().parents[2]
    e = {k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCEGRAPH_", "NEO4J_"))}
    e["PYTHONPATH"] = str(root)
    e["ALLIANCEGRAPH_DB_PATH"] = str(tmp_path / "s.db")
    return e


def test_stats_json_counts_the_store(env: dict[str, str], tmp_path: Path) -> None:
    store = SQLiteStore(env["ALLIANCEGRAPH_DB_PATH"])
    store.upsert_nodes("Organization", [{"id": "o1", "name": "Acme"}, {"id": "o2", "name": "B"}])
    store.upsert_nodes("Alliance", [{"id": "a1", "name": "JV"}])
    store.upsert_relationships("MEMBER_OF", [{"source": "o1", "target": "a1"}])
    store.close()
    out = _run(["stats", "--json"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["labels"]["Organization"] == 2
    assert data["types"]["MEMBER_OF"] == 1
    assert data["labels"]["Person"] == 0


def test_unreachable_bolt_server_is_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    env |= {
        "ALLIANCEGRAPH_STORE": "neo4j",
        "NEO4J_URI": "bolt://127.0.0.1:9",
        "NEO4J_PASSWORD": "x",
    }
    out = _run(["stats"], env, tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), out.stderr


def test_unknown_store_kind_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    env["ALLIANCEGRAPH_STORE"] = "mongodb"
    out = _run(["stats"], env, tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "store" in out.stderr
