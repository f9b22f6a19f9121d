"""Large uploads are parsed in a child process (loaders/isolated.py): the same rows in the
same order, the same refusals, and no child left once the reader stops."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import anyio
import pytest

from api.work import run_bounded
from graph.sqlite_store import SQLiteStore
from loaders.documents import read_graphml, read_json, read_yaml
from loaders.export import to_graphml
from loaders.isolated import CHILD_NAME, CHILD_NICENESS, ISOLATE_ABOVE, rows_in_child
from loaders.pipeline import load_bytes
from loaders.rows import LoadError
from loaders.sources import bytes_source

HEAD = '{"format":"alliancegraph-portfolio","version":1,"nodes":{"Topic":['


def _document(rows: int) -> bytes:
    body = ",".join(json.dumps({"id": f"topic-{i:07d}", "name": f"Topic {i}"}) for i in range(rows))
    return (HEAD + body + '],"Organization":[{"id":"org-1","name":"Acme"}]}}').encode()


def _children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == CHILD_NAME]


def test_a_large_upload_is_parsed_in_a_child_into_the_same_rows() -> None:
    data = _document(30_000)
    assert len(data) > ISOLATE_ABOVE
    source = bytes_source(data, "big.json")
    assert source.isolated
    assert list(source.rows()) == list(read_json(data, "big.json"))
    assert not _children()


def test_a_small_upload_is_parsed_in_process() -> None:
    assert not bytes_source(_document(1_000), "small.json").isolated
    assert not bytes_source(b"id,name\n", "big.csv").isolated  # CSV streams already


def test_yaml_and_graphml_parse_the_same_in_a_child() -> None:
    yaml_doc = b"format: alliancegraph-portfolio\nversion: 1\nnodes:\n  Topic:\n" + b"".join(
        f"    - {{id: topic-{i}, name: Topic {i}}}\n".encode() for i in range(500)
    )
    from_yaml = list(rows_in_child("yaml", yaml_doc, "p.yaml"))
    assert len(from_yaml) == 500 and from_yaml == list(read_yaml(yaml_doc, "p.yaml"))
    import networkx as nx

    from graph.vocabulary import NodeLabel

    graph = nx.MultiDiGraph()
    for i in range(300):
        graph.add_node(f"topic-{i}", label=NodeLabel.TOPIC.value, name=f"Topic {i}")
    xml = to_graphml(graph).encode()
    from_graphml = list(rows_in_child("graphml", xml, "g.graphml"))
    assert len(from_graphml) == 300 and from_graphml == list(read_graphml(xml, "g.graphml"))


def test_a_refusal_in_the_child_is_the_same_load_error() -> None:
    data = (HEAD + '{"id":"t","name":' + "[" * 1000 + "]" * 1000 + "}]}}").encode()
    with pytest.raises(LoadError) as in_process:
        list(read_json(data, "deep.json"))
    with pytest.raises(LoadError) as in_child:
        list(rows_in_child("json", data, "deep.json"))
    assert str(in_child.value) == str(in_process.value)
    truncated = _document(100)[:-7]
    with pytest.raises(LoadError, match="truncated JSON"):
        list(rows_in_child("json", truncated, "cut.json"))


def test_the_child_is_killed_when_the_reader_stops_early() -> None:
    rows = rows_in_child("json", _document(50_000), "big.json")
    first = next(rows)
    assert first.data["id"] == "topic-0000000"
    (child,) = _children()  # still parsing and sending
    assert child.pid is not None
    # batch work: a lower CPU priority than the server's own threads
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(
        19, os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICENESS
    )
    rows.close()
    assert not _children()


def test_a_cancelled_import_leaves_no_parser_running(tmp_path: Path) -> None:
    """The API's 504 stops a dry run (api/work.py): the pipeline closes its rows on the
    way out, which kills the child at once instead of whenever the garbage is collected."""
    store = SQLiteStore(tmp_path / "c.db")
    data = _document(300_000)
    finished: list[object] = []

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                run_bounded,
                lambda: finished.append(load_bytes(store, data, "big.json", dry_run=True)),
            )
            while not _children():  # the import is reading from its child
                await anyio.sleep(0.005)
            tg.cancel_scope.cancel()

    # on a thread of its own, as a server's event loop is: the browser suite's sync
    # Playwright leaves its loop marked as running on the main thread for the session
    loop = threading.Thread(target=anyio.run, args=(main,))
    loop.start()
    loop.join()
    deadline = time.monotonic() + 60
    while _children() and time.monotonic() < deadline:
        time.sleep(0.01)  # the worker thread unwinds after the request has gone
    assert not _children(), "the parser still runs after its import was cancelled"
    assert not finished
    store.close()


def test_a_workbook_is_judged_by_what_it_unpacks_to() -> None:
    import io
    import zipfile

    from loaders.isolated import should_isolate

    def workbook(text: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/worksheets/sheet1.xml", text)
        return buf.getvalue()

    small, large = workbook(b"<a/>" * 1_000), workbook(b"<a/>" * (ISOLATE_ABOVE // 4 + 1))
    assert len(large) < ISOLATE_ABOVE  # packed small, unpacks large
    assert not should_isolate("xlsx", small)
    assert should_isolate("xlsx", large)
    assert not should_isolate("xlsx", b"not a zip")
    assert not should_isolate("csv", b"x" * (ISOLATE_ABOVE + 1))


def test_without_a_child_process_the_upload_is_parsed_in_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where no process can start (a sandbox, a process limit), the import still works."""
    import errno

    import loaders.isolated

    class NoChildren:
        def Pipe(self, duplex: bool) -> object:  # noqa: N802 (multiprocessing's name)
            return multiprocessing.Pipe(duplex)

        def Process(self, **_: object) -> object:  # noqa: N802
            class Refused:
                def start(self) -> None:
                    raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

            return Refused()

    monkeypatch.setattr(loaders.isolated, "_mp_context", NoChildren)
    data = _document(30_000)
    assert list(rows_in_child("json", data, "big.json")) == list(read_json(data, "big.json"))
