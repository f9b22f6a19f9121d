"""Open the configured store: the embedded file by default, a Bolt server when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from graph.store import GraphStore

StoreKind = Literal["embedded", "neo4j"]


def open_store(
    kind: StoreKind = "embedded",
    *,
    path: str | Path = "alliancegraph.db",
    uri: str | None = None,
    user: str = "neo4j",
    password: str = "",
    database: str = "neo4j",
) -> GraphStore:
    """Open a store; raises ``StoreUnavailable`` with one clear line when it cannot."""
    if kind == "embedded":
        from graph.sqlite_store import SQLiteStore

        return SQLiteStore(path)
    if kind == "neo4j":
        from graph.bolt_store import BoltStore

        if not uri:
            from graph.store import StoreUnavailable

            raise StoreUnavailable("NEO4J_URI is not set; e.g. bolt://localhost:7687")
        return BoltStore(uri, user=user, password=password, database=database)
    raise ValueError(f"unknown store kind {kind!r}; expected 'embedded' or 'neo4j'")
