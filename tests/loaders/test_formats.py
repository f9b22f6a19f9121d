"""Every format loads realistic data, idempotently, with an exact, balanced report."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from graph.store import GraphStore
from loaders.export import neutralise, to_csv_zip, to_graphml, to_json
from loaders.mapping import cell_digest
from loaders.pipeline import load_bytes, load_path
from samples import write_sample
from tests.loaders.conftest import write_doc

CONTACTS = Path(__file__).parents[2] / "loaders" / "mappings" / "contacts.yaml"


def test_sample_document_loads_then_reloads_unchanged(tmp_path: Path, store: GraphStore) -> None:
    path = write_sample(tmp_path / "s", scale=1)
    first = load_path(store, path.parent)
    assert first.written and first.balanced and not first.rejections
    assert first.counts["Person"].created == 5000
    second = load_path(store, path)
    assert all(c.created == 0 and c.updated == 0 for c in second.counts.values())
    assert second.balanced


def test_yaml_document(tmp_path: Path, seeded: GraphStore) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "format: alliancegraph-portfolio\nversion: 1\nnodes:\n  Organization:\n"
        "    - {id: org-new, name: Nueva Energía S.A., industry: energy}\n"
        "relationships:\n  MEMBER_OF:\n    - {source: org-new, target: all-1, role: member, joined: 2024-03}\n",
        encoding="utf-8",
    )
    report = load_path(seeded, path)
    assert report.counts["Organization"].created == 1
    assert report.counts["MEMBER_OF"].created == 1
    assert seeded.get_node("org-new").node.props["name"] == "Nueva Energía S.A."  # type: ignore[union-attr]


def _contacts_csv(path: Path, encoding: str, delimiter: str = ",") -> Path:
    rows = [
        ["Contact ID", "Full Name", "Email", "Company", "Job Title", "Since"],
        ["1", "José Müller", "Jose@Example.org", "Société Générale S.A.", "Analyst", "2021-03-01"],
        ["2", "Zoë O'Brien", "zoe@example.org", "Acme Corp.", "Director", ""],
        ["3", "Li Wei", "li@example.org", "", "", ""],
    ]
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in r) for r in rows)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("latin-1", ","), ("utf-16", "\t"), ("cp1252", ";")],
)
def test_csv_encodings_and_delimiters(
    tmp_path: Path, seeded: GraphStore, encoding: str, delimiter: str
) -> None:
    path = _contacts_csv(tmp_path / "contacts.csv", encoding, delimiter)
    report = load_path(seeded, path, CONTACTS)
    assert not report.rejections, report.table()
    g = seeded.projection()
    assert g.nodes["person-1"]["name"] == "José Müller"
    assert g.nodes["person-1"]["email"] == "jose@example.org"
    # "Acme Corp." resolves onto the stored "Acme Corporation": merged, kept as an alias
    assert g.has_edge("person-2", "org-acme")
    assert "Acme Corp." in g.nodes["org-acme"]["aliases"]
    assert any(m.into == "org-acme" and m.rule == "exact_alias" for m in report.merges)
    assert report.balanced


def test_linkedin_connections_export(tmp_path: Path, seeded: GraphStore) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        'Notes:\n"When exporting your connection data, you may notice that some of the email '
        'addresses are missing."\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n'
        "Kwame,Mensah,https://www.linkedin.com/in/kwame-mensah,,Beta Labs,CTO,12 Mar 2024\n"
        "Priya,Patel,https://www.linkedin.com/in/priya,priya@x.example,,,01 Jan 2020\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="--owner"):
        load_path(seeded, path)
    report = load_path(seeded, path, owner="p-ana")
    assert not report.rejections, report.table()
    g = seeded.projection()
    # the profile URL is confidential: the id carries a digest of it, never the URL itself
    kwame = "person-li-" + cell_digest("https://www.linkedin.com/in/kwame-mensah/")
    assert not [n for n in g.nodes if "linkedin" in n or "kwame" in n]
    assert g.nodes[kwame]["linkedin"] == "https://www.linkedin.com/in/kwame-mensah"
    assert g.edges["p-ana", kwame, "KNOWS"]["since"] == "2024-03-12"
    assert g.edges["p-ana", kwame, "KNOWS"]["source_system"] == "linkedin"
    assert g.nodes["org-beta-labs"]["name"] == "Beta Labs"


def test_xlsx_one_sheet_per_label_formulas_stay_text(tmp_path: Path, seeded: GraphStore) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Organization"
    sheet.append(["id", "name", "industry"])
    sheet.append(["org-x", '=HYPERLINK("http://evil.example","x")', "@SUM(1+1)"])
    rel = book.create_sheet("MEMBER_OF")
    rel.append(["source", "target", "role", "cash_contribution"])
    rel.append(["org-x", "all-1", "lead", 1500])
    path = tmp_path / "portfolio.xlsx"
    book.save(path)
    report = load_path(seeded, path)
    assert not report.rejections, report.table()
    node = seeded.get_node("org-x").node  # type: ignore[union-attr]
    assert node.props["name"] == '=HYPERLINK("http://evil.example","x")'
    assert node.props["industry"] == "@SUM(1+1)"


def test_graphml_round_trip(tmp_path: Path, seeded: GraphStore, store: GraphStore) -> None:
    seeded.upsert_relationships(
        "MEMBER_OF", [{"source": "org-acme", "target": "all-1", "role": "lead"}]
    )
    path = tmp_path / "g.graphml"
    path.write_text(to_graphml(seeded.projection()), encoding="utf-8")
    report = load_path(
        store,
        path,
    )
    assert not report.rejections, report.table()
    g = store.projection()
    assert g.edges["org-acme", "all-1", "MEMBER_OF"]["role"] == "lead"


def test_upload_bytes_use_the_same_pipeline(seeded: GraphStore) -> None:
    data = json.dumps(
        {
            "format": "alliancegraph-portfolio",
            "version": 1,
            "nodes": {"Topic": [{"id": "t1", "name": "Water"}]},
        }
    ).encode()
    report = load_bytes(seeded, data, "upload.json")
    assert report.counts["Topic"].created == 1


def test_dry_run_reports_without_writing(tmp_path: Path, seeded: GraphStore) -> None:
    path = write_doc(
        tmp_path / "d.json",
        {
            "Organization": [
                {"id": "org-acme", "name": "Acme Corporation", "country": "US"},
                {"id": "org-n", "name": "Brand New Org"},
            ]
        },
    )
    before = seeded.version()
    report = load_path(seeded, path, dry_run=True)
    assert report.counts["Organization"].created == 1
    assert report.counts["Organization"].updated == 1
    assert seeded.version() == before and not report.written


def test_exports_keep_values_and_csv_neutralises_formulas(seeded: GraphStore) -> None:
    seeded.upsert_nodes("Organization", [{"id": "org-f", "name": "=cmd|' /C calc'!A0"}])
    g = seeded.projection()
    doc = json.loads(to_json(g))
    names = {r["id"]: r["name"] for r in doc["nodes"]["Organization"]}
    assert names["org-f"] == "=cmd|' /C calc'!A0"
    assert (
        neutralise("=1+1") == "'=1+1" and neutralise("-2") == "'-2" and neutralise("\tx") == "'\tx"
    )
    assert neutralise("plain") == "plain"
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(to_csv_zip(g))) as z:
        text = z.read("nodes.csv").decode()
    assert "'=cmd|' /C calc'!A0" in text


@pytest.mark.parametrize("columnar", [True, False], ids=["chunked", "row-by-row"])
def test_namesakes_at_one_employer_with_two_linkedin_profiles_stay_two_people(
    tmp_path: Path, seeded: GraphStore, columnar: bool
) -> None:
    """Two connections called Ana Ruiz at Acme with two profile URLs are two people (they
    were merged by name at the employer, then the second's tie refused as a conflict); a
    stored Bo Lin at Acme without a profile still meets his LinkedIn self by name there."""
    seeded.upsert_nodes("Person", [{"id": "p-bo", "name": "Bo Lin"}])
    seeded.upsert_relationships("WORKS_AT", [{"source": "p-bo", "target": "org-acme"}])
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ana,Ruiz,https://www.linkedin.com/in/anaruiz,,Acme Corporation,CTO,17 Jan 2019\n"
        "Ana,Ruiz,https://www.linkedin.com/in/ana-ruiz-42,,Acme Corporation,Engineer,18 Jan 2019\n"
        "Bo,Lin,https://www.linkedin.com/in/bolin,,Acme Corporation,CFO,18 Jan 2019\n",
        encoding="utf-8",
    )
    report = load_path(seeded, path, owner="p-ana", columnar=columnar)
    assert report.written and not report.rejections, report.table()
    g = seeded.projection()
    anas = [n for n, d in g.nodes(data=True) if d.get("name") == "Ana Ruiz" and n != "p-ana"]
    assert len(anas) == 2
    assert all(g.has_edge("p-ana", a, "KNOWS") and g.has_edge(a, "org-acme") for a in anas)
    assert [(m.into, m.rule) for m in report.merges if m.incoming_name == "Bo Lin"] == [
        ("p-bo", "name_and_organization")
    ]
    assert not [m for m in report.merges if m.incoming_name == "Ana Ruiz"]


def test_an_owner_who_is_nobody_is_named_as_the_owner_flag(
    tmp_path: Path, seeded: GraphStore
) -> None:
    """--owner naming no Person: each tie's problem points at the flag, not at a column."""
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Kwame,Mensah,https://www.linkedin.com/in/kwame-mensah,,Beta Labs,CTO,12 Mar 2024\n",
        encoding="utf-8",
    )
    report = load_path(seeded, path, owner="person-nobody")
    (problem,) = report.rejections
    assert (problem.row, problem.column, problem.value) == (2, "(--owner)", "person-nobody")
    assert "no Person with this id" in problem.reason
