"""``alliancegraph keys``: create, list and revoke API keys (stored hashed)."""

from __future__ import annotations

import argparse
import json

from api.keys import KeyStore, Role


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``keys`` command group."""
    p = sub.add_parser("keys", help="create, list and revoke API keys")
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    c = ks.add_parser("create", help="create a key; its token is printed once")
    c.add_argument("--role", choices=[r.value for r in Role], required=True)
    c.add_argument("--name", default="", help="who or what the key is for")
    c.add_argument(
        "--scope",
        action="append",
        default=None,
        metavar="ID",
        help="confine the key to this organization or alliance id (repeatable)",
    )
    c.set_defaults(func=create)
    ls = ks.add_parser("list", help="list keys (never their secrets)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_keys)
    r = ks.add_parser("revoke", help="revoke a key by its id")
    r.add_argument("key_id")
    r.set_defaults(func=revoke)


def _keys() -> KeyStore:
    from api.settings import get_settings

    return KeyStore(get_settings().key_file())


def _check_scope(scope: list[str]) -> None:
    """Refuse a scope naming an id the store does not hold (a typo would make a key that
    sees nothing, silently)."""
    from api.settings import get_settings

    store = get_settings().open_store()
    try:
        graph = store.projection()
    finally:
        store.close()
    unknown = [s for s in scope if s not in graph]
    if unknown:
        raise ValueError(f"--scope: no node with id {', '.join(map(repr, unknown))} in the store")
    wrong = [s for s in scope if graph.nodes[s].get("label") not in ("Organization", "Alliance")]
    if wrong:
        raise ValueError(
            f"--scope: {', '.join(map(repr, wrong))} is not an organization or alliance"
        )


def create(args: argparse.Namespace) -> int:
    """Create a key and print its token (a scope must name organizations or alliances the
    store holds)."""
    if args.scope:
        _check_scope(args.scope)
    keys = _keys()
    token = keys.create(args.role, args.name, args.scope)
    keys.close()
    print(token)
    return 0


def list_keys(args: argparse.Namespace) -> int:
    """List keys."""
    keys = _keys()
    rows = keys.list()
    keys.close()
    if args.json:
        print(json.dumps([r.__dict__ | {"role": r.role.value} for r in rows]))
        return 0
    for r in rows:
        state = "revoked" if r.revoked else "active"
        scope = ",".join(r.scope) if r.scope else "-"
        print(f"{r.key_id}  {r.role.value:<8} {state:<8} {r.created}  scope={scope}  {r.name}")
    return 0


def revoke(args: argparse.Namespace) -> int:
    """Revoke a key."""
    keys = _keys()
    ok = keys.revoke(args.key_id)
    keys.close()
    if not ok:
        raise ValueError(f"no API key with id {args.key_id!r}")
    print(f"revoked {args.key_id}")
    return 0
