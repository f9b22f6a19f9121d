"""The embedded store's own schema: a file of the first (text-keyed) schema is migrated
when opened, keeping every node, relationship and the version."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SCHEMA_VERSION, SQLiteStore
from graph.store import StoreUnavailable

FIRST_SCHEMA = """
CREATE TABLE nodes (id TEXT PRIMARY KEY, label TEXT NOT NULL, props TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX nodes_label ON nodes(label);
CREATE TABLE rels (
    type TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, key TEXT NOT NULL,
    props TEXT NOT NULL, PRIMARY KEY (source, type, target, key)
) WITHOUT ROWID;
CREATE INDEX rels_target ON rels(target);
CREATE INDEX rels_type ON rels(type);
CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
INSERT INTO meta VALUES ('version', 7);
INSERT INTO nodes VALUES ('o1', 'Organization', '{"name":"Acme"}');
INSERT INTO nodes VALUES ('a1', 'Alliance', '{"form":"coalition","name":"CWC"}');
INSERT INTO rels VALUES ('MEMBER_OF', 'o1', 'a1', '', '{"role":"lead"}');
INSERT INTO rels VALUES ('FUNDS', 'o1', 'a1', '2024', '{"amount":5}');
"""


def test_a_file_of_the_first_schema_is_migrated_with_everything_in_it(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript(FIRST_SCHEMA)
    conn.close()
    store = SQLiteStore(db)
    assert store.version() == 7
    g = store.projection()
    assert dict(g.nodes(data=True)) == {
        "o1": {"label": "Organization", "name": "Acme"},
        "a1": {"label": "Alliance", "name": "CWC", "form": "coalition"},
    }
    assert g.edges["o1", "a1", "MEMBER_OF"]["role"] == "lead"
    assert g.edges["o1", "a1", "FUNDS#2024"]["amount"] == 5
    assert store.changes_since(7) is not None and store.changes_since(6) is None
    created = store.upsert_nodes("Organization", [{"id": "o2", "name": "Beta"}])
    assert created.created == 1 and store.counts().nodes == 3
    store.close()
    conn = sqlite3.connect(db)
    (user_version,) = conn.execute("PRAGMA user_version").fetchone()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert user_version == SCHEMA_VERSION
    assert not {t for t in tables if t.startswith("v1_")}


def test_a_file_of_a_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreUnavailable, match="newer than"):
        SQLiteStore(db)


def test_node_keys_cached_by_one_connection_follow_writes_of_another(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    first, second = SQLiteStore(db), SQLiteStore(db)
    first.upsert_nodes("Person", [{"id": "p1", "name": "A"}, {"id": "p2", "name": "B"}])
    first.upsert_relationships("KNOWS", [{"source": "p1", "target": "p2"}])  # keys cached
    assert second.delete_node("p2") is True
    second.upsert_nodes("Person", [{"id": "p2", "name": "B again"}])  # a new integer key
    first.upsert_relationships("KNOWS", [{"source": "p1", "target": "p2", "strength": 0.5}])
    hood = second.get_node("p2")
    assert hood is not None and [r.source for r in hood.relationships] == ["p1"]
    assert first.projection().edges["p1", "p2", "KNOWS"]["strength"] == 0.5
    first.close()
    second.close()


@pytest.mark.parametrize("in_session", [False, True], ids=["upsert", "import-session"])
def test_a_batch_whose_later_part_holds_stored_rows_counts_and_keeps_every_row(
    tmp_path: Path, in_session: bool
) -> None:
    """Rows go in until one is stored already (in an import session by parts, one bulk
    statement each: a part meeting a stored row inserts none of itself); that row (or
    part) and the rest take the lookup way, counted right."""
    from graph.sqlite_store import _BULK_ROWS

    store = SQLiteStore(tmp_path / "s.db")
    n = 2 * _BULK_ROWS + 100
    stored = _BULK_ROWS + 7  # in the second part
    store.upsert_nodes("Person", [{"id": f"p-{stored}", "name": "Kept", "email": "k@x.example"}])
    rels = [{"source": f"p-{i}", "target": f"p-{i + 1}"} for i in range(n - 1)]
    session = store.import_session() if in_session else None
    w: Any = session or store
    rows = [{"id": f"p-{i}", "name": f"P {i}" if i != stored else "Kept"} for i in range(n)]
    result = w.upsert_nodes("Person", rows)
    assert (result.created, result.updated, result.unchanged) == (n - 1, 0, 1)
    w.upsert_relationships("KNOWS", rels[:10] + rels[_BULK_ROWS + 3 : _BULK_ROWS + 4])
    again = w.upsert_relationships("KNOWS", rels)
    assert (again.created, again.unchanged) == (n - 1 - 11, 11)
    if session is not None:
        session.commit()
    g = store.projection()
    assert g.number_of_nodes() == n and g.number_of_edges() == n - 1
    assert g.nodes[f"p-{stored}"]["email"] == "k@x.example"
    nks = store._conn.execute("SELECT count(DISTINCT nk), min(nk), max(nk) FROM nodes").fetchone()
    assert nks == (n, 1, n)  # integer keys stay dense and distinct
    store.close()


@pytest.mark.parametrize("in_session", [False, True], ids=["upsert", "import-session"])
def test_provenance_of_a_batch_from_several_files_and_known_nodes_is_kept_per_row(
    tmp_path: Path, in_session: bool
) -> None:
    """Provenance is kept per row whether a batch comes from one file (new nodes in order:
    the short form) or several, with known nodes among them (the full form)."""
    from graph.records import SourceRef

    store = SQLiteStore(tmp_path / "s.db")
    session = store.import_session() if in_session else None
    w: Any = session or store
    first = SourceRef("i1", "a.csv", None, 2)
    w.upsert_nodes("Topic", [{"id": "t-1", "name": "Water"}], [first])
    rows = [
        {"id": "t-2", "name": "Air"},
        {"id": "t-1", "name": "Water"},
        {"id": "t-3", "name": "Soil"},
    ]
    refs = [
        SourceRef("i2", "b.csv", None, 5),
        SourceRef("i2", "b.csv", None, 6),
        SourceRef("i2", "c.csv", "S", None),
    ]
    w.upsert_nodes("Topic", rows, refs)
    w.upsert_nodes("Goal", [{"id": "g-1", "name": "Clean water"}])
    needs = [{"source": "g-1", "target": "t-1"}, {"source": "g-1", "target": "t-2"}]
    w.upsert_relationships("NEEDS", needs, refs[:1] + refs[2:])
    w.upsert_relationships("NEEDS", needs[:1], refs[1:2])
    if session is not None:
        session.commit()
    assert store.sources_of("t-1") == [first, refs[1]]
    assert store.sources_of("t-3") == [refs[2]]
    assert store.sources_of(rel=("NEEDS", "g-1", "t-2", "")) == [refs[2]]
    assert store.sources_of(rel=("NEEDS", "g-1", "t-1", "")) == refs[:2]
    store.close()


@pytest.mark.parametrize("in_session", [False, True], ids=["upsert", "import-session"])
def test_ids_keys_and_file_names_holding_nul_come_back_whole(
    tmp_path: Path, in_session: bool
) -> None:
    """Text holding U+0000 in an id, a relationship key or a source's file name is kept
    whole (an import session's bulk parts cut it there: such rows take the row-by-row
    insert)."""
    from graph.records import SourceRef

    store = SQLiteStore(tmp_path / "s.db")
    session = store.import_session() if in_session else None
    w: Any = session or store
    ref = SourceRef("i\x00d", "a\x00b.csv", "S\x00", 3)
    people = [{"id": "p-\x00a", "name": "N\x00ul"}, {"id": "p-b", "name": "B"}]
    w.upsert_nodes("Person", people, [ref, ref])
    rels = [{"source": "p-\x00a", "target": "p-b", "key": "k\x00z"}]
    w.upsert_relationships("KNOWS", rels, [ref])
    if session is not None:
        session.commit()
    g = store.projection()
    assert g.nodes["p-\x00a"]["name"] == "N\x00ul"
    assert g.has_edge("p-\x00a", "p-b", "KNOWS#k\x00z")
    assert store.sources_of("p-\x00a") == [ref]
    store.close()


@pytest.mark.parametrize("in_session", [False, True], ids=["upsert", "import-session"])
def test_relationship_ends_are_found_by_a_connection_that_never_saw_them(
    tmp_path: Path, in_session: bool
) -> None:
    """Ends no key cache holds are looked up in the file (in one step per part, as JSON;
    an id holding U+0000 the row-by-row way): every tie lands on its own nodes, whatever
    the id holds (quotes, backslashes, non-ASCII text, U+0000)."""
    ids = ['p-"q"', "p-\\b", "p-zoë", "p-\x00n", *(f"p-{i}" for i in range(6_000))]
    first = SQLiteStore(tmp_path / "s.db")
    first.upsert_nodes("Person", [{"id": i, "name": i.upper()} for i in ids])
    first.close()
    store = SQLiteStore(tmp_path / "s.db")  # a new connection: an empty key cache
    session = store.import_session() if in_session else None
    w: Any = session or store
    ties = [{"source": a, "target": b} for a, b in zip(ids, ids[1:] + ids[:1], strict=True)]
    w.upsert_relationships("KNOWS", ties)
    if session is not None:
        session.commit()
    g = store.projection()
    assert g.number_of_edges() == len(ids)
    assert all(g.has_edge(t["source"], t["target"], "KNOWS") for t in ties)
    with pytest.raises(Exception, match="p-missing"):
        w2: Any = store.import_session() if in_session else store
        w2.upsert_relationships("KNOWS", [{"source": "p-1", "target": "p-missing"}])
    store.close()
