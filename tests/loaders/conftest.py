"""Fixtures for loader tests: an embedded store with a little graph, and file writers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore


@pytest.fixture
def seeded(tmp_path: Path) -> GraphStore:
    """An embedded store holding two organizations, one alliance and one person."""
    store = SQLiteStore(tmp_path / "seeded.db")
    store.upsert_nodes(
        "Organization",
        [
            {"id": "org-acme", "name": "Acme Corporation", "aliases": ["ACME"]},
            {"id": "org-delta-air", "name": "Delta Air Lines, Inc."},
        ],
    )
    store.upsert_nodes("Alliance", [{"id": "all-1", "name": "Clean Water Coalition"}])
    store.upsert_nodes("Person", [{"id": "p-ana", "name": "Ana Ruiz", "email": "ana@acme.example"}])
    yield store
    store.close()


def snapshot(store: GraphStore) -> tuple[object, ...]:
    g = store.projection()
    return (sorted(g.nodes(data=True), key=str), sorted(g.edges(keys=True, data=True), key=str))


def write_doc(path: Path, nodes: dict[str, Any], rels: dict[str, Any] | None = None) -> Path:
    doc = {
        "format": "alliancegraph-portfolio",
        "version": 1,
        "nodes": nodes,
        "relationships": rels or {},
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path
