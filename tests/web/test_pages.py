"""The browser app's routes over HTTP (no browser): roles, exports, sign-in, escaping."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.api.conftest import make_api

INJECTION = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    client, keys, store = make_api(tmp_path_factory.mktemp("web"))
    store.upsert_nodes("Organization", [{"id": "org-inj", "name": INJECTION}])
    with client:
        yield client, keys
    store.close()


def _get(app: tuple[TestClient, dict[str, str]], path: str, role: str | None) -> object:
    client, keys = app
    headers = {"Authorization": f"Bearer {keys[role]}"} if role else {}
    return client.get(path, headers=headers, follow_redirects=False)


def test_pages_without_a_key_go_to_sign_in(app: tuple[TestClient, dict[str, str]]) -> None:
    r = _get(app, "/app/entity/org-focal", None)
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert r.headers["location"] == "/app/signin?next=%2Fapp%2Fentity%2Forg-focal"  # type: ignore[attr-defined]
    assert _get(app, "/app/signin", None).status_code == 200  # type: ignore[attr-defined]


def test_sign_in_goes_back_only_to_this_site(app: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = app
    own = {"Origin": "http://testserver"}  # what a browser sends with the sign-in form
    r = client.post(
        "/app/signin",
        data={"key": keys["viewer"], "next": "//evil.example/x"},
        headers=own,
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/app"
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    bad = client.post("/app/signin", data={"key": "ag_nope"}, headers=own, follow_redirects=False)
    assert bad.status_code == 401 and "not valid" in bad.text
    client.cookies.clear()


def test_roles_gate_the_pages(app: tuple[TestClient, dict[str, str]]) -> None:
    assert _get(app, "/app/portfolio/org-focal", "viewer").status_code == 403  # type: ignore[attr-defined]
    assert _get(app, "/app/portfolio/org-focal", "analyst").status_code == 200  # type: ignore[attr-defined]
    assert _get(app, "/app/admin/import", "analyst").status_code == 403  # type: ignore[attr-defined]
    assert _get(app, "/app/admin/review", "admin").status_code == 200  # type: ignore[attr-defined]
    assert _get(app, "/app/map/finding/org-focal/coopetition", "viewer").status_code == 403  # type: ignore[attr-defined]


def test_names_are_escaped_on_pages_and_in_search(app: tuple[TestClient, dict[str, str]]) -> None:
    page = _get(app, "/app/entity/org-inj", "viewer").text  # type: ignore[attr-defined]
    assert INJECTION not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    found = _get(app, "/app/search.json?q=script", "viewer").json()  # type: ignore[attr-defined]
    assert found[0]["name"] == INJECTION  # JSON carries the text; the page sets it as text


def test_report_exports_csv_and_xlsx(app: tuple[TestClient, dict[str, str]]) -> None:
    report = _get(app, "/portfolio/org-focal/report", "analyst").json()  # type: ignore[attr-defined]
    total = len(report["synergies"]) + len(report["constraints"]) + len(report["gaps"])
    text = _get(app, "/app/portfolio/org-focal/report.csv", "analyst").text  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == total
    assert rows[0]["category"] == "synergy" and rows[0]["explanation"] == report["synergies"][0]["explanation"]
    body = _get(app, "/app/portfolio/org-focal/report.xlsx", "analyst").content  # type: ignore[attr-defined]
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Findings", "Scorecards", "Contributions"]
    assert book["Findings"].max_row == 1 + total


def test_print_page_carries_the_maps_as_pictures(app: tuple[TestClient, dict[str, str]]) -> None:
    r = _get(app, "/app/portfolio/org-focal/print?top=1", "analyst")
    page = r.text  # type: ignore[attr-defined]
    assert page.count("<svg") == 3  # one map per category
    assert "<script" not in page.split("</head>")[1]


def test_map_as_svg(app: tuple[TestClient, dict[str, str]]) -> None:
    r = _get(app, "/app/map/alliance/alliance-001?format=svg", "viewer")
    assert r.headers["content-type"].startswith("image/svg+xml")  # type: ignore[attr-defined]
    assert r.text.startswith("<svg")  # type: ignore[attr-defined]


def test_pages_count_against_the_keys_rate_limit(tmp_path_factory: pytest.TempPathFactory) -> None:
    client, keys, store = make_api(tmp_path_factory.mktemp("web-limit"), rate_limit_per_minute=3)
    try:
        with client:
            headers = {"Authorization": f"Bearer {keys['viewer']}"}
            codes = [client.get("/app/search.json?q=a", headers=headers).status_code for _ in range(4)]
            assert codes == [200, 200, 200, 429]
    finally:
        store.close()


def test_the_bare_address_opens_the_workbench(app: tuple[TestClient, dict[str, str]]) -> None:
    r = _get(app, "/", None)
    assert r.status_code == 307 and r.headers["location"] == "/app"  # type: ignore[attr-defined]


def test_the_import_report_speaks_to_the_browser_user() -> None:
    """The page said "Dry run: nothing was written. dry run: nothing was written", and told
    a browser user to "load with --skip-invalid", a command-line flag."""
    from api.web.routes import _env
    from loaders.report import ImportReport

    def render(report: ImportReport) -> str:
        return _env.get_template("import.html").render(
            report=report,
            principal=None,
            role="admin",
            analyst=True,
            admin=True,
            token="t",
            focal=None,
            served=True,
            formats=[".csv"],
            error="",
        )

    dry = ImportReport(source="c.csv", format="csv", dry_run=True, problems=2)
    dry.message = "dry run: nothing was written"
    text = render(dry)
    assert text.count("nothing was written") == 1
    assert "2 problem(s) found" in text and "“Skip invalid rows”" in text
    failed = ImportReport(source="c.csv", format="csv", dry_run=False, encoding="cp1252")
    failed.message = (
        "2 problem(s): nothing was written. Fix them, or load with --skip-invalid to write the "
        "valid rows."
    )
    text = render(failed)
    assert "--skip-invalid" not in text and "tick “Skip invalid rows”" in text
    assert "Text read as cp1252." in text


def test_values_are_shown_as_a_reader_expects() -> None:
    """Entity pages read "aliases ['Northwind', 'Fundación Northwind']", "focal True" and
    "cash contribution: 74000.0"."""
    from api.web.views import shown

    assert shown(["Northwind", "Fundación Northwind"]) == "Northwind, Fundación Northwind"
    assert (shown(True), shown(False)) == ("yes", "no")
    assert (shown(74000.0), shown(1234.5), shown(0.25)) == ("74,000", "1,234.5", "0.25")
    assert (shown(1997), shown("USD")) == ("1997", "USD")  # an int may be a year


def test_the_brokers_page_counts_contacts_without_the_broker(
    app: tuple[TestClient, dict[str, str]],
) -> None:
    """"Knows in A" counted the broker herself (9 where the API said 8), and the table was
    ranked by paths carried without showing them."""
    url = "/app/brokers?a=alliance-000&b=alliance-001"
    page = _get(app, url, "viewer").text  # type: ignore[attr-defined]
    api = _get(app, "/brokers?a=alliance-000&b=alliance-001", "viewer").json()  # type: ignore[attr-defined]
    first = api["brokers"][0]
    knows_a = len([t for t in first["ties_a"] if t != first["id"]])
    knows_b = len([t for t in first["ties_b"] if t != first["id"]])
    assert "Paths carried" in page
    row = f"<td>{first['paths']}</td><td>{first['score']:.2f}</td><td>{knows_a}</td><td>{knows_b}</td>"
    assert row in page


def test_the_dashboard_says_no_trend_for_a_score_assessed_once(tmp_path: object) -> None:
    """A score with one dated assessment has no trend: the dashboard says so, not +0.00/yr."""
    from pathlib import Path

    from graph.sqlite_store import SQLiteStore

    where = Path(str(tmp_path))
    seeded = SQLiteStore(where / "api.db")
    seeded.upsert_nodes("Organization", [{"id": "org-f", "name": "Focal F", "focal": True}])
    seeded.upsert_nodes("Alliance", [{"id": "all-once", "name": "Assessed Once"}])
    seeded.upsert_nodes(
        "Assessment", [{"id": "as-1", "name": "Review", "date": "2025-03-01", "trust": 4}]
    )
    seeded.upsert_relationships("MEMBER_OF", [{"source": "org-f", "target": "all-once"}])
    seeded.upsert_relationships("ASSESSES", [{"source": "as-1", "target": "all-once"}])
    seeded.close()
    client, keys, store = make_api(where)
    with client:
        r = client.get(
            "/app/portfolio/org-f?as_of=all",
            headers={"Authorization": f"Bearer {keys['analyst']}"},
        )
    store.close()
    assert r.status_code == 200, r.text
    page = r.text[r.text.index('id="scorecards"') :]
    assert "Assessed Once" in page and "4.00" in page
    assert "no trend" in page and "/yr" not in page.split("</section>")[0]
