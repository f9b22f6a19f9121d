"""Every page of the browser app, under the role it is for, in real headless Chromium: it
loads without console errors, fetches nothing from outside the machine, passes axe-core
with no serious or critical violation, and is photographed (1280×800 and tablet width)
under artifacts/screenshots/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from api.web.auth import COOKIE
from tests.browser.conftest import SCREENSHOTS, Served, axe_violations, sign_in

PAGES: dict[str, tuple[str | None, str]] = {
    "signin": (None, "/app/signin"),
    "home": ("viewer", "/app"),
    "search": ("viewer", "/app/search?q=north"),
    "organization": ("viewer", "/app/entity/org-focal"),
    "alliance": ("analyst", "/app/entity/alliance-001"),
    "person": ("viewer", "/app/entity/person-00001"),
    "network": ("viewer", "/app/entity/net-000"),
    "not-found": ("viewer", "/app/entity/no-such-id"),
    "paths": ("viewer", "/app/paths?source=org-focal&target=org-00500"),
    "brokers": ("viewer", "/app/brokers?a=alliance-000&b=alliance-001"),
    "dashboard": ("analyst", "/app/portfolio/org-focal"),
    "print": ("analyst", "/app/portfolio/org-focal/print"),
    "import": ("admin", "/app/admin/import"),
    "review": ("admin", "/app/admin/review"),
    "refused": ("viewer", "/app/admin/import"),
    "map-portfolio": ("viewer", "/app/map/portfolio/org-focal"),
    "map-ego": ("viewer", "/app/map/ego/alliance-000?depth=1"),
    "map-path": ("viewer", "/app/map/path?source=org-focal&target=org-00500"),
    "map-alliance": ("viewer", "/app/map/alliance/alliance-001"),
    "map-finding": ("analyst", "/app/map/finding/org-focal/coopetition?index=0"),
}


def open_page(browser: Any, served: Served, role: str | None, path: str, **ctx: Any) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(**({"viewport": {"width": 1280, "height": 800}} | ctx))
    if role:
        sign_in(context, served, role)
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served.url + path)
    page.wait_for_selector("body[data-ready='1'], body[data-page='print']", state="attached", timeout=60_000)
    return context, page, errors, requests


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_is_accessible_and_photographed(browser: Any, served: Served, name: str) -> None:
    role, path = PAGES[name]
    context, page, errors, requests = open_page(browser, served, role, path)
    try:
        # the refusal and the unknown id are answered with their status (the console notes it)
        expected_errors = [e for e in errors if "403" not in e and "404" not in e] if name in ("refused", "not-found") else errors
        assert not expected_errors, expected_errors
        outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", "localhost") and not u.startswith(("data:", "blob:"))]
        assert not outside, outside
        assert page.title().strip()
        violations = axe_violations(page)
        assert not violations, violations
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"app-{name}.png"), full_page=not name.startswith("map"))
        page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, upright
        if name.startswith("map"):
            page.evaluate("window.agMap.network.fit({animation: false})")
        assert page.evaluate("document.documentElement.scrollWidth") <= 820 + 1
        page.screenshot(path=str(SCREENSHOTS / f"app-{name}-tablet.png"))
    finally:
        context.close()


@pytest.mark.browser
def test_served_mode_asks_for_a_key_and_signs_in_with_one(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(served.url + "/app/entity/org-focal")
        assert urlparse(page.url).path == "/app/signin"
        page.fill("#key", "ag_not-a-real-key")
        page.click("button[type=submit]")
        assert "not valid" in page.locator(".error").inner_text()
        page.fill("#key", served.keys["viewer"])
        page.click("main button[type=submit]")
        page.wait_for_selector("h1")
        assert urlparse(page.url).path == "/app/entity/org-focal"
        assert "Northwind" in page.locator("h1").inner_text()
        cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
        assert served.keys["viewer"].split("_")[-1] not in cookie["value"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        page.click("text=Sign out")
        page.goto(served.url + "/app")
        assert urlparse(page.url).path == "/app/signin"
    finally:
        context.close()


@pytest.mark.browser
def test_pages_allow_no_inline_script_and_no_framing(browser: Any, served: Served) -> None:
    context, page, _, _ = open_page(browser, served, "viewer", "/app")
    try:
        response = page.goto(served.url + "/app/search?q=a")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
    finally:
        context.close()


@pytest.mark.browser
def test_search_as_you_type_works_from_the_keyboard(browser: Any, served: Served) -> None:
    context, page, errors, _ = open_page(browser, served, "viewer", "/app")
    try:
        page.focus("#q")
        page.keyboard.type("meridian")
        page.wait_for_selector("#suggestions li")
        labels = page.locator("#suggestions li .tag").all_inner_texts()
        assert labels and set(labels) <= {"Alliance", "Organization", "Person", "Network", "Project", "Topic", "Goal"}
        assert all("meridian" in t.lower() for t in page.locator("#suggestions li span:first-child").all_inner_texts())
        page.keyboard.press("ArrowDown")
        assert page.get_attribute("#q", "aria-activedescendant") == "suggestions-0"
        target = page.get_attribute("#suggestions-0", "data-id")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/app/entity/{target}")
        assert not errors
        # people are found too, by any word of their name
        page.goto(served.url + "/app")
        page.wait_for_selector("body[data-ready='1']", state="attached")
        page.fill("#q", "petra plan")
        page.wait_for_selector("#suggestions li[data-id='person-planted']")
        # with where she works, which tells namesakes apart
        detail = page.inner_text("#suggestions li[data-id='person-planted'] .detail")
        employer = served.store.get_node("org-00500").node.props["name"]
        assert detail == f"at {employer}"
    finally:
        context.close()
