"""A page on another origin cannot write to the keyless demo server, and a request whose
Host is a foreign name (DNS rebinding) is refused — in real Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.chromium import ARGS, CHROMIUM

pytestmark = pytest.mark.browser
ATTACKER = "http://127.0.0.1:1/attack.html"  # another origin (port), fulfilled by the test
DOC = json.dumps(
    {
        "format": "alliancegraph-portfolio",
        "version": 1,
        "nodes": {"Topic": [{"id": "topic-from-attacker", "name": "Planted"}]},
    }
)
ATTACK = """<!doctype html><html><body>
<form id="f" method="post" enctype="multipart/form-data" action="API/imports">
<input type="hidden" name="x" value="1"></form>
<script>
async function attack() {
  const fd = new FormData();
  fd.append("file", new Blob([DOC], {type: "application/json"}), "planted.json");
  const tries = [
    fetch("API/imports", {method: "POST", mode: "no-cors", body: fd}),
    fetch("API/imports", {method: "POST", body: fd, headers: {"X-Requested-With": "x"}}),
    fetch("API/nodes/net-000", {method: "DELETE"}),
    fetch("API/nodes/net-000", {method: "POST", mode: "no-cors"}),
  ];
  const out = [];
  for (const t of tries) {
    try { const r = await t; out.push(r.type + ":" + r.status); }
    catch (e) { out.push("blocked"); }
  }
  return out;
}
</script></body></html>"""


def _exists(api_url: str, node: str) -> bool:
    return httpx.get(f"{api_url}/ego/{node}", timeout=30).status_code == 200


def test_a_page_on_another_origin_cannot_write(page: Any, api_url: str) -> None:
    html = ATTACK.replace("API", api_url).replace("DOC", json.dumps(DOC))
    page.context.route(
        "http://127.0.0.1:1/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    assert _exists(api_url, "net-000") and not _exists(api_url, "topic-from-attacker")
    page.goto(ATTACKER)
    outcomes = page.evaluate("attack()")
    assert "basic:200" not in outcomes and "cors:200" not in outcomes, outcomes
    # a plain form post navigates to the API: the answer is the refusal, nothing written
    with page.expect_navigation():
        page.evaluate("document.getElementById('f').submit()")
    assert "another origin" in page.content()
    assert _exists(api_url, "net-000")
    assert not _exists(api_url, "topic-from-attacker")


def test_the_servers_own_page_can_write(page: Any, api_url: str) -> None:
    page.goto(f"{api_url}/health")
    status = page.evaluate(
        """async (doc) => {
          const fd = new FormData();
          fd.append("file", new Blob([doc], {type: "application/json"}), "own.json");
          const r = await fetch("/imports?dry_run=true",
                                {method: "POST", body: fd, headers: {"X-Requested-With": "x"}});
          return r.status;
        }""",
        DOC,
    )
    assert status == 200


@pytest.fixture
def rebinding_page(browser: Any) -> Iterator[Any]:
    """A second Chromium that resolves an attacker's name to the API's loopback address."""
    other = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*ARGS, "--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1"],
    )
    yield other.new_page()
    other.close()


def test_a_foreign_host_name_is_refused(rebinding_page: Any, api_url: str) -> None:
    port = urlsplit(api_url).port
    response = rebinding_page.goto(f"http://rebind.attacker.example:{port}/stats")
    assert response.status == 400
    assert "Host" in rebinding_page.content()
    deleted = httpx.delete(
        f"{api_url}/nodes/net-000",
        headers={"Host": "rebind.attacker.example", "X-Requested-With": "x"},
    )
    assert deleted.status_code == 400
    assert _exists(api_url, "net-000")


@pytest.mark.parametrize(
    ("page_path", "title"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")]
)
def test_api_documentation_renders_offline(
    page: Any, api_url: str, page_path: str, title: str
) -> None:
    """/docs and /redoc render from the server's own assets: every request stays on it."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(api_url + page_path)
    page.wait_for_selector(title, timeout=60_000)
    assert "AllianceGraph" in page.inner_text(title)
    outside = [u for u in requested if not u.startswith((api_url, "data:", "blob:"))]
    assert outside == []
