"""Every route, every role allowed and denied, every documented error."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.schema import CONFIDENTIAL_PROPERTIES
from tests.api.conftest import Api, make_api

PROBLEM = "application/problem+json"

# (path, lowest role allowed)
ROUTES = [
    ("/stats", "viewer"),
    ("/organizations?q=aqua", "viewer"),
    ("/organizations/org-focal", "viewer"),
    ("/alliances?form=coalition", "viewer"),
    ("/alliances/alliance-000", "viewer"),
    ("/networks", "viewer"),
    ("/networks/net-000", "viewer"),
    ("/people?organization=org-focal", "viewer"),
    ("/people/person-00001", "viewer"),
    ("/paths?source=org-focal&target=org-00500", "viewer"),
    ("/brokers?a=alliance-000&b=alliance-001", "viewer"),
    ("/ego/alliance-000", "viewer"),
    ("/maps/portfolio", "viewer"),
    ("/maps/portfolio/org-focal", "viewer"),
    ("/maps/ego/alliance-000", "viewer"),
    ("/maps/path?source=org-focal&target=org-00500", "viewer"),
    ("/maps/alliance/alliance-001", "viewer"),
    ("/maps/finding/org-focal/coopetition", "viewer"),
    ("/portfolio/org-focal/report", "analyst"),
    ("/portfolio/org-focal/synergies", "analyst"),
    ("/portfolio/org-focal/constraints", "analyst"),
    ("/portfolio/org-focal/gaps?as_of=2025-06-30", "analyst"),
    ("/portfolio/org-focal/scorecards", "analyst"),
    ("/profile?target=org-00500&organization=org-focal", "analyst"),
    ("/exports/graph.json", "analyst"),
    ("/exports/graph.graphml", "analyst"),
    ("/exports/graph.csv", "analyst"),
]
RANK = {"viewer": 0, "analyst": 1, "admin": 2}


def test_health_and_version_need_no_key(api: Api) -> None:
    health = api.get("/health", role=None)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert api.get("/version", role=None).json()["api"] == 1
    assert api.get("/favicon.ico", role=None).status_code == 200


@pytest.mark.parametrize(("path", "lowest"), ROUTES)
@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
def test_every_route_for_every_role(api: Api, path: str, lowest: str, role: str) -> None:
    response = api.get(path, role=role)
    if RANK[role] >= RANK[lowest]:
        assert response.status_code == 200, (path, role, response.text[:300])
    else:
        assert response.status_code == 403, (path, role)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith("/forbidden")


@pytest.mark.parametrize("path", [p for p, _ in ROUTES])
def test_every_route_needs_a_valid_key(api: Api, path: str) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": f"Bearer {api.keys['revoked']}"},
        {"X-API-Key": api.keys["viewer"] + "x"},
    ):
        response = api.client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"
    assert api.client.get(path, headers={"X-API-Key": api.keys["admin"]}).status_code == 200


def _keys(payload: Any) -> set[str]:
    if isinstance(payload, dict):
        return set(payload) | {k for v in payload.values() for k in _keys(v)}
    if isinstance(payload, list):
        return {k for v in payload for k in _keys(v)}
    return set()


def test_viewer_never_receives_a_confidential_field(api: Api) -> None:
    for path, lowest in ROUTES:
        if lowest != "viewer":
            continue
        response = api.get(path, role="viewer")
        if path.startswith("/maps"):
            data = response.text.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
            payload = json.loads(data)
        else:
            payload = response.json()
        leaked = _keys(payload) & CONFIDENTIAL_PROPERTIES
        assert not leaked, (path, leaked)
    # the same data has them for analysts
    analyst = api.get("/people/person-00001", role="analyst").json()
    assert "email" in analyst["node"]["properties"]
    members = api.get("/alliances/alliance-000", role="analyst").json()["relationships"]
    assert any("cash_contribution" in r["properties"] for r in members)


def test_admin_imports_and_deletes_others_cannot(api: Api) -> None:
    doc = {
        "format": "alliancegraph-portfolio",
        "version": 1,
        "nodes": {"Topic": [{"id": "topic-new", "name": "Soil health"}]},
    }
    files = {"file": ("t.json", json.dumps(doc).encode(), "application/json")}
    for role in ("viewer", "analyst"):
        assert (
            api.client.post(
                "/imports", files=files, headers={"Authorization": f"Bearer {api.keys[role]}"}
            ).status_code
            == 403
        )
    admin = {"Authorization": f"Bearer {api.keys['admin']}"}
    dry = api.client.post("/imports?dry_run=true", files=files, headers=admin)
    assert dry.status_code == 200 and dry.json()["dry_run"] and not dry.json()["written"]
    done = api.client.post("/imports", files=files, headers=admin)
    assert done.json()["counts"]["Topic"]["created"] == 1
    bad = api.client.post(
        "/imports", files={"file": ("x.json", b"{not json", "application/json")}, headers=admin
    )
    assert bad.status_code == 422 and "invalid or truncated JSON" in bad.json()["detail"]
    csv = api.client.post(
        "/imports", files={"file": ("x.csv", b"a,b\n", "text/csv")}, headers=admin
    )
    assert csv.status_code == 422 and "mapping" in csv.json()["detail"]
    assert (
        api.client.delete(
            "/nodes/topic-new", headers={"Authorization": f"Bearer {api.keys['analyst']}"}
        ).status_code
        == 403
    )
    assert api.client.delete("/nodes/topic-new", headers=admin).status_code == 204
    assert api.client.delete("/nodes/topic-new", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        ("/organizations/nobody", 404, "not-found"),
        ("/portfolio/nobody/report", 404, "not-found"),
        ("/portfolio/alliance-000/report", 404, "not-found"),
        ("/paths?source=org-focal&target=nobody", 404, "not-found"),
        ("/no/such/route", 404, "not-found"),
        ("/organizations?page_size=0", 422, "invalid-request"),
        ("/organizations?page_size=100000", 422, "limit-exceeded"),
        ("/alliances?industry=water", 422, "bad-request"),
        ("/portfolio/org-focal/report?as_of=yesterday", 422, "invalid-request"),
        ("/paths?source=org-focal&target=org-00500&k=500", 422, "limit-exceeded"),
        ("/paths?source=org-focal&target=org-00500&max_hops=99", 422, "limit-exceeded"),
        ("/paths?source=alliance-000&target=org-00500", 422, "bad-request"),
        ("/ego/alliance-000?depth=9", 422, "limit-exceeded"),
        ("/maps/finding/org-focal/no_such_kind", 404, "not-found"),
    ],
)
def test_documented_errors_are_problem_documents(
    api: Api, path: str, status: int, slug: str
) -> None:
    response = api.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if slug != "bad-request":
        assert body["type"].endswith("/" + slug), body


def test_sharing_levels_hide_and_count(api: Api) -> None:
    # alliance-007 is hidden, alliance-009 counts-only (see samples/)
    for role in ("viewer", "analyst"):
        assert api.get("/alliances/alliance-007", role=role).status_code == 404
        assert api.get("/alliances/alliance-009", role=role).status_code == 404
        listed = {a["id"] for a in api.get("/alliances?page_size=200", role=role).json()["items"]}
        assert "alliance-007" not in listed and "alliance-009" not in listed
    stats_admin = api.get("/stats", role="admin").json()["labels"]["Alliance"]
    stats_analyst = api.get("/stats", role="analyst").json()["labels"]["Alliance"]
    assert stats_analyst == stats_admin - 2  # two hidden, counts-only still counted
    assert api.get("/alliances/alliance-007", role="admin").status_code == 200
    report = api.get("/portfolio/org-focal/report").json()
    text = json.dumps(report)
    for hidden in ("alliance-007", "alliance-008", "alliance-009", "alliance-010"):
        assert hidden not in text
    ego = json.dumps(api.get("/ego/org-focal", role="viewer").json())
    assert "alliance-007" not in ego and "alliance-009" not in ego
    page = api.get("/maps/portfolio", role="viewer").text
    assert "alliance-007" not in page and "alliance-009" not in page


def test_oversize_upload_is_413(tmp_path: Any) -> None:
    from tests.api.conftest import make_api

    client, keys, store = make_api(tmp_path, max_upload_mb=0.001)
    with client:
        big = io.BytesIO(b"x" * 5000)
        response = client.post(
            "/imports",
            files={"file": ("big.json", big, "application/json")},
            headers={"Authorization": f"Bearer {keys['admin']}"},
        )
    store.close()
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_slow_request_is_504_and_every_response_says_nosniff(tmp_path: Any) -> None:
    from tests.api.conftest import make_api

    client, keys, store = make_api(tmp_path, request_timeout_s=0.001)
    with client:
        response = client.get(
            "/portfolio/org-focal/report", headers={"Authorization": f"Bearer {keys['analyst']}"}
        )
    store.close()
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    assert "longer than 0.001 s" in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_rate_limit_answers_429_with_retry_after(tmp_path: Any) -> None:
    from tests.api.conftest import make_api

    client, keys, store = make_api(tmp_path, rate_limit_per_minute=5)
    with client:
        headers = {"Authorization": f"Bearer {keys['viewer']}"}
        codes = [client.get("/networks", headers=headers).status_code for _ in range(7)]
        last = client.get("/networks", headers=headers)
        other = client.get("/networks", headers={"Authorization": f"Bearer {keys['analyst']}"})
    store.close()
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert last.status_code == 429 and int(last.headers["retry-after"]) >= 1
    assert other.status_code == 200


def test_no_auth_mode_is_refused_off_loopback() -> None:
    from pydantic import ValidationError

    from api.settings import Settings

    with pytest.raises(ValidationError, match="loopback"):
        Settings(auth="none", host="0.0.0.0")


def test_a_map_says_when_its_data_was_loaded_not_when_it_was_drawn(api: Api) -> None:
    """The "data loaded" stamp is the served projection's load time, the same on every draw
    of one version (it used to be the time of drawing)."""
    graph = api.client.app.state.ag.cache.get().graph  # type: ignore[attr-defined]
    kept = graph["built_at"]
    graph["built_at"] = datetime(2021, 3, 4, 5, 6, tzinfo=UTC).timestamp()
    try:
        first = api.get("/maps/portfolio", "analyst")
        again = api.get("/maps/portfolio", "analyst")
    finally:
        graph["built_at"] = kept
    assert "data loaded 2021-03-04 05:06 UTC" in first.text  # type: ignore[attr-defined]
    assert again.text == first.text  # type: ignore[attr-defined]


def test_a_name_search_folds_accents_and_reads_other_names(tmp_path: Path) -> None:
    """``q`` finds "Zoë Lefèvre" from "lefevre", and an organization by a former name."""
    client, keys, store = make_api(tmp_path)
    store.upsert_nodes("Person", [{"id": "person-zl", "name": "Zoë Lefèvre"}])
    store.upsert_nodes(
        "Organization", [{"id": "org-meta", "name": "Meta Platforms", "aliases": ["Facebook"]}]
    )
    auth = {"Authorization": f"Bearer {keys['viewer']}"}
    with client:
        people = client.get("/people?q=lefevre", headers=auth).json()["items"]
        orgs = client.get("/organizations?q=facebook", headers=auth).json()["items"]
    store.close()
    assert [p["id"] for p in people] == ["person-zl"]
    assert [o["id"] for o in orgs] == ["org-meta"]
