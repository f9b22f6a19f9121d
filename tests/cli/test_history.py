"""``alliancegraph history``, ``sources`` and ``review`` on the command line: who did what,
which file and row a fact came from, and a review worked from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from tests.cli.cli_process import cli_env, run_cli
from tests.loaders.conftest import write_doc


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path / "h.db")


def test_history_shows_who_deleted_what_and_when(env: dict[str, str], tmp_path: Path) -> None:
    doc = write_doc(
        tmp_path / "crm.json",
        {"Organization": [{"id": "org-acme", "name": "Acme"}], "Topic": [{"id": "t-1", "name": "Water"}]},
    )
    assert run_cli(["load", str(doc)], env, tmp_path).returncode == 0
    from graph.writer import delete_node

    store = SQLiteStore(env["ALLIANCEGRAPH_DB_PATH"])
    delete_node(store, "t-1", actor="key:ana")
    store.close()
    out = run_cli(["history", "--json"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert [e["action"] for e in events] == ["delete", "import"]
    assert events[0]["subject"] == "t-1" and events[0]["actor"] == "key:ana"
    assert events[0]["at"].endswith("Z") and events[0]["detail"]["name"] == "Water"
    assert events[1]["actor"].startswith("cli:") and events[1]["detail"]["file"] == "crm.json"
    text = run_cli(["history"], env, tmp_path).stdout
    assert "delete" in text and "t-1" in text and "crm.json" in text
    sources = run_cli(["sources", "org-acme"], env, tmp_path).stdout
    assert "crm.json" in sources and " row " in sources


def test_review_from_the_terminal_writes_the_held_rows(env: dict[str, str], tmp_path: Path) -> None:
    store = SQLiteStore(env["ALLIANCEGRAPH_DB_PATH"])
    store.upsert_nodes(
        "Organization",
        [
            {"id": "org-gha", "name": "Global Health Alliance"},
            {"id": "org-ghas", "name": "Global Health Alliances"},
        ],
    )
    store.upsert_nodes("Alliance", [{"id": "all-1", "name": "Clean Water Coalition"}])
    store.close()
    doc = write_doc(
        tmp_path / "later.json",
        {"Organization": [{"id": "org-new", "name": "Global Health Aliance"}]},
        {"MEMBER_OF": [{"source": "org-new", "target": "all-1"}]},
    )
    loaded = run_cli(["load", str(doc)], env, tmp_path)
    assert "held for review" in loaded.stdout
    listed = run_cli(["review"], env, tmp_path).stdout
    review_id = listed.split("]")[0].lstrip("[")
    assert "2 row(s) held" in listed
    out = run_cli(["review", "accept", review_id, "--into", "org-gha"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "2 held row(s) written" in out.stdout
    assert run_cli(["review"], env, tmp_path).stdout.strip() == "nothing to review"
    bulk = run_cli(["review", "reject", "--all"], env, tmp_path)
    assert "0 item(s) decided" in bulk.stdout
