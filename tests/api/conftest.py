"""The API over the sample portfolio, with one key per role and one scoped key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.keys import KeyStore
from api.settings import Settings
from graph.sqlite_store import SQLiteStore
from samples import load_sample


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    store: SQLiteStore

    def get(self, path: str, role: str | None = "analyst", **kw: object) -> object:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return self.client.get(path, headers=headers, **kw)  # type: ignore[arg-type]


def make_api(tmp: Path, **settings: object) -> tuple[TestClient, dict[str, str], SQLiteStore]:
    store = SQLiteStore(tmp / "api.db")
    if store.counts().nodes == 0:
        load_sample(store, scale=1)
    keys_path = tmp / "keys.db"
    ks = KeyStore(keys_path)
    keys = {role: ks.create(role, f"test {role}") for role in ("viewer", "analyst", "admin")}
    keys["scoped"] = ks.create("analyst", "partner", ["alliance-001"])
    revoked = ks.create("admin", "gone")
    ks.revoke(revoked.split("_")[1])
    keys["revoked"] = revoked
    ks.close()
    app = create_app(Settings(db_path=tmp / "api.db", keys_path=keys_path, **settings), store=store)
    return TestClient(app), keys, store


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    client, keys, store = make_api(tmp_path_factory.mktemp("api"))
    with client:
        yield Api(client, keys, store)
    store.close()
