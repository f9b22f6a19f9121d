"""Request dependencies: the shared state, the caller's principal and what it may see."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio.to_thread
import networkx as nx
from anyio import CapacityLimiter
from fastapi import Depends, Request

from api.access import Access
from api.keys import KeyStore, Principal, Role
from api.problems import ProblemError
from api.projection_cache import ProjectionCache
from api.result_cache import ResultCache
from api.settings import Settings
from graph.store import GraphStore

LOCAL = Principal("local", Role.ADMIN, None, "no-auth demo")


@dataclass
class AppState:
    """Everything one process shares: settings, the store, the projection and the keys."""

    settings: Settings
    store: GraphStore
    cache: ProjectionCache
    keys: KeyStore | None
    hits: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    access_cache: dict[tuple[int, int, str], Access] = field(default_factory=dict)
    #: one view per store version and signature (role class, scope), shared by its keys
    view_cache: dict[tuple[object, ...], Access] = field(default_factory=dict)
    results: ResultCache = field(default_factory=ResultCache)
    #: the threads introduction paths run on (sized by ``settings.path_workers``), apart
    #: from the general pool so long reports and imports never hold them up
    path_lane: CapacityLimiter | None = None
    #: threads for store-version checks, rebuilds and new keys' views: never queued
    #: behind long reports and imports in the general pool either
    check_lane: CapacityLimiter | None = None
    #: threads for heavy work (reports, metrics, deep ego, maps, exports, imports): few, so
    #: the event loop keeps its share of the interpreter lock and /health stays quick
    heavy_lane: CapacityLimiter | None = None


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.ag
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


async def get_principal(request: Request, state: StateDep) -> Principal:
    """The caller, from ``Authorization: Bearer <key>`` or ``X-API-Key``; 401 without one."""
    if state.settings.auth == "none":
        return LOCAL
    token = _token(request)
    principal = verify_guarded(state, request, token)
    if principal is None:
        raise ProblemError(
            401,
            "a valid API key is required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    _rate_limit(state, principal)
    return principal


def verify_guarded(state: AppState, request: Request, token: str | None) -> Principal | None:
    """The principal of ``token`` (``None``: missing, unknown or revoked). A client address
    that failed too often this minute gets 429 before its key is checked, and every failure
    counts: API headers, the browser's sign-in form and its cookie share one limit."""
    if not token or state.keys is None:
        return None
    client = f"failed:{request.client.host if request.client else '-'}"
    _refuse_guessing(state, client)
    principal = state.keys.verify(token)
    if principal is None:
        _count_failure(state, client)
    return principal


#: counters kept before the ones idle for a minute are dropped (one per address or key)
MAX_COUNTERS = 4096


def count_failure(state: AppState, request: Request) -> None:
    """Count a failed authentication that presented no key (an unknown browser session)
    toward the client address's limit: 429 once it is reached."""
    client = f"failed:{request.client.host if request.client else '-'}"
    _refuse_guessing(state, client)
    _count_failure(state, client)


def _recent(state: AppState, key: str, now: float) -> deque[float]:
    if key not in state.hits and len(state.hits) >= MAX_COUNTERS:
        _forget_idle(state, now)
    hits = state.hits.setdefault(key, deque())
    while hits and now - hits[0] > 60:
        hits.popleft()
    return hits


def _forget_idle(state: AppState, now: float) -> None:
    """Drop the counters with no hit this minute: every address that ever called would
    otherwise keep one for the life of the server."""
    idle = [key for key, hits in state.hits.items() if not hits or now - hits[-1] > 60]
    for key in idle:
        del state.hits[key]


def _refuse_guessing(state: AppState, client: str) -> None:
    """429 for a client address that failed authentication too often this minute (key
    guessing), before its next key is even checked."""
    now = time.monotonic()
    with state.lock:
        hits = _recent(state, client, now)
        if len(hits) >= state.settings.auth_failures_per_minute:
            retry = max(1, int(60 - (now - hits[0])) + 1)
            raise ProblemError(
                429,
                "too many failed authentications from this address; wait and retry",
                headers={"Retry-After": str(retry)},
            )


def _count_failure(state: AppState, client: str) -> None:
    with state.lock:
        _recent(state, client, time.monotonic()).append(time.monotonic())


def _rate_limit(state: AppState, principal: Principal) -> None:
    limit = state.settings.rate_limit_per_minute
    now = time.monotonic()
    with state.lock:
        hits = _recent(state, principal.key_id, now)
        if len(hits) >= limit:
            retry = max(1, int(60 - (now - hits[0])) + 1)
            raise ProblemError(
                429,
                f"rate limit of {limit} requests a minute reached for this key",
                headers={"Retry-After": str(retry)},
            )
        hits.append(now)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Any:
    """A dependency that admits ``role`` and above, 403 otherwise."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.at_least(role):
            raise ProblemError(
                403,
                f"this needs the {role.value} role or higher; the key has {principal.role.value}",
            )
        return principal

    return Depends(check)


def get_graph(state: StateDep) -> nx.MultiDiGraph:
    return state.cache.get()


async def get_access(state: StateDep, principal: PrincipalDep) -> AsyncIterator[Access]:
    """What the caller may see of the current projection (cached per version and key),
    which stays unchanged until the request ends (writes are applied to the other replica).

    Answered on the event loop when nothing needs doing (the usual case); checking the
    store, following its writes or building a new key's view runs on a thread.
    """
    current = state.cache.fresh()
    graph: nx.MultiDiGraph = (
        current
        if current is not None
        else await anyio.to_thread.run_sync(state.cache.get, limiter=state.check_lane)
    )
    replica = state.cache.checkout(graph)
    try:
        version = int(graph.graph.get("version", 0))
        key = (id(graph), version, principal.key_id)
        access = state.access_cache.get(key)
        if access is None:
            shared = (version, id(graph), *Access.signature(principal))
            base = state.view_cache.get(shared)
            if base is not None:
                access = base.for_principal(principal)
            else:
                access = await anyio.to_thread.run_sync(
                    Access, graph, principal, limiter=state.check_lane
                )
            with state.lock:
                if len(state.access_cache) > 256:
                    state.access_cache.clear()
                    state.view_cache.clear()
                state.access_cache[key] = access
                state.view_cache.setdefault(shared, access)
        yield access
    finally:
        state.cache.checkin(replica)


AccessDep = Annotated[Access, Depends(get_access)]
ViewerDep = require(Role.VIEWER)
AnalystDep = require(Role.ANALYST)
AdminDep = require(Role.ADMIN)
