"""The smaller holes of issue 15: work stopped with its request, the Host allow-list and
cross-site writes, nosniff on 413, failed-authentication limits, the key file's mode,
/health without counts, offline /docs and /redoc, and the OpenAPI security scheme."""

from __future__ import annotations

import socket
import stat
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import anyio
import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api import deps
from api.app import create_app
from api.cli.commands.serve import server_config
from api.keys import KeyStore
from api.settings import Settings
from api.web.auth import COOKIE
from api.work import jobs_running, run_bounded
from graph.sqlite_store import SQLiteStore
from tests.api.conftest import Api, make_api

PROBLEM = "application/problem+json"


def _abandon_once_started(work: Callable[[], None], started: threading.Event) -> None:
    """Run ``work`` as a request would (``run_bounded``) and give the request up as soon as
    ``work`` has started: what a client that hangs up mid-request leaves behind."""

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_bounded, work)
            await anyio.to_thread.run_sync(started.wait)
            tg.cancel_scope.cancel()

    anyio.run(main)


def test_cancelled_work_is_stopped_not_left_running() -> None:
    started, stopped = threading.Event(), threading.Event()

    def spin() -> None:
        started.set()
        try:
            while True:
                pass
        finally:
            stopped.set()

    _abandon_once_started(spin, started)
    assert stopped.wait(timeout=60), "the worker thread still runs after its request ended"


def test_stopped_work_counts_as_running_until_it_has_stopped() -> None:
    """Its request is gone and its lane released at once, but the work is still running
    until the stop lands: the collector (api/collector.py) waits for that, not the lane."""
    started, release, stopped = threading.Event(), threading.Event(), threading.Event()

    def spin() -> None:
        started.set()
        try:
            while True:
                pass
        finally:
            release.wait()  # unwinding takes a while: still running
            stopped.set()

    before = jobs_running()
    _abandon_once_started(spin, started)
    assert jobs_running() == before + 1
    release.set()
    assert stopped.wait(timeout=60)
    poll = threading.Event()  # never set: a 5 ms pause between looks at the counter
    for _ in range(12_000):
        if jobs_running() == before:  # the counter drops as the call returns
            break
        poll.wait(0.005)
    assert jobs_running() == before


def test_finished_work_leaves_no_pending_stop() -> None:
    async def main() -> int:
        return await run_bounded(lambda: 41 + 1)

    assert anyio.run(main) == 42


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    store = SQLiteStore(db)
    store.upsert_nodes("Topic", [{"id": "t1", "name": "Water"}, {"id": "t2", "name": "Soil"}])
    return TestClient(create_app(Settings(auth="none", db_path=db), store=store))


