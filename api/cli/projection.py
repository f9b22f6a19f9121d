"""The configured store's projection, for commands that analyse the graph."""

from __future__ import annotations

from datetime import date

import networkx as nx

from api.settings import get_settings


def load_projection() -> nx.MultiDiGraph:
    """Open the configured store, read the projection, close the store."""
    store = get_settings().open_store()
    try:
        return store.projection()
    finally:
        store.close()


def parse_date(text: str | None) -> date | None:
    """``--as-of`` values: ISO dates (2025-06-30)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--as-of expects a date such as 2025-06-30, got {text!r}") from None
