"""Renamed entities: the same id under another name, in a later row or a later file, is
reconciled by the mapping's policy (never a rejected file by default), the other name kept
as an alias, and every change listed in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.store import GraphStore
from loaders.mapping import MappingError, parse_mapping
from loaders.pipeline import load_path


def _files(tmp_path: Path, rows: str, renames: str | None = None) -> tuple[Path, Path]:
    data = tmp_path / "registry.csv"
    data.write_text("LEI,Name,AsOf\n" + rows, encoding="utf-8")
    mapping = tmp_path / "registry.yaml"
    extra = f"    renames: {renames}\n" if renames else ""
    mapping.write_text(
        "nodes:\n  - label: Organization\n    id: {template: 'lei-{LEI}'}\n    name: Name\n"
        "    properties:\n      registered: {column: AsOf, type: date}\n" + extra,
        encoding="utf-8",
    )
    return data, mapping


def _node(store: GraphStore, node_id: str) -> dict[str, object]:
    hood = store.get_node(node_id)
    assert hood is not None
    return hood.node.props


def test_a_later_row_renames_by_default_and_keeps_the_old_name_as_alias(
    tmp_path: Path, store: GraphStore
) -> None:
    data, mapping = _files(tmp_path, "L1,Acme,\nL2,Zenith,\nL1,Acme Group,\n")
    report = load_path(store, data, mapping)
    assert report.written and report.balanced and not report.rejections
    props = _node(store, "lei-L1")
    assert props["name"] == "Acme Group" and props["aliases"] == ["Acme"]
    (rename,) = report.renames
    assert (rename.id, rename.old_name, rename.new_name, rename.kept) == (
        "lei-L1",
        "Acme",
        "Acme Group",
        "Acme Group",
    )
    assert rename.row == 4


def test_keep_first_keeps_the_first_name(tmp_path: Path, store: GraphStore) -> None:
    data, mapping = _files(tmp_path, "L1,Acme,\nL1,Acme Group,\n", "keep_first")
    report = load_path(store, data, mapping)
    props = _node(store, "lei-L1")
    assert props["name"] == "Acme" and props["aliases"] == ["Acme Group"]
    assert report.renames[0].kept == "Acme"


def test_error_policy_rejects_the_renaming_row(tmp_path: Path, store: GraphStore) -> None:
    data, mapping = _files(tmp_path, "L1,Acme,\nL1,Acme Group,\n", "error")
    report = load_path(store, data, mapping)
    assert not report.written
    (problem,) = report.rejections
    assert problem.row == 3 and "renames: error" in problem.reason


def test_latest_dated_name_wins_whatever_the_row_order(tmp_path: Path, store: GraphStore) -> None:
    rows = "L1,Acme Holdings,2019-05-01\nL1,Acme,2001-01-01\n"
    data, mapping = _files(tmp_path, rows, "{policy: latest, dated_by: registered}")
    load_path(store, data, mapping)
    props = _node(store, "lei-L1")
    assert props["name"] == "Acme Holdings" and props["aliases"] == ["Acme"]


def test_a_later_file_renames_a_stored_entity(tmp_path: Path, store: GraphStore) -> None:
    data, mapping = _files(tmp_path, "L1,Acme,\n")
    load_path(store, data, mapping)
    later = tmp_path / "later.csv"
    later.write_text("LEI,Name,AsOf\nL1,Acme Holdings plc,\n", encoding="utf-8")
    report = load_path(store, later, mapping)
    assert report.balanced and report.counts["Organization"].updated == 1
    props = _node(store, "lei-L1")
    assert props["name"] == "Acme Holdings plc" and props["aliases"] == ["Acme"]
    assert [(r.old_name, r.kept) for r in report.renames] == [("Acme", "Acme Holdings plc")]


def test_keep_first_across_files_leaves_the_stored_name(tmp_path: Path, store: GraphStore) -> None:
    data, mapping = _files(tmp_path, "L1,Acme,\n", "keep_first")
    load_path(store, data, mapping)
    later = tmp_path / "later.csv"
    later.write_text("LEI,Name,AsOf\nL1,ACME Corp,\n", encoding="utf-8")
    report = load_path(store, later, mapping)
    props = _node(store, "lei-L1")
    assert props["name"] == "Acme" and props["aliases"] == ["ACME Corp"]
    assert report.renames[0].kept == "Acme"


def test_an_unknown_rename_policy_names_the_entry() -> None:
    doc = {"nodes": [{"label": "Organization", "id": "ID", "name": "N", "renames": "newest"}]}
    with pytest.raises(MappingError, match=r"nodes\[0\]\.renames: expected one of latest"):
        parse_mapping(doc, "m.yaml")


def test_a_legal_form_written_out_is_no_rename(tmp_path: Path, store: GraphStore) -> None:
    """"Microsoft Corp" and "Microsoft Corporation" are one name; "Bayer" and "Bayer AG"
    (a legal form added) and another legal form stay renames."""
    rows = "L1,Microsoft Corp,\nL1,Microsoft Corporation,\nL2,Bayer,\nL2,Bayer AG,\n"
    data, mapping = _files(tmp_path, rows)
    report = load_path(store, data, mapping)
    assert report.written and report.balanced and not report.rejections
    assert [r.id for r in report.renames] == ["lei-L2"]
    assert _node(store, "lei-L1")["name"] == "Microsoft Corp"


@pytest.mark.parametrize("order", ["oldest first", "newest first"])
def test_loading_a_dated_rename_again_changes_nothing(
    tmp_path: Path, store: GraphStore, order: str
) -> None:
    """Re-loading a file whose names are dated keeps the latest name with its own date: the
    earlier name's row (an alias by now) neither writes its older date over the stored one
    nor is listed as a rename again (a re-load flipped the date and listed renames)."""
    rows = ["L1,Apple Computer Inc,2005-12-31", "L1,Apple Inc,2007-12-31"]
    if order == "newest first":
        rows.reverse()
    data, mapping = _files(tmp_path, "\n".join(rows) + "\n", "{policy: latest, dated_by: registered}")
    first = load_path(store, data, mapping)
    assert len(first.renames) == 1
    for _ in range(2):
        again = load_path(store, data, mapping)
        assert again.counts["Organization"].updated == 0, again.table()
        assert not again.renames, again.table()
        props = _node(store, "lei-L1")
        assert props["name"] == "Apple Inc" and props["registered"] == "2007-12-31"
        assert props["aliases"] == ["Apple Computer Inc"]
