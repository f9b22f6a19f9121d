"""The app's HTTP routes, read from ``app.routes`` (so a new route is covered without a list)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class RouteInfo:
    """One route: its path template, methods, path parameters and query parameters."""

    path: str
    methods: frozenset[str]
    path_params: tuple[str, ...]
    query_params: tuple[tuple[str, bool], ...]  # (name, required)


def _walk(routes: Iterable[Any]) -> Iterator[Any]:
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):  # an included router (FastAPI >= 0.165)
            yield from _walk(candidates())
        else:
            yield route


def _params(dependant: Dependant, kind: str) -> list[Any]:
    """The route's parameters of ``kind`` ("path_params", "query_params"), sub-dependencies
    included."""
    out = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        out += [p for p in _params(sub, kind) if p.name not in {q.name for q in out}]
    return out


def api_routes(app: FastAPI) -> list[RouteInfo]:
    """Every FastAPI route of ``app`` with its full path (prefixes applied)."""
    out = []
    for entry in _walk(app.routes):
        route = getattr(entry, "original_route", entry)
        if not isinstance(route, APIRoute):
            continue
        dependant = route.dependant
        out.append(
            RouteInfo(
                path=str(getattr(entry, "path", route.path)),
                methods=frozenset(route.methods or ()),
                path_params=tuple(p.name for p in _params(dependant, "path_params")),
                query_params=tuple(
                    (p.name, bool(p.field_info.is_required()))
                    for p in _params(dependant, "query_params")
                ),
            )
        )
    return out
