"""API keys: random tokens shown once, stored only as SHA-256 hashes, with a role and a scope.

A token reads ``ag_<key id>_<secret>``; the id finds the row, the secret's hash is compared
in constant time. Keys live in their own SQLite file beside the store (both backends).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path


class Role(StrEnum):
    """What a key may do: viewer (maps, paths, names) < analyst (every read) < admin."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"viewer": 0, "analyst": 1, "admin": 2}[self.value]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key id, its role and (optionally) the ids it is confined to."""

    key_id: str
    role: Role
    scope: frozenset[str] | None = None
    name: str = ""

    @property
    def actor(self) -> str:
        """How the history names this key: ``key:<name>``, else ``key:<id>``."""
        return f"key:{self.name or self.key_id}"

    def at_least(self, role: Role) -> bool:
        return self.role.rank >= role.rank


@dataclass(frozen=True)
class KeyInfo:
    """A stored key, without its secret."""

    key_id: str
    name: str
    role: Role
    scope: list[str] | None
    created: str
    revoked: bool


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """Create, verify, list and revoke API keys in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # only the owner may read the key hashes (and SQLite's journal beside them)
        old = os.umask(0o077)
        try:
            self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA user_version")  # creates the file under this umask
        finally:
            os.umask(old)
        path.chmod(0o600)
        self._lock = threading.Lock()
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS api_keys (key_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " role TEXT NOT NULL, scope TEXT, hash TEXT NOT NULL, created TEXT NOT NULL,"
            " revoked INTEGER NOT NULL DEFAULT 0)"
        )

    def create(self, role: Role | str, name: str = "", scope: list[str] | None = None) -> str:
        """Store a new key and return its token (the only time the secret is seen).

        An admin key has no scope: imports, deletes, review decisions and the history act on
        the whole store, so a scope could not confine it (refused, not silently ignored)."""
        role = Role(role)
        if role is Role.ADMIN and scope:
            raise ValueError(
                "an admin key cannot have a scope: imports, deletes, review decisions and the "
                "history act on the whole store; give a scoped key the analyst or viewer role"
            )
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        with self._lock:
            self._conn.execute(
                "INSERT INTO api_keys(key_id, name, role, scope, hash, created) VALUES (?,?,?,?,?,?)",
                (
                    key_id,
                    name,
                    role.value,
                    json.dumps(scope) if scope else None,
                    _hash(secret),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )
        return f"ag_{key_id}_{secret}"

    def verify(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token, else ``None``."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "ag":
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT name, role, scope, hash, revoked FROM api_keys WHERE key_id = ?",
                (parts[1],),
            ).fetchone()
        if row is None or row[4] or not hmac.compare_digest(row[3], _hash(parts[2])):
            return None
        scope = frozenset(json.loads(row[2])) if row[2] else None
        role = Role(row[1])
        if role is Role.ADMIN and scope is not None:  # made before scoped admins were refused
            role = Role.ANALYST
        return Principal(parts[1], role, scope, row[0])

    def list(self) -> list[KeyInfo]:
        """Every key, newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT key_id, name, role, scope, created, revoked FROM api_keys ORDER BY created DESC"
            ).fetchall()
        return [
            KeyInfo(r[0], r[1], Role(r[2]), json.loads(r[3]) if r[3] else None, r[4], bool(r[5]))
            for r in rows
        ]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; ``False`` if there is no such key."""
        with self._lock:
            cur = self._conn.execute("UPDATE api_keys SET revoked = 1 WHERE key_id = ?", (key_id,))
        return cur.rowcount > 0

    def close(self) -> None:
        self._conn.close()
