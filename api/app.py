"""The FastAPI application factory: one store, one projection cache and one key store per process."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from api import openapi, problems, web
from api.collector import Collector
from api.deps import AppState
from api.guard import BrowserGuard
from api.keys import KeyStore
from api.limits import LimitsMiddleware
from api.projection_cache import ProjectionCache
from api.routers import entities, health
from api.settings import Settings, get_settings
from api.work import jobs_running
from graph.store import GraphStore

STATIC = Path(__file__).parent / "static"
SWITCH_INTERVAL_S = 0.001
log = logging.getLogger("alliancegraph.api")

DESCRIPTION = """
Manage alliances as a portfolio. Portfolio analysts ask where alliances create synergies,
constrain each other or leave gaps; alliance managers ask who knows whom.

Authenticate with `Authorization: Bearer <key>` (create keys with
`alliancegraph keys create --role viewer|analyst|admin`). Errors are
`application/problem+json` documents with a stable `type`.
"""


def create_app(
    settings: Settings | None = None, store: GraphStore | None = None, *, serving: bool = False
) -> FastAPI:
    """Build the app; ``store`` is opened from ``settings`` at startup unless given.

    ``serving``: this process is the server (``serve``, ``demo``): the projection is built
    before the first request and each build is hidden from the cyclic garbage collector
    (:func:`api.projection_cache.settle_heap`).
    """
    settings = settings or get_settings()
    own_store = store is None
    if serving:
        # hand the interpreter lock round every millisecond (not 5): while heavy work runs
        # on worker threads, the event loop waits that much less for each turn, which keeps
        # /health and light reads quick under load
        sys.setswitchinterval(SWITCH_INTERVAL_S)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        the_store = store if store is not None else settings.open_store()
        keys = KeyStore(settings.key_file()) if settings.auth == "keys" else None
        app.state.ag = AppState(
            settings=settings,
            store=the_store,
            cache=ProjectionCache(the_store, check_interval=0.2, freeze_heap=serving),
            keys=keys,
            path_lane=CapacityLimiter(settings.path_workers),
            check_lane=CapacityLimiter(4),
            heavy_lane=CapacityLimiter(settings.heavy_workers),
        )
        collector = Collector(lambda: _lanes_busy(app.state.ag)) if serving else None
        collecting: asyncio.Task[None] | None = None
        if collector is not None:
            try:  # the first request should not wait for the projection
                await anyio.to_thread.run_sync(app.state.ag.cache.get)
            except Exception as exc:  # the store may come up later: requests will say so
                log.warning("projection not built at startup: %s", exc)
            # full collector passes only at quiet moments (api/collector.py): automatic ones
            # stalled every thread for up to half a second while heavy requests ran
            collector.install()
            collecting = asyncio.get_running_loop().create_task(collector.run())
        try:
            yield
        finally:
            if collector is not None and collecting is not None:
                collecting.cancel()
                collector.uninstall()
            if keys is not None:
                keys.close()
            if own_store:
                the_store.close()

    app = FastAPI(
        title="AllianceGraph",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app)
    openapi.install(
        app,
        limits={
            "page_size": settings.max_page_size,
            "k": settings.max_paths,
            "max_hops": settings.max_path_hops,
            "depth": settings.max_ego_depth,
        },
        filters=entities.query_parameters(),
    )
    app.include_router(health.router)
    for router in entities.routers:
        app.include_router(router)
    _install_optional_routers(app)
    web.install(app)  # the browser app under /app (api/web)

    _install_docs(app)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")

    # a foreign Host or a cross-site write is refused before any route runs
    app.add_middleware(
        BrowserGuard,
        allowed_hosts=settings.host_names(),
        allowed_origins=settings.origin_list(),
    )
    # outermost: upload size, the time limit and nosniff apply to every answer, refusals too
    app.add_middleware(
        LimitsMiddleware,
        max_upload_bytes=int(settings.max_upload_mb * 1024 * 1024),
        timeout_s=settings.request_timeout_s,
    )
    return app


def _lanes_busy(state: AppState) -> bool:
    """Any heavy, path or check work in flight (its structures still alive), stopped work
    still unwinding included (its request answered 504 and released its lane already)."""
    lanes = (state.heavy_lane, state.path_lane, state.check_lane)
    return jobs_running() > 0 or any(lane is not None and lane.borrowed_tokens > 0 for lane in lanes)


DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}


#: ``/docs`` and ``/redoc`` are never framed (clickjacking) and reach no other origin; their
#: generated pages hold an inline script and inline styles, so scripts are not restricted.
DOCS_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'; connect-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` from assets vendored in ``api/static/docs``
    (npm's swagger-ui-dist and redoc): both work offline and load nothing from a CDN."""

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="AllianceGraph API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
        )
        page.headers.update(DOCS_HEADERS)
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url="/openapi.json",
            title="AllianceGraph API",
            redoc_js_url="/static/docs/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )
        page.headers.update(DOCS_HEADERS)
        return page

    @app.get("/static/docs/{name}", include_in_schema=False)
    def docs_asset(name: str) -> FileResponse:
        if name not in DOCS_ASSETS:
            raise problems.ProblemError(404, "no such documentation asset")
        return FileResponse(
            STATIC / "docs" / name,
            media_type=DOCS_ASSETS[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )


def _install_optional_routers(app: FastAPI) -> None:
    """Routers whose query modules may be absent in a partial install are added when present."""
    import importlib

    for name in ("portfolio", "paths", "maps", "imports", "history"):
        try:
            module = importlib.import_module(f"api.routers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("api.routers"):
                continue
            raise
        for router in getattr(module, "routers", [getattr(module, "router", None)]):
            if router is not None:
                app.include_router(router)
