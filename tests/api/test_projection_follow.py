"""The served projection and the imports' organization index follow writes, on every store:
after random imports (by id, by name, dry runs), renames and deletes, both equal what a
fresh build from the store gives, and neither is rebuilt to get there."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.projection_cache import ProjectionCache
from api.settings import Settings
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from graph.writer import delete_node
from loaders.org_cache import OrgIndexCache, build_index
from loaders.pipeline import load_path
from loaders.resolve import OrgIndex
from tests.loaders.conftest import write_doc

CONTACTS = Path(__file__).parents[2] / "loaders" / "mappings" / "contacts.yaml"
COMPANIES = [
    "Acme Ltd",
    "ACME Ltd.",
    "Nimbus Analytics",
    "Nimbus Analytic",
    "Orbit Foods",
    "Delta 7",
]
HEAD = "Contact ID,Full Name,Email,Company,Job Title,Since\n"


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    ea = {(u, v, k): d for u, v, k, d in a.edges(keys=True, data=True)}
    eb = {(u, v, k): d for u, v, k, d in b.edges(keys=True, data=True)}
    assert ea == eb


def _shape(index: OrgIndex) -> dict[str, Any]:
    """What resolution reads of an index (order of ids under a key aside)."""
    return {
        "names": dict(index.names),
        "keys": {k: sorted(v) for k, v in index.keys.items() if v},
        "choices": dict(index.choices),
        "blocks": {k: dict(v) for k, v in index.blocks.items() if v},
    }


def _load(cache: ProjectionCache, store: GraphStore, path: Path, **options: Any) -> None:
    """An import as the API runs it: resolved against the served graph with the kept
    organization index, then followed."""
    with cache.lease() as graph:
        load_path(store, path, graph=graph, org_index=cache.org_index, **options)
    cache.refresh()


def _random_step(rng: random.Random, step: int, tmp: Path) -> tuple[Path, dict[str, Any]]:
    kind = rng.choice(["doc", "contacts", "contacts-dry"])
    if kind == "doc":
        orgs = [
            {
                "id": f"org-{rng.randrange(5)}",
                "name": rng.choice(COMPANIES),
                "industry": rng.choice(["water", "food"]),
            }
            for _ in range(3)
        ]
        orgs = list({o["id"]: o for o in orgs}.values())
        people = [{"id": f"p-{step}-{i}", "name": f"P {step} {i}"} for i in range(2)]
        rels = {
            "WORKS_AT": [
                {"source": p["id"], "target": rng.choice(orgs)["id"], "title": rng.choice("ab")}
                for p in people
            ]
        }
        path = write_doc(tmp / f"s{step}.json", {"Organization": orgs, "Person": people}, rels)
        return path, {"review": False}
    rows = [
        f"{step * 10 + i},Person {step} {i},,{rng.choice(COMPANIES)},CEO,2020-01-0{i + 1}"
        for i in range(3)
    ]
    path = tmp / f"s{step}.csv"
    path.write_text(HEAD + "\n".join(rows) + "\n")
    return path, {"mapping": CONTACTS, "review": False, "dry_run": kind == "contacts-dry"}


def test_projection_and_org_index_follow_random_writes_as_a_fresh_build_would(
    tmp_path: Path, store: GraphStore
) -> None:
    rng = random.Random(11)
    cache = ProjectionCache(store)
    cache.get()
    moves = 0
    for step in range(14):
        path, options = _random_step(rng, step, tmp_path)
        before = store.version()
        _load(cache, store, path, **options)
        moves += store.version() != before
        if step % 4 == 3:
            graph = cache.get()
            orgs = sorted(n for n, d in graph.nodes(data=True) if d["label"] == "Organization")
            people = sorted(n for n, d in graph.nodes(data=True) if d["label"] == "Person")
            for gone in (rng.choice(orgs), rng.choice(people)):
                delete_node(store, gone, actor="t")
            cache.refresh()
            moves += 1
        fresh = store.projection()
        with cache.lease() as graph:
            assert graph.graph["version"] == store.version()
            _same(graph, fresh)
            index = cache.org_index.acquire(graph)
            assert index is not None
            try:
                assert _shape(index) == _shape(build_index(fresh))
            finally:
                cache.org_index.release()
    assert cache.builds == 1 and cache.applied == moves >= 10
    assert cache.org_index.builds == 1 and cache.org_index.syncs >= 14


def test_a_write_is_read_from_the_store_once_not_once_per_replica(tmp_path: Path) -> None:
    class Recording(SQLiteStore):
        """The embedded store, noting which nodes each follow asks it for."""

        fetched: list[set[str]]

        def fetch(self, node_ids: Any, rels: Any) -> Any:
            ids = set(node_ids)
            self.fetched.append(ids)
            return super().fetch(ids, rels)

    store = Recording(tmp_path / "r.db")
    store.fetched = []
    cache = ProjectionCache(store)
    cache.get()
    for i in range(3):
        store.upsert_nodes("Organization", [{"id": f"org-{i}", "name": f"Org {i}"}])
        graph = cache.refresh()
        assert f"org-{i}" in graph and graph.graph["version"] == store.version()
        _same(graph, store.projection())
    # the first follow may work on a fresh copy; every later one catches the standby up
    # on the previous write from memory and asks the store for its own write only
    assert store.fetched == [{"org-0"}, {"org-1"}, {"org-2"}]
    store.close()


def test_an_upload_after_a_delete_resolves_against_the_store_as_it_is_now(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "api.db")
    app = create_app(Settings(db_path=tmp_path / "api.db", auth="none"), store=store)
    headers = {"X-Requested-With": "test"}

    def upload(org_id: str, name: str) -> dict[str, Any]:
        body = write_doc(
            tmp_path / f"{org_id}.json", {"Organization": [{"id": org_id, "name": name}]}
        )
        res = client.post(
            "/imports",
            files={"file": (body.name, body.read_bytes(), "application/json")},
            headers=headers,
        )
        assert res.status_code == 200, res.text
        return dict(res.json())

    with TestClient(app) as client:
        upload("org-nimbus", "Nimbus Analytics")
        assert upload("org-other", "Orbit Foods")["merges"] == []
        assert client.delete("/nodes/org-nimbus", headers=headers).status_code == 204
        # the kept index must have let go of the deleted organization's name
        report = upload("org-nimbus-2", "Nimbus Analytics")
        assert report["merges"] == []
        assert client.get("/organizations/org-nimbus-2").status_code == 200
        # and it knows the names uploaded since it was built
        again = upload("org-orbit-2", "Orbit Foods")
        assert [(m["into"], m["rule"]) for m in again["merges"]] == [("org-other", "exact_alias")]
        kept = app.state.ag.cache.org_index
        assert kept.builds == 1 and kept.syncs == 3
    store.close()


def test_a_second_import_at_once_indexes_for_itself(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.upsert_nodes("Organization", [{"id": "org-a", "name": "Acme"}])
    kept = OrgIndexCache(store)
    graph = store.projection()
    first = kept.acquire(graph)
    assert first is not None and set(first.names) == {"org-a"}
    assert kept.acquire(graph) is None  # lent: the second import builds its own
    kept.release()
    assert kept.acquire(graph) is first
    kept.release()
    store.close()


@pytest.mark.parametrize("share_of_store", [0.0, 1.0])
def test_a_large_change_rebuilds_the_index_and_a_small_one_syncs_it(
    tmp_path: Path, share_of_store: float
) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.upsert_nodes("Organization", [{"id": f"o-{i}", "name": f"Org {i}"} for i in range(2_000)])
    kept = OrgIndexCache(store)
    kept.acquire(store.projection())
    kept.release()
    changed = int(2_000 * share_of_store) or 1
    store.upsert_nodes(
        "Organization", [{"id": f"o-{i}", "name": f"Firm {i}"} for i in range(changed)]
    )
    graph = store.projection()
    index = kept.acquire(graph)
    assert index is not None and _shape(index) == _shape(build_index(graph))
    kept.release()
    assert (kept.builds, kept.syncs) == ((2, 0) if share_of_store else (1, 1))
    store.close()


def test_a_large_upload_written_by_a_process_is_served_once_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loaders import pipeline

    monkeypatch.setattr(pipeline, "WRITE_PROCESS_MIN_BYTES", 1)  # every upload is "large"
    started: list[object] = []
    real = SQLiteStore.import_process

    def spy(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
        started.append(real(self, *args, **kwargs))
        return started[-1]

    monkeypatch.setattr(SQLiteStore, "import_process", spy)
    store = SQLiteStore(tmp_path / "api.db")
    app = create_app(Settings(db_path=tmp_path / "api.db", auth="none"), store=store)
    headers = {"X-Requested-With": "test"}
    rows = "".join(f"{i},Person {i},p{i}@x.example,Orbit Foods,CEO,2020-01-01\n" for i in range(300))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200  # the projection is built
        res = client.post(
            "/imports",
            files={
                "file": ("contacts.csv", (HEAD + rows).encode()),
                "mapping": ("contacts.yaml", CONTACTS.read_bytes()),
            },
            headers=headers,
        )
        assert res.status_code == 200, res.text
        assert res.json()["written"] is True
        assert client.get("/organizations/org-orbit-foods").status_code == 200
        graph = app.state.ag.cache.get()
        assert graph.graph["version"] == store.version()
        assert sum(1 for _, d in graph.nodes(data=True) if d["label"] == "Person") == 300
        _same(graph, store.projection())
        assert app.state.ag.cache.builds == 1  # followed, not rebuilt
        assert len(started) == 1 and started[0] is not None  # written by a process
    store.close()
