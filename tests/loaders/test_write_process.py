"""An import's write in a process of its own (graph/write_process.py): the same store as the
write on a thread, one transaction that nobody sees before it commits, and nothing kept when
it fails, is aborted, is killed, or loses its parent."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.records import BatchValidationError, SourceRef
from graph.sqlite_store import SQLiteStore
from graph.write_process import ProcessStream, WriteProcessError
from graph.writer import _NODE, _REL, STREAM_CHUNK, WRITING_KEY, Writer
from loaders import pipeline
from loaders.pipeline import load_path
from tests.support.sqlite_locks import write_lock_held

ROOT = Path(__file__).resolve().parents[2]
CONTACTS = ROOT / "loaders" / "mappings" / "contacts.yaml"


def _people(n: int, imp: str = "imp-p") -> list[tuple[Any, ...]]:
    return [
        (_NODE, "Person", f"p-{i}", {"name": f"P {i}"}, (imp, "p.csv", None, i + 2))
        for i in range(n)
    ]


def _contacts(path: Path, rows: int) -> Path:
    """A contacts export with what resolution must see: a repeated line, a person met again
    with an email (folded into her first row), people merged by email, two at one firm."""
    with path.open("w", encoding="utf-8") as f:
        f.write("Contact ID,Full Name,Email,Company,Job Title,Since\n")
        for i in range(rows):
            f.write(f"{i},Person {i},p{i}@x.example,Company {i % 40},Analyst,2020-01-{i % 28 + 1:02d}\n")
        f.write("7,Person 7,p7@x.example,Company 7,Analyst,2020-01-08\n")  # the very same line
        f.write(f"{rows},Anna Other,p3@x.example,Company 11,Lead,2021-05\n")  # p3's email
        f.write(f"{rows + 1},Ben Two,,Company 9,,\n")
    return path


def _store_contents(db: Path) -> tuple[Any, ...]:
    store = SQLiteStore(db)
    g = store.projection()
    nodes = sorted((n, sorted(a.items())) for n, a in g.nodes(data=True))
    edges = sorted((u, v, k, sorted(a.items())) for u, v, k, a in g.edges(keys=True, data=True))
    sources = [(s.file, s.row) for s in store.sources_of("person-3")]
    store.close()
    return nodes, edges, sources


def _wait_for_the_write_lock(db: Path) -> None:
    """Block until nobody holds the file's write lock (SQLite's own busy wait)."""
    conn = sqlite3.connect(db, timeout=120, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ROLLBACK")
    conn.close()


def test_a_load_written_in_its_own_process_equals_the_load_written_on_a_thread(
    tmp_path: Path,
) -> None:
    csv_path = _contacts(tmp_path / "contacts.csv", 3 * STREAM_CHUNK)
    reports = []
    for mode in (False, True):
        db = tmp_path / f"{mode}.db"
        store = SQLiteStore(db)
        reports.append(
            load_path(store, csv_path, CONTACTS, batch_size=1_000, write_process=mode)
        )
        store.close()
    thread, process = reports
    assert process.written and not process.rejections
    assert process.table() == thread.table()
    assert [m.model_dump() for m in process.merges] == [m.model_dump() for m in thread.merges]
    assert _store_contents(tmp_path / "True.db") == _store_contents(tmp_path / "False.db")


def test_large_sources_are_written_in_a_process_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    real = SQLiteStore.import_process

    def spy(self: SQLiteStore, *args: Any, **kwargs: Any) -> ProcessStream | None:
        stream = real(self, *args, **kwargs)
        started.append(stream.proc.pid if stream else 0)
        return stream

    monkeypatch.setattr(SQLiteStore, "import_process", spy)
    csv_path = _contacts(tmp_path / "contacts.csv", 50)
    store = SQLiteStore(tmp_path / "s.db")
    load_path(store, csv_path, CONTACTS)  # small: on a thread
    assert started == []
    monkeypatch.setattr(pipeline, "WRITE_PROCESS_MIN_BYTES", csv_path.stat().st_size)
    report = load_path(store, csv_path, CONTACTS)  # as large as the bar: in a process
    assert len(started) == 1 and started[0] > 0
    assert report.written and store.counts().labels["Person"] == 51  # Anna merged into p3
    store.close()


def test_a_process_write_is_invisible_until_it_commits(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    reader = SQLiteStore(db)
    writer = Writer(store, import_id="imp-p", batch_size=100)
    assert writer.stream(process=True)
    writer.add_nodes(_people(STREAM_CHUNK))  # handed over once the child's transaction is open
    assert write_lock_held(db)
    assert reader.counts().labels["Person"] == 0
    assert reader.get_meta(WRITING_KEY) is not None
    ref = ("imp-p", "p.csv", None, 2)
    writer.add_nodes([(_NODE, "Organization", "org-a", {"name": "A"}, ref)])
    writer.add_rels([(_REL, "WORKS_AT", "p-0", "org-a", "", {"title": "CFO"}, ref)])
    results = writer.write()
    writer.close()
    assert results["Person"].created == STREAM_CHUNK and results["WORKS_AT"].created == 1
    assert reader.counts().labels["Person"] == STREAM_CHUNK
    assert reader.sources_of("p-7") == [SourceRef("imp-p", "p.csv", None, 9)]
    assert reader.get_meta(WRITING_KEY) is None
    assert not write_lock_held(db)
    reader.close()
    store.close()


def test_a_process_write_closed_unwritten_keeps_nothing_and_frees_the_store(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    version = store.version()
    writer = Writer(store, import_id="imp-p", batch_size=100)
    assert writer.stream(process=True)
    writer.add_nodes(_people(3 * STREAM_CHUNK))
    writer.close()  # e.g. pass 1 found a bad row
    assert store.counts().labels["Person"] == 0
    assert store.version() == version
    assert store.get_meta(WRITING_KEY) is None
    store.upsert_nodes("Topic", [{"id": "t-1", "name": "Water"}])  # the write lock is free
    assert store.counts().labels["Topic"] == 1
    store.close()


def test_a_failed_write_in_the_process_is_raised_by_write_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    writer = Writer(store, import_id="imp-p", batch_size=100)
    assert writer.stream(process=True)
    writer.add_nodes(_people(STREAM_CHUNK))
    ref = ("imp-p", "p.csv", None, 2)
    writer.add_rels([(_REL, "WORKS_AT", "p-0", "org-nowhere", "", {}, ref)])  # no such end
    with pytest.raises(BatchValidationError, match="org-nowhere") as caught:
        writer.write()
    assert caught.value.errors and caught.value.what == "WORKS_AT batch"  # whole, across the pipe
    writer.close()
    assert store.counts().labels["Person"] == 0
    assert store.get_meta(WRITING_KEY) is None
    store.upsert_nodes("Topic", [{"id": "t-1", "name": "Water"}])
    store.close()


def test_a_killed_writing_process_is_an_error_and_keeps_nothing(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    writer = Writer(store, import_id="imp-p", batch_size=100)
    assert writer.stream(process=True)
    writer.add_nodes(_people(STREAM_CHUNK))
    stream = writer._stream
    assert isinstance(stream, ProcessStream)
    stream.proc.kill()
    stream.proc.wait()
    writer.add_nodes(_people(STREAM_CHUNK))  # handed to nobody: noted, not raised here
    with pytest.raises(WriteProcessError, match="writing process"):
        writer.write()
    writer.close()
    assert store.counts().labels["Person"] == 0
    assert store.get_meta(WRITING_KEY) is None
    store.upsert_nodes("Topic", [{"id": "t-1", "name": "Water"}])
    store.close()


LOADER = """
import sys
from graph.sqlite_store import SQLiteStore
from loaders.pipeline import load_path
told = []
def progress(what, n):
    if not told:
        told.append(n)
        print("writing", flush=True)
