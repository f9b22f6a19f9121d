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
from samples.builder import Row

REFERENCE = date(2026, 6, 30)


def _load(store: GraphStore, sample: SamplePortfolio, seed: int | None) -> None:
    """Upsert the sample, nodes first; with ``seed``, every batch in a shuffled row order
    and the labels and types in a shuffled order too."""
    rng = random.Random(seed) if seed is not None else None
    labels, types = list(NodeLabel), list(RelType)
    if rng is not None:
        rng.shuffle(labels)
        rng.shuffle(types)
    _upsert_each(labels, sample.nodes, store.upsert_nodes, rng)
    _upsert_each(types, sample.relationships, store.upsert_relationships, rng)


def _upsert_each(
    kinds: list[NodeLabel] | list[RelType],
    rows_of: dict[str, list[Row]],
    upsert: Callable[[str, list[Row]], object],
    rng: random.Random | None,
) -> None:
    """Upsert each kind's rows (a label's nodes or a type's relationships) in one call,
    shuffled by ``rng`` when given; a kind without rows is skipped."""
    for kind in kinds:
        rows = list(rows_of.get(str(kind), []))
        if rng is not None:
            rng.shuffle(rows)
        if rows:
            upsert(kind, rows)


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
