"""The notebook API and the example notebook: the notebook runs in a real kernel and its
outputs hold an inline report and two inline maps; two maps on one page do not collide."""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from api.notebook import Workbench
from tests.browser.conftest import INJECTION

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "examples" / "portfolio.ipynb"


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env_path}" if env_path else str(ROOT)
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        if env_path:
            os.environ["PYTHONPATH"] = env_path
        else:
            os.environ.pop("PYTHONPATH", None)
    return nb


def _html_outputs(nb: nbformat.NotebookNode) -> list[str]:
    return [
        out["data"]["text/html"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "data" in out and "text/html" in out["data"]
    ]


@pytest.mark.slow
def test_example_notebook_runs_with_an_inline_report_and_two_maps(executed: nbformat.NotebookNode) -> None:
    errors = [
        out for cell in executed.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]
    assert not errors
    html = _html_outputs(executed)
    assert sum("class='ag-report'" in h for h in html) == 1
    maps = [h for h in html if h.startswith('<iframe class="ag-map"')]
    assert len(maps) >= 2
    assert all('sandbox="allow-scripts' in m and "srcdoc=" in m for m in maps)
    assert any("class='ag-paths'" in h for h in html)


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    wb = Workbench.open(tmp_path_factory.mktemp("nb") / "nb.db")
    wb.load_sample()
    wb.store.upsert_nodes("Organization", [{"id": "org-xss", "name": INJECTION}])
    wb.store.upsert_relationships("MEMBER_OF", [{"source": "org-xss", "target": "alliance-000"}])
    yield wb
    wb.close()


def test_report_and_paths_render_names_as_text(workbench: Workbench) -> None:
    report = workbench.report("org-focal")
    html = report._repr_html_()
    assert "Portfolio of Northwind Foundation" in html and "Synergies (" in html
    paths = workbench.paths("org-focal", "org-00500")
    assert "Path 1" in paths._repr_html_() and "strength" in paths._repr_html_()
    frame = workbench.map("ego", "alliance-000")._repr_html_()
    assert INJECTION not in frame  # escaped inside the srcdoc attribute
    assert "&lt;img src=x" in frame or "\\u003cimg src=x" in frame


def test_projection_follows_the_store(workbench: Workbench) -> None:
    before = workbench.graph
    workbench.store.upsert_nodes("Organization", [{"id": "org-nb-new", "name": "Notebook New Org"}])
    assert "org-nb-new" in workbench.graph and "org-nb-new" not in before
    assert ("org-nb-new", "Notebook New Org", "Organization") in workbench.search("notebook new")


def test_exports_write_files(workbench: Workbench, tmp_path: Path) -> None:
    report = workbench.report("org-focal")
    csv = report.to_csv(tmp_path / "r.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0].startswith("category,kind,score")
    assert len(csv.splitlines()) == 1 + len(report.findings)
    assert report.to_xlsx(tmp_path / "r.xlsx").read_bytes()[:2] == b"PK"
    svg = workbench.map("alliance", "alliance-001").save(tmp_path / "m.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "</svg>" in svg
    page = workbench.map("alliance", "alliance-001").save(tmp_path / "m.html").read_text(encoding="utf-8")
    csp = html.unescape(page.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0])
    assert "'unsafe-inline'" not in csp and csp.count("'sha256-") == 4  # two scripts, two styles


def test_bad_map_requests_say_what_is_possible(workbench: Workbench) -> None:
    with pytest.raises(ValueError, match="portfolio ORG, ego ID"):
        workbench.map("portfolio")
    with pytest.raises(LookupError, match="no nonsense finding"):
        workbench.map("finding", "org-focal", "nonsense")
