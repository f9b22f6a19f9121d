"""A clean chunk of a table is decided a column at a time (:meth:`Resolver._clean_chunk`)
with exactly the outcome the line-by-line loop gives: the same report, store, provenance
and review queue, whether the chunk is clean or one of its lines makes it fall back (an id
met twice, a person matching another by email or by name at her employer, a relationship
to a node made later in the file, an end remapped onto a known person, an optional entry
absent from some lines). Each file is loaded three ways: row by row, by chunks with the
clean path, and by chunks without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from loaders import columnar
from loaders.pipeline import load_path
from loaders.resolution import Resolver
from tests.loaders.test_chunked_path import CONTACTS, HEADER, _outcome, _store

TEAM_MAPPING = """
nodes:
  - label: Alliance
    optional: true
    id: {template: "a-{Board}", slug: true}
    name: {column: Board}
  - label: Person
    id: {template: "p-{Id}"}
    name: {column: Name}
    properties:
      email: {column: Email}
  - label: Person
    optional: true
    id: {template: "p-{Mentor}"}
    name: {column: Mentor Name}
relationships:
  - type: STAFFS
    optional: true
    source: {template: "p-{Id}"}
    target: {template: "a-{Board}", slug: true}
    properties:
      role: {column: Role}
  - type: KNOWS
    optional: true
    source: {template: "p-{Id}"}
    target: {template: "p-{Mentor}"}
"""
TEAM_HEADER = "Id,Name,Email,Board,Role,Mentor,Mentor Name\n"
#: the same without the mentor's own entry: a tie to someone of another line
TIES_MAPPING = TEAM_MAPPING.replace(
    """  - label: Person
    optional: true
    id: {template: "p-{Mentor}"}
    name: {column: Mentor Name}
""",
    "",
)


def _three_ways(
    tmp_path: Path, data: Path, mapping: Path, seeded: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[Any, ...]], int]:
    """The outcome row by row, by chunks with the clean path, by chunks without it; and
    how many chunks the clean path decided."""
    taken = 0
    clean = Resolver._clean_chunk

    def counted(self: Resolver, *args: Any) -> bool:
        nonlocal taken
        done = clean(self, *args)
        taken += done
        return done

    out = []
    for name, columnar_path, clean_path in (
        ("rows", False, True),
        ("clean", True, True),
        ("loop", True, False),
    ):
        monkeypatch.setattr(
            Resolver, "_clean_chunk", counted if clean_path else lambda self, *a: False
        )
        where = tmp_path / f"{name}.db"
        store = _store(where) if seeded else SQLiteStore(where)
        report = load_path(store, data, mapping, columnar=columnar_path)
        out.append(_outcome(store, report))
        store.close()
    return out, taken


def _contacts(tmp_path: Path, lines: list[str]) -> Path:
    data = tmp_path / "contacts.csv"
    data.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return data


def _clean_lines(ids: range, companies: int = 3) -> list[str]:
    return [
        f"{i},Person {i},p{i}@example.org,Company {i % companies} Ltd,Analyst,2020-01-01"
        for i in ids
    ]


def test_a_clean_file_is_decided_by_columns_with_the_loops_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 8)
    data = _contacts(tmp_path, _clean_lines(range(100)))
    (rows, clean, loop), taken = _three_ways(tmp_path, data, CONTACTS, False, monkeypatch)
    assert clean == loop == rows
    assert clean[0]["counts"]["Person"]["created"] == 100
    assert clean[0]["counts"]["WORKS_AT"]["created"] == 100
    # the first chunk meets the companies (decided by name): every later one is clean
    assert taken == 12


@pytest.mark.parametrize(
    ("trouble", "why"),
    [
        (["5,Person 5,p5@example.org,Company 2 Ltd,Analyst,2020-01-01"], "an id met twice"),
        (["77,Other,P7@Example.org,Company 0 Ltd,Lead,2021-01-01"], "an email met before"),
        (["78,Person 9,,Company 0 Ltd,Lead,2021-01-01"], "a name met at her employer"),
        (["79,Person 79,p79@example.org,,,"], "no company on a line"),
        (["p-ana,Someone,,Company 1 Ltd,Analyst,2020-01-01"], "an id the store holds"),
        (["80,Ana Ruiz,ana@acme.example,Company 1 Ltd,Analyst,2020-01-01"], "a stored person"),
        (["81,Person 81,p81@example.org,Acme Corp,Analyst,2020-01-01"], "a stored company"),
        (["82,Person 82,p82@example.org,Company 1 Ltd,Analyst,2020-13-01"], "a bad date"),
    ],
)
def test_a_chunk_with_trouble_gives_the_loops_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trouble: list[str], why: str
) -> None:
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 6)
    lines = _clean_lines(range(40))
    lines[21:21] = trouble  # inside the fourth chunk, after clean ones
    data = _contacts(tmp_path, lines + _clean_lines(range(40, 60)))
    (rows, clean, loop), taken = _three_ways(tmp_path, data, CONTACTS, True, monkeypatch)
    assert clean == loop == rows, why
    assert taken >= 2, why  # the clean chunks before it (the first meets the companies)


def test_a_merged_person_named_by_a_later_relationship_gives_the_loops_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Person 200 merges into a stored person by email (her id is remapped); a later
    chunk's mentor tie to her must go the row way, to the stored person."""
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 4)
    mapping = tmp_path / "team.yaml"
    mapping.write_text(TEAM_MAPPING, encoding="utf-8")
    lines = [f"{i},Member {i},m{i}@example.org,Board A,researcher,," for i in range(1, 9)]
    lines.append("200,Ana R.,ana@acme.example,Board A,alliance_manager,,")
    lines += [f"{i},Member {i},m{i}@example.org,Board B,researcher,200," for i in range(9, 17)]
    data = tmp_path / "team.csv"
    data.write_text(TEAM_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    (rows, clean, loop), taken = _three_ways(tmp_path, data, mapping, True, monkeypatch)
    assert clean == loop == rows
    assert clean[0]["merges"]
    assert taken >= 1


@pytest.mark.parametrize("mentor", ["earlier", "same line", "later", "none"])
def test_relationships_between_a_lines_entries_give_the_loops_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mentor: str
) -> None:
    """Two people and a board per line: a tie to a node made on an earlier line, by a
    later entry of the same line, or on a later line (which waits in the loop)."""
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 5)
    mapping = tmp_path / "team.yaml"
    mapping.write_text(TEAM_MAPPING if mentor == "same line" else TIES_MAPPING, encoding="utf-8")
    lines = []
    for i in range(1, 31):
        if mentor == "earlier" and i > 1:
            tie = f"{i - 1},"
        elif mentor == "same line":
            tie = f"{1000 + i},Mentor {i}"
        elif mentor == "later" and i < 30:
            tie = f"{i + 1},"
        else:
            tie = ","
        board = f"Board {i % 4}" if i % 3 else ""
        lines.append(f"{i},Member {i},m{i}@example.org,{board},researcher,{tie}")
    data = tmp_path / "team.csv"
    data.write_text(TEAM_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    (rows, clean, loop), taken = _three_ways(tmp_path, data, mapping, False, monkeypatch)
    assert clean == loop == rows
    assert clean[0]["written"]
    if mentor != "later":  # ties to later lines wait: those chunks take the loop
        assert taken >= 1
