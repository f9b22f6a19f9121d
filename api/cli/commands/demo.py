"""``alliancegraph demo``: the sample portfolio in the embedded store, served on loopback."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

DEFAULT_DB = Path("alliancegraph-demo.db")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command."""
    p = sub.add_parser(
        "demo",
        help="build the sample portfolio into the embedded store and serve the API (no keys)",
    )
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help="embedded store file (%(default)s)")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1; 0 picks a free one")
    p.add_argument("--scale", type=int, default=1, help="sample size multiplier (%(default)s)")
    p.add_argument("--seed", type=int, default=7, help="sample seed (%(default)s)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the sample even if present")
    p.set_defaults(func=run)


def bind_loopback(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port``, or on a free port if that one is taken.

    The protocol is named: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    ``proto`` is IPPROTO_TCP, and without it every kept-alive response waited 40 ms.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        if port == 0:
            raise
        print(f"port {port} is taken; using a free port instead", file=sys.stderr)
        sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run(args: argparse.Namespace) -> int:
    """Build the sample if the store is empty (or ``--rebuild``), then serve until Ctrl-C."""
    import uvicorn

    from api.app import create_app
    from api.cli.commands.serve import server_config
    from api.settings import get_settings
    from graph.sqlite_store import SQLiteStore
    from samples import load_sample

    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    store = SQLiteStore(args.db)
    if store.counts().nodes == 0:
        print(f"building the sample portfolio (scale {args.scale}) into {args.db} ...", flush=True)
        load_sample(store, scale=args.scale, seed=args.seed)
    counts = store.counts()
    print(f"{counts.nodes:,} nodes and {counts.relationships:,} relationships in {args.db}")
    settings = get_settings().model_copy(
        update={"store": "embedded", "db_path": args.db, "host": "127.0.0.1", "auth": "none"}
    )
    app = create_app(settings, store=store, serving=True)
    sock = bind_loopback(args.port)
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    print(f"AllianceGraph API listening on {url}  (workbench: {url}/app, docs: {url}/docs, map: {url}/maps/portfolio)")
    print("no API keys in demo mode: loopback only. Ctrl-C stops.", flush=True)
    server = uvicorn.Server(server_config(app, settings))
    try:
        server.run(sockets=[sock])
    finally:
        store.close()
    return 0
