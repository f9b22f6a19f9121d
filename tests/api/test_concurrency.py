"""Loads and queries at the same time: no request fails, none sees a half-loaded graph,
and one write causes one projection rebuild however many requests arrive."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.projection_cache import ProjectionCache
from api.settings import Settings
from graph.sqlite_store import SQLiteStore
from samples import load_sample


def test_queries_during_loads_see_whole_batches_only(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")
    load_sample(store, scale=1)
    app = create_app(Settings(auth="none", db_path=tmp_path / "c.db"), store=store)
    batch = 2_000
    rounds = 5
    seen: list[int] = []
    failures: list[str] = []
    stop = threading.Event()
    with TestClient(app) as client:

        def poll() -> None:
            while not stop.is_set():
                r = client.get("/stats")
                if r.status_code != 200:
                    failures.append(r.text)
                    continue
                seen.append(r.json()["labels"].get("Topic", 0))
                p = client.get("/paths", params={"source": "org-focal", "target": "org-00500"})
                if p.status_code != 200:
                    failures.append(p.text)

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(poll) for _ in range(4)]
            for k in range(rounds):  # each round is one upsert call: one transaction
                store.upsert_nodes(
                    "Topic", [{"id": f"t-{k}-{i}", "name": f"T {k} {i}"} for i in range(batch)]
                )
            stop.set()
            for f in futures:
                f.result()
    store.close()
    assert not failures, failures[:3]
    assert seen
    allowed = {30 + batch * k for k in range(rounds + 1)}
    assert set(seen) <= allowed, sorted(set(seen) - allowed)[:5]


def test_one_update_per_write_under_concurrent_requests(tmp_path: Path) -> None:
    """Sixty-four requests racing after a write: the write is applied once (followed, not
    rebuilt), and every request sees the graph before or after it."""
    store = SQLiteStore(tmp_path / "r.db")
    store.upsert_nodes("Topic", [{"id": "t0", "name": "T0"}])
    cache = ProjectionCache(store)
    cache.get()
    store.upsert_nodes("Topic", [{"id": "t1", "name": "T1"}])
    with ThreadPoolExecutor(16) as pool:
        graphs = list(pool.map(lambda _: cache.get(), range(64)))
    assert (cache.builds, cache.applied) == (1, 1)
    assert all(g.number_of_nodes() in (1, 2) for g in graphs)
    assert cache.get().number_of_nodes() == 2
    store.close()


def test_fresh_projection_is_offered_only_within_the_check_interval(tmp_path: Path) -> None:
    """Requests take the projection on the event loop only while it needs no store check."""
    store = SQLiteStore(tmp_path / "f.db")
    store.upsert_nodes("Topic", [{"id": "t0", "name": "T0"}])
    cache = ProjectionCache(store, check_interval=60)
    assert cache.fresh() is None  # nothing built yet: get() must build it off the loop
    built = cache.get()
    assert cache.fresh() is built
    assert ProjectionCache(store, check_interval=0).fresh() is None
    store.close()


@pytest.mark.timeout(60)  # without the lanes this request would wait forever
def test_paths_answer_while_the_general_pool_is_busy(tmp_path: Path) -> None:
    """Introduction paths run on threads of their own: blocking work filling every thread
    of the general pool does not hold them up."""
    import anyio.to_thread

    store = SQLiteStore(tmp_path / "p.db")
    load_sample(store, scale=1)
    app = create_app(Settings(auth="none", db_path=tmp_path / "p.db"), store=store)
    release = threading.Event()
    with TestClient(app) as client:
        assert client.get("/paths?source=org-focal&target=org-00001").status_code == 200

        def shrink_pool() -> None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = 2

        portal = client.portal
        assert portal is not None
        portal.call(shrink_pool)
        for _ in range(2):  # both general threads now wait on ``release``
            portal.start_task_soon(anyio.to_thread.run_sync, release.wait)

        def general_threads_taken() -> int:
            return int(anyio.to_thread.current_default_thread_limiter().borrowed_tokens)

        cache = app.state.ag.cache
        # both threads are taken, and the projection is due a look at the store
        while portal.call(general_threads_taken) < 2 or cache.fresh() is not None:
            pass
        try:
            response = client.get("/paths?source=org-focal&target=org-00002")
            assert response.status_code == 200 and response.json()["source"] == "org-focal"
        finally:
            release.set()
    store.close()


def test_a_serving_cache_hides_its_projection_from_the_collector_without_leaking(
    tmp_path: Path,
) -> None:
    """Full collections stop scanning the served projection (they stalled requests for
    150-250 ms), and the projection a rebuild replaces is still freed."""
    import gc
    import weakref

    store = SQLiteStore(tmp_path / "g.db")
    store.upsert_nodes("Topic", [{"id": "t0", "name": "T0"}])
    cache = ProjectionCache(store, freeze_heap=True, follow=False)  # every write rebuilds
    try:
        served = cache.get()
        _ = served.nodes, served.edges, served.pred  # views that refer back: a cycle
        first = weakref.ref(served)
        del served, _
        assert gc.get_freeze_count() > 0
        store.upsert_nodes("Topic", [{"id": "t1", "name": "T1"}])
        assert cache.get().number_of_nodes() == 2
        assert first() is None  # collected, not frozen for good
    finally:
        gc.unfreeze()
        store.close()


def test_a_following_cache_keeps_two_replicas_however_many_writes(tmp_path: Path) -> None:
    """Writes are applied to the standby replica and swapped: never more than two alive."""
    import gc
    import weakref

    store = SQLiteStore(tmp_path / "w.db")
    store.upsert_nodes("Topic", [{"id": "t0", "name": "T0"}])
    cache = ProjectionCache(store)
    seen: list[weakref.ref[object]] = [weakref.ref(cache.get())]
    for i in range(1, 8):
        store.upsert_nodes("Topic", [{"id": f"t{i}", "name": f"T{i}"}])
        graph = cache.refresh()
        assert graph.number_of_nodes() == i + 1
        seen.append(weakref.ref(graph))
        del graph
    gc.collect()
    assert len({id(r()) for r in seen if r() is not None}) <= 2
    assert cache.builds == 1
    store.close()
