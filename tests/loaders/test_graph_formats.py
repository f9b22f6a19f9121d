"""Graph files: Pajek (two networks and a partition), GEXF from Gephi and our own GEXF
round trip, and plain edge lists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from graph.projection import edge_active
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from loaders.gexf import read_gexf, to_gexf
from loaders.pipeline import load_path
from queries.portfolio import build_report
from samples import write_sample
from tests.loaders.conftest import snapshot

DATA = Path(__file__).with_name("data")
ROOT = Path(__file__).resolve().parents[2]


def test_pajek_two_networks_and_a_partition(store: GraphStore) -> None:
    report = load_path(store, DATA / "airline_groups.paj", DATA / "airline_groups.yaml")
    assert report.written and not report.rejections, report.rejections
    assert report.counts["Organization"].created == 7  # one node per carrier, both networks
    g = store.projection()
    assert g.nodes["org-swiss-international-air-lines"]["alliance_group"] == 2
    assert g.nodes["org-iberia"]["alliance_group"] == 3
    codeshare = g.edges["org-air-france", "org-klm-royal-dutch-airlines", "COLLABORATED_WITH"]
    assert codeshare["weight"] == 12
    assert g.edges["org-lufthansa", "org-united-airlines", "COLLABORATED_WITH"]["directed"] is False
    # *Arcslist 6 4 5: Swiss -> Lufthansa and Swiss -> United
    assert g.has_edge("org-swiss-international-air-lines", "org-united-airlines")
    competitors = g.edges["org-iberia", "org-air-france", "RELATES_TO"]
    assert competitors["kind"] == "competitor"
    assert report.counts["COLLABORATED_WITH"].created == 8
    assert report.counts["RELATES_TO"].created == 3


def test_pajek_bad_lines_name_file_row_and_reason(tmp_path: Path, store: GraphStore) -> None:
    text = (DATA / "airline_groups.paj").read_text(encoding="utf-8")
    path = tmp_path / "bad.net"
    path.write_text(text.replace("1 3 8\n", "1 9 8\n").replace("3 5\n", "3 x\n"), "utf-8")
    report = load_path(store, path, DATA / "airline_groups.yaml")
    assert not report.written
    reasons = {(p.file, p.sheet, p.row): p.reason for p in report.rejections}
    assert reasons[("bad.net", "Codeshare", 14)] == "vertex 9 is not in *Vertices 7"
    assert "cannot read '3 x' in *Edges" in reasons[("bad.net", "Competitors", 32)]
    assert store.projection().number_of_nodes() == 0


def test_pajek_two_vertices_with_one_label_are_not_silently_one_node(
    tmp_path: Path, store: GraphStore
) -> None:
    path = tmp_path / "twins.net"
    path.write_text('*Vertices 3\n1 "Air France"\n2 "Air France"\n3 KLM\n*Arcs\n1 3\n2 3\n')
    report = load_path(store, path, DATA / "airline_groups.yaml")
    assert not report.written
    assert report.rejections[0].row == 3 and report.rejections[0].column == "label"
    assert "same label as vertex 1" in report.rejections[0].reason
    path.write_text(
        '*Vertices 3\n1 "Air France"\n2 "Air France"\n3 KLM\n*Arcs\n1 3 l "x"\n2 3 2.5 c Red\n'
    )
    numbered = tmp_path / "numbered.yaml"
    numbered.write_text("graph: {ids: number, id_prefix: 'v-'}\n", encoding="utf-8")
    report = load_path(store, path, numbered)
    assert report.counts["Organization"].created == 3
    g = store.projection()
    assert g.nodes["v-2"]["name"] == "Air France"
    assert "weight" not in g.edges["v-1", "v-3", "COLLABORATED_WITH"]  # 1 3 l "x": a label
    assert g.edges["v-2", "v-3", "COLLABORATED_WITH"]["weight"] == 2.5


def test_pajek_partition_of_the_wrong_size_is_refused(tmp_path: Path, store: GraphStore) -> None:
    text = (DATA / "airline_groups.paj").read_text(encoding="utf-8")
    path = tmp_path / "bad.paj"
    path.write_text(
        text.replace('*Partition "Alliance"\n*Vertices 7', '*Partition "Alliance"\n*Vertices 6'),
        "utf-8",
    )
    with pytest.raises(ValueError, match=r"bad\.paj: line 35: \*Partition 'alliance_group' has 6"):
        load_path(store, path, DATA / "airline_groups.yaml")


def test_gephi_gexf_with_time_intervals_and_spells(store: GraphStore) -> None:
    report = load_path(store, DATA / "gephi_alliances.gexf", DATA / "gephi_alliances.yaml")
    assert report.written and not report.rejections, report.rejections
    g = store.projection()
    assert g.nodes["gephi-2"]["label"] == "Alliance"
    assert g.nodes["gephi-2"]["started"] == "2000-06-22"
    assert g.nodes["gephi-1"]["name"] == "Aerolíneas Argentinas"
    assert g.nodes["gephi-1"]["fleet"] == 81
    continental = g.edges["gephi-3", "gephi-2", "MEMBER_OF"]
    assert (continental["joined"], continental["left"]) == ("2004-09-13", "2009-10-24")
    # two spells: two memberships, keyed by their starts
    periods = g.get_edge_data("gephi-1", "gephi-4")
    assert sorted((d["joined"], d["left"]) for d in periods.values()) == [
        ("2008", "2009"),
        ("2012-08", "2012-08"),
    ]
    on = date(2010, 6, 1)
    assert not any(edge_active(d, on) for d in periods.values())
    assert any(edge_active(d, date(2008, 6, 1)) for d in periods.values())
    assert g.edges["gephi-0", "gephi-3", "COLLABORATED_WITH"]["weight"] == 2.5


def test_gexf_with_a_dtd_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE gexf [<!ENTITY a "aaaa">]><gexf>&a;</gexf>'
    with pytest.raises(ValueError, match="entities and DTDs are not allowed"):
        list(read_gexf(bomb, "bomb.gexf"))
    with pytest.raises(ValueError, match="not a GEXF file"):
        list(read_gexf(b"<graphml/>", "x.gexf"))


def test_bad_gexf_value_names_the_attribute(tmp_path: Path, store: GraphStore) -> None:
    text = (DATA / "gephi_alliances.gexf").read_text(encoding="utf-8")
    path = tmp_path / "bad.gexf"
    path.write_text(text.replace('value="81"', 'value="eighty"'), encoding="utf-8")
    report = load_path(store, path, DATA / "gephi_alliances.yaml")
    assert not report.written
    problem = report.rejections[0]
    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        "bad.gexf",
        "node",
        2,
        "fleet",
    )
    assert "'eighty'" in problem.reason


def test_gexf_round_trip_keeps_every_id_label_property_and_date(tmp_path: Path) -> None:
    source = SQLiteStore(tmp_path / "a.db")
    load_path(source, write_sample(tmp_path / "s", scale=1))
    load_path(source, DATA / "memberships.csv", DATA / "memberships.yaml")
    source.upsert_nodes(
        "Organization", [{"id": "o-x", "name": 'A <b>&"c"</b>', "aliases": ["x|y", "z"]}]
    )
    g = source.projection()
    path = tmp_path / "graph.gexf"
    text = to_gexf(g)
    # Gephi's timeline: partial dates as their first and last days
    assert 'kind="MEMBER_OF" start="1949-01-01">' in text  # Italy, joined 1949
    assert 'start="1949-04-04" end="1966-07-01"' in text  # France's first period
    path.write_text(text, encoding="utf-8")
    target = SQLiteStore(tmp_path / "b.db")
    report = load_path(target, path)
    assert report.written and not report.rejections and not report.merges
    assert source.counts() == target.counts()
    assert snapshot(source) == snapshot(target)
    focal = next(n for n, d in g.nodes(data=True) if d.get("focal"))
    for as_of in (None, date(2023, 1, 1)):
        before = build_report(g, focal, as_of).model_dump(exclude={"timings_ms"})
        after = build_report(target.projection(), focal, as_of).model_dump(exclude={"timings_ms"})
        assert before == after
    again = load_path(target, path)
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    source.close()
    target.close()


def test_gexf_export_and_import_through_the_command_line(tmp_path: Path) -> None:
    def cli(db: str, *args: str) -> str:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCEGRAPH_", "NEO4J_"))
        }
        env.update({"PYTHONPATH": str(ROOT), "ALLIANCEGRAPH_DB_PATH": str(tmp_path / db)})
        done = subprocess.run(
            [sys.executable, "-m", "api.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    cli("a.db", "load", str(DATA / "memberships.csv"), "--mapping", str(DATA / "memberships.yaml"))
    cli("a.db", "load", str(DATA / "airlines.txt"), "--mapping", str(DATA / "airlines.yaml"))
    cli("a.db", "export", "--format", "gexf", "--out", str(tmp_path / "out.gexf"))
    cli("b.db", "load", str(tmp_path / "out.gexf"))
    stats = [json.loads(cli(db, "stats", "--json")) for db in ("a.db", "b.db")]
    assert stats[0]["labels"] == stats[1]["labels"] and stats[0]["types"] == stats[1]["types"]
    reports = [
        json.loads(cli(db, "report", "airline-AFR", "--json", "--as-of", "2010-01-01"))
        for db in ("a.db", "b.db")
    ]
    for report in reports:
        report.pop("timings_ms")
    assert reports[0] == reports[1]
    assert reports[0]["alliances"]  # the report has content to compare


def test_edge_list_with_quoted_names_and_weights(store: GraphStore) -> None:
    report = load_path(store, DATA / "codeshares.edges")
    assert report.written and not report.rejections, report.rejections
    g = store.projection()
    assert report.counts["Organization"].created == 6
    assert g.edges["Air France", "Delta Air Lines", "COLLABORATED_WITH"]["weight"] == 84
    assert g.nodes["Delta Air Lines"]["name"] == "Delta Air Lines"


def test_edge_list_options_and_bad_lines(tmp_path: Path, store: GraphStore) -> None:
    path = tmp_path / "ties.edgelist"
    path.write_text("src;dst;year\nAFR;KLM;2004\nAFR\nKLM;DAL;2009;x\nDAL;AFR;2000\n", "utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "reader: {delimiter: ';', skip_rows: 1, columns: [src, dst, year], header: false}\n"
        "graph: {id_prefix: 'icao-', resolve: by_code}\n",
        encoding="utf-8",
    )
    report = load_path(store, path, mapping)
    assert not report.written
    assert {p.row for p in report.rejections} == {3, 4}
    assert "1 cells: expected source, target and up to 1 more (year)" in report.rejections[0].reason
    path.write_text("src;dst;year\nAFR;KLM;2004\nDAL;AFR;2000\n", "utf-8")
    report = load_path(store, path, mapping)
    assert report.written
    assert store.projection().edges["icao-AFR", "icao-KLM", "COLLABORATED_WITH"]["year"] == 2004
