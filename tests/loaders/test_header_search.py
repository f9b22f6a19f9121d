"""Exports with lines above the header (a title, an export date, a blank line): the header
is the first of the top lines holding every column the mapping reads, lines keep their
numbers in the file, and the report says where the header was."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from loaders.mapping import parse_mapping
from loaders.pipeline import load_path
from loaders.rows import LoadError
from tests.loaders.test_workbook import MAPPING, ROWS, _workbook

CONTACTS = Path(__file__).resolve().parents[2] / "loaders" / "mappings" / "contacts.yaml"
PREAMBLE = "Contacts export;2026\nGenerated 2026-11-01 by the CRM\n\n"
TABLE = (
    "Contact ID,Full Name,Email,Company,Job Title,Since\n"
    "1,Ann One,ann@x.org,Alpha Ltd,CEO,2020-01-01\n"
    "2,Bob Two,bob@x.org,Beta Ltd,CTO,someday\n"
)


def test_a_csv_header_below_a_title_is_found(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(PREAMBLE + TABLE, encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, CONTACTS, dry_run=True)
    assert report.header_line == 4 and "header on line 4" in report.table()
    (problem,) = report.rejections
    assert (problem.row, problem.column) == (6, "Since")  # the file's own line number
    assert report.counts["Person"].read == 2
    store.close()


def test_a_csv_whose_header_is_first_says_nothing_of_it(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(TABLE, encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, CONTACTS, dry_run=True)
    assert report.header_line is None and "header on" not in report.table()
    store.close()


def test_a_table_without_the_columns_still_names_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(PREAMBLE + TABLE.replace("Full Name", "Name"), encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    with pytest.raises(LoadError, match="the mapping needs column"):
        load_path(store, path, CONTACTS, dry_run=True)
    store.close()


def test_a_worksheet_header_below_a_title_is_found_without_skip_rows(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "boards.xlsx", ROWS)
    store = SQLiteStore(tmp_path / "s.db")
    mapping = parse_mapping({**MAPPING, "reader": {"sheet": "Boards"}})
    report = load_path(store, path, mapping)
    assert not report.rejections, report.table()
    assert report.header_line == 3
    (ref,) = store.sources_of(rel=("WORKS_AT", "dir-103", "co-7003", ""))
    assert ref.row == 8  # numbered as Excel numbers its rows, as with skip_rows
    store.close()


def test_a_form_feed_above_the_header_does_not_shift_it(tmp_path: Path) -> None:
    """Lines are counted as the reader reads them: a page break (\\f) or a Unicode line
    separator inside the title is no line of its own."""
    path = tmp_path / "contacts.csv"
    path.write_text("\fCONTACTS\u2028REPORT\n" + TABLE, encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, CONTACTS, dry_run=True)
    assert report.header_line == 2 and report.counts["Person"].read == 2
    store.close()


def test_a_header_repeated_down_the_file_is_not_data(tmp_path: Path) -> None:
    """Exports stitched from pages repeat the header: it is passed over, never loaded as a
    person called "Full Name" at a company called "Company"."""
    header, *data = TABLE.replace("someday", "2021-01-01").splitlines()
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join([header, data[0], header, data[1]]) + "\n", encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, CONTACTS)
    assert not report.rejections and report.counts["Person"].created == 2
    assert "person-contact-id" not in store.projection() and store.counts().nodes == 4
    store.close()


def test_a_worksheet_header_repeated_down_the_sheet_is_not_data(tmp_path: Path) -> None:
    head = ["Director ID", "Director", "Company code", "Company", "Role", "Appointed"]
    path = _workbook(tmp_path / "boards.xlsx", [ROWS[0], head, ROWS[2]])
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, parse_mapping(MAPPING))
    assert not report.rejections, report.table()
    assert {n for n in store.projection() if n.startswith("dir-")} == {"dir-101", "dir-102"}
    store.close()
