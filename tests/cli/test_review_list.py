"""``alliancegraph review list`` says why an item was held, beside its candidates."""

from __future__ import annotations

from pathlib import Path

from graph.sqlite_store import SQLiteStore
from tests.cli.cli_process import cli_env, run_cli

MAPPING = """
nodes:
  - label: Organization
    id: {template: "org-{Company}", slug: true}
    name: {column: Company}
    properties:
      country: {column: Country}
"""


def test_review_list_gives_the_reason(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db")
    store.upsert_nodes(
        "Organization", [{"id": "org-biopharm-ag", "name": "Biopharm AG", "country": "Israel"}]
    )
    store.close()
    (tmp_path / "partners.csv").write_text("Company,Country\nBiopharm,Canada\n", encoding="utf-8")
    (tmp_path / "partners.yaml").write_text(MAPPING, encoding="utf-8")
    env = cli_env(tmp_path / "r.db")
    load = ["load", str(tmp_path / "partners.csv"), "--mapping", str(tmp_path / "partners.yaml")]
    assert run_cli(load, env).returncode == 0
    listed = run_cli(["review", "list"], env)
    assert listed.returncode == 0, listed.stderr
    assert "'Biopharm' might be: Biopharm AG (org-biopharm-ag, 100.0)" in listed.stdout
    assert "same name, different country: Israel vs Canada" in listed.stdout
