"""Shared answers: one computation per key however many requests arrive, errors never kept,
a write makes the next report a fresh one."""

from __future__ import annotations

import inspect
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.result_cache import ResultCache
from api.settings import Settings
from graph.sqlite_store import SQLiteStore
from samples import load_sample


def _waiting_in_get() -> int:
    """How many threads stand at the single-flight lock in ``ResultCache.get`` right now."""
    source, first = inspect.getsourcelines(ResultCache.get)
    line = first + next(i for i, text in enumerate(source) if "with flight:" in text)
    return sum(
        1
        for frame in sys._current_frames().values()
        if frame.f_code is ResultCache.get.__code__ and frame.f_lineno == line
    )


def test_concurrent_identical_requests_compute_once() -> None:
    cache = ResultCache()
    calls = []
    gate = threading.Event()

    def slow() -> int:
        calls.append(1)
        gate.wait(5)
        return 42

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(cache.get, "k", slow) for _ in range(16)]
        deadline = time.monotonic() + 30
        # all but the computing request queue behind it (without single flight, none would)
        while _waiting_in_get() < 15 and time.monotonic() < deadline:
            pass
        gate.set()
        assert [f.result() for f in futures] == [42] * 16
    assert len(calls) == 1 and cache.computed == 1


def test_errors_are_not_kept_and_size_is_bounded() -> None:
    cache = ResultCache(size=2)

    def fail() -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        cache.get("a", fail)
    assert cache.get("a", lambda: 1) == 1
    cache.get("b", lambda: 2)
    cache.get("c", lambda: 3)
    assert cache.get("a", lambda: 10) == 10  # "a" was the least recently used: evicted


def test_report_is_shared_until_the_store_changes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db")
    load_sample(store, scale=1)
    app = create_app(Settings(auth="none", db_path=tmp_path / "r.db"), store=store)
    with TestClient(app) as client:
        first = client.get("/portfolio/org-focal/report").json()
        assert client.get("/portfolio/org-focal/report").json() == first
        assert client.get("/portfolio/org-focal/gaps").json() == first["gaps"]
        state = app.state.ag
        assert state.results.computed == 2  # the report and its JSON, each once
        store.upsert_nodes("Topic", [{"id": "t-new", "name": "A new topic"}])
        # the projection cache looks at the store version every 0.2 s: ask until it has
        deadline = time.monotonic() + 30
        while state.results.computed == 2 and time.monotonic() < deadline:
            assert client.get("/portfolio/org-focal/report").status_code == 200
        assert state.results.computed == 4
    store.close()
