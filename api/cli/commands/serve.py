"""``alliancegraph serve``: the API on the configured store (API keys required)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from api.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` command."""
    p = sub.add_parser("serve", help="serve the API (keys required; see `alliancegraph keys`)")
    p.add_argument(
        "--host", default=None, help="address to bind (default ALLIANCEGRAPH_HOST or 127.0.0.1)"
    )
    p.add_argument(
        "--port", type=int, default=None, help="port (default ALLIANCEGRAPH_PORT or 8000)"
    )
    p.add_argument(
        "--no-auth",
        action="store_true",
        help="serve without keys (refused unless the host is loopback)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the settings, open the store, serve until stopped."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings, get_settings

    base = get_settings()
    update: dict[str, object] = {}
    if args.host:
        update["host"] = args.host
    if args.port is not None:
        update["port"] = args.port
    if args.no_auth:
        update["auth"] = "none"
    settings = Settings.model_validate({**base.model_dump(), **update})
    store = settings.open_store()  # fail fast with one clear line before binding
    app = create_app(settings, store=store, serving=True)
    print(
        f"AllianceGraph API listening on http://{settings.host}:{settings.port} "
        f"(store: {settings.store}, auth: {settings.auth})",
        flush=True,
    )
    try:
        uvicorn.Server(server_config(app, settings)).run()
    finally:
        store.close()
    return 0


def server_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    """How uvicorn serves ``app``: ``X-Forwarded-For`` is believed only from the proxies
    ``forwarded_allow_ips`` names (uvicorn's own default believes any loopback peer, so a
    local caller could give each wrong key a new address and escape the failure limit)."""
    import uvicorn

    proxies = settings.forwarded_allow_ips.strip()
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        lifespan="on",
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )
