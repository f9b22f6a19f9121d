"""The serving process's garbage-collector policy (graph/heap.py, api/collector.py): no
automatic full passes while serving, full passes at quiet moments, and code that pauses
the collector around bulk work leaves it on when full passes are managed."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.collector import Collector
from api.settings import Settings
from graph.heap import NEVER, collector_paused, full_passes_managed, manage_full_passes
from graph.sqlite_store import SQLiteStore


class _Node:
    def __init__(self) -> None:
        self.other: object = self


@pytest.fixture
def quiet_gc() -> Iterator[None]:
    """No automatic passes at all during the test (only the explicit ones it makes), and
    the thresholds as they were afterwards."""
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()  # the collector froze what survived its passes
        gc.set_threshold(*thresholds)
        if enabled:
            gc.enable()


def _promote_and_litter() -> weakref.ref[_Node]:
    """Ten middle-generation passes (what makes a full pass due), then a garbage cycle."""
    for _ in range(10):
        gc.collect(1)
    return weakref.ref(_Node())


def test_a_due_pass_runs_once_heavy_work_has_been_quiet_and_freezes_what_survives(
    quiet_gc: None,
) -> None:
    collector = Collector(lambda: False, growth=0.0, quiet_s=2.0)
    collector.install()
    try:
        assert full_passes_managed()
        garbage = _promote_and_litter()
        kept = _Node()
        start = collector._last
        assert not collector.step(now=start + 1.0)  # quiet for 0 s so far
        assert not collector.step(now=start + 2.0)  # quiet for 1 s
        assert garbage() is not None
        assert collector.step(now=start + 3.0)  # quiet for 2 s
        assert garbage() is None and collector.passes == 1
        assert gc.get_freeze_count() > 0  # the survivors: later passes skip them
        assert gc.is_tracked(kept)
        assert not collector.step(now=start + 4.0)  # nothing promoted since: not due
    finally:
        collector.uninstall()
    assert not full_passes_managed()


def test_no_pass_while_heavy_work_runs_unless_overdue(quiet_gc: None) -> None:
    collector = Collector(lambda: True, growth=0.0, quiet_s=0.0, at_most_s=60.0)
    garbage = _promote_and_litter()
    assert not collector.step(now=collector._last + 1.0)
    assert garbage() is not None
    assert collector.step(now=collector._last + 60.0)  # overdue: even under load
    assert garbage() is None


def test_no_pass_before_the_process_grew(quiet_gc: None) -> None:
    collector = Collector(lambda: False, growth=1000.0, quiet_s=0.0)
    garbage = _promote_and_litter()
    assert not collector.step()
    assert garbage() is not None
    gc.collect()


def test_a_deep_pass_reclaims_cycles_that_died_after_they_were_frozen(quiet_gc: None) -> None:
    collector = Collector(lambda: False, growth=0.0, quiet_s=0.0, deep_every_s=600.0)
    cached = [_Node()]
    evicted = weakref.ref(cached[0])
    _promote_and_litter()
    assert collector.step(now=collector._last + 1.0)  # frozen with the rest
    cached.clear()  # evicted from its cache: now a frozen garbage cycle
    _promote_and_litter()
    assert collector.step(now=collector._last + 1.0)
    assert evicted() is not None  # a plain pass does not see frozen objects
    _promote_and_litter()
    assert collector.step(now=collector._last_deep + 600.0)
    assert evicted() is None and collector.deep_passes == 1


def test_a_serving_app_manages_full_passes_and_gives_them_back(tmp_path: Path) -> None:
    before, interval = gc.get_threshold(), sys.getswitchinterval()
    store = SQLiteStore(tmp_path / "s.db")
    store.upsert_nodes("Topic", [{"id": "t1", "name": "Water"}])
    app = create_app(Settings(auth="none", db_path=tmp_path / "s.db"), store=store, serving=True)
    try:
        with TestClient(app) as client:
            assert gc.get_threshold()[2] == NEVER
            assert client.get("/health").status_code == 200
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()  # a serving app hides its heap from the collector (settle_heap)
        sys.setswitchinterval(interval)
        store.close()


def test_pausing_the_collector_is_counted_and_skipped_when_managed() -> None:
    enabled = gc.isenabled()
    gc.enable()
    try:
        with collector_paused():
            assert not gc.isenabled()
            with collector_paused():  # a second pauser (another thread, say)
                assert not gc.isenabled()
            assert not gc.isenabled()  # still paused: the first pauser is not done
        assert gc.isenabled()
        previous = manage_full_passes(True)
        try:
            with collector_paused():
                assert gc.isenabled()  # young passes stay on: no pile-up in generation 0
        finally:
            manage_full_passes(False, previous)
    finally:
        if not enabled:
            gc.disable()
