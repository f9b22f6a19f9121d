"""Property-based fuzzing of the OpenAPI spec (schemathesis): no 500s, and every response
matches its documented schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import Settings
from graph.sqlite_store import SQLiteStore

ROOT = Path(__file__).parent


def _app() -> object:
    import tempfile

    db = Path(tempfile.mkdtemp()) / "fuzz.db"
    store = SQLiteStore(db)
    store.upsert_nodes(
        "Organization",
        [{"id": "o1", "name": "Acme", "focal": True}, {"id": "o2", "name": "<b>Beta</b>"}],
    )
    store.upsert_nodes("Alliance", [{"id": "a1", "name": "JV", "form": "joint_venture"}])
    store.upsert_nodes("Person", [{"id": "p1", "name": "Ana"}, {"id": "p2", "name": "Li"}])
    store.upsert_relationships(
        "MEMBER_OF", [{"source": "o1", "target": "a1"}, {"source": "o2", "target": "a1"}]
    )
    store.upsert_relationships(
        "WORKS_AT", [{"source": "p1", "target": "o1"}, {"source": "p2", "target": "o2"}]
    )
    store.upsert_relationships("KNOWS", [{"source": "p1", "target": "p2", "strength": 0.5}])
    return create_app(Settings(auth="none", db_path=db, rate_limit_per_minute=100_000), store=store)


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _lifespan() -> object:
    from fastapi.testclient import TestClient

    with TestClient(APP):  # type: ignore[arg-type]
        yield


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_errors_and_matches_its_schema(case: schemathesis.Case) -> None:
    if case.method == "POST":  # uploads are covered with real files in test_routes
        case.headers = case.headers or {}
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    case.validate_response(
        response,
        checks=(
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.not_a_server_error,
        ),
    )
