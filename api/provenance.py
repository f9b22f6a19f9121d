"""Which file and row each tie of an answer came from (provenance recorded by the writer)."""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.records import RelKey, SourceRef
from graph.store import GraphStore


def _rel_keys(graph: nx.MultiDiGraph, a: str, b: str) -> list[RelKey]:
    """Every stored relationship between ``a`` and ``b``, either way."""
    keys: list[RelKey] = []
    for u, v in ((a, b), (b, a)):
        if graph.has_node(u) and graph.has_node(v):
            for data in graph.get_edge_data(u, v, default={}).values():
                keys.append((str(data["type"]), u, v, str(data.get("rel_key", ""))))
    return keys


def _where(s: SourceRef) -> str:
    parts = [s.file]
    if s.sheet:
        parts.append(f"sheet {s.sheet}")
    if s.row is not None:
        parts.append(f"row {s.row}")
    return " ".join(parts)


def hop_sources(
    store: GraphStore, graph: nx.MultiDiGraph, hop: dict[str, Any]
) -> list[dict[str, Any]]:
    """The sources of the ties behind one path hop (direct, or through ``via``)."""
    pairs = [(hop["source"], hop["target"])]
    if hop.get("via"):
        pairs = [(hop["source"], hop["via"]), (hop["target"], hop["via"])]
    out: list[dict[str, Any]] = []
    for a, b in pairs:
        for key in _rel_keys(graph, a, b):
            for s in store.sources_of(rel=key):
                out.append(
                    {
                        "relationship": f"{key[1]}-{key[0]}->{key[2]}" + (f"#{key[3]}" if key[3] else ""),
                        "import_id": s.import_id,
                        "file": s.file,
                        "sheet": s.sheet,
                        "row": s.row,
                    }
                )
    return out


def annotate_paths(store: GraphStore, graph: nx.MultiDiGraph, payload: dict[str, Any]) -> dict[str, Any]:
    """Add each hop's ``sources`` and name them at the end of its explanation."""
    for path in payload.get("paths", []):
        for hop in path.get("hops", []):
            found = hop_sources(store, graph, hop)
            hop["sources"] = found
            if found:
                named = "; ".join(
                    dict.fromkeys(_where(SourceRef(f["import_id"], f["file"], f["sheet"], f["row"])) for f in found)
                )
                hop["explanation"] = f"{hop['explanation']} [source: {named}]"
    return payload
