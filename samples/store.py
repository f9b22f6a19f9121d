"""The sample as files (the JSON import format and its truth) or straight into a store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from graph.store import GraphStore
from graph.vocabulary import NodeLabel, RelType
from samples.builder import SamplePortfolio
from samples.generate import generate_portfolio


def write_sample(directory: str | Path, scale: int = 1, seed: int = 7) -> Path:
    """Write ``portfolio.json`` (the import format) and ``truth.json`` into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    sample = generate_portfolio(scale, seed)
    path = out / "portfolio.json"
    path.write_text(json.dumps(sample.document(), ensure_ascii=False), encoding="utf-8")
    (out / "truth.json").write_text(json.dumps(sample.truth, indent=2), encoding="utf-8")
    return path


def load_sample(
    store: GraphStore,
    scale: int = 1,
    seed: int = 7,
    batch_size: int = 20_000,
    progress: Callable[[str, int], None] | None = None,
) -> SamplePortfolio:
    """Generate the sample and upsert it into ``store``: nodes first, then relationships."""
    sample = generate_portfolio(scale, seed)
    for label in NodeLabel:
        rows = sample.nodes.get(str(label), [])
        for i in range(0, len(rows), batch_size):
            store.upsert_nodes(label, rows[i : i + batch_size])
        if progress:
            progress(str(label), len(rows))
    for type_ in RelType:
        rows = sample.relationships.get(str(type_), [])
        for i in range(0, len(rows), batch_size):
            store.upsert_relationships(type_, rows[i : i + batch_size])
        if progress:
            progress(str(type_), len(rows))
    return sample
