"""An import's write overlapping its pass 1 (``Writer.stream``): one transaction of the
embedded store, on a thread, that nobody sees before it commits and nothing keeps unless it
commits."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from graph.records import BatchValidationError, SourceRef
from graph.sqlite_store import SQLiteStore
from graph.writer import _NODE, _REL, STREAM_CHUNK, STREAM_SWITCH_S, WRITING_KEY, Writer
from loaders.pipeline import load_path

CONTACTS = Path(__file__).parents[2] / "loaders" / "mappings" / "contacts.yaml"


def _people(n: int, imp: str = "imp-s") -> list[tuple[Any, ...]]:
    return [
        (_NODE, "Person", f"p-{i}", {"name": f"P {i}"}, (imp, "p.csv", None, i + 2))
        for i in range(n)
    ]


def _streaming(store: SQLiteStore) -> tuple[Writer, threading.Event]:
    """A writer streaming in batches of 100, and an event set once a batch is written."""
    written = threading.Event()
    writer = Writer(
        store, import_id="imp-s", batch_size=100, progress=lambda what, n: written.set()
    )
    assert writer.stream()
    return writer, written


def test_a_streamed_write_is_invisible_until_it_commits(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    reader = SQLiteStore(tmp_path / "s.db")
    switch = sys.getswitchinterval()
    writer, written = _streaming(store)
    assert sys.getswitchinterval() == min(switch, STREAM_SWITCH_S)
    writer.add_nodes(_people(STREAM_CHUNK))
    assert written.wait(60)  # the thread has written a batch inside its transaction
    assert reader.counts().labels["Person"] == 0
    assert reader.get_meta(WRITING_KEY) is not None
    writer.add_nodes([(_NODE, "Organization", "org-a", {"name": "A"}, ("imp-s", "p.csv", None, 2))])
    writer.add_rels(
        [(_REL, "WORKS_AT", "p-0", "org-a", "", {"title": "CFO"}, ("imp-s", "p.csv", None, 2))]
    )
    results = writer.write()
    writer.close()
    assert results["Person"].created == STREAM_CHUNK and results["WORKS_AT"].created == 1
    assert reader.counts().labels["Person"] == STREAM_CHUNK
    assert reader.counts().types["WORKS_AT"] == 1
    assert reader.sources_of("p-7") == [SourceRef("imp-s", "p.csv", None, 9)]
    assert reader.get_meta(WRITING_KEY) is None
    assert sys.getswitchinterval() == switch
    reader.close()
    store.close()


def test_a_streamed_write_closed_unwritten_keeps_nothing_and_frees_the_store(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    version = store.version()
    writer, written = _streaming(store)
    writer.add_nodes(_people(STREAM_CHUNK))
    assert written.wait(60)
    writer.close()  # e.g. pass 1 found a bad row
    assert store.counts().labels["Person"] == 0
    assert store.version() == version and store.changes_since(version) is not None
    assert store.get_meta(WRITING_KEY) is None
    store.upsert_nodes("Topic", [{"id": "t-1", "name": "Water"}])  # the write lock is free
    assert store.counts().labels["Topic"] == 1
    store.close()


def test_an_in_memory_store_writes_the_spooled_way(tmp_path: Path) -> None:
    store = SQLiteStore(":memory:")
    assert store.import_session() is None
    writer = Writer(store, import_id="imp-s")
    assert not writer.stream()
    writer.add_nodes(_people(3))
    assert writer.write()["Person"].created == 3
    store.close()


def _contacts(path: Path, rows: int, bad_at: int | None) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write("Contact ID,Full Name,Email,Company,Job Title,Since\n")
        for i in range(rows):
            since = "2020-13-45" if i == bad_at else "2020-01-01"
            f.write(f"{i},Person {i},p{i}@x.example,Company {i % 50},Analyst,{since}\n")
    return path


def test_a_bad_last_row_writes_nothing_of_the_rows_streamed_before_it(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    rows = 3 * STREAM_CHUNK
    csv_path = _contacts(tmp_path / "c.csv", rows, bad_at=rows - 1)
    report = load_path(store, csv_path, CONTACTS, batch_size=1_000)
    assert not report.written and len(report.rejections) == 1
    problem = report.rejections[0]
    assert (problem.file, problem.row, problem.column) == ("c.csv", rows + 1, "Since")
    counts = store.counts()
    assert counts.labels["Person"] == 0 and counts.types["WORKS_AT"] == 0
    assert store.get_meta(WRITING_KEY) is None
    assert store.history()[0].detail["written"] is False
    again = load_path(store, csv_path, CONTACTS, batch_size=1_000, skip_invalid=True)
    assert again.written  # the bad row is skipped whole: her person as well as her job
    assert store.counts().labels["Person"] == rows - 1
    assert store.counts().types["WORKS_AT"] == rows - 1
    assert again.counts["Person"].rejected == 1
    store.close()


def test_a_bad_first_row_stops_the_stream_and_the_report_is_whole(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    rows = 3 * STREAM_CHUNK
    csv_path = _contacts(tmp_path / "c.csv", rows, bad_at=0)
    report = load_path(store, csv_path, CONTACTS, batch_size=1_000)
    assert not report.written and [p.row for p in report.rejections] == [2]
    assert report.counts["Person"].read == rows
    assert store.counts().labels["Person"] == 0
    assert store.get_meta(WRITING_KEY) is None
    store.close()


def test_a_record_queued_twice_is_folded_into_one_upsert_while_streaming(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    writer = Writer(store, import_id="imp-s", batch_size=5 * STREAM_CHUNK)
    assert writer.stream()
    ref = ("imp-s", "p.csv", None, 2)
    n = STREAM_CHUNK  # each hand-over below is one message to the writing thread
    writer.add_nodes(_people(n))
    again = [(_NODE, "Person", "p-3", {"email": "p3@x.example"}, ref)]  # in its batch already
    writer.add_nodes(
        again + [(_NODE, "Person", f"q-{i}", {"name": "Q"}, ref) for i in range(n - 1)]
    )
    twice = [
        (_NODE, "Topic", "t-1", {"name": "Water"}, ref),
        (_NODE, "Topic", "t-1", {"level": "high"}, ref),
    ]
    writer.add_nodes(
        twice + [(_NODE, "Topic", f"t-x{i}", {"name": "T"}, ref) for i in range(n - 2)]
    )
    results = writer.write()
    writer.close()
    assert results["Person"].created == 2 * n - 1 and results["Topic"].created == n - 1
    g = store.projection()
    assert g.nodes["p-3"]["name"] == "P 3" and g.nodes["p-3"]["email"] == "p3@x.example"
    assert g.nodes["t-1"]["name"] == "Water" and g.nodes["t-1"]["level"] == "high"
    store.close()


def test_a_failed_write_on_the_thread_is_raised_by_write_and_keeps_nothing(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    writer = Writer(store, import_id="imp-s", batch_size=100)
    assert writer.stream()
    writer.add_nodes(_people(STREAM_CHUNK))
    ref = ("imp-s", "p.csv", None, 2)
    writer.add_rels([(_REL, "WORKS_AT", "p-0", "org-nowhere", "", {}, ref)])  # no such end
    with pytest.raises(BatchValidationError, match="org-nowhere"):
        writer.write()
    writer.close()
    assert store.counts().labels["Person"] == 0
    assert store.get_meta(WRITING_KEY) is None
    store.upsert_nodes("Topic", [{"id": "t-1", "name": "Water"}])  # the write lock is free
    store.close()
