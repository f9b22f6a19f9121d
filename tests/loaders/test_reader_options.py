"""Reader options: any delimiter, whitespace columns with quoted names, no header, a given
encoding and rows to skip, from the mapping or the ``load`` command line."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore
from loaders.mapping import MappingError, ReaderOptions, load_mapping, parse_mapping
from loaders.pipeline import load_path
from loaders.tabular import split_whitespace

DATA = Path(__file__).with_name("data")


def test_headerless_whitespace_file_with_quoted_multi_word_names(store: GraphStore) -> None:
    report = load_path(store, DATA / "airlines.txt", DATA / "airlines.yaml")
    assert report.written and not report.rejections and report.balanced
    assert report.counts["Organization"].created == 12
    assert report.counts["Alliance"].created == 3
    g = store.projection()
    assert g.nodes["airline-SWR"]["name"] == "Swiss International Air Lines"
    assert g.nodes["airline-KLM"]["name"] == "KLM Royal Dutch Airlines"
    assert g.nodes["all-star-alliance"]["name"] == "Star Alliance"
    assert g.edges["airline-BEL", "all-star-alliance", "MEMBER_OF"]["joined"] == "2009-12"


def test_caret_delimited_latin1_file_after_a_preamble(store: GraphStore) -> None:
    report = load_path(store, DATA / "registry.txt", DATA / "registry.yaml")
    assert report.written and not report.rejections
    g = store.projection()
    assert g.nodes["lei-O2RNE8IBXP4R0TD8PU41"]["name"] == "Société Générale"
    assert g.nodes["lei-549300ZD3H1HKT4RPH48"]["name"] == "Apple Hospitality REIT, Inc."
    # registry numbers are identities: look-alike names are never merged or held
    assert report.counts["Organization"].created == 7
    assert not report.merges and not report.ambiguities


def test_a_bad_row_in_a_whitespace_file_names_file_row_and_reason(
    tmp_path: Path, store: GraphStore
) -> None:
    path = tmp_path / "airlines.txt"
    lines = (DATA / "airlines.txt").read_text(encoding="utf-8").splitlines()
    lines[3] = 'UA   UAL  "United Airlines  US  "Star Alliance" 1997-05'  # a quote not closed
    lines[5] = "LX   SWR  Swiss  CH"  # too few cells
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_path(store, path, DATA / "airlines.yaml")
    assert not report.written
    problems = {(p.file, p.row): p.reason for p in report.rejections}
    assert "4 cells for 6 columns" in problems[("airlines.txt", 6)]
    assert any(row == 4 for _, row in problems)
    assert store.projection().number_of_nodes() == 0


def test_wrong_encoding_option_is_a_clear_error(tmp_path: Path, store: GraphStore) -> None:
    mapping = tmp_path / "m.yaml"
    text = (DATA / "registry.yaml").read_text(encoding="utf-8")
    mapping.write_text(text.replace("latin-1", "utf-8"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"registry\.txt: .*encoding"):
        load_path(store, DATA / "registry.txt", mapping)


def test_options_from_the_command_line_replace_the_mapping(
    tmp_path: Path, store: GraphStore
) -> None:
    path = tmp_path / "tilde.txt"
    path.write_text(
        "Code~Company\nBAW~'British Airways ~ Plc'\nSHT~'BA CityFlyer, ''Euroflyer'''\n",
        encoding="utf-8",
    )
    mapping = load_mapping(DATA / "registry.yaml")
    entry = parse_mapping(
        {"nodes": [{"label": "Organization", "id": {"template": "icao-{Code}"}, "name": "Company"}]}
    )
    mapping.entries = entry.entries
    mapping.reader = mapping.reader.updated(
        delimiter="~", quotechar="'", encoding="utf-8", skip_rows=0
    )
    report = load_path(store, path, mapping)
    assert report.counts["Organization"].created == 2
    g = store.projection()
    assert g.nodes["icao-BAW"]["name"] == "British Airways ~ Plc"  # the delimiter, quoted
    assert g.nodes["icao-SHT"]["name"] == "BA CityFlyer, 'Euroflyer'"  # a doubled quote


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        ({"delimiter": "^^"}, "delimiter must be one character"),
        ({"delimiter": "^", "quotechar": "^"}, "quotechar must be one character other"),
        ({"header": False}, "header: false needs the column names"),
        ({"encoding": "klingon-8"}, "unknown encoding"),
        ({"skip_rows": -1}, "skip_rows must be"),
        ({"columns": ["a", "a"], "header": False}, "columns must be distinct"),
        ({"sep": ","}, "unknown option"),
    ],
)
def test_bad_reader_options_name_the_problem(reader: dict[str, object], message: str) -> None:
    doc = {"reader": reader, "nodes": [{"label": "Topic", "id": "a", "name": "b"}]}
    with pytest.raises(MappingError, match=message):
        parse_mapping(doc, "m.yaml")


@pytest.mark.parametrize(
    ("section", "options", "message"),
    [
        ("reader", ",", r"m.yaml: reader: expected options such as delimiter: '\^'"),
        ("reader", {"sep": ","}, r"m.yaml: reader: unknown option\(s\) sep; expected columns, "),
        ("graph", [1], "m.yaml: graph: expected options such as node_label: Organization"),
        (
            "graph",
            {"label": "X"},
            r"m.yaml: graph: unknown option\(s\) label; expected id_prefix, ids, ",
        ),
    ],
)
def test_reader_and_graph_sections_refuse_what_they_do_not_know(
    section: str, options: object, message: str
) -> None:
    """Both option sections name the file, the section and the option (one check for both)."""
    doc = {section: options, "nodes": [{"label": "Topic", "id": "a", "name": "b"}]}
    with pytest.raises(MappingError, match=message):
        parse_mapping(doc, "m.yaml")


def test_split_whitespace_keeps_apostrophes_and_empty_quoted_fields() -> None:
    assert split_whitespace("1\t'O'Brien & Sons'   \"\"") == ["1", "'O'Brien", "&", "Sons'", ""]
    assert split_whitespace("x  'a b'", quotechar="'") == ["x", "a b"]
    assert ReaderOptions().updated(delimiter=None).delimiter is None


def test_load_command_accepts_reader_flags(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "pipes.txt"
    path.write_text("# exported 2024\nAFR|Air France\nAFR|Air France\nHOP|HOP!\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "nodes:\n  - label: Organization\n    id: {template: 'icao-{Code}'}\n    name: Name\n",
        encoding="utf-8",
    )
    shutil.copy(path, tmp_path / "pipes2.txt")
    env = {**os.environ, "PYTHONPATH": str(root), "ALLIANCEGRAPH_DB_PATH": str(tmp_path / "g.db")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli.main",
            "load",
            str(path),
            "--mapping",
            str(mapping),
            "--delimiter",
            "|",
            "--no-header",
            "--columns",
            "Code,Name",
            "--skip-rows",
            "1",
            "--encoding",
            "utf-8",
            "--quotechar",
            "'",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert '"created":2' in done.stdout.replace(" ", "")


def test_reader_flags_without_a_mapping_are_refused_for_a_table(tmp_path: Path) -> None:
    from argparse import Namespace

    from loaders.tabular import mapping_with_flags

    flags = Namespace(
        delimiter="^", quotechar=None, encoding=None, header=None, columns=None, skip_rows=None
    )
    with pytest.raises(ValueError, match=r"t\.txt: reader options need a column mapping"):
        mapping_with_flags(tmp_path / "t.txt", None, flags)
    edges = mapping_with_flags(tmp_path / "t.edges", None, flags)
    assert not isinstance(edges, Path) and edges is not None and edges.reader.delimiter == "^"
    none = Namespace(**dict.fromkeys(vars(flags)))
    assert mapping_with_flags(tmp_path / "t.txt", DATA / "airlines.yaml", none) == (
        DATA / "airlines.yaml"
    )
    with pytest.raises(ValueError, match="reader options: delimiter must be one character"):
        mapping_with_flags(
            tmp_path / "t.txt",
            DATA / "airlines.yaml",
            Namespace(**{**vars(none), "delimiter": "^^"}),
        )


def test_columns_with_a_header_rename_the_header(store: GraphStore) -> None:
    mapping = parse_mapping(
        {
            "reader": {
                "delimiter": "^",
                "encoding": "latin-1",
                "skip_rows": 2,
                "columns": ["lei", "legal", "cc", "status", "reg"],
            },
            "nodes": [{"label": "Organization", "id": {"template": "lei-{lei}"}, "name": "legal"}],
        }
    )
    report = load_path(store, DATA / "registry.txt", mapping)
    assert report.counts["Organization"].created == 7
    assert store.projection().nodes["lei-HWUPKR0MPOU8FGXBT394"]["name"] == "Apple Inc."


def test_utf8_encoding_option_drops_a_bom(tmp_path: Path, store: GraphStore) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffCode^Name\nAFR^Air France\n".encode())
    mapping = parse_mapping(
        {
            "reader": {"delimiter": "^", "encoding": "UTF8"},
            "nodes": [{"label": "Organization", "id": "Code", "name": "Name"}],
        }
    )
    report = load_path(store, path, mapping)
    assert report.counts["Organization"].created == 1


MARKED = "Code,Name,Country,Founded\nA1,Acme,N/A,2001\nB2,Beta,NA,NULL\nC3,Gamma, - ,#N/A\n"


def _marked(reader: dict[str, object] | None = None) -> Any:
    return parse_mapping(
        {
            **({"reader": reader} if reader is not None else {}),
            "nodes": [
                {
                    "label": "Organization",
                    "id": "Code",
                    "name": "Name",
                    "properties": {
                        "country": "Country",
                        "founded": {"column": "Founded", "type": "int"},
                    },
                }
            ],
        }
    )


@pytest.mark.parametrize("columnar", [True, False])
def test_cells_that_mean_no_value_give_none(
    tmp_path: Path, store: GraphStore, columnar: bool
) -> None:
    """'N/A' was stored as a country and 'NULL' refused as a year: sparse exports mark
    their gaps, and a mark is no value. NA stays a value (Namibia) unless the file says."""
    path = tmp_path / "orgs.csv"
    path.write_text(MARKED, encoding="utf-8")
    report = load_path(store, path, _marked(), columnar=columnar)
    assert not report.rejections, report.table()
    nodes = store.projection().nodes
    assert {n: nodes[n].get("country") for n in ("A1", "B2", "C3")} == {
        "A1": None,
        "B2": "NA",
        "C3": None,
    }
    assert nodes["A1"]["founded"] == 2001 and "founded" not in nodes["B2"]


def test_the_file_says_which_cells_mean_no_value(tmp_path: Path, store: GraphStore) -> None:
    path = tmp_path / "orgs.csv"
    path.write_text(MARKED.replace("NULL", "1999").replace("#N/A", "2005"), encoding="utf-8")
    report = load_path(store, path, _marked({"missing": ["NA"]}))
    assert not report.rejections, report.table()
    nodes = store.projection().nodes
    assert "country" not in nodes["B2"]  # NA: no value, as this file says
    assert nodes["A1"]["country"] == "N/A"  # the default marks are replaced, not added to
    with pytest.raises(MappingError, match="missing must be a list"):
        _marked({"missing": "NA"})


def test_a_repeated_column_name_is_numbered_not_hidden(tmp_path: Path, store: GraphStore) -> None:
    """Deal exports repeat 'Participant' per column; the last one hid the others."""
    path = tmp_path / "deals.csv"
    path.write_text(
        "Deal,Participant,Participant,Participant\nD1,Merck,Moderna,\n", encoding="utf-8"
    )
    mapping = parse_mapping(
        {
            "nodes": [{"label": "Alliance", "id": {"template": "deal-{Deal}"}, "name": "Deal"}]
            + [
                {
                    "label": "Organization",
                    "optional": True,
                    "id": {"template": "org-{" + column + "}", "slug": True},
                    "name": column,
                }
                for column in ("Participant", "Participant.1", "Participant.2")
            ]
        }
    )
    report = load_path(store, path, mapping)
    assert not report.rejections, report.table()
    assert {"org-merck", "org-moderna"} <= set(store.projection().nodes)
