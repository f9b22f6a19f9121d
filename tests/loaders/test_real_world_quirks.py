"""Quirks of real exports that were read wrongly: Windows-1252 text taken for Windows-1250,
amounts with a scale word losing a factor of 1000, a date format that refused the
unambiguous dates beside it, "unknown" codes in another case, and .tsv files refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from graph.dates import date_from_parts
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from loaders.amounts import parse_amount
from loaders.mapping import FieldSpec, MappingError, parse_mapping
from loaders.pipeline import load_path
from loaders.sources import file_source
from loaders.tabular import TableStart, detect_encoding, table_blocks

CONTACTS_MAPPING = Path(__file__).parents[2] / "loaders" / "mappings" / "contacts.yaml"


@pytest.fixture
def empty(tmp_path: Path) -> Any:
    """An empty embedded store."""
    store = SQLiteStore(tmp_path / "quirks.db")
    yield store
    store.close()


def _names(store: GraphStore, label: str) -> dict[str, str]:
    return {n: d["name"] for n, d in store.projection().nodes(data=True) if d.get("label") == label}


# ---------------------------------------------------------------- 1. Windows-1252

WESTERN = [
    ("1", "Hélène Lefèvre", "“Quoted” Ventures – €uro Fund"),
    ("2", "Søren Østergaard", "Nuñez & Peña S.A."),
    ("3", "Jürgen Schröder", "Björn’s Straße GmbH"),
    ("4", "Zoë Çelik", "Société Générale"),
]
PEOPLE = {
    "nodes": [
        {"label": "Person", "id": {"template": "p-{ID}"}, "name": "Name"},
        {"label": "Organization", "id": {"template": "o-{ID}"}, "name": "Company"},
    ]
}


def _western_table(path: Path) -> Path:
    text = "ID\tName\tCompany\r\n" + "".join("\t".join(r) + "\r\n" for r in WESTERN)
    path.write_bytes(text.encode("cp1252"))
    return path


def test_windows_1252_is_preferred_to_a_close_windows_1250_guess() -> None:
    sample = ("ID,Name\n" + "".join(f"{i},{n}\n" for i, n, _ in WESTERN)).encode("cp1252")
    assert detect_encoding(sample, "people.csv") == "cp1252"  # charset-normalizer: cp1250


def test_windows_1252_is_preferred_to_a_dos_code_page_that_reads_signs() -> None:
    """A workbench upload was read as cp775 (charset-normalizer's best guess, cp1252 a
    little behind): "Sociķtķ Gķnķrale ╔tudes", "Franńois č·±ez"."""
    rows = [
        "Contact ID,Full Name,Email,Company,Job Title,Since",
        "1,Zoë Lefèvre,zoe@x.org,Société Générale Études,CEO,2020-01-01",
        "2,François Ñúñez,f@x.org,Café Noir,CTO,2021-02-01",
        "3,Ana Ruiz,a@x.org,Acme,Analyst,2019-05-01",
    ]
    sample = ("\n".join(rows) + "\n").encode("cp1252")
    assert detect_encoding(sample, "contacts.csv") == "cp1252"


def test_a_windows_1252_file_loads_with_its_exact_names(tmp_path: Path, empty: GraphStore) -> None:
    path = _western_table(tmp_path / "boards.tsv")
    report = load_path(empty, path, parse_mapping(PEOPLE))
    assert not report.rejections, report.table()
    assert _names(empty, "Person") == {f"p-{i}": n for i, n, _ in WESTERN}
    assert _names(empty, "Organization") == {f"o-{i}": c for i, _, c in WESTERN}


def test_the_encoding_a_table_was_read_in_is_told(tmp_path: Path) -> None:
    path = _western_table(tmp_path / "boards.tsv")
    start = next(table_blocks(io.BytesIO(path.read_bytes()), path.name, parse_mapping(PEOPLE)))
    assert isinstance(start, TableStart) and start.encoding == "cp1252"


def test_a_central_european_file_stays_windows_1250() -> None:
    text = "Jméno,Město\nŠkoda Auto a.s.,Mladá Boleslav\nČeská spořitelna,Praha\nŽďár,Brno\n"
    assert detect_encoding(text.encode("cp1250"), "cz.csv") == "cp1250"


# ---------------------------------------------------------------- 2. scale words


@pytest.mark.parametrize(
    "cell", ["JPY 8,850m", "USD 12,500m", "JPY 1,500 million", "€1,250k", "1.250m"]
)
def test_a_lone_mark_before_three_digits_and_a_scale_word_is_refused(cell: str) -> None:
    with pytest.raises(ValueError, match=r"ambiguous.*set the column's decimal") as caught:
        parse_amount(cell)
    assert repr(cell) in str(caught.value)


@pytest.mark.parametrize(
    ("cell", "decimal", "amount"),
    [
        ("JPY 8,850m", ".", 8.85e9),
        ("JPY 8,850m", ",", 8.85e6),
        ("€1.250k", ".", 1_250.0),
        ("€1.250k", ".", 1_250.0),
        ("3,2 Mio", None, 3.2e6),
        ("1.5m", None, 1.5e6),
        ("12,500,000", None, 12.5e6),
        ("2.5bn", None, 2.5e9),
        ("0,125m", None, 125_000.0),  # no thousands start with 0
        ("1,250.5m", None, 1_250.5e6),  # both marks: the last is the decimal mark
        ("USD 12,500", None, 12_500.0),  # no scale word: three digits group thousands
    ],
)
def test_amounts_a_decimal_mark_or_the_cell_settles(
    cell: str, decimal: str | None, amount: float
) -> None:
    assert parse_amount(cell, decimal) == pytest.approx(amount)


def test_an_ambiguous_amount_is_rejected_naming_row_and_column_until_decimal_settles_it(
    tmp_path: Path, empty: GraphStore
) -> None:
    path = tmp_path / "deals.csv"
    mapping: dict[str, Any] = {
        "nodes": [
            {
                "label": "Alliance",
                "id": {"template": "d-{Deal}"},
                "name": "Deal",
                "properties": {"deal_value": {"column": "Value", "type": "money"}},
            }
        ]
    }
    path.write_text('Deal,Value\nD1,"JPY 8,850m"\nD2,2.5bn\n', encoding="utf-8")
    report = load_path(empty, path, parse_mapping(mapping), dry_run=True)
    (problem,) = report.rejections
    assert (problem.row, problem.column) == (2, "Value")
    assert "'JPY 8,850m' is ambiguous" in problem.reason and "decimal" in problem.reason
    mapping["nodes"][0]["properties"]["deal_value"]["decimal"] = "."
    report = load_path(empty, path, parse_mapping(mapping))
    assert not report.rejections, report.table()
    values = {n: d["deal_value"] for n, d in empty.projection().nodes(data=True)}
    assert values == {"d-D1": pytest.approx(8.85e9), "d-D2": pytest.approx(2.5e9)}


# ---------------------------------------------------------------- 3. date formats

DEALS = (
    "Deal,Announced\n"
    "D1,08/06/02\n"  # the format's own
    "D2,2013\n"  # unambiguous forms the format does not fit
    "D3,09/2019\n"
    "D4,2005-12-05\n"
)


def _deals_mapping(fmt: str | list[str]) -> dict[str, Any]:
    return {
        "nodes": [
            {
                "label": "Alliance",
                "id": {"template": "d-{Deal}"},
                "name": "Deal",
                "properties": {"started": {"column": "Announced", "type": "date", "format": fmt}},
            }
        ]
    }


def _started(store: GraphStore) -> dict[str, str]:
    return {n: d["started"] for n, d in store.projection().nodes(data=True)}


@pytest.mark.parametrize("columnar", [True, False])
def test_a_date_format_falls_back_to_the_unambiguous_forms(
    tmp_path: Path, empty: GraphStore, columnar: bool
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(DEALS, encoding="utf-8")
    report = load_path(empty, path, parse_mapping(_deals_mapping("%m/%d/%y")), columnar=columnar)
    assert not report.rejections, report.table()
    assert _started(empty) == {
        "d-D1": "2002-08-06",
        "d-D2": "2013",
        "d-D3": "2019-09",
        "d-D4": "2005-12-05",
    }


def test_a_list_of_formats_is_tried_in_order_and_keeps_each_ones_precision() -> None:
    spec = FieldSpec(column="When", type="date", format=["%d.%m.%Y", "%b-%y", "%m/%d/%y"])
    got = [spec.getter({"When": v}, None) for v in ("05.03.2020", "Mar-20", "03/05/20", "2013")]
    assert got == ["2020-03-05", "2020-03", "2020-03-05", "2013"]


def test_a_date_neither_the_format_nor_the_built_in_reading_fits_is_rejected_with_its_value(
    tmp_path: Path, empty: GraphStore
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(DEALS + "D5,13/45/02\nD6,05/03/2020\n", encoding="utf-8")
    report = load_path(empty, path, parse_mapping(_deals_mapping("%m/%d/%y")), dry_run=True)
    assert [(p.row, p.column) for p in report.rejections] == [(6, "Announced"), (7, "Announced")]
    first, second = report.rejections
    assert first.value == "13/45/02" and "'%m/%d/%y'" in first.reason
    assert second.value == "05/03/2020"  # day or month first: the format must say


def test_a_date_written_right_that_is_no_day_says_so() -> None:
    spec = FieldSpec(column="When", type="date", format="%Y-%m-%d")
    with pytest.raises(ValueError, match=r"no such date: day 30 out of range in '2021-02-30'"):
        spec.getter({"When": "2021-02-30"}, None)


@pytest.mark.parametrize("fmt", [[], 5, ["%Y", ""]])
def test_a_format_that_is_no_strptime_format_or_list_of_them_is_refused(fmt: Any) -> None:
    with pytest.raises(MappingError, match=r"properties\.started\.format"):
        parse_mapping(_deals_mapping(fmt))


# ---------------------------------------------------------------- 4. unknown codes


def test_unknown_text_codes_match_in_any_case(tmp_path: Path, empty: GraphStore) -> None:
    path = tmp_path / "boards.csv"
    path.write_text(
        "ID,Name,Start,End\n1,Ana,2015,Curr\n2,Bo,2016,CURR\n3,Cy,2017,curr\n4,Di,2018,n\n"
        "5,Ed,2019,2021\n",
        encoding="utf-8",
    )
    mapping = {
        "nodes": [
            {
                "label": "Alliance",
                "id": {"template": "a-{ID}"},
                "name": "Name",
                "properties": {
                    "started": {"column": "Start", "type": "date"},
                    "ended": {"column": "End", "type": "date", "unknown": ["Curr", "N", 0]},
                },
            }
        ]
    }
    report = load_path(empty, path, parse_mapping(mapping))
    assert not report.rejections, report.table()
    ended = {n: d.get("ended") for n, d in empty.projection().nodes(data=True)}
    assert ended == {"a-1": None, "a-2": None, "a-3": None, "a-4": None, "a-5": "2021"}


def test_unknown_text_codes_in_date_parts_match_in_any_case() -> None:
    assert date_from_parts("2019", "UNK", "unk", unknown=["Unk", -9]) == "2019"
    assert date_from_parts("2019", "-9", None, unknown=["Unk", -9]) == "2019"


# ---------------------------------------------------------------- 5. .tsv and .tab


@pytest.mark.parametrize("suffix", [".tsv", ".tab", ".TSV"])
def test_tab_separated_files_load_as_tables(tmp_path: Path, empty: GraphStore, suffix: str) -> None:
    path = tmp_path / f"orgs{suffix}"
    # a header with more commas than tabs: the suffix, not the header, says the delimiter
    path.write_text("ID\tName, legal\nA1\tAcme, Inc.\nB2\tBeta, Gamma & Delta, Ltd\n", "utf-8")
    mapping = {
        "nodes": [{"label": "Organization", "id": {"template": "o-{ID}"}, "name": "Name, legal"}]
    }
    assert file_source(path, parse_mapping(mapping)).format == "csv"
    report = load_path(empty, path, parse_mapping(mapping))
    assert not report.rejections, report.table()
    assert _names(empty, "Organization") == {
        "o-A1": "Acme, Inc.",
        "o-B2": "Beta, Gamma & Delta, Ltd",
    }


@pytest.mark.parametrize("columnar", [True, False])
def test_the_report_says_which_encoding_a_table_was_read_in(tmp_path: Path, columnar: bool) -> None:
    """A wrong guess must be visible: the report names the encoding used."""
    path = tmp_path / "contacts.csv"
    path.write_bytes(
        "Contact ID,Full Name,Email,Company,Job Title,Since\n"
        "1,Hélène Dupré,h@x.org,Société Générale,CEO,2020-01-01\n".encode("cp1252")
    )
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, CONTACTS_MAPPING, columnar=columnar)
    store.close()
    assert report.encoding == "cp1252"
    assert report.table().splitlines()[0] == "contacts.csv (csv, read as cp1252)"


@pytest.mark.parametrize("columnar", [True, False], ids=["chunked", "row-by-row"])
def test_a_date_written_two_ways_is_one_key(tmp_path: Path, columnar: bool) -> None:
    """A board seat keyed by its start date: ``03/2019`` and ``2019-03`` are one seat, not
    two, in one file and across files."""
    mapping = parse_mapping(
        {
            "nodes": [
                {"label": "Person", "id": {"template": "dir-{ID}"}, "name": "Name"},
                {"label": "Organization", "id": {"template": "co-{Co}"}, "name": "Co"},
            ],
            "relationships": [
                {
                    "type": "WORKS_AT",
                    "source": {"template": "dir-{ID}"},
                    "target": {"template": "co-{Co}"},
                    "key": {"column": "Start", "type": "date"},
                    "properties": {"since": {"column": "Start", "type": "date"}},
                }
            ],
        }
    )
    path = tmp_path / "seats.csv"
    path.write_text("ID,Name,Co,Start\nD1,Ann,AAPL,03/2019\nD1,Ann,AAPL,2019-03\n", encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, mapping, columnar=columnar)
    assert not report.rejections, report.table()
    seats = [(k, d["since"]) for _, _, k, d in store.projection().edges(keys=True, data=True)]
    assert len(seats) == 1 and seats[0][1] == "2019-03"
    assert report.counts["WORKS_AT"].created == 1
    store.close()


@pytest.mark.parametrize("columnar", [True, False], ids=["chunked", "row-by-row"])
def test_a_record_with_line_breaks_in_a_quoted_cell_is_named_by_its_first_line(
    tmp_path: Path, columnar: bool
) -> None:
    """A quoted cell may hold line breaks (an address, a note): the record is told by the
    line it starts on, in a problem and in its provenance, as an editor shows the file;
    the records after it keep their own lines."""
    path = tmp_path / "contacts.csv"
    path.write_text(
        "Contact ID,Full Name,Email,Company,Job Title,Since\n"  # line 1
        '1,"Ana\nRuiz",ana@x.example,Acme,"Head of\nsales\n(EMEA)",2020-01-01\n'  # lines 2-5
        '2,Bo Lin,bo@x.example,Acme,"Analyst,\nrisk",2020-13-01\n'  # lines 6-7: a bad date
        "3,Cy Ng,cy@x.example,Acme,Analyst,2020-02-01\n",  # line 8
        encoding="utf-8",
    )
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, CONTACTS_MAPPING, columnar=columnar, skip_invalid=True)
    assert [(p.row, p.column) for p in report.rejections] == [(6, "Since")]
    assert [s.row for s in store.sources_of("person-1")] == [2]
    assert [s.row for s in store.sources_of("person-3")] == [8]
    assert store.projection().nodes["person-1"]["title"] == "Head of\nsales\n(EMEA)"
    store.close()
