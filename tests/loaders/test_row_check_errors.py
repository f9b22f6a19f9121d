"""A check of a whole row (an end before its start) names a column and its value, not the
row as a cut-off dict under column '(row)'."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from loaders.pipeline import load_path

MAPPING = """
nodes:
  - label: Person
    id: {template: "person-{ID}"}
    name: {column: Name}
  - label: Organization
    id: {template: "org-{Company}", slug: true}
    name: {column: Company}
relationships:
  - type: WORKS_AT
    source: {template: "person-{ID}"}
    target: {template: "org-{Company}", slug: true}
    properties:
      since: {column: From, type: date}
      until: {column: To, type: date}
"""


@pytest.mark.parametrize("columnar", [True, False])
def test_an_end_before_its_start_names_the_column(tmp_path: Path, columnar: bool) -> None:
    (tmp_path / "jobs.csv").write_text(
        "ID,Name,Company,From,To\n1,Ann Lee,Acme,2020-01-01,2019-05-01\n", encoding="utf-8"
    )
    (tmp_path / "jobs.yaml").write_text(MAPPING, encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, tmp_path / "jobs.csv", tmp_path / "jobs.yaml", columnar=columnar)
    store.close()
    (problem,) = report.rejections
    assert (problem.row, problem.column, problem.value) == (2, "To", "2019-05-01")
    assert "until (2019-05-01) is before since (2020-01-01)" in problem.reason
