"""The sample as files (the JSON import format and its truth) or straight into a store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from graph.store import GraphStore
from graph.vocabulary import NodeLabel, RelType
from samples.builder import Row, SamplePortfolio
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
    _upsert_in_batches(NodeLabel, sample.nodes, store.upsert_nodes, batch_size, progress)
    _upsert_in_batches(
        RelType, sample.relationships, store.upsert_relationships, batch_size, progress
    )
    return sample


def _upsert_in_batches(
    kinds: Iterable[str],
    rows_of: dict[str, list[Row]],
    upsert: Callable[[str, list[Row]], object],
    batch_size: int,
    progress: Callable[[str, int], None] | None,
) -> None:
    """Upsert each kind's rows (a label's nodes or a type's relationships) in batches of
    ``batch_size``, in the vocabulary's order, telling ``progress`` each kind's row count."""
    for kind in kinds:
        rows = rows_of.get(str(kind), [])
        for i in range(0, len(rows), batch_size):
            upsert(kind, rows[i : i + batch_size])
        if progress:
            progress(str(kind), len(rows))
