"""Shared fixtures: the stores every contract test runs on.

- ``bolt_server`` (session): a real Bolt server — ArcadeDB from the arcadedb-embedded wheel
  on free loopback ports, stopped at the end of the session.
- ``store``: a fresh, empty store per test, parametrized over ``embedded`` (a SQLite file in
  ``tmp_path``), ``bolt-arcadedb`` and, when ``NEO4J_URI`` is set, ``bolt-neo4j``.
- ``store_factory``: the same, for tests that need two stores or a store kind by name.

In CI (``CI`` set) a Bolt server that cannot start is an error, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.store import GraphStore
from tests.support.arcadedb import BoltServer, arcadedb_server

IN_CI = bool(os.environ.get("CI"))
STORE_KINDS = ["embedded", "bolt-arcadedb"] + (
    ["bolt-neo4j"] if os.environ.get("NEO4J_URI") else []
)


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """A running ArcadeDB with the Bolt plugin, for the whole session."""
    root = tmp_path_factory.mktemp("arcadedb")
    try:
        context = arcadedb_server(root)
        server = context.__enter__()
    except Exception as exc:  # the JVM or the wheel may be missing outside CI
        if IN_CI:
            raise
        pytest.skip(f"ArcadeDB Bolt server could not start: {exc}")
    try:
        yield server
    finally:
        context.__exit__(None, None, None)


def _neo4j() -> BoltServer:
    return BoltServer(
        os.environ["NEO4J_URI"],
        os.environ.get("NEO4J_USER", "neo4j"),
        os.environ.get("NEO4J_PASSWORD", ""),
        os.environ.get("NEO4J_DATABASE", "neo4j"),
        0,
    )


@pytest.fixture
def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], GraphStore]]:
    """Open fresh, empty stores of a named kind; all are closed after the test."""
    opened: list[GraphStore] = []

    def make(kind: str) -> GraphStore:
        from graph.bolt_store import BoltStore
        from graph.sqlite_store import SQLiteStore

        store: GraphStore
        if kind == "embedded":
            store = SQLiteStore(tmp_path / f"store{len(opened)}.db")
        else:
            server = request.getfixturevalue("bolt_server") if kind == "bolt-arcadedb" else _neo4j()
            bolt = BoltStore(
                server.uri, user=server.user, password=server.password, database=server.database
            )
            bolt.clear()
            store = bolt
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, store_factory: Callable[[str], GraphStore]) -> GraphStore:
    """A fresh, empty store of every kind (the contract suite runs once per kind)."""
    if request.param.startswith("bolt"):
        request.applymarker(pytest.mark.bolt)
    return store_factory(request.param)


_EXIT = {"status": 0}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without tearing down ArcadeDB's embedded JVM: its shutdown at interpreter exit
    can crash the process after every test has passed and every report is written."""
    import sys

    jpype = sys.modules.get("jpype")
    if jpype is not None and jpype.isJVMStarted():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT["status"])
