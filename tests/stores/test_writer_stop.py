"""A streamed import stopped by its ``stop`` callback drops every record queued after
the stop (graph/writer.py), whichever way it is queued, and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.records import NodeRecord, SourceRef
from graph.sqlite_store import SQLiteStore
from graph.vocabulary import NodeLabel
from graph.writer import _NODE, _REL, STREAM_CHUNK, Writer


def _people(n: int) -> list[tuple[Any, ...]]:
    return [
        (_NODE, "Person", f"p-{i}", {"name": f"P {i}"}, ("imp-s", "p.csv", None, i + 2))
        for i in range(n)
    ]


def test_records_queued_after_a_stream_is_stopped_are_dropped(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    writer = Writer(store, import_id="imp-s")
    assert writer.stream(stop=lambda: True)
    writer.add_nodes(_people(STREAM_CHUNK))  # its hand-over asks ``stop``: the stream is dropped
    queued = writer.queued
    writer.add_nodes(_people(3))
    writer.add_rels([(_REL, "WORKS_AT", "p-0", "org-a", "", {}, ("imp-s", "p.csv", None, 2))])
    writer.add(
        NodeRecord(NodeLabel.ORGANIZATION, "org-a", {"name": "A"}),
        SourceRef("imp-s", "o.csv", None, 2),
    )
    assert writer.queued == queued
    with pytest.raises(RuntimeError, match="stream was stopped: nothing can be written"):
        writer.write()
    writer.close()
    assert store.counts().nodes == 0
    store.close()
