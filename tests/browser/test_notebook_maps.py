"""Maps from the notebook API, as Jupyter shows them: several on one page, each alive in its
own sandboxed frame with its own data (they collided when they shared the page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.notebook import MapView, Workbench


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    wb = Workbench.open(tmp_path_factory.mktemp("nbmaps") / "nb.db")
    wb.load_sample()
    yield wb
    wb.close()


@pytest.mark.browser
def test_two_maps_share_one_page_without_colliding(browser: Any, workbench: Workbench) -> None:
    """Both maps of a notebook page come alive in their own frames, each with its own data."""
    first: MapView = workbench.map("alliance", "alliance-001")
    second: MapView = workbench.map("ego", "alliance-000")
    context = browser.new_context(viewport={"width": 1280, "height": 1300})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.set_content(f"<html><body>{first._repr_html_()}{second._repr_html_()}</body></html>")
        frames = [f for f in page.frames if f != page.main_frame]
        assert len(frames) == 2
        for f in frames:
            f.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
        titles = [f.locator("#title").inner_text() for f in frames]
        assert titles == [first.spec.title, second.spec.title]
        counts = [f.evaluate("window.agMap.data.nodes.length") for f in frames]
        assert counts == [len(first.spec.nodes), len(second.spec.nodes)]
        assert not errors, errors
    finally:
        context.close()
