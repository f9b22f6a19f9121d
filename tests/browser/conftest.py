"""A real API serving the sample portfolio on loopback, and real headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright with no browser download.
In CI (``CI`` set) a missing browser is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
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
