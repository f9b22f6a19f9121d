"""The browser app served by the API (``/app``): same process, same keys, same sharing view.

``install(app)`` adds its pages, its static assets (``/app/static``, vendored, no build step)
and its sign-in redirects.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parents[1] / "static" / "app"


def install(app: FastAPI) -> None:
    """Register the browser app on ``app``."""
    from api.web.routes import install_handlers, router

    app.include_router(router)
    app.add_api_route("/", _to_app, include_in_schema=False)  # a person opening the address
    app.mount("/app/static", StaticFiles(directory=STATIC), name="app-static")
    install_handlers(app)


def _to_app() -> RedirectResponse:
    """The bare address opens the workbench."""
    return RedirectResponse("/app", status_code=307)
