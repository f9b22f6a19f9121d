"""A source row is written whole or not at all: with ``skip_invalid`` a row with one bad
entry is skipped with every other entry it holds (its person, her employer, her job), as
the report lists it, on the chunked path and the row-by-row path alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from loaders.pipeline import load_path
from loaders.report import ImportReport

CONTACTS = Path(__file__).resolve().parents[2] / "loaders" / "mappings" / "contacts.yaml"
HEADER = "Contact ID,Full Name,Email,Company,Job Title,Since\n"
CSV = (
    "1,Ann One,ann@x.org,Alpha Ltd,CEO,2020-01-01\n"
    "2,Bob Two,bob@x.org,Beta Ltd,CTO,2020-13-45\n"  # a date that cannot be read
    "3,,cy@x.org,Gamma Ltd,CFO,2021-02-02\n"  # no name: the person is invalid
    "4,Di Four,di@x.org,Beta Ltd,CFO,2021-02-02\n"  # Beta again, on a good row
)


def _load(tmp_path: Path, lines: str, **options: Any) -> tuple[SQLiteStore, ImportReport]:
    """A contacts file of ``lines`` (after the header) loaded into a new embedded store."""
    path = tmp_path / "contacts.csv"
    path.write_text(HEADER + lines, encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    return store, load_path(store, path, CONTACTS, **options)


@pytest.mark.parametrize("columnar", [True, False], ids=["chunked", "row-by-row"])
def test_a_bad_entry_skips_its_whole_row(tmp_path: Path, columnar: bool) -> None:
    store, report = _load(tmp_path, CSV, skip_invalid=True, columnar=columnar)
    assert report.written
    problems = [(p.row, p.column) for p in report.rejections]
    assert problems == [(3, "Since"), (4, "Full Name")]  # each bad row's own problem, once
    assert report.rejections[1].value is None  # a missing value, not the whole row's dict
    nodes, _ = store.fetch(["person-1", "person-2", "person-3", "person-4"], [])
    assert sorted(n.id for n in nodes) == ["person-1", "person-4"]
    graph = store.projection()
    orgs = sorted(d["name"] for _, d in graph.nodes(data=True) if d["label"] == "Organization")
    assert orgs == ["Alpha Ltd", "Beta Ltd"]  # Gamma was only on the skipped row
    counts = report.counts
    assert (counts["Person"].created, counts["Person"].rejected) == (2, 2)
    assert (counts["WORKS_AT"].created, counts["WORKS_AT"].rejected) == (2, 2)
    assert counts["Organization"].rejected == 2
    store.close()


@pytest.mark.parametrize("columnar", [True, False], ids=["chunked", "row-by-row"])
def test_a_person_merged_within_the_file_is_named_on_both_sides(
    tmp_path: Path, columnar: bool
) -> None:
    store, report = _load(
        tmp_path,
        "1,Anna Smith,anna@x.org,Alpha Ltd,CEO,2020-01-01\n"
        "7,A. Smith,anna@x.org,Alpha Ltd,CEO,2020-01-01\n",
        dry_run=True, columnar=columnar,
    )
    (merge,) = report.merges
    assert (merge.incoming_id, merge.into, merge.into_name) == ("person-7", "person-1", "Anna Smith")
    assert "merged: 'A. Smith' (person-7) -> 'Anna Smith' (person-1, email)" in report.table()
    store.close()


def test_an_empty_key_cell_names_its_column_not_the_template(tmp_path: Path) -> None:
    store, report = _load(
        tmp_path,
        ",Anna Smith,anna@x.org,Alpha Ltd,CEO,2020-01-01\n",
        dry_run=True,
    )
    problem = report.rejections[0]
    assert (problem.row, problem.column) == (2, "Contact ID")
    assert problem.reason == "required, but empty or missing"
    store.close()


@pytest.mark.parametrize("columnar", [True, False], ids=["chunked", "row-by-row"])
def test_a_row_whose_person_clashes_does_not_give_her_its_job(tmp_path: Path, columnar: bool) -> None:
    """Row 3 reuses Alice's id with other values: it is rejected, and its job is not
    written for the Alice of row 2 (it would put her at a company she never named)."""
    store, report = _load(
        tmp_path,
        "1,Alice,alice@a.org,GoodCo,CEO,2020-01-01\n"
        "1,Alice,alice@other.org,OnlyHereCo,CEO,2020-01-01\n",
        skip_invalid=True, columnar=columnar,
    )
    assert [(p.row, p.column) for p in report.rejections] == [(3, "id")]
    jobs = [(u, v) for u, v, d in store.projection().edges(data=True) if d["type"] == "WORKS_AT"]
    assert jobs == [("person-1", "org-goodco")]
    counts = report.counts["WORKS_AT"]
    assert (counts.read, counts.created, counts.rejected) == (2, 1, 1)
    assert report.balanced
    store.close()
