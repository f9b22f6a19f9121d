"""Faults: a process killed mid-upsert, a Bolt connection cut mid-load, errors not retried."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j.exceptions import ClientError, CypherSyntaxError

from graph.bolt_store import BoltStore
from graph.sqlite_store import SQLiteStore
from tests.support.arcadedb import BoltServer
from tests.support.sqlite_locks import write_lock_held

ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import sys
from graph.sqlite_store import SQLiteStore
store = SQLiteStore(sys.argv[1])
rows = [{"id": f"p{i}", "name": f"Person {i}", "email": f"p{i}@x.example"} for i in range(200_000)]
print("ready", flush=True)
store.upsert_nodes("Person", rows)
print("done", flush=True)
"""
PEOPLE_AFTER = 200_001


def _people_and_integrity(db: Path) -> tuple[int, str]:
    check = SQLiteStore(db)
    n = check.counts().labels["Person"]
    check.close()
    conn = sqlite3.connect(db)
    (ok,) = conn.execute("PRAGMA integrity_check").fetchone()
    conn.close()
    return n, ok


def test_killed_mid_upsert_leaves_the_file_before_or_after_never_between(tmp_path: Path) -> None:
    seed = tmp_path / "seed.db"
    store = SQLiteStore(seed)
    store.upsert_nodes("Person", [{"id": "p-first", "name": "First"}])
    store.close()
    killed_inside = 0
    for i, extra in enumerate((0.0, 0.2, 0.5)):
        db = tmp_path / f"kill{i}.db"
        shutil.copy(seed, db)
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        while not write_lock_held(db):  # the upsert's transaction has begun
            assert proc.poll() is None, "the writer ended before its transaction was seen"
        time.sleep(extra)  # a later point inside the transaction (not a wait for a state)
        inside = write_lock_held(db)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n, integrity = _people_and_integrity(db)
        assert integrity == "ok"
        assert n in (1, PEOPLE_AFTER), f"between: {n} people after a kill {extra}s in"
        if inside:
            killed_inside += 1
            assert n == 1, f"a kill inside the transaction left {n} people, not the 1 before it"
    # at least one kill landed inside the open transaction, and left the file as before it
    assert killed_inside >= 1
    db = tmp_path / "whole.db"
    shutil.copy(seed, db)
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert done.stdout.split() == ["ready", "done"]
    assert _people_and_integrity(db) == (PEOPLE_AFTER, "ok")


class CuttingProxy:
    """A loopback TCP proxy to a Bolt server that drops every connection it holds on ``cut()``,
    and by itself each time the clients have sent ``cut_every`` more bytes (``max_cuts`` times).

    Cutting on traffic rather than on a timer puts each cut inside the load however fast the
    server answers: the bytes that trigger it are a request just forwarded, whose reply the
    client then never gets.
    """

    def __init__(self, target_port: int, cut_every: int = 0, max_cuts: int = 0) -> None:
        self.target_port = target_port
        self.cut_every = cut_every
        self.max_cuts = max_cuts
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.cuts = 0
        #: Cuts that dropped a connection which had carried traffic since the cut before.
        self.live_cuts = 0
        self.traffic = 0
        #: Bytes the clients sent since the last cut made on traffic.
        self.sent = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b, outbound in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pipe, args=(a, b, outbound), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, outbound: bool) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                with self.lock:
                    self.traffic += len(data)
                    if outbound:
                        self.sent += len(data)
                    due = outbound and self.cuts < self.max_cuts and self.sent >= self.cut_every
                if due:
                    self.cut()
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            pairs, self.pairs = self.pairs, []
            self.cuts += 1
            if pairs and self.traffic:
                self.live_cuts += 1
            self.traffic = 0
            self.sent = 0
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()
        self.cut()


@pytest.fixture
def proxy(bolt_server: BoltServer) -> Iterator[CuttingProxy]:
    port = int(bolt_server.uri.rsplit(":", 1)[1])
    p = CuttingProxy(port, cut_every=CUT_EVERY_BYTES, max_cuts=CUTS)
    yield p
    p.close()


#: The load below sends ~1.2 MB (0.4 MB of nodes, then relationships): three cuts, one
#: among the node writes and two among the relationship writes.
CUT_EVERY_BYTES = 300_000
CUTS = 3


def _rows(n: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    nodes = [{"id": f"cut-{i}", "name": f"Node {i}"} for i in range(n)]
    rels = [
        {"source": f"cut-{i}", "target": f"cut-{(i * 7 + 1) % n}", "strength": 0.5}
        for i in range(n)
    ]
    return nodes, rels


@pytest.mark.bolt
def test_bolt_connection_cut_mid_load_ends_with_the_fault_free_graph(
    bolt_server: BoltServer, proxy: CuttingProxy
) -> None:
    nodes, rels = _rows(6_000)
    reference = BoltStore(
        bolt_server.uri,
        user=bolt_server.user,
        password=bolt_server.password,
        database=bolt_server.database,
    )
    reference.clear()
    store = BoltStore(
        f"bolt://127.0.0.1:{proxy.port}",
        user=bolt_server.user,
        password=bolt_server.password,
        database=bolt_server.database,
        batch_size=500,
    )

    def load() -> None:
        for i in range(0, len(nodes), 1_000):
            store.upsert_nodes("Person", nodes[i : i + 1_000])
        for i in range(0, len(rels), 1_000):
            store.upsert_relationships("KNOWS", rels[i : i + 1_000])

    try:
        load()  # the driver retries transient failures itself
    except Exception:  # noqa: BLE001 - a cut past the retry budget: run the load again
        load()
    load()  # a re-run of an idempotent load changes nothing
    assert proxy.live_cuts == CUTS, f"{proxy.live_cuts} of {CUTS} cuts dropped a connection in use"
    g = reference.projection()
    assert g.number_of_nodes() == len(nodes)
    assert g.number_of_edges() == len(rels)
    assert {(u, v) for u, v in g.edges()} == {(r["source"], r["target"]) for r in rels}
    counts = reference.counts()
    assert counts.labels["Person"] == len(nodes) and counts.types["KNOWS"] == len(rels)
    store.close()
    reference.close()


@pytest.mark.bolt
def test_client_errors_are_attempted_once_not_retried(bolt_server: BoltServer) -> None:
    store = BoltStore(
        bolt_server.uri,
        user=bolt_server.user,
        password=bolt_server.password,
        database=bolt_server.database,
        max_retry_time=30,
    )
    store.clear()
    attempts = []

    def syntax_error(tx: object) -> None:
        attempts.append(1)
        tx.run("THIS IS NOT CYPHER").consume()  # type: ignore[attr-defined]

    with (
        store._driver.session(database=store.database) as s,
        pytest.raises((CypherSyntaxError, ClientError)),
    ):
        s.execute_write(syntax_error)
    assert len(attempts) == 1
    store.upsert_nodes("Person", [{"id": "dup", "name": "A"}])
    attempts.clear()

    def duplicate(tx: object) -> None:
        attempts.append(1)
        tx.run("CREATE (n:Person {id: 'dup', name: 'B'})").consume()  # type: ignore[attr-defined]

    with store._driver.session(database=store.database) as s, pytest.raises(ClientError):
        s.execute_write(duplicate)
    assert len(attempts) == 1  # one attempt: a constraint violation is not retried
    store.close()
