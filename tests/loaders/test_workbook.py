"""An Excel worksheet loaded through a column mapping, as it was made: a title above the
header, ids typed as numbers, dates as dates, a second sheet, empty formatted columns."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from loaders.mapping import parse_mapping
from loaders.pipeline import load_path
from loaders.rows import LoadError
from tests.cli.cli_process import cli_env, run_cli

MAPPING: dict[str, Any] = {
    "reader": {"sheet": "Boards", "skip_rows": 2},
    "nodes": [
        {"label": "Person", "id": {"template": "dir-{Director ID}"}, "name": "Director"},
        {"label": "Organization", "id": {"template": "co-{Company code}"}, "name": "Company"},
    ],
    "relationships": [
        {
            "type": "WORKS_AT",
            "source": {"template": "dir-{Director ID}"},
            "target": {"template": "co-{Company code}"},
            "properties": {
                "kind": {"value": "board"},
                "since": {"column": "Appointed", "type": "date"},
                "title": "Role",
            },
        }
    ],
}


def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["Exported from the board register"])
    sheet = book.create_sheet("Boards")
    sheet.append(["Board interlocks, 2024"])
    sheet.append([])
    sheet.append(["Director ID", "Director", "Company code", "Company", "Role", "Appointed", None])
    for row in rows:
        sheet.append(row)
    sheet.cell(row=12, column=9, value=None).number_format = "0.00"  # formatted, empty
    book.save(path)
    return path


ROWS = [
    [101.0, "Anna Schmidt", 7001, "Siemens AG", "Non-executive director", datetime(2019, 5, 1)],
    [101.0, "Anna Schmidt", 7002, "BASF SE", "Chair", "2021-05"],
    [102, "Jean Dupont", 7002, "BASF SE", "Director", None],
    [None, None, None, None, None, None],
    [103, "Maria Rossi", 7003, "Enel S.p.A.", "CEO", datetime(2020, 1, 15, 9, 30)],
]


def test_a_worksheet_loads_through_a_mapping_like_a_csv(tmp_path: Path, store: GraphStore) -> None:
    path = _workbook(tmp_path / "boards.xlsx", ROWS)
    report = load_path(store, path, parse_mapping(MAPPING))
    assert not report.rejections, report.table()
    g = store.projection()
    # ids typed as numbers are codes, not floats; one director on two boards is one person
    assert {n for n in g if n.startswith("dir-")} == {"dir-101", "dir-102", "dir-103"}
    assert {n for n in g if n.startswith("co-")} == {"co-7001", "co-7002", "co-7003"}
    since = {(u, v): d.get("since") for u, v, d in g.edges(data=True)}
    assert since == {
        ("dir-101", "co-7001"): "2019-05-01",
        ("dir-101", "co-7002"): "2021-05",
        ("dir-102", "co-7002"): None,
        ("dir-103", "co-7003"): "2020-01-15",
    }
    # lines are numbered as Excel numbers its rows: title, blank, header, then data
    (ref,) = store.sources_of(rel=("WORKS_AT", "dir-103", "co-7003", ""))
    assert (ref.file, ref.row) == ("boards.xlsx", 8)


def test_a_bad_cell_names_the_sheet_row_and_column(tmp_path: Path, store: GraphStore) -> None:
    path = _workbook(
        tmp_path / "boards.xlsx", [*ROWS, [104, "Li Wei", 7004, "CNOOC", "CFO", "soon"]]
    )
    report = load_path(store, path, parse_mapping(MAPPING))
    (problem,) = report.rejections
    assert (problem.file, problem.row, problem.column) == ("boards.xlsx", 9, "Appointed")
    assert store.counts().labels.get("Person", 0) == 0


def test_a_missing_sheet_or_column_is_a_clear_error(tmp_path: Path, store: GraphStore) -> None:
    path = _workbook(tmp_path / "boards.xlsx", ROWS)
    wrong_sheet = {**MAPPING, "reader": {"sheet": "Board"}}
    with pytest.raises(LoadError, match="no sheet 'Board'; the workbook has 'Notes', 'Boards'"):
        load_path(store, path, parse_mapping(wrong_sheet))
    first_sheet = {**MAPPING, "reader": {}}  # the first sheet holds notes, not the table
    with pytest.raises(LoadError, match=r"boards.xlsx \(sheet 'Notes'\): the mapping needs"):
        load_path(store, path, parse_mapping(first_sheet))


def test_the_load_command_takes_the_sheet_and_rows_to_skip_as_flags(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "boards.xlsx", ROWS)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(yaml.safe_dump({**MAPPING, "reader": {"sheet": "Notes"}}))
    done = run_cli(
        ["load", str(path), "--mapping", str(mapping), "--sheet", "Boards", "--skip-rows", "2"],
        cli_env(tmp_path / "g.db"),
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "WORKS_AT" in done.stdout and "rejected" in done.stdout
    g = SQLiteStore(tmp_path / "g.db").projection()
    assert g.number_of_edges() == 4


def test_a_stale_sheet_size_does_not_cut_rows_off(tmp_path: Path, store: GraphStore) -> None:
    """Some tools write a <dimension> smaller than the sheet: every row is read anyway."""
    import zipfile

    made = _workbook(tmp_path / "made.xlsx", ROWS)
    path = tmp_path / "boards.xlsx"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode("utf-8")
                assert '<dimension ref="' in text
                start = text.index('<dimension ref="')
                end = text.index("/>", start)
                data = (text[:start] + '<dimension ref="A1:G5"' + text[end:]).encode("utf-8")
            out.writestr(item, data)
    report = load_path(store, path, parse_mapping(MAPPING))
    assert not report.rejections, report.table()
    people = {n for n in store.projection() if n.startswith("dir-")}
    assert people == {"dir-101", "dir-102", "dir-103"}  # dir-103 is on row 8


@pytest.mark.parametrize("columnar", [True, False], ids=["chunked", "row-by-row"])
def test_provenance_and_problems_name_the_sheet(
    tmp_path: Path, store: GraphStore, columnar: bool
) -> None:
    path = _workbook(
        tmp_path / "boards.xlsx", [*ROWS, [104, "Li Wei", 7004, "CNOOC", "CFO", "soon"]]
    )
    report = load_path(store, path, parse_mapping(MAPPING), skip_invalid=True, columnar=columnar)
    (problem,) = report.rejections
    assert (problem.file, problem.sheet, problem.row) == ("boards.xlsx", "Boards", 9)
    assert "sheet 'Boards'" in report.table()
    (ref,) = store.sources_of(rel=("WORKS_AT", "dir-103", "co-7003", ""))
    assert (ref.file, ref.sheet, ref.row) == ("boards.xlsx", "Boards", 8)
    (person,) = store.sources_of("dir-103")
    assert person.sheet == "Boards"


def test_a_code_typed_as_a_number_with_leading_zeros_keeps_them(
    tmp_path: Path, store: GraphStore
) -> None:
    """A CIK typed as a number and shown padded (number format 0000000000) is the text
    Excel shows and writes to CSV, ``0000320193``: the same id as the CSV export's and as
    the code typed as text, not ``320193``."""
    path = tmp_path / "ciks.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["CIK", "Company"])
    sheet.append([320193, "Apple Inc"])
    sheet.append(["0000789019", "Microsoft Corp"])
    sheet.append([7, "Seven Ltd"])
    sheet.append([1234.5, "Odd Plc"])  # a padded format on a fraction: no code, as it is
    sheet["A2"].number_format = "0000000000"
    sheet["A4"].number_format = "000"
    sheet["A5"].number_format = "00000"
    book.save(path)
    mapping = parse_mapping(
        {"nodes": [{"label": "Organization", "id": {"template": "cik-{CIK}"}, "name": "Company"}]}
    )
    report = load_path(store, path, mapping)
    assert report.written, report.table()
    ids = sorted(n for n in store.projection().nodes)
    assert ids == ["cik-0000320193", "cik-0000789019", "cik-007", "cik-1234.5"]
