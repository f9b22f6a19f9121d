"""The OpenAPI document as the service really answers: the key scheme, and every error it
may return documented as ``application/problem+json`` (FastAPI documents only a 422 of its
own shape, which this service never sends)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.problems import MEDIA_TYPE, Problem

#: routes that need no key
OPEN = frozenset({"/health", "/version"})
ERRORS = {
    "400": "the Host header is not one this server answers to",
    "401": "no valid API key",
    "403": "the key's role may not do this, or a write from another site",
    "404": "no such id, or none this key may see (the same answer for both)",
    "422": "invalid parameters, or a refused or failed import",
    "429": "the key's rate limit was reached (see Retry-After)",
    "503": "the graph store is unavailable",
    "504": "the request took longer than the time limit; its work was stopped",
}
WRITE_ERRORS = {"413": "the upload is larger than the limit"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _operation_ids(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (path, method): op["operationId"]
        for path, operations in doc.get("paths", {}).items()
        for method, op in operations.items()
        if "operationId" in op
    }


def _links(doc: dict[str, Any]) -> None:
    """OpenAPI links from each list to what its items lead to (stateful testing follows
    them: list organizations, then fetch, map and report on the first)."""
    ids = _operation_ids(doc)
    item = "$response.body#/items/0/id"
    targets: dict[str, list[tuple[str, str]]] = {
        "/organizations": [
            ("/organizations/{node_id}", "node_id"),
            ("/portfolio/{org}/report", "org"),
            ("/maps/portfolio/{org}", "org"),
            ("/ego/{node_id}", "node_id"),
        ],
        "/alliances": [
            ("/alliances/{node_id}", "node_id"),
            ("/maps/alliance/{alliance}", "alliance"),
            ("/maps/ego/{node_id}", "node_id"),
        ],
        "/networks": [("/networks/{node_id}", "node_id")],
        "/people": [("/people/{node_id}", "node_id"), ("/ego/{node_id}", "node_id")],
    }
    for source, links in targets.items():
        response = doc.get("paths", {}).get(source, {}).get("get", {}).get("responses", {})
        if "200" not in response:
            continue
        response["200"]["links"] = {
            ids[(target, "get")]: {"operationId": ids[(target, "get")], "parameters": {name: item}}
            for target, name in links
            if (target, "get") in ids
        }


def _fit_to_settings(
    doc: dict[str, Any], limits: dict[str, int], filters: dict[str, set[str]]
) -> None:
    """Parameters as this server accepts them: the configured maxima (``page_size``,
    ``k``, ``depth``...) and, per collection, only the filters it has."""
    for path, operations in doc.get("paths", {}).items():
        for op in operations.values():
            params = op.get("parameters", [])
            allowed = filters.get(path)
            if allowed is not None:
                params[:] = [p for p in params if p["in"] != "query" or p["name"] in allowed]
            for param in params:
                if param["in"] == "query" and param["name"] in limits:
                    schema = param.get("schema", {})
                    options = schema.get("anyOf", [schema])
                    for option in options:
                        if option.get("type") == "integer":
                            option["maximum"] = limits[param["name"]]


def build(
    app: FastAPI,
    limits: dict[str, int] | None = None,
    filters: dict[str, set[str]] | None = None,
) -> dict[str, Any]:
    """The app's OpenAPI document with the security scheme, the problem responses, the
    configured limits and the links between operations."""
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    _fit_to_settings(doc, limits or {}, filters or {})
    _links(doc)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "an API key"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    for path, operations in doc.get("paths", {}).items():
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            wanted = dict(ERRORS)
            if path in OPEN:
                wanted = {k: v for k, v in ERRORS.items() if k in ("400", "503", "504")}
            else:
                op["security"] = [{"bearer": []}, {"apiKey": []}]
            if method in ("post", "put", "patch"):
                wanted.update(WRITE_ERRORS)
            for status, description in wanted.items():
                responses[status] = _problem(
                    str(responses.get(status, {}).get("description") or description)
                )
    return doc


def install(
    app: FastAPI, limits: dict[str, int] | None = None, filters: dict[str, set[str]] | None = None
) -> None:
    """Serve :func:`build`'s document at ``/openapi.json`` (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app, limits, filters)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
