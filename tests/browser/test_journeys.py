"""Three journeys end to end in Chromium, each under the role it concerns, doing what a
person does (type, pick, click) and checking what they see."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import pytest
from openpyxl import Workbook

from loaders.review import StoredReviewQueue
from tests.browser.conftest import SCREENSHOTS, Served, sign_in


def _context(browser: Any, served: Served, role: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, served, role)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def _api(served: Served, path: str, role: str = "analyst") -> Any:
    request = Request(served.url + path, headers={"Authorization": f"Bearer {served.keys[role]}"})
    with urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)


@pytest.mark.browser
def test_who_can_introduce_me_to_x(browser: Any, served: Served) -> None:
    """A viewer: search X, ask for paths, see the path drawn, open a hop's evidence."""
    context, page, errors = _context(browser, served, "viewer")
    try:
        page.goto(served.url + "/app")
        _ready(page)
        page.focus("#q")
        page.keyboard.type("Île Logistics")
        page.wait_for_selector("#suggestions li[data-id='org-00500']")
        page.click("#suggestions li[data-id='org-00500']")
        page.wait_for_url("**/app/entity/org-00500")
        page.click("text=Who can introduce me?")
        page.wait_for_selector("#result")
        assert page.input_value("#target") == "org-00500"
        assert page.input_value("#source") == "org-focal"  # from my organization by default
        paths = page.locator("article.path")
        assert paths.count() >= 1
        first_hops = paths.first.locator("li.hop")
        hop = first_hops.first
        assert "tie strength" in hop.locator("summary").inner_text()
        assert not hop.locator(".evidence").is_visible()
        hop.locator("summary").click()  # open the hop's evidence
        evidence = hop.locator(".evidence")
        assert evidence.is_visible() and evidence.inner_text().strip()
        expected = _api(served, "/paths?source=org-focal&target=org-00500&k=3", "viewer")
        first = expected["paths"][0]["hops"][0]
        assert first["explanation"] in evidence.inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "journey-introduce-paths.png"), full_page=True)
        page.click("#path-map")
        _ready(page)
        marked = set(page.evaluate("window.agMap.data.nodes.filter(n => n.h).map(n => n.i)"))
        people = {n for p in expected["paths"] for h in p["hops"] for n in (h["source"], h["target"])}
        assert people <= marked  # the paths are drawn, highlighted
        page.screenshot(path=str(SCREENSHOTS / "journey-introduce-map.png"))
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.browser
def test_review_my_portfolio(browser: Any, served: Served) -> None:
    """An analyst: dashboard → the most valuable synergy → its map, exactly its evidence marked."""
    context, page, errors = _context(browser, served, "analyst")
    try:
        page.goto(served.url + "/app")
        _ready(page)
        page.click("nav >> text=Portfolio")
        page.wait_for_url("**/app/portfolio/org-focal")
        synergies = page.locator("#synergy li.finding")
        assert synergies.count() >= 1
        scores = [float(s.split()[-1]) for s in page.locator("#synergy .score").all_inner_texts()]
        assert scores == sorted(scores, reverse=True)  # the most valuable first
        finding = synergies.first
        kind, index = finding.get_attribute("data-kind"), int(finding.get_attribute("data-index") or 0)
        expected = [f for f in _api(served, "/portfolio/org-focal/synergies") if f["kind"] == kind][index]
        assert expected["explanation"] in finding.inner_text()
        finding.locator("a.evidence").click()
        _ready(page)
        assert urlparse(page.url).path == f"/app/map/finding/org-focal/{kind}"
        marked = page.evaluate("window.agMap.data.nodes.filter(n => n.h).map(n => n.i)")
        assert sorted(marked) == sorted(expected["evidence_nodes"])
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "journey-portfolio-finding-map.png"))
        assert not errors, errors
    finally:
        context.close()


def _spreadsheet() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Organization"
    sheet.append(["id", "name", "country"])
    sheet.append(["org-upload-1", "Brightwater Analytic", "DE"])  # two look-alikes in the store
    sheet.append(["org-upload-2", "Fresh Upload Foundation", "FR"])
    sheet.append(["", "A Row Without Id", "XX"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.browser
def test_import_a_spreadsheet(browser: Any, served: Served, tmp_path: Path) -> None:
    """An admin: upload, read the report, resolve one review item; others may not import."""
    sheet = tmp_path / "partners.xlsx"
    sheet.write_bytes(_spreadsheet())
    for role in ("viewer", "analyst"):
        context, page, _ = _context(browser, served, role)
        response = page.goto(served.url + "/app/admin/import")
        assert response.status == 403 and page.locator("#file").count() == 0
        context.close()
    context, page, errors = _context(browser, served, "admin")
    try:
        page.goto(served.url + "/app")
        _ready(page)
        page.click("nav >> text=Import")
        page.set_input_files("#file", str(sheet))
        page.check("#skip_invalid")
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#report")
        report = page.locator("#report").inner_text()
        assert "partners.xlsx" in report
        rows = page.locator("#report table").first.locator("tbody tr").all_inner_texts()
        assert any(r.startswith("Organization") for r in rows)
        rejected = page.locator("#report table").nth(1).inner_text()
        assert "4" in rejected and "id" in rejected and "required, but empty or missing" in rejected  # row, field, reason
        assert "Brightwater Analytic" in page.locator("#ambiguities").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "journey-import-report.png"), full_page=True)
        page.click("#to-review")
        item = page.locator("section.review-item", has_text="Brightwater Analytic")
        assert item.count() == 1
        assert "partners.xlsx" in item.locator(".origin").inner_text()  # where it came from
        # nothing is chosen for the admin: Decide without a choice sends nothing
        assert item.locator("input[name=decision]:checked").count() == 0
        item.locator("button[type=submit]").click()
        assert item.locator("input[name=decision]").first.evaluate("e => !e.validity.valid")
        assert page.locator("#decided").count() == 0
        item.locator("input[value='accept:org-bright-2']").check()
        item.locator("button[type=submit]").click()
        page.wait_for_selector("#decided")
        assert "accept:org-bright-2" in page.locator("#decided").inner_text()
        assert page.locator("section.review-item", has_text="Brightwater Analytic").count() == 0
        decided = StoredReviewQueue(served.store).items.values()
        assert any(d.decision == "accept:org-bright-2" for d in decided)
        page.screenshot(path=str(SCREENSHOTS / "journey-import-reviewed.png"), full_page=True)
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.browser
def test_a_form_from_elsewhere_is_refused(browser: Any, served: Served) -> None:
    """A review decision posted without this site's form token changes nothing."""
    context, page, _ = _context(browser, served, "admin")
    try:
        page.goto(served.url + "/app/admin/review")
        response = page.request.post(
            served.url + "/app/admin/review/anything", form={"decision": "reject", "csrf": "forged"}
        )
        assert response.status == 403
    finally:
        context.close()
