"""``alliancegraph report``: today by default, ``--as-of all``, ``--set`` and ``--rates``."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from tests.cli.cli_process import cli_env, run_cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = cli_env(tmp_path / "r.db")
    store = SQLiteStore(e["ALLIANCEGRAPH_DB_PATH"])
    store.upsert_nodes(
        "Organization", [{"id": i, "name": i.title()} for i in ("focal", "rival", "usd", "jpy")]
    )
    store.upsert_nodes("Alliance", [{"id": "a1", "name": "Alliance One"}])
    store.upsert_relationships(
        "MEMBER_OF",
        [
            {"source": "focal", "target": "a1", "joined": "2020"},
            {"source": "rival", "target": "a1", "joined": "2020", "left": "2024-03"},
        ],
    )
    store.upsert_relationships(
        "RELATES_TO", [{"source": "focal", "target": "rival", "kind": "competitor"}]
    )
    store.upsert_relationships(
        "FUNDS",
        [
            {"source": "usd", "target": "a1", "amount": 10_000, "currency": "USD", "year": 2025},
            {"source": "jpy", "target": "a1", "amount": 1_000_000, "currency": "JPY", "year": 2025},
        ],
    )
    store.close()
    return e


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(["report", "focal", *args], env)


def test_report_is_as_of_today_and_all_history_says_was_a_member(env: dict[str, str]) -> None:
    today = json.loads(_run(env, "--json").stdout)
    assert today["as_of"] == date.today().isoformat()
    assert not [f for f in today["constraints"] if f["kind"] == "coopetition"]
    every = _run(env, "--as-of", "all")
    assert every.returncode == 0, every.stderr
    assert "over all of history" in every.stdout
    assert "was a member of Alliance One until 2024-03" in every.stdout
    assert "is a member" not in every.stdout


def test_set_and_rates_are_validated_echoed_and_used(env: dict[str, str], tmp_path: Path) -> None:
    plain = _run(env, "--as-of", "2026-06-30")
    assert "[rates]" in plain.stdout and "settings: the defaults" in plain.stdout
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,date,rate\nJPY,2025-01-01,0.0065\n")
    out = _run(env, "--set", "currency=USD", "--rates", str(rates), "--json")
    report = json.loads(out.stdout)
    assert report["settings"]["currency"] == "USD"
    assert report["settings"]["rates"] == [
        {"currency": "JPY", "date": "2025-01-01", "value": 0.0065}
    ]
    assert not [c for c in report["coverage"] if c["kind"] == "rates"]
    bad = _run(env, "--set", "donor_shar=0.5")
    assert bad.returncode == 2 and "unknown setting(s): donor_shar" in bad.stderr
    rates.write_text("currency,date,rate\nJPY,someday,0.0065\n")
    bad = _run(env, "--set", "currency=USD", "--rates", str(rates))
    assert bad.returncode == 2 and "row 2: field 'date'" in bad.stderr


def test_an_organization_in_no_alliance_is_told_so_not_that_all_is_recorded(
    env: dict[str, str],
) -> None:
    out = run_cli(["report", "usd"], env)
    assert out.returncode == 0, out.stderr
    assert "Usd is a member of no alliance as of" in out.stdout
    assert "everything the analyses read is recorded" not in out.stdout
    assert "CONFIGURATION" not in out.stdout


def test_capped_synergies_are_told_under_synergies(tmp_path: Path) -> None:
    e = cli_env(tmp_path / "c.db")
    store = SQLiteStore(e["ALLIANCEGRAPH_DB_PATH"])
    store.upsert_nodes("Organization", [{"id": f"m{i}", "name": f"M{i}"} for i in range(12)])
    store.upsert_nodes("Organization", [{"id": "focal", "name": "Focal"}])
    store.upsert_nodes("Alliance", [{"id": f"a{k}", "name": f"A{k}"} for k in range(6)])
    store.upsert_relationships(
        "MEMBER_OF",
        [
            {"source": o, "target": f"a{k}"}
            for k in range(6)
            for o in ["focal", *(f"m{i}" for i in range(k, k + 6))]
        ],
    )
    store.close()
    out = run_cli(["report", "focal", "--set", "max_pairs_per_kind=1"], e).stdout
    synergies, rest = out.split("CONSTRAINTS", 1)
    assert "capped, the strongest kept (max_pairs_per_kind): partner_overlap 6 more" in synergies
    assert "capped" not in rest
