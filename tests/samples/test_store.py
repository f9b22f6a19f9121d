"""The sample goes into a store whole: every label's nodes, then every type's relationships,
in batches, with progress told per label and type."""

from __future__ import annotations

from collections.abc import Callable

from graph.store import GraphStore
from graph.vocabulary import NodeLabel, RelType
from samples import generate_portfolio, load_sample


def test_load_sample_in_small_batches_writes_every_row_and_tells_progress_in_order(
    store_factory: Callable[[str], GraphStore],
) -> None:
    store = store_factory("embedded")
    told: list[tuple[str, int]] = []
    sample = load_sample(
        store, scale=1, seed=7, batch_size=997, progress=lambda k, n: told.append((k, n))
    )
    expected = generate_portfolio(1, seed=7)
    assert [k for k, _ in told] == [str(x) for x in (*NodeLabel, *RelType)]
    assert dict(told) == {
        **{str(x): len(expected.nodes.get(str(x), [])) for x in NodeLabel},
        **{str(x): len(expected.relationships.get(str(x), [])) for x in RelType},
    }
    assert max(n for _, n in told) > 997, "some kind needs several batches"
    graph = store.projection()
    assert graph.number_of_nodes() == sum(len(rows) for rows in sample.nodes.values())
    assert graph.number_of_edges() == sum(len(rows) for rows in sample.relationships.values())
