"""Bad input gets a clear error naming file, row, column and reason, and loses nothing."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from loaders.export import to_graphml, to_json
from loaders.pipeline import load_path
from loaders.rows import LoadError
from tests.loaders.conftest import snapshot, write_doc

CONTACTS = Path(__file__).parents[2] / "loaders" / "mappings" / "contacts.yaml"
ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("nodes", "rels", "row", "column", "reason"),
    [
        (
            {"Organization": [{"id": "o1", "name": "Ok"}, {"name": "No id"}]},
            {},
            2,
            "id",
            "required, but empty or missing",
        ),
        ({"Alliance": [{"id": "a9", "name": "X", "form": "JV"}]}, {}, 1, "form", "joint_venture"),
        (
            {"Assessment": [{"id": "s9", "name": "Q", "date": "2024", "trust": "high"}]},
            {},
            1,
            "trust",
            "valid number",
        ),
        (
            {  # another name alone is a rename (tests/loaders/test_renames.py), not a conflict
                "Organization": [
                    {"id": "o1", "name": "A", "industry": "water"},
                    {"id": "o1", "name": "A", "industry": "energy"},
                ]
            },
            {},
            2,
            "id",
            "conflicts with row 1",
        ),
        (
            {},
            {"MEMBER_OF": [{"source": "org-nowhere", "target": "all-1"}]},
            1,
            "source",
            "no Organization with this id",
        ),
        (
            {"Organisation": [{"id": "o2", "name": "Typo"}]},
            {},
            1,
            None,
            "unknown node label 'Organisation'",
        ),
        (
            {},
            {"MEMBER_OF": [{"source": "org-acme", "target": "all-1", "joined": "31/02/2024"}]},
            1,
            "joined",
            "2021-03",
        ),
    ],
)
def test_document_errors_name_row_column_and_reason_and_write_nothing(
    tmp_path: Path,
    seeded: GraphStore,
    nodes: dict,
    rels: dict,
    row: int,
    column: str | None,
    reason: str,
) -> None:
    before = snapshot(seeded)
    report = load_path(seeded, write_doc(tmp_path / "bad.json", nodes, rels))
    assert not report.written
    problem = report.rejections[0]
    assert problem.file == "bad.json" and problem.row == row
    assert problem.column == column
    assert reason in problem.reason, str(problem)
    assert "nothing was written" in report.message
    assert snapshot(seeded) == before
    assert report.balanced


def test_skip_invalid_writes_the_rest_and_lists_each_skipped_row(
    tmp_path: Path, seeded: GraphStore
) -> None:
    path = write_doc(
        tmp_path / "mixed.json",
        {"Topic": [{"id": "t1", "name": "Water"}, {"id": "t2"}, {"id": "t3", "name": "Health"}]},
    )
    report = load_path(seeded, path, skip_invalid=True)
    assert report.written
    assert [p.row for p in report.rejections] == [2]
    assert report.counts["Topic"].created == 2 and report.counts["Topic"].rejected == 1
    assert report.balanced


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"format": "alliancegraph-portfolio", "version": 1, "nodes": {"Topic": [{"id": "t1", "na',
            "truncated JSON",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b'{"nodes": {}}', "not a portfolio document"),
    ],
)
def test_unreadable_files_are_refused_with_one_line(
    tmp_path: Path, seeded: GraphStore, content: bytes, message: str
) -> None:
    name = "data.csv" if b"PNG" in content else "data.json"
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(seeded)
    with pytest.raises(LoadError, match=message):
        load_path(seeded, path, CONTACTS if name.endswith(".csv") else None)
    assert snapshot(seeded) == before


def test_truncated_csv_and_mixed_encodings(tmp_path: Path, seeded: GraphStore) -> None:
    header = "Contact ID,Full Name,Email,Company,Job Title,Since\n"
    truncated = tmp_path / "t.csv"
    truncated.write_text(
        header + '1,"Ana Ruiz,ana@x.example,Acme,CEO,2020-01-01\n', encoding="utf-8"
    )
    before = snapshot(seeded)
    with pytest.raises(LoadError, match="line"):
        load_path(seeded, truncated, CONTACTS)
    mixed = tmp_path / "m.csv"
    lines = [f"{i},Person {i},p{i}@x.example,Acme,Analyst,2020-01-01\n" for i in range(1, 30000)]
    mixed.write_bytes(
        header.encode()
        + "".join(lines).encode("utf-8")
        + "99999,Zoë,z@x.example,Acme,CEO,\n".encode("latin-1")
    )
    with pytest.raises(LoadError, match="encoding"):
        load_path(seeded, mixed, CONTACTS)
    assert snapshot(seeded) == before


def test_wrong_cell_count_and_bad_date_in_csv(tmp_path: Path, seeded: GraphStore) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "Contact ID,Full Name,Email,Company,Job Title,Since\n"
        "1,Ana,a@x.example,Acme,CEO,2020-01-01\n"
        "2,Li,li@x.example\n"
        "3,Bo,b@x.example,Acme,CTO,01/02/2020\n",
        encoding="utf-8",
    )
    report = load_path(seeded, path, CONTACTS)
    assert not report.written
    problems = {p.row: p for p in report.rejections}
    assert "3 cells for 6 columns" in problems[3].reason
    assert problems[4].column == "Since" and "%Y-%m-%d" in problems[4].reason


def test_repeated_contact_rows_load_once_and_conflicting_ones_are_refused(
    tmp_path: Path, seeded: GraphStore
) -> None:
    head = "Contact ID,Full Name,Email,Company,Job Title,Since\n"
    row = "1,Ana,a@x.example,Acme Corporation,CEO,2020-01-01\n"
    same = tmp_path / "same.csv"
    same.write_text(head + row + row + "2,Li,li@x.example,Acme Corporation,CTO,2021-05-01\n")
    report = load_path(seeded, same, CONTACTS)
    assert report.written and not report.rejections and report.balanced
    assert report.counts["WORKS_AT"].created == 2 and report.counts["WORKS_AT"].merged == 1
    assert report.counts["Person"].merged == 1
    assert load_path(seeded, same, CONTACTS).counts["WORKS_AT"].created == 0
    before = snapshot(seeded)
    clash = tmp_path / "clash.csv"
    clash.write_text(head + row + row.replace("CEO", "Chair"))
    report = load_path(seeded, clash, CONTACTS)
    assert not report.written
    # row 3 gives Ana another title: her person row clashes with row 2, and its job goes
    # with it (tests/loaders/test_whole_rows.py)
    reasons = [(p.row, p.reason) for p in report.rejections]
    assert reasons == [(3, "conflicts with row 2: same id, different values")], reasons
    assert snapshot(seeded) == before


def test_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path: Path, seeded: GraphStore) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b"0" * 300_000_000 + b"</a>")
    with pytest.raises(LoadError, match="zip bomb|refused"):  # from the sizes, before unpacking
        load_path(seeded, path)


def test_xlsx_xml_bomb_is_refused(tmp_path: Path, seeded: GraphStore) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Topic"
    book.active.append(["id", "name"])
    buf = io.BytesIO()
    book.save(buf)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
            for i in range(9)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol8;</t></is></c></row></sheetData></worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode()
            dst.writestr(item, data)
    path = tmp_path / "xmlbomb.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(LoadError, match="cannot read the workbook|refused"):
        load_path(seeded, path)  # defusedxml refuses the entities instead of expanding them


INJECTIONS = [
    "'}) DETACH DELETE n //",
    '"}) MATCH (m) DETACH DELETE m //',
    "`Organization`",
    "\\u0027 OR 1=1",
    "\\u0060x\\u0060",
    "/**/MATCH (n)/**/",
    "' OR '1'='1",
    "$rows",
    "{id: 'x'}",
    "]->(m) DELETE m",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(1+1)",
    "+1+1",
    "-2+3",
    "=cmd|' /C calc'!A0",
    "Zoë “smart” ‘quotes’ 🤝 \u202eRTL",
    "a\\nb\\tc",
    "&amp; &lt;",
]


def test_injection_strings_come_back_byte_identical_from_store_and_exports(
    tmp_path: Path, store: GraphStore
) -> None:
    assert len(INJECTIONS) >= 20
    nodes = {
        "Organization": [
            {"id": f"o{i}", "name": s, "industry": s, "aliases": [s]}
            for i, s in enumerate(INJECTIONS)
        ],
        "Alliance": [{"id": "a1", "name": "A", "objective": INJECTIONS[0]}],
    }
    rels = {
        "MEMBER_OF": [
            {"source": f"o{i}", "target": "a1", "key": s} for i, s in enumerate(INJECTIONS)
        ]
    }
    report = load_path(store, write_doc(tmp_path / "inj.json", nodes, rels))
    assert not report.rejections, report.table()
    g = store.projection()
    for i, s in enumerate(INJECTIONS):
        assert g.nodes[f"o{i}"]["name"] == s
        assert g.nodes[f"o{i}"]["aliases"] == [s]
        assert g.has_edge(f"o{i}", "a1", f"MEMBER_OF#{s}")
    exported = json.loads(to_json(g))
    assert {r["name"] for r in exported["nodes"]["Organization"]} == set(INJECTIONS)
    graphml = tmp_path / "inj.graphml"
    graphml.write_text(to_graphml(g), encoding="utf-8")
    other = SQLiteStore(tmp_path / "other.db")
    assert not load_path(other, graphml).rejections
    g2 = other.projection()
    for i, s in enumerate(INJECTIONS):
        assert g2.nodes[f"o{i}"]["name"] == s and g2.nodes[f"o{i}"]["aliases"] == [s]
    other.close()


def test_killed_load_completes_on_rerun_with_nothing_lost_or_doubled(tmp_path: Path) -> None:
    csv_path = tmp_path / "big.csv"
    with csv_path.open("w", encoding="utf-8") as f:
        f.write("Contact ID,Full Name,Email,Company,Job Title,Since\n")
        for i in range(60_000):
            f.write(f"{i},Person {i},p{i}@x.example,Company {i % 500},Analyst,2020-01-01\n")
    db = tmp_path / "k.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALLIANCEGRAPH_DB_PATH": str(db)}
    cmd = [
        sys.executable,
        "-m",
        "api.cli.main",
        "load",
        str(csv_path),
        "--mapping",
        str(CONTACTS),
        "--batch-size",
        "2000",
    ]
    proc = subprocess.Popen(
        [*cmd, "--progress"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # the load says when each batch is in: kill after a few
        if line.startswith(b"written ") and int(line.split()[1]) >= 4000:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    store = SQLiteStore(db)
    # the batches written so far were inside the import's one open transaction: none kept
    assert store.counts().labels.get("Person", 0) == 0
    report = load_path(store, csv_path, CONTACTS, batch_size=2000)
    assert report.balanced
    counts = store.counts()
    assert counts.labels["Person"] == 60_000
    assert counts.labels["Organization"] == 500
    assert counts.types["WORKS_AT"] == 60_000
    assert report.counts["Person"].created == 60_000
    store.close()


def test_injection_strings_pass_through_csv_and_excel_fields_unchanged(
    tmp_path: Path, store: GraphStore
) -> None:
    import csv as csv_module

    path = tmp_path / "inj.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv_module.writer(f)
        w.writerow(["Contact ID", "Full Name", "Email", "Company", "Job Title", "Since"])
        for i, s in enumerate(INJECTIONS):
            w.writerow([str(i), s, f"p{i}@x.example", f"Org {i} {s}", s, ""])
    report = load_path(store, path, CONTACTS)
    assert not report.rejections, report.table()
    g = store.projection()
    for i, s in enumerate(INJECTIONS):
        assert g.nodes[f"person-{i}"]["name"] == s
        assert g.nodes[f"person-{i}"]["title"] == s
        employer = next(
            v for _, v, d in g.out_edges(f"person-{i}", data=True) if d["type"] == "WORKS_AT"
        )
        assert g.nodes[employer]["name"] == f"Org {i} {s}"
        assert g.edges[f"person-{i}", employer, "WORKS_AT"]["title"] == s
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Topic"
    sheet.append(["id", "name", "note"])
    for i, s in enumerate(INJECTIONS):
        sheet.append([f"topic-{i}", s, s])
    xlsx = tmp_path / "inj.xlsx"
    book.save(xlsx)
    assert not load_path(store, xlsx).rejections
    g = store.projection()
    for i, s in enumerate(INJECTIONS):
        assert g.nodes[f"topic-{i}"]["name"] == s and g.nodes[f"topic-{i}"]["note"] == s


def test_the_collector_is_back_on_after_a_load_even_a_failed_one(
    tmp_path: Path, seeded: GraphStore
) -> None:
    import gc

    good = write_doc(tmp_path / "ok.json", {"Topic": [{"id": "t1", "name": "Water"}]})
    bad = write_doc(tmp_path / "bad.json", {"Topic": [{"id": "t2"}]})
    assert gc.isenabled()
    load_path(seeded, good)
    assert gc.isenabled()
    load_path(seeded, bad)
    assert gc.isenabled()
    cut = tmp_path / "cut.json"
    cut.write_text(good.read_text()[:30])
    with pytest.raises(LoadError):
        load_path(seeded, cut)  # raised while reading, inside the load
    assert gc.isenabled()
