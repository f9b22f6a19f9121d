"""Every map loads in real headless Chromium: no console errors, nothing fetched from
outside the machine, the expected nodes present, search/filter/focus working, injection
shown as text. A screenshot of each map goes to artifacts/screenshots/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import INJECTION, SCREENSHOTS

MAPS = {
    "portfolio": ("/maps/portfolio", ["org-focal", "alliance-000", "org-xss"]),
    "ego": ("/maps/ego/alliance-000", ["alliance-000", "org-focal"]),
    "path": ("/maps/path?source=org-focal&target=org-00500", ["org-focal"]),
    "finding": ("/maps/finding/org-focal/coopetition", []),
    "alliance": ("/maps/alliance/alliance-001", ["alliance-001"]),
}


def _open(page: Any, url: str) -> tuple[list[str], list[str], list[str]]:
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
    return errors, requests, dialogs


@pytest.mark.browser
@pytest.mark.parametrize("kind", list(MAPS))
def test_map_loads_offline_without_errors(page: Any, api_url: str, kind: str) -> None:
    path, expected = MAPS[kind]
    errors, requests, dialogs = _open(page, api_url + path)
    assert not errors, errors
    assert not dialogs, dialogs
    outside = [
        u
        for u in requests
        if urlparse(u).hostname not in ("127.0.0.1", "localhost")
        and not u.startswith(("data:", "blob:"))
    ]
    assert not outside, outside
    ids = page.evaluate("window.agMap.data.nodes.map(n => n.i)")
    assert ids, "the map has no nodes"
    for node in expected:
        assert node in ids
    assert page.evaluate("window.agMap.data.nodes.filter(n => n.h).length") >= 1
    assert page.locator("#title").inner_text().strip()
    assert "data loaded" in page.locator("#subtitle").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{kind}.png"))


@pytest.mark.browser
def test_search_filter_and_focus_work(page: Any, api_url: str) -> None:
    _open(page, api_url + "/maps/portfolio")
    total = page.evaluate("window.agMap.nodeView.length")
    page.fill("#search", "Northwind")
    assert page.evaluate("window.agMap.network.getSelectedNodes()") == ["org-focal"]
    assert "1 match" in page.locator("#status").inner_text()
    page.uncheck("input[data-group='Network']")
    networks = page.evaluate(
        "window.agMap.data.nodes.filter(n => window.agMap.data.groups[n.g].name === 'Network').length"
    )
    assert networks > 0
    assert page.evaluate("window.agMap.nodeView.length") == total - networks
    page.click("#reset")
    assert page.evaluate("window.agMap.nodeView.length") == total
    page.evaluate("""() => { const net = window.agMap.network;
        net.emit('click', {nodes: ['alliance-000'], edges: [], pointer: {DOM: {x: 0, y: 0}}}); }""")
    shown = page.evaluate("window.agMap.nodeView.getIds()")
    neighbours = page.evaluate("""() => { const ids = new Set(['alliance-000']);
        window.agMap.edges.forEach(e => { if (e.from === 'alliance-000') ids.add(e.to);
                                          if (e.to === 'alliance-000') ids.add(e.from); });
        return Array.from(ids).sort(); }""")
    assert sorted(shown) == neighbours and len(shown) < total


@pytest.mark.browser
def test_as_of_date_hides_what_had_not_started(page: Any, api_url: str) -> None:
    _open(page, api_url + "/maps/portfolio")
    total = page.evaluate("window.agMap.nodeView.length")
    page.fill("#asof", "2016-01-01")
    page.dispatch_event("#asof", "change")
    assert page.evaluate("window.agMap.nodeView.length") < total


@pytest.mark.browser
def test_injection_node_renders_as_text_and_runs_nothing(page: Any, api_url: str) -> None:
    errors, _, dialogs = _open(page, api_url + "/maps/portfolio")
    labels = page.evaluate("window.agMap.data.nodes.map(n => n.l)")
    assert INJECTION in labels
    assert page.locator("img[src='x']").count() == 0
    box = page.evaluate("""() => { const pos = window.agMap.network.getPositions(['org-xss'])['org-xss'];
        return window.agMap.network.canvasToDOM(pos); }""")
    page.evaluate(
        """([x, y]) => { window.agMap.network.emit('hoverNode',
        {node: 'org-xss', pointer: {DOM: {x: x, y: y}}}); }""",
        [box["x"], box["y"]],
    )
    tip = page.locator("#tip")
    assert INJECTION in tip.inner_text()
    assert tip.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert not dialogs and not errors
    html = page.content()
    assert "<img src=x" not in html.split('id="graph-data"')[1].split("</script>")[0]


@pytest.mark.browser
def test_favicon_is_served(page: Any, api_url: str) -> None:
    response = page.goto(api_url + "/favicon.ico")
    assert response.status == 200
