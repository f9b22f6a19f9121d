"""The chunked path for tables (a chunk of lines at a time, a column at a time) gives
exactly what the row-by-row path gives: the same report (counts, every problem with its
file, row, column and reason, merges, renames, held rows), the same store afterwards with
the same provenance, and the same review queue; on clean files, on files full of trouble,
with chunks that split the trouble, with --skip-invalid and --dry-run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from loaders import columnar
from loaders.pipeline import load_path
from loaders.review import StoredReviewQueue
from tests.loaders.conftest import snapshot

DATA = Path(__file__).with_name("data")
CONTACTS = Path(__file__).parents[2] / "loaders" / "mappings" / "contacts.yaml"

HEADER = "Contact ID,Full Name,Email,Company,Job Title,Since\n"
#: Every kind of trouble the contacts mapping can meet, each line annotated in MESSY_WHY.
MESSY = [
    "1,Ana Ruiz,ana@acme.example,Acme Corporation,Analyst,2021-03-01",
    "2,Bob Stone,bob@x.example,Delta Air Lines,Pilot,2020-01-01",
    "3,Bob Stone,,Delta Air Lines,Pilot,2020-01-01",
    "4,Cara Diaz,cara@y.example,Newco GmbH,CEO,2019-05-05",
    "4,Cara Diaz,cara@y.example,Newco GmbH,CEO,2019-05-05",
    "4,Cara D.,cara@y.example,Newco GmbH,CEO,2019-05-05",
    "4,Cara Diaz,cara@y.example,Newco GmbH,CFO,2019-05-05",
    "5,Dan Eve,dan@z.example,Newco GmbH,CTO,2019-13-01",
    "6,Eve Fox,,,,",
    "7,   ,x@q.example,Acme,,",
    "8,Gil Ho,gil@acme.example,Acme Corp.,Engineer,2022-02-02",
    "9,Ivy Lu,ivy@q.example,Newco,Staff,2020-02-02",
    "99,Jo Kay,jo@q.example,Newco,Staff,2020-02-02",
    "11,Kim",
    "12,Lee Park,lee@x.example,Delta Airlines,Pilot,2020-01-01",
    "13,Zed Ash,zed@x.example,Delta Electronics,Engineer,2020-03-03",
    "14,Mo Ng,mo@d.example,Delta,Buyer,2020-04-04",
    "20,New Name,,Acme Corporation,Analyst,2021-03-01",
    "21,Una Bee,ANA@ACME.EXAMPLE,Other Co,Analyst,2021-03-01",
    "22,Vic Yu,vic@x.example,Organization Q,Analyst,2021-03-01",
    '23,"Wu, Xi",wu@x.example,"Acme, Inc.",Analyst,2021-03-01',
    "2,Bob Stone,bob@x.example,Delta Air Lines,Pilot,2020-01-01",
    "24,Bob Stone,,Delta Air Lines,Captain,2020-01-01",
    ",Nobody,,Acme,,",
    "25," + "L" * 500 + ",,Acme,,",
    "",
    "26,Ana Ruiz,,Acme Corporation,Analyst,2021-03-01",
    "27,Nia Obi,N/A,NULL, - ,n/a",
]
MESSY_WHY = """
1 merges by email into a stored person, her company by alias into a stored organization;
2/3 same name at the same organization: one person; 4 repeated, renamed, then conflicting;
5 a date that is no date; 6 no company (optional entries absent); 7 a blank name; 8 a
stored organization by a variant name; 9/99 an organization new to the file by a variant,
99 an id the store holds as an Alliance; 11 too few cells; 12 a fuzzy variant; 13 a new
organization; 14 an ambiguous name (held, its job held with it); 20 a stored person under a
new name; 21 an email in other case; 22 an organization whose id the store holds as a
Person; 23 quoted commas; 2 again; 24 the same person (by name at the employer) with a
different job; no id; a name too long; a blank line; 26 a stored name at a stored employer;
27 missing-value markers (N/A, NULL, -, n/a) where email, company, title and date would be.
"""


def _store(path: Path) -> GraphStore:
    store = SQLiteStore(path)
    store.upsert_nodes(
        "Organization",
        [
            {"id": "org-acme", "name": "Acme Corporation", "aliases": ["ACME"]},
            {"id": "org-delta-air", "name": "Delta Air Lines, Inc."},
            {"id": "org-delta-gmbh", "name": "Delta GmbH"},
            {"id": "org-delta-inc", "name": "Delta Inc."},
        ],
    )
    store.upsert_nodes("Alliance", [{"id": "person-99", "name": "An alliance"}])
    store.upsert_nodes(
        "Person",
        [
            {"id": "p-ana", "name": "Ana Ruiz", "email": "ana@acme.example"},
            {"id": "person-20", "name": "Old Name"},
            {"id": "org-organization-q", "name": "Not an organization"},
            {"id": "p-ana2", "name": "Ana Ruiz"},
        ],
    )
    store.upsert_relationships("WORKS_AT", [{"source": "p-ana2", "target": "org-acme"}])
    return store


def _outcome(store: GraphStore, report: Any) -> tuple[Any, ...]:
    dumped = report.model_dump(exclude={"import_id"})
    sources = sorted(
        (n, s.file, s.sheet, s.row) for n in store.projection().nodes for s in store.sources_of(n)
    )
    queue = StoredReviewQueue(store)
    held = sorted(
        (k, re.sub(r"imp-[0-9]+-[0-9a-f]+", "imp", repr(v))) for k, v in queue.held.items()
    )
    return dumped, snapshot(store), sources, held


def _both(
    tmp_path: Path, data: Path, mapping: Path, seeded: bool = True, **options: Any
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    out = []
    for columnar_path in (True, False):
        where = tmp_path / f"{columnar_path}.db"
        store = _store(where) if seeded else SQLiteStore(where)
        report = load_path(store, data, mapping, columnar=columnar_path, **options)
        out.append(_outcome(store, report))
        store.close()
    return out[0], out[1]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 20_000])
@pytest.mark.parametrize(
    "options", [{}, {"skip_invalid": True}, {"dry_run": True}], ids=["plain", "skip", "dry"]
)
def test_messy_contacts_give_the_same_result_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, options: dict[str, Any]
) -> None:
    monkeypatch.setattr(columnar, "CHUNK_ROWS", chunk)
    data = tmp_path / "contacts.csv"
    data.write_text(HEADER + "\n".join(MESSY) + "\n", encoding="utf-8")
    chunked, by_rows = _both(tmp_path, data, CONTACTS, **options)
    assert chunked == by_rows
    report = chunked[0]
    assert report["rejections"] and report["merges"] and report["renames"] and report["held"]


def test_clean_contacts_give_the_same_result_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 64)
    data = tmp_path / "contacts.csv"
    lines = [
        f"{i},Person {i},p{i}@example.org,Company {i % 7} Ltd,Analyst,2020-01-01"
        for i in range(300)
    ]
    data.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    chunked, by_rows = _both(tmp_path, data, CONTACTS, seeded=False)
    assert chunked == by_rows
    assert chunked[0]["counts"]["Person"]["created"] == 300


@pytest.mark.parametrize(
    ("data", "mapping"),
    [
        ("memberships.csv", "memberships.yaml"),
        ("registry.txt", "registry.yaml"),
        ("airlines.txt", "airlines.yaml"),
    ],
)
def test_shipped_tables_give_the_same_result_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: str, mapping: str
) -> None:
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 2)
    chunked, by_rows = _both(tmp_path, DATA / data, DATA / mapping)
    assert chunked == by_rows
    assert chunked[0]["written"]


@pytest.mark.parametrize("chunk", [5, 20_000])
def test_trouble_after_clean_lines_gives_the_same_result_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Plain relationships are decided as their line is read until one has to wait; from
    then on all wait (so that file order still decides which of two rows is first)."""
    monkeypatch.setattr(columnar, "CHUNK_ROWS", chunk)
    clean = [
        f"{i},Person {i},p{i}@example.org,Company {i % 3} Ltd,Analyst,2020-01-01"
        for i in range(100, 140)
    ]
    again = [
        f"{i},Person {i},p{i}@example.org,Company {i % 3} Ltd,Lead,2020-01-01"
        for i in range(100, 110)
    ]
    data = tmp_path / "contacts.csv"
    data.write_text(HEADER + "\n".join(clean + MESSY + clean[:5] + again) + "\n", encoding="utf-8")
    chunked, by_rows = _both(tmp_path, data, CONTACTS)
    assert chunked == by_rows
    assert any("conflicts with row" in p["reason"] for p in chunked[0]["rejections"])


