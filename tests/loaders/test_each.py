"""``each:``: one record per item of a cell, for files that list an alliance's members (or a
person's boards) in one cell, as published alliance lists do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore
from loaders.mapping import MappingError, parse_mapping
from loaders.pipeline import load_path

ALLIANCES = (
    "Alliance,Founded,Members\n"
    'Star Alliance,1997,"Lufthansa; United Airlines; Air Canada"\n'
    'oneworld,1999,"British Airways; American Airlines/ Iberia;"\n'
    "Vanilla Alliance,2015,\n"
    'Value Alliance,2016,"Scoot; Air Canada"\n'
)
MEMBERS = {"column": "Members", "split": [";", "/"]}
MAPPING: dict[str, Any] = {
    "nodes": [
        {
            "label": "Alliance",
            "id": {"template": "all-{Alliance}", "slug": True},
            "name": "Alliance",
        },
        {
            "label": "Organization",
            "each": MEMBERS,
            "id": {"template": "org-{Members}", "slug": True},
            "name": "Members",
        },
    ],
    "relationships": [
        {
            "type": "MEMBER_OF",
            "each": MEMBERS,
            "source": {"template": "org-{Members}", "slug": True},
            "target": {"template": "all-{Alliance}", "slug": True},
            "properties": {"joined": "Founded"},
        }
    ],
}


def _load(tmp_path: Path, store: GraphStore, text: str = ALLIANCES) -> Any:
    path = tmp_path / "alliances.csv"
    path.write_text(text, encoding="utf-8")
    return load_path(store, path, parse_mapping(MAPPING))


def test_a_cell_listing_members_makes_one_node_and_tie_per_member(
    tmp_path: Path, store: GraphStore
) -> None:
    report = _load(tmp_path, store)
    assert not report.rejections, report.table()
    g = store.projection()
    ties = {(u, v) for u, v, d in g.edges(data=True) if d.get("type") == "MEMBER_OF"}
    assert ties == {
        ("org-lufthansa", "all-star-alliance"),
        ("org-united-airlines", "all-star-alliance"),
        ("org-air-canada", "all-star-alliance"),
        ("org-british-airways", "all-oneworld"),
        ("org-american-airlines", "all-oneworld"),
        ("org-iberia", "all-oneworld"),
        ("org-scoot", "all-value-alliance"),
        ("org-air-canada", "all-value-alliance"),
    }
    # a member of two alliances is one organization; an empty cell makes no member
    assert g.nodes["org-air-canada"]["name"] == "Air Canada"
    assert "all-vanilla-alliance" in g and not list(g.in_edges("all-vanilla-alliance"))
    assert report.counts["Organization"].created == 7
    # each tie names the line of the file it came from
    (ref,) = store.sources_of(rel=("MEMBER_OF", "org-iberia", "all-oneworld", ""))
    assert (ref.file, ref.row) == ("alliances.csv", 3)


def test_a_bad_item_is_rejected_with_its_line_and_nothing_is_written(
    tmp_path: Path, store: GraphStore
) -> None:
    text = ALLIANCES + 'Broken Alliance,someday,"Qantas; Jetstar"\n'
    report = _load(tmp_path, store, text)
    assert {(p.row, p.column) for p in report.rejections} == {(6, "Founded")}
    assert len(report.rejections) == 2  # one per member the line makes a tie for
    assert store.counts().labels.get("Organization", 0) == 0


@pytest.mark.parametrize(
    ("each", "message"),
    [
        ({"column": "Members"}, "expected {column: Members, split"),
        ({"column": "Members", "split": ""}, "expected {column: Members, split"),
        ({"column": "Members", "split": [";", 3]}, "expected {column: Members, split"),
        ("Members", "expected {column: Members, split"),
    ],
)
def test_a_malformed_each_is_refused_before_reading(each: Any, message: str) -> None:
    doc = {"nodes": [{**MAPPING["nodes"][1], "each": each}]}
    with pytest.raises(MappingError, match=r"nodes\[0\]\.each: " + message):
        parse_mapping(doc)


def test_a_misspelt_entry_key_is_refused_instead_of_dropping_what_it_holds() -> None:
    entry = {"label": "Organization", "id": "Code", "name": "Name", "propertes": {"x": "X"}}
    with pytest.raises(MappingError, match=r"nodes\[0\]: unknown key\(s\) propertes; expected"):
        parse_mapping({"nodes": [entry]})
    keyed = {"label": "Organization", "id": "Code", "name": "Name", "key": "Year"}
    with pytest.raises(MappingError, match=r"nodes\[0\]: unknown key\(s\) key;"):
        parse_mapping({"nodes": [keyed]})  # a key tells relationships of one pair apart


def test_the_column_each_reads_must_be_in_the_file(tmp_path: Path, store: GraphStore) -> None:
    from loaders.rows import LoadError

    path = tmp_path / "alliances.csv"
    path.write_text("Alliance,Founded\nStar Alliance,1997\n", encoding="utf-8")
    with pytest.raises(LoadError, match="needs column\\(s\\) 'Members'"):
        load_path(store, path, parse_mapping(MAPPING))


DEALS = (
    "Deal,Participants,Nations\n"
    'D1,"Merck & Co; Moderna; BioNTech","US; ; DE"\n'
    'D2,"Siemens; Alstom","DE; FR; IT"\n'
)
DEAL_MAPPING: dict[str, Any] = {
    "nodes": [
        {"label": "Alliance", "id": {"template": "deal-{Deal}"}, "name": "Deal"},
        {
            "label": "Organization",
            "each": {"column": ["Participants", "Nations"], "split": ";"},
            "id": {"template": "org-{Participants}", "slug": True},
            "name": "Participants",
            "properties": {"country": "Nations"},
        },
    ],
}


def test_parallel_lists_pair_item_by_item_and_a_mismatch_is_rejected(
    tmp_path: Path, store: GraphStore
) -> None:
    """Deal databases list participants and their nations in two cells, in the same order."""
    path = tmp_path / "deals.csv"
    path.write_text(DEALS, encoding="utf-8")
    report = load_path(store, path, parse_mapping(DEAL_MAPPING), dry_run=True)
    (problem,) = report.rejections
    assert (problem.row, problem.column) == (3, "Nations")
    assert "'Nations' lists 3 item(s) and 'Participants' 2" in problem.reason
    path.write_text(DEALS.split("D2")[0], encoding="utf-8")
    report = load_path(store, path, parse_mapping(DEAL_MAPPING))
    assert not report.rejections, report.table()
    g = store.projection()
    assert g.nodes["org-merck-co"]["country"] == "US"
    assert "country" not in g.nodes["org-moderna"]  # its place in Nations is blank
    assert g.nodes["org-biontech"]["country"] == "DE"
