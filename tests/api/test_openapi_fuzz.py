"""Property-based fuzzing of the OpenAPI document (schemathesis) with every check it has —
server errors, status codes, content types, headers, response schemas, negative and
positive data, authentication (ignored auth, missing headers), use after free, resource
availability, object-level authorization — on every operation, ``/metrics`` included, and
statefully along the document's links (list, then fetch, map and report on what it lists).

One exclusion, for one operation: ``positive_data_acceptance`` on ``POST /imports``. A
schema can say "a file" but not "a readable portfolio file", so a generated upload is
schema-valid and still correctly refused with 422.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.checks
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.keys import KeyStore
from api.settings import Settings
from graph.sqlite_store import SQLiteStore

schemathesis.checks.load_all_checks()
ALL_CHECKS = list(schemathesis.checks.CHECKS.get_all())
UPLOAD_EXCLUDED = [c for c in ALL_CHECKS if c.__name__ == "positive_data_acceptance"]


def _app() -> tuple[Any, dict[str, str]]:
    root = Path(tempfile.mkdtemp())
    store = SQLiteStore(root / "fuzz.db")
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
    keys = KeyStore(root / "keys.db")
    token = keys.create("admin", "fuzz")
    keys.close()
    settings_ = Settings(
        db_path=root / "fuzz.db",
        keys_path=root / "keys.db",
        rate_limit_per_minute=10_000_000,
        auth_failures_per_minute=10_000_000,
    )
    headers = {"Authorization": f"Bearer {token}", "X-Requested-With": "schemathesis"}
    return create_app(settings_, store=store), headers


APP, HEADERS = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.auth()
class AdminKey:
    """The admin key on every generated request (and the write header), so schemathesis
    knows the authentication it sends and still tries requests without it."""

    def get(self, case: schemathesis.Case, context: Any) -> dict[str, str]:
        return HEADERS

    def set(self, case: schemathesis.Case, data: dict[str, str], context: Any) -> None:
        case.headers = {**(case.headers or {}), **data}


@pytest.fixture(scope="module", autouse=True)
def _lifespan() -> object:
    with TestClient(APP):  # type: ignore[arg-type]
        yield


def _excluded(case: schemathesis.Case) -> list[Any]:
    return UPLOAD_EXCLUDED if case.operation.path == "/imports" else []


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_passes_every_check(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=ALL_CHECKS, excluded_checks=_excluded(case))


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Follows the document's links with the admin key, every check on every step."""

    def validate_response(
        self,
        response: Any,
        case: schemathesis.Case,
        additional_checks: Any = None,
        **kwargs: Any,
    ) -> None:
        case.validate_response(
            response,
            checks=ALL_CHECKS,
            excluded_checks=_excluded(case),
            transport_kwargs=kwargs or None,
        )


TestStatefulLinks = Workflow.TestCase
TestStatefulLinks.settings = settings(
    max_examples=10,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_the_document_has_links_to_follow() -> None:
    doc = APP.openapi()
    links = doc["paths"]["/organizations"]["get"]["responses"]["200"]["links"]
    assert len(links) >= 3
