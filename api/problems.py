"""Errors as ``application/problem+json`` (RFC 9457): a stable ``type``, a title and a detail.

Domain errors carry their status here, in one place; raw database or driver text never
reaches a client (it is logged instead).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.records import BatchValidationError
from graph.store import StoreError

log = logging.getLogger("alliancegraph.api")
PROBLEM_BASE = "https://alliancegraph.dev/problems/"
MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Upload too large"),
    422: ("invalid-request", "Invalid request"),
    429: ("rate-limited", "Too many requests"),
    503: ("store-unavailable", "Store unavailable"),
    504: ("timeout", "Request took too long"),
}


class Problem(BaseModel):
    """The body of every error response."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
    #: a failed import: how many rows were rejected (``errors`` lists the first 100)
    rejected: int | None = None
    #: a failed import: rows read, rejected, merged per label and type
    counts: dict[str, Any] | None = None


class ProblemError(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.errors = errors
        self.headers = headers
        self.extra = extra


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response for ``status``."""
    default_slug, title = _TITLES.get(status, ("error", "Error"))
    body = Problem(
        type=PROBLEM_BASE + (slug or default_slug),
        title=title,
        status=status,
        detail=detail,
        errors=errors,
        **(extra or {}),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def not_found(what: str, ident: str) -> ProblemError:
    """The one 404 for ids: the same bytes whether the id is absent or hidden from the caller
    (``ident`` is not echoed, so a hidden id and an unknown one answer identically)."""
    del ident
    return ProblemError(404, f"no {what} with this id (or none this key may see)")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            slug=exc.slug,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"there is no {request.method} {request.url.path} in this API (see /docs)"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        return problem_response(422, f"invalid request: {where}", errors=errors)

    @app.exception_handler(BatchValidationError)
    async def _batch(_: Request, exc: BatchValidationError) -> JSONResponse:
        errors = [{"row": e.row, "field": e.field, "reason": e.reason} for e in exc.errors[:100]]
        return problem_response(422, str(exc), slug="invalid-rows", errors=errors)

    @app.exception_handler(StoreError)
    async def _store(_: Request, exc: StoreError) -> JSONResponse:
        log.error("store error: %s", exc)
        return problem_response(503, "the graph store is unavailable; try again shortly")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(
            500, "an unexpected error occurred; it has been logged", slug="internal"
        )
