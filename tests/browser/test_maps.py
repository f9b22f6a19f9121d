"""Every map loads in real headless Chromium: no console errors, nothing fetched from
outside the machine, the expected nodes present, search/filter/focus working, injection
shown as text. A screenshot of each map goes to artifacts/screenshots/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

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
def test_time_slider_hides_what_had_not_started(page: Any, api_url: str) -> None:
    _open(page, api_url + "/maps/portfolio")
    total = page.evaluate("window.agMap.nodeView.length")
    dates = page.evaluate("window.agMap.dates")
    assert dates == sorted(dates) and len(dates) > 2
    assert page.locator("#asof").get_attribute("max") == str(len(dates))
    first = next(i for i, d in enumerate(dates) if d >= "2016-01-01")
    page.focus("#asof")
    page.keyboard.press("Home")  # the slider works from the keyboard
    for _ in range(first):
        page.keyboard.press("ArrowRight")
    assert page.locator("#asof-value").inner_text() == dates[first]
    assert page.evaluate("window.agMap.nodeView.length") < total
    page.keyboard.press("End")
    assert page.locator("#asof-value").inner_text() == "all dates"
    assert page.evaluate("window.agMap.nodeView.length") == total


@pytest.mark.browser
def test_play_steps_through_time_to_the_end(page: Any, api_url: str) -> None:
    _open(page, api_url + "/maps/portfolio")
    page.click("#play")
    assert page.locator("#play").get_attribute("aria-pressed") == "true"
    # the map's CSP forbids eval, so wait with locators rather than wait_for_function
    expect(page.locator("#asof-value")).not_to_have_text("all dates")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false", timeout=60_000)
    assert page.locator("#asof-value").inner_text() == "all dates"


@pytest.mark.browser
def test_served_map_allows_no_inline_script_and_no_framing(page: Any, api_url: str) -> None:
    response = page.goto(api_url + "/maps/portfolio")
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
    inline = page.evaluate(
        "Array.from(document.scripts).filter(s => !s.src && s.type !== 'application/json').length"
    )
    assert inline == 0


@pytest.mark.browser
def test_one_colour_and_shape_per_type_on_every_map(page: Any, api_url: str) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for kind in ("portfolio", "ego", "alliance", "path"):
        _open(page, api_url + MAPS[kind][0])
        for g in page.evaluate("window.agMap.data.groups"):
            style = (g["color"], g["shape"])
            assert seen.setdefault(g["name"], style) == style, g
        legend = page.locator("#types label").all_inner_texts()
        assert all("(" in text for text in legend) and legend
    assert {"Organization", "Alliance", "Person"} <= set(seen)
    assert len(
        {seen[t] for t in ("Organization", "Alliance", "Person", "Network") if t in seen}
    ) == len([t for t in ("Organization", "Alliance", "Person", "Network") if t in seen])


@pytest.mark.browser
def test_labels_drawn_never_overlap_and_zooming_in_shows_more(page: Any, api_url: str) -> None:
    _open(page, api_url + "/maps/portfolio")
    first = page.evaluate("window.agMap.labelOverlap()")
    assert first["drawn"] > 0 and first["overlapping"] == 0
    assert first["drawn"] < page.evaluate("window.agMap.nodeView.length")
    page.evaluate("""() => { const n = window.agMap.network;
        n.moveTo({scale: n.getScale() * 4, animation: false}); n.redraw(); }""")
    zoomed = page.evaluate("window.agMap.labelOverlap()")
    assert zoomed["overlapping"] == 0


@pytest.mark.browser
def test_focus_fits_the_neighbourhood_to_the_view(page: Any, api_url: str) -> None:
    _open(page, api_url + "/maps/portfolio")
    before = page.evaluate("window.agMap.network.getScale()")
    page.evaluate("window.agMap.focusOn('alliance-000')")
    after = page.evaluate("window.agMap.network.getScale()")
    assert after > before  # a neighbourhood is smaller than the whole map: the view zoomed in
    inside = page.evaluate("""() => { const n = window.agMap.network, ids = window.agMap.nodeView.getIds();
        const c = document.querySelector('#network canvas'); const pos = n.getPositions(ids);
        return ids.every(id => { const d = n.canvasToDOM(pos[id]);
            return d.x >= -1 && d.y >= -1 && d.x <= c.clientWidth + 1 && d.y <= c.clientHeight + 1; }); }""")
    assert inside


@pytest.mark.browser
def test_map_downloads_as_png_and_svg(page: Any, api_url: str, tmp_path: Any) -> None:
    _open(page, api_url + "/maps/alliance/alliance-001")
    with page.expect_download() as png:
        page.click("#png")
    path = tmp_path / "map.png"
    png.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.click("#svg")
    svg_path = tmp_path / "map.svg"
    svg.value.save_as(svg_path)
    text = svg_path.read_text()
    assert text.startswith("<svg") and "<title>" in text
    names = page.evaluate("window.agMap.data.nodes.map(n => n.l)")
    assert all(f"<title>{n}</title>" in text for n in names if "&" not in n and "<" not in n)
    assert svg.value.suggested_filename.endswith(".svg")


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
    # whatever the tooltip could have started has run: no request left, two frames drawn
    page.wait_for_load_state("networkidle")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert not dialogs and not errors
    html = page.content()
    assert "<img src=x" not in html.split('id="graph-data"')[1].split("</script>")[0]


@pytest.mark.browser
def test_favicon_is_served(page: Any, api_url: str) -> None:
    response = page.goto(api_url + "/favicon.ico")
    assert response.status == 200
