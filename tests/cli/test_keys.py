"""``alliancegraph keys``: a scope must name an organization or alliance the store holds,
and nothing from the data reaches the terminal as a control sequence."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from tests.cli.cli_process import cli_env, run_cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = cli_env(tmp_path / "k.db")
    store = SQLiteStore(tmp_path / "k.db")
    store.upsert_nodes("Alliance", [{"id": "alliance-1", "name": "JV"}])
    store.upsert_nodes("Topic", [{"id": "topic-1", "name": "Water"}])
    store.close()
    return e


def test_a_scope_naming_an_unknown_id_is_refused(env: dict[str, str]) -> None:
    bad = run_cli(["keys", "create", "--role", "viewer", "--scope", "alliance-typo"], env)
    assert bad.returncode == 2 and "alliance-typo" in bad.stderr
    topic = run_cli(["keys", "create", "--role", "viewer", "--scope", "topic-1"], env)
    assert topic.returncode == 2 and "not an organization or alliance" in topic.stderr
    good = run_cli(["keys", "create", "--role", "viewer", "--scope", "alliance-1"], env)
    assert good.returncode == 0 and good.stdout.startswith("ag_")


def test_control_sequences_from_the_data_are_printed_escaped(env: dict[str, str]) -> None:
    name = "\x1b]0;owned\x07\x1b[2J\rpartner"
    assert run_cli(["keys", "create", "--role", "viewer", "--name", name], env).returncode == 0
    listed = run_cli(["keys", "list"], env)
    assert listed.returncode == 0
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout and "\r" not in listed.stdout
    assert "\\x1b]0;owned\\x07\\x1b[2J\\x0dpartner" in listed.stdout


def test_an_admin_key_cannot_have_a_scope(env: dict[str, str]) -> None:
    """Imports, deletes and the history act on the whole store: a scope could not confine
    an admin, so it is refused rather than silently ignored."""
    bad = run_cli(["keys", "create", "--role", "admin", "--scope", "alliance-1"], env)
    assert bad.returncode == 2 and "an admin key cannot have a scope" in bad.stderr
    assert (
        run_cli(["keys", "create", "--role", "analyst", "--scope", "alliance-1"], env).returncode
        == 0
    )


def test_a_scoped_admin_key_made_before_is_an_analyst(tmp_path: Path) -> None:
    """A key stored as a scoped admin (possible before the refusal) acts as a scoped analyst."""
    from api.keys import KeyStore, Role

    keys = KeyStore(tmp_path / "keys.db")
    token = keys.create(Role.ANALYST, "old", ["alliance-1"])
    keys._conn.execute("UPDATE api_keys SET role = 'admin'")
    principal = keys.verify(token)
    keys.close()
    assert principal is not None
    assert principal.role is Role.ANALYST and principal.scope == frozenset({"alliance-1"})
