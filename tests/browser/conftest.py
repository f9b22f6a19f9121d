"""A real API serving the sample portfolio on loopback, and real headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright with no browser download.
In CI (``CI`` set) a missing browser is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.web.auth import COOKIE
from tests.support.chromium import ARGS, CHROMIUM

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
INJECTION = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="session")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API (no-auth demo mode) on a free loopback port, with the sample and an injection node."""
    from api.app import create_app
    from api.settings import Settings
    from graph.sqlite_store import SQLiteStore
    from samples import load_sample

    db = tmp_path_factory.mktemp("browser") / "maps.db"
    store = SQLiteStore(db)
    load_sample(store, scale=1)
    store.upsert_nodes(
        "Organization", [{"id": "org-xss", "name": INJECTION, "industry": INJECTION}]
    )
    store.upsert_relationships("MEMBER_OF", [{"source": "org-xss", "target": "alliance-000"}])
    app = create_app(Settings(auth="none", db_path=db), store=store)
    server, thread, url = _serve(app)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(
                f"Chromium not found at {CHROMIUM}: install Debian's chromium package"
            )
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()


#: values only analysts and admins may see: a viewer's page or response never contains them
PLANTED_EMAIL = "planted.secret.7731@confidential.example"
PLANTED_CASH = 987654321
HIDDEN_NAME = "Zebulon Hidden Holdings"
COUNTS_ONLY_NAME = "Quillfeather Counted Trust"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"


@dataclass
class Served:
    """The API in served mode (keys required) with one key per role."""

    url: str
    keys: dict[str, str]
    store: Any


def _serve(app: object) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve ``app`` on a loopback socket that listens before the server thread starts, so
    requests simply queue until it accepts them (nothing to wait for)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample portfolio served with keys, with planted confidential values, a hidden and
    a counts-only organization, and two look-alike organizations an import can be unsure of."""
    from api.app import create_app
    from api.keys import KeyStore
    from api.settings import Settings
    from graph.sqlite_store import SQLiteStore
    from samples import load_sample

    tmp = tmp_path_factory.mktemp("served")
    db = tmp / "served.db"
    store = SQLiteStore(db)
    load_sample(store, scale=1)
    store.upsert_nodes(
        "Person", [{"id": "person-planted", "name": "Petra Planted", "email": PLANTED_EMAIL}]
    )
    store.upsert_relationships("WORKS_AT", [{"source": "person-planted", "target": "org-00500"}])
    store.upsert_nodes(
        "Organization",
        [
            {"id": "org-hidden", "name": HIDDEN_NAME, "sharing": "hidden"},
            {"id": "org-counted", "name": COUNTS_ONLY_NAME, "sharing": "counts_only"},
            {"id": "org-bright-1", "name": "Brightwater Analytics GmbH"},
            {"id": "org-bright-2", "name": "Brightwater Analytics AG"},
        ],
    )
    store.upsert_relationships(
        "MEMBER_OF",
        [
            {"source": "org-00500", "target": "alliance-001", "cash_contribution": PLANTED_CASH},
            {"source": "org-hidden", "target": "alliance-001"},
            {"source": "org-counted", "target": "alliance-001"},
        ],
    )
    keys_path = tmp / "keys.db"
    ks = KeyStore(keys_path)
    keys = {role: ks.create(role, f"{role} person") for role in ("viewer", "analyst", "admin")}
    ks.close()
    app = create_app(Settings(db_path=db, keys_path=keys_path), store=store)
    server, thread, url = _serve(app)
    yield Served(url, keys, store)
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def sign_in(context: Any, served: Served, role: str) -> None:
    """Sign a browser context in with the role's key, through the sign-in form's own request
    (the context keeps the session cookie it sets)."""
    response = context.request.post(
        served.url + "/app/signin",
        form={"key": served.keys[role], "next": "/app"},
        headers={"Origin": served.url},
        max_redirects=0,
    )
    assert response.status == 303, response.status
    assert any(c["name"] == COOKIE for c in context.cookies())


def axe_violations(
    page: Any, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """axe-core (vendored from the npm registry) run on the page: violations of ``impacts``.

    The script is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so the page is checked exactly as served."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        """async () => { const r = await axe.run(document, {resultTypes: ['violations']});
           return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"""
    )
    return [v for v in result if v["impact"] in impacts]
