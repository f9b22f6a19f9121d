"""Admins read the history and work the review queue through the API; uploads share the
queue with the command line; the projection follows each import and decision."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph.sqlite_store import SQLiteStore
from loaders.pipeline import load_path
from loaders.review import StoredReviewQueue
from tests.api.conftest import make_api
from tests.loaders.conftest import write_doc


@pytest.fixture
def admin_api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], SQLiteStore]]:
    store = SQLiteStore(tmp_path / "api.db")
    store.upsert_nodes(
        "Organization",
        [
            {"id": "org-gha", "name": "Global Health Alliance"},
            {"id": "org-ghas", "name": "Global Health Alliances"},
        ],
    )
    store.upsert_nodes("Alliance", [{"id": "all-1", "name": "Clean Water Coalition"}])
    client, keys, store = make_api(tmp_path)
    with client:
        yield client, keys, store
    store.close()


def _upload_doc() -> bytes:
    doc = {
        "format": "alliancegraph-portfolio",
        "version": 1,
        "nodes": {"Organization": [{"id": "org-new", "name": "Global Health Aliance"}]},
        "relationships": {"MEMBER_OF": [{"source": "org-new", "target": "all-1"}]},
    }
    return json.dumps(doc).encode()


def _auth(keys: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[role]}"}


def test_upload_holds_an_ambiguous_organization_in_the_shared_queue(
    admin_api: tuple[TestClient, dict[str, str], SQLiteStore],
) -> None:
    client, keys, store = admin_api
    r = client.post(
        "/imports",
        headers=_auth(keys, "admin"),
        files={"file": ("upload.json", _upload_doc(), "application/json")},
    )
    assert r.status_code in (200, 201), r.text
    assert r.json()["ambiguities"]
    assert store.get_node("org-new") is None
    # the command line sees the same item
    (item,) = StoredReviewQueue(store).open_items()
    listed = client.get("/review", headers=_auth(keys, "admin")).json()
    assert [i["review_id"] for i in listed] == [item.review_id]
    assert listed[0]["held_rows"] == 2
    assert client.get("/review", headers=_auth(keys, "analyst")).status_code == 403


def test_accepting_through_the_api_writes_the_held_rows_and_is_served(
    admin_api: tuple[TestClient, dict[str, str], SQLiteStore],
) -> None:
    client, keys, store = admin_api
    client.post(
        "/imports",
        headers=_auth(keys, "admin"),
        files={"file": ("upload.json", _upload_doc(), "application/json")},
    )
    (item,) = client.get("/review", headers=_auth(keys, "admin")).json()
    r = client.post(
        f"/review/{item['review_id']}",
        headers=_auth(keys, "admin"),
        json={"action": "accept", "into": "org-gha"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"decided": [item["review_id"]], "written": 2}
    hood = client.get("/organizations/org-gha", headers=_auth(keys, "analyst")).json()
    assert "all-1" in json.dumps(hood)
    assert client.get("/review", headers=_auth(keys, "admin")).json() == []
    assert client.post(
        "/review/0123456789", headers=_auth(keys, "admin"), json={"action": "reject"}
    ).status_code == 404


def test_history_lists_imports_deletes_and_decisions_for_admins(
    admin_api: tuple[TestClient, dict[str, str], SQLiteStore], tmp_path: Path
) -> None:
    client, keys, store = admin_api
    load_path(store, write_doc(tmp_path / "t.json", {"Topic": [{"id": "t-1", "name": "Water"}]}))
    assert client.delete("/nodes/t-1", headers=_auth(keys, "admin")).status_code == 204
    events = client.get("/history", headers=_auth(keys, "admin")).json()
    assert events[0]["action"] == "delete" and events[0]["subject"] == "t-1"
    assert events[0]["actor"].startswith("key:")
    assert events[1]["action"] == "import" and events[1]["detail"]["file"] == "t.json"
    assert client.get("/history", headers=_auth(keys, "analyst")).status_code == 403


def test_a_path_hop_names_the_file_and_row_it_came_from(
    admin_api: tuple[TestClient, dict[str, str], SQLiteStore], tmp_path: Path
) -> None:
    client, keys, store = admin_api
    doc = write_doc(
        tmp_path / "crm.json",
        {"Person": [{"id": "p-a", "name": "Ana"}, {"id": "p-b", "name": "Ben"}]},
        {"KNOWS": [{"source": "p-a", "target": "p-b", "strength": 0.8}]},
    )
    load_path(store, doc)
    r = client.get(
        "/paths?source=p-a&target=p-b&sources=true", headers=_auth(keys, "viewer")
    )
    assert r.status_code == 200, r.text
    (hop,) = r.json()["paths"][0]["hops"]
    assert hop["sources"][0]["file"] == "crm.json" and hop["sources"][0]["row"] is not None
    assert "crm.json" in hop["explanation"]