def test_a_foreign_host_header_is_refused(demo: TestClient) -> None:
    with demo:
        response = demo.delete(
            "/nodes/t1", headers={"Host": "rebind.attacker.example", "X-Requested-With": "x"}
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["x-content-type-options"] == "nosniff"
        assert demo.get("/stats").json()["labels"]["Topic"] == 2
        assert demo.get("/health", headers={"Host": "localhost:8000"}).status_code == 200


def test_a_cross_origin_or_headerless_write_is_refused(demo: TestClient) -> None:
    with demo:
        cross = demo.delete(
            "/nodes/t1", headers={"Origin": "http://evil.example", "X-Requested-With": "x"}
        )
        assert cross.status_code == 403 and cross.json()["type"].endswith("/cross-site-write")
        bare = demo.delete("/nodes/t1")
        assert bare.status_code == 403 and "X-Requested-With" in bare.json()["detail"]
        assert demo.get("/stats").json()["labels"]["Topic"] == 2
        own = demo.delete(
            "/nodes/t2", headers={"Origin": "http://testserver", "X-Requested-With": "x"}
        )
        assert own.status_code == 204


def test_an_allowed_host_and_origin_may_be_configured(tmp_path: Path) -> None:
    settings = Settings(
        auth="none",
        db_path=tmp_path / "x.db",
        allowed_hosts="graph.team.example",
        allowed_origins="https://app.team.example",
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/health", headers={"Host": "graph.team.example"}).status_code == 200
        assert client.get("/health", headers={"Host": "other.example"}).status_code == 400
        write = client.post(
            "/imports",
            headers={"Origin": "https://app.team.example", "X-Requested-With": "x"},
            files={"file": ("x.csv", b"a,b\n")},
        )
        assert write.status_code == 422  # past the guard: refused for its content


def test_413_carries_nosniff(api: Api) -> None:
    response = api.client.post(
        "/imports",
        headers={"Authorization": f"Bearer {api.keys['admin']}", "Content-Length": str(10**10)},
        content=b"x",
    )
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"


def test_health_counts_nothing(api: Api) -> None:
    body = api.get("/health", role=None).json()
    assert body["status"] == "ok" and "nodes" not in body


def test_failed_authentication_is_rate_limited(tmp_path: Path) -> None:
    client, keys, store = make_api(tmp_path, auth_failures_per_minute=3)
    with client:
        answers = [
            client.get("/stats", headers={"Authorization": "Bearer ag_x_wrong"}).status_code
            for _ in range(5)
        ]
        assert answers == [401, 401, 401, 429, 429]
        limited = client.get("/stats", headers={"Authorization": f"Bearer {keys['viewer']}"})
        assert limited.status_code == 429 and "Retry-After" in limited.headers
    store.close()


def _wrong_keys_from_new_addresses(tmp_path: Path, **settings: object) -> list[int]:
    """Five wrong keys, each claiming another address in ``X-Forwarded-For``, sent to the
    API served as ``alliancegraph serve`` serves it (limit: 3 failures a minute)."""
    options = {"auth_failures_per_minute": 3, **settings}
    client, _keys, store = make_api(tmp_path, **options)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    served = Settings(db_path=tmp_path / "api.db", keys_path=tmp_path / "keys.db", **options)
    server = uvicorn.Server(server_config(client.app, served))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/stats"
    try:
        return [
            httpx.get(
                url,
                headers={"Authorization": "Bearer ag_x_wrong", "X-Forwarded-For": f"203.0.113.{i}"},
                timeout=30,
            ).status_code
            for i in range(5)
        ]
    finally:
        server.should_exit = True
        thread.join()
        store.close()


def test_a_forwarded_address_does_not_escape_the_failure_limit(tmp_path: Path) -> None:
    assert _wrong_keys_from_new_addresses(tmp_path) == [401, 401, 401, 429, 429]


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    """Behind a proxy the operator names, each forwarded client has its own limit."""
    answers = _wrong_keys_from_new_addresses(tmp_path, forwarded_allow_ips="127.0.0.1")
    assert answers == [401] * 5


def test_idle_address_counters_are_forgotten(api: Api) -> None:
    """Each address that ever failed keeps a counter; idle ones go once there are many,
    so a stream of new addresses cannot grow the server's memory without end."""
    state = api.client.app.state.ag  # type: ignore[attr-defined]
    now = time.monotonic()
    with state.lock:
        for i in range(deps.MAX_COUNTERS):
            state.hits[f"failed:idle-{i}"] = deque([now - 120])
        state.hits["failed:busy"] = deque([now])
    api.client.get("/stats", headers={"Authorization": "Bearer ag_x_wrong"})
    with state.lock:
        assert not any(key.startswith("failed:idle-") for key in state.hits)
        assert "failed:busy" in state.hits
        state.hits.clear()


def test_the_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    KeyStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_docs_and_redoc_load_local_assets_only(api: Api) -> None:
    for page, asset in (
        ("/docs", "/static/docs/swagger-ui-bundle.js"),
        ("/redoc", "/static/docs/redoc.standalone.js"),
    ):
        html = api.get(page, role=None).text
        assert asset in html
        assert "cdn." not in html and "fonts.googleapis" not in html
        served = api.get(asset, role=None)
        assert served.status_code == 200 and len(served.content) > 100_000
    assert api.get("/static/docs/swagger-ui.css", role=None).status_code == 200
    for page in ("/docs", "/redoc"):  # never framed, and talk to this server only
        headers = api.get(page, role=None).headers
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "connect-src 'self'" in headers["content-security-policy"]
    assert api.get("/static/docs/../settings.py", role=None).status_code == 404


def test_openapi_documents_the_key_scheme_and_every_error(api: Api) -> None:
    doc = api.get("/openapi.json", role=None).json()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    stats = doc["paths"]["/stats"]["get"]
    assert {"bearer": []} in stats["security"]
    for status in ("401", "403", "404", "422", "429"):
        content = stats["responses"][status]["content"]
        assert content["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    assert "security" not in doc["paths"]["/health"]["get"]
    assert "413" in doc["paths"]["/imports"]["post"]["responses"]


def test_keys_with_the_same_role_and_scope_share_one_view(tmp_path: Path) -> None:
    client, keys, store = make_api(tmp_path)
    other = KeyStore(tmp_path / "keys.db")
    second_viewer = other.create("viewer", "second viewer")
    other.close()
    with client:
        for token in (keys["viewer"], second_viewer, keys["analyst"]):
            assert client.get("/stats", headers={"Authorization": f"Bearer {token}"}).is_success
        state = client.app.state.ag  # type: ignore[attr-defined]
        views = {key[-1]: access for key, access in state.access_cache.items()}
        first, second = (views[t.split("_")[1]] for t in (keys["viewer"], second_viewer))
        assert first.graph is second.graph  # one stripped copy for both viewers
        assert first.principal.key_id != second.principal.key_id
        analyst = views[keys["analyst"].split("_")[1]]
        assert analyst.graph is not first.graph
    store.close()


def test_maps_cannot_be_framed(api: Api) -> None:
    response = api.get("/maps/portfolio/org-focal", role="viewer")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_failed_sign_ins_and_cookies_count_toward_the_same_limit(tmp_path: Path) -> None:
    """The browser's sign-in form and its cookie are no way around the limit on wrong keys."""
    client, keys, store = make_api(tmp_path, auth_failures_per_minute=3)
    origin = {"Origin": "http://testserver"}
    with client:
        for attempt in range(2):
            bad = client.post("/app/signin", data={"key": f"ag_x_wrong{attempt}"}, headers=origin)
            assert bad.status_code == 401
        client.cookies.set(COOKIE, "made-up-session")
        stale = client.get("/app/search", follow_redirects=False)
        assert stale.status_code == 303
        client.cookies.clear()
        refused = client.post("/app/signin", data={"key": keys["viewer"]}, headers=origin)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert "Too many failed sign-ins" in refused.text
        api = client.get("/stats", headers={"Authorization": f"Bearer {keys['viewer']}"})
        assert api.status_code == 429
    store.close()


def test_a_new_store_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The store holds contact details, amounts and the history: 0600, like the key file,
    and so are the WAL and shared-memory files SQLite makes beside it."""
    store = SQLiteStore(tmp_path / "private.db")
    store.upsert_nodes("Person", [{"id": "p1", "name": "A", "email": "a@example.org"}])
    files = [tmp_path / name for name in ("private.db", "private.db-wal", "private.db-shm")]
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files if p.exists()}
    store.close()
    assert "private.db-wal" in modes and set(modes.values()) == {0o600}, modes
