"""``alliancegraph stats`` reports counts, and a bad store setting ends in one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from tests.cli.cli_process import cli_env, run_cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path / "s.db")


def test_stats_json_counts_the_store(env: dict[str, str], tmp_path: Path) -> None:
    store = SQLiteStore(env["ALLIANCEGRAPH_DB_PATH"])
    store.upsert_nodes("Organization", [{"id": "o1", "name": "Acme"}, {"id": "o2", "name": "B"}])
    store.upsert_nodes("Alliance", [{"id": "a1", "name": "JV"}])
    store.upsert_relationships("MEMBER_OF", [{"source": "o1", "target": "a1"}])
    store.close()
    out = run_cli(["stats", "--json"], env, tmp_path)
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
    out = run_cli(["stats"], env, tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), out.stderr


def test_unknown_store_kind_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    env["ALLIANCEGRAPH_STORE"] = "mongodb"
    out = run_cli(["stats"], env, tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "store" in out.stderr