def test_lines_that_share_an_organization_decide_it_each_as_the_rows_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An organization's lines are checked once per distinct line and share the result;
    when her first line does not make her known (held for review), each later line is
    decided again from its own copy: every line is held, exactly as row by row."""
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 20_000)
    lines = [f"{i},Person {i},p{i}@d.example,Delta,Buyer,2020-04-04" for i in range(30, 34)]
    data = tmp_path / "contacts.csv"
    data.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    chunked, by_rows = _both(tmp_path, data, CONTACTS)
    assert chunked == by_rows
    held = [p for p in chunked[0]["held"] if p["column"] == "name"]
    assert [p["row"] for p in held] == [2, 3, 4, 5]


def test_the_fingerprint_of_a_lines_cells_is_the_same_on_both_paths() -> None:
    """The chunked path's fingerprint of a line's cells (all at once, or one line with a
    missing value) equals the row-by-row path's, so a repeat is told across the paths."""
    from loaders.columnar import TablePlan
    from loaders.mapping import load_mapping
    from loaders.resolution import _raw_key

    header = HEADER.strip().split(",")
    plan = TablePlan(load_mapping(CONTACTS), header, None, "f.csv")
    lines = [["1", "Ana", "a@x.example", "Acme", "CEO", "2020-01-01"], ["2", "Bo", "", "Acme", "", ""]]
    values = plan.chunk([(2, lines[0]), (3, lines[1])]).lines()
    for cells, items in zip(lines, values, strict=True):
        assert items is not None
        rows = [r for r in plan.apply(cells, "f.csv", 2) if r.kind == "node"]
        for row in rows:
            ep = next(e for e in plan.entries if e.what == row.what)
            item = items[ep.index]
            assert item is not None
            assert item[3] == _raw_key(row) == ep.raw_key(item[0])
    assert _raw_key(rows[0]) != _raw_key(rows[1])
