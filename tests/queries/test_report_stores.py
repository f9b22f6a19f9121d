"""The full report (timings removed) is byte-identical from the embedded and the Bolt store
for the same data, and across two loads of the same data in different row orders."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import pytest

from graph.store import GraphStore
from graph.vocabulary import NodeLabel, RelType
from queries.portfolio import build_report
from samples import SamplePortfolio, generate_portfolio

REFERENCE = date(2026, 6, 30)


def _load(store: GraphStore, sample: SamplePortfolio, seed: int | None) -> None:
    """Upsert the sample, nodes first; with ``seed``, every batch in a shuffled row order
    and the labels and types in a shuffled order too."""
    rng = random.Random(seed)
    labels, types = list(NodeLabel), list(RelType)
    if seed is not None:
        rng.shuffle(labels)
        rng.shuffle(types)
    for label in labels:
        rows = list(sample.nodes.get(str(label), []))
        if seed is not None:
            rng.shuffle(rows)
        if rows:
            store.upsert_nodes(label, rows)
    for type_ in types:
        rows = list(sample.relationships.get(str(type_), []))
        if seed is not None:
            rng.shuffle(rows)
        if rows:
            store.upsert_relationships(type_, rows)


def _report_bytes(store: GraphStore, as_of: date | None) -> bytes:
    report = build_report(store.projection(), "org-focal", as_of)
    return report.model_copy(update={"timings_ms": {}}).model_dump_json().encode()


@pytest.mark.bolt
def test_report_is_identical_across_stores_and_row_orders(
    store_factory: Callable[[str], GraphStore],
) -> None:
    sample = generate_portfolio(1, seed=7)
    embedded, shuffled, bolt = (store_factory(k) for k in ("embedded", "embedded", "bolt-arcadedb"))
    _load(embedded, sample, None)
    _load(shuffled, sample, 11)
    _load(bolt, sample, 23)
    for as_of in (REFERENCE, None):
        first = _report_bytes(embedded, as_of)
        assert b'"synergies":[{' in first and b'"coverage":[{' in first
        assert _report_bytes(shuffled, as_of) == first, f"row order changed the report ({as_of})"
        assert _report_bytes(bolt, as_of) == first, f"the Bolt store changed the report ({as_of})"