store = SQLiteStore(sys.argv[1])
load_path(store, sys.argv[2], sys.argv[3], batch_size=1_000, write_process=True, progress=progress)
print("done", flush=True)
"""


def test_the_writing_process_rolls_back_when_its_parent_is_killed(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    SQLiteStore(db).close()
    csv_path = _contacts(tmp_path / "contacts.csv", 20 * STREAM_CHUNK)
    parent = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(db), str(csv_path), str(CONTACTS)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert parent.stdout is not None
    assert parent.stdout.readline().strip() == "writing"
    assert write_lock_held(db)  # the child's transaction is open
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _wait_for_the_write_lock(db)  # the orphaned child reads the end of its input, rolls back
    check = SQLiteStore(db)
    assert check.counts().labels["Person"] == 0
    check.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_an_in_memory_store_cannot_be_written_from_another_process() -> None:
    store = SQLiteStore(":memory:")
    assert store.import_process(100) is None
    writer = Writer(store, import_id="imp-p")
    assert not writer.stream(process=True)  # spooled, then written in this process
    writer.add_nodes(_people(3))
    assert writer.write()["Person"].created == 3
    assert isinstance(store.projection(), nx.MultiDiGraph)
    store.close()


def test_a_block_of_columns_gives_back_the_very_records_it_was_made_of() -> None:
    from graph.batching import block_items, column_block
    from graph.prop_columns import PropColumns

    origin = ("imp-p", "p.csv", "Sheet1")
    props = PropColumns(
        ["name", "email", "x"],
        [["A", "B", None, "D"], ["a@x.example", None, None, None], [None, None, None, None]],
        4,
    )
    block = column_block(_NODE, "Person", [["p-1", "p-2", "p-3", "p-4"]], props, origin, [2, 3, 5, 9])
    assert block_items(block) == [
        (_NODE, "Person", "p-1", {"email": "a@x.example", "name": "A"}, (*origin, 2)),
        (_NODE, "Person", "p-2", {"name": "B"}, (*origin, 3)),  # no email: none made up
        (_NODE, "Person", "p-3", {}, (*origin, 5)),
        (_NODE, "Person", "p-4", {"name": "D"}, (*origin, 9)),  # None: no such property
    ]
    title = PropColumns.from_dicts([{"title": "CFO"}])
    ties = column_block(_REL, "WORKS_AT", [["p-1"], ["org-a"], [""]], title, origin, [2])
    assert block_items(ties) == [
        (_REL, "WORKS_AT", "p-1", "org-a", "", {"title": "CFO"}, (*origin, 2))
    ]
    nothing = PropColumns.from_dicts([{}])
    assert block_items(column_block(_NODE, "Topic", [["t-1"]], nothing, origin, [4])) == [
        (_NODE, "Topic", "t-1", {}, (*origin, 4))
    ]


def test_a_block_keeps_strings_with_a_nul_empty_strings_and_other_values_as_they_were() -> None:
    from graph.batching import block_items, column_block
    from graph.prop_columns import PropColumns

    origin = ("imp-p", "p.csv", None)
    props = [{"n": 1, "name": "A\x00B"}, {"n": 2.5, "name": ""}, {"n": "3", "name": "C"}]
    ids = ["p-1", "", "p\x003"]
    block = column_block(_NODE, "Person", [ids], PropColumns.from_dicts(props), origin, [2, 3, 4])
    items = block_items(block)
    assert [it[2] for it in items] == ids
    assert [it[3] for it in items] == props
    one = column_block(_NODE, "Person", [[""]], PropColumns.from_dicts([{"name": ""}]), origin, [2])
    assert block_items(one) == [(_NODE, "Person", "", {"name": ""}, (*origin, 2))]


def test_a_bad_row_refuses_a_load_written_in_a_process_and_nothing_is_kept(
    tmp_path: Path,
) -> None:
    csv_path = _contacts(tmp_path / "contacts.csv", 3 * STREAM_CHUNK)
    with csv_path.open("a", encoding="utf-8") as f:
        f.write(f"{10**6},Late Bad,late@x.example,Company 1,Analyst,2020-13-45\n")
    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    report = load_path(store, csv_path, CONTACTS, batch_size=1_000, write_process=True)
    assert not report.written and [p.column for p in report.rejections] == ["Since"]
    assert store.counts().labels["Person"] == 0 and store.counts().types["WORKS_AT"] == 0
    assert store.get_meta(WRITING_KEY) is None and not write_lock_held(db)
    assert store.history()[0].detail["written"] is False
    again = load_path(
        store, csv_path, CONTACTS, batch_size=1_000, write_process=True, skip_invalid=True
    )
    assert again.written and again.counts["Person"].rejected == 1
    assert store.counts().labels["Person"] == 3 * STREAM_CHUNK + 1  # + Ben; Anna merged
    store.close()


def test_a_relative_store_path_from_another_folder_with_its_own_graph_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "graph").mkdir()  # a folder of the user's that shadows our package name
    (tmp_path / "graph" / "__init__.py").write_text("raise ImportError('not ours')\n")
    monkeypatch.chdir(tmp_path)
    store = SQLiteStore("rel.db")
    writer = Writer(store, import_id="imp-p", batch_size=100)
    assert writer.stream(process=True)
    writer.add_nodes(_people(5))
    assert writer.write()["Person"].created == 5
    writer.close()
    assert SQLiteStore(tmp_path / "rel.db").counts().labels["Person"] == 5
    store.close()


def test_an_import_session_may_take_a_page_cache_of_its_own(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    own = store._conn.execute("PRAGMA cache_size").fetchone()[0]
    session = store.import_session(threaded=False, cache_kb=2_048)
    assert session is not None
    assert session._store._conn.execute("PRAGMA cache_size").fetchone()[0] == -2_048 != own
    session.rollback()
    default = store.import_session()
    assert default is not None
    assert default._store._conn.execute("PRAGMA cache_size").fetchone()[0] == own
    default.rollback()
    store.close()


def test_a_committed_process_write_is_checkpointed_into_the_database_file(
    tmp_path: Path,
) -> None:
    import shutil

    from graph.write_process import wait_for_writers

    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    reader = SQLiteStore(db)  # holds the log open: no checkpoint by closing the last one
    writer = Writer(store, import_id="imp-p", batch_size=1_000)
    assert writer.stream(process=True)
    writer.add_nodes(_people(2 * STREAM_CHUNK))
    writer.write()  # returns once committed: the child may still be checkpointing
    writer.close()
    assert reader.counts().labels["Person"] == 2 * STREAM_CHUNK  # visible at once
    wait_for_writers()
    shutil.copy(db, tmp_path / "file-only.db")  # the database file, without its log
    conn = sqlite3.connect(tmp_path / "file-only.db")
    (people,) = conn.execute("SELECT count(*) FROM nodes WHERE label = 'Person'").fetchone()
    conn.close()
    assert people == 2 * STREAM_CHUNK
    reader.close()
    store.close()
