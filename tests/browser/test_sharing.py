"""The sharing levels hold in the browser app: what a viewer may not see never reaches the
page — not in the text, not in any network response (pages, JSON, maps)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tests.browser.conftest import (
    COUNTS_ONLY_NAME,
    HIDDEN_NAME,
    PLANTED_CASH,
    PLANTED_EMAIL,
    Served,
    sign_in,
)

VIEWER_PAGES = [
    "/app",
    "/app/search?q=planted",
    "/app/search?q=zebulon",
    "/app/search?q=quillfeather",
    "/app/entity/person-planted",
    "/app/entity/org-00500",
    "/app/entity/alliance-001",
    "/app/paths?source=org-focal&target=org-00500",
    "/app/map/alliance/alliance-001",
    "/app/map/ego/org-00500?depth=2",
    "/app/map/portfolio/org-focal",
]
SECRETS = (PLANTED_EMAIL, str(PLANTED_CASH), f"{PLANTED_CASH:,}", HIDDEN_NAME, COUNTS_ONLY_NAME)


@pytest.mark.browser
def test_a_viewer_never_receives_a_confidential_or_hidden_value(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, served, "viewer")
    page = context.new_page()
    bodies: list[tuple[str, str]] = []

    def keep(response: Any) -> None:
        with contextlib.suppress(Exception):  # a redirect has no body to read
            bodies.append((response.url, response.text()))

    page.on("response", keep)
    try:
        for path in VIEWER_PAGES:
            page.goto(served.url + path)
            page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
            text = page.inner_text("body") + page.content()
            for secret in SECRETS:
                assert secret not in text, (path, secret)
        # as you type, too
        page.goto(served.url + "/app")
        page.wait_for_selector("body[data-ready='1']", state="attached")
        for query in ("zebulon", "quillfeather", "petra"):
            page.fill("#q", query)
            page.wait_for_selector(f"body[data-suggested='{query}']", state="attached")
        assert any("/app/search.json" in url for url, _ in bodies)  # the typed searches were read
        for url, body in bodies:
            for secret in SECRETS:
                assert secret not in body, (url, secret)
        # the person is there, only the confidential field is not
        page.goto(served.url + "/app/entity/person-planted")
        assert "Petra Planted" in page.locator("h1").inner_text()
        # a hidden organization is "not found", exactly like an unknown id
        hidden = page.goto(served.url + "/app/entity/org-hidden")
        unknown_text = page.locator("main").inner_text().replace("org-hidden", "ID")
        unknown = page.goto(served.url + "/app/entity/org-nothing")
        assert hidden.status == unknown.status == 404
        assert page.locator("main").inner_text().replace("org-nothing", "ID") == unknown_text
    finally:
        context.close()


@pytest.mark.browser
def test_an_analyst_sees_the_amounts_a_viewer_may_not(browser: Any, served: Served) -> None:
    """The planted values are really on those pages for a role that may see them (so the
    viewer test above can fail)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, served, "analyst")
    page = context.new_page()
    try:
        page.goto(served.url + "/app/entity/person-planted")
        assert PLANTED_EMAIL in page.inner_text("main")
        page.goto(served.url + "/app/entity/org-00500")
        assert f"{int(PLANTED_CASH):,}" in page.inner_text("main")  # shown grouped: 987,654,321
        viewer_only = page.request.get(served.url + "/app/portfolio/org-focal/report.xlsx")
        assert viewer_only.status == 200
    finally:
        context.close()
    context = browser.new_context()
    sign_in(context, served, "viewer")
    page = context.new_page()
    try:
        assert page.request.get(served.url + "/app/portfolio/org-focal/report.csv").status == 403
        assert page.request.get(served.url + "/app/portfolio/org-focal").status == 403
    finally:
        context.close()
