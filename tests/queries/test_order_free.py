"""Communities, structural holes and every ranking depend on the data only: not on the store
it was loaded into, nor on the order its rows were written in."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import networkx as nx
import pytest

from graph.projection import edges_of_type
from graph.store import GraphStore
from queries.communities import label_propagation
from queries.metrics import network_metrics
from queries.neighbourhoods import brokers, profile
from queries.paths import introduction_paths
from queries.structural import burt_constraint
from tests.queries.test_board_interlock import interlock_rows


def _rows() -> dict[str, list[dict[str, Any]]]:
    """The board interlock plus KNOWS ties inside and across a few clusters of directors."""
    rows = interlock_rows()
    people = [p["id"] for p in rows["Person"]]
    rng = random.Random(2)
    knows: dict[tuple[str, str], dict[str, Any]] = {}
    for _ in range(500):
        a = rng.randrange(len(people))
        b = (
            min(len(people) - 1, a + rng.randint(1, 12))
            if rng.random() < 0.85
            else rng.randrange(len(people))
        )
        if a != b:
            knows[(people[a], people[b])] = {
                "source": people[a],
                "target": people[b],
                "strength": round(rng.uniform(0.1, 0.9), 2),
            }
    rows["KNOWS"] = list(knows.values())
    return rows


def _load(
    store: GraphStore, rows: dict[str, list[dict[str, Any]]], seed: int | None
) -> nx.MultiDiGraph:
    def order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items = list(items)
        if seed is not None:
            random.Random(seed).shuffle(items)
        return items

    store.upsert_nodes("Organization", order(rows["Organization"]))
    store.upsert_nodes("Person", order(rows["Person"]))
    # relationship types in another order too
    for type_ in ["KNOWS", "WORKS_AT"] if seed is not None else ["WORKS_AT", "KNOWS"]:
        store.upsert_relationships(type_, order(rows[type_]))
    return store.projection()


def _answers(g: nx.MultiDiGraph) -> dict[str, Any]:
    metrics = network_metrics(g, top=1_000, exact_limit=100, sample_size=60)
    knows = [(u, v) for u, v, _ in edges_of_type(g, "KNOWS")]  # in the store's own order
    contacts = nx.Graph(knows)
    return {
        "metrics": metrics.model_dump(),
        "communities": [sorted(c) for c in label_propagation(knows, seed=7)],
        "constraint": sorted(burt_constraint(contacts).items()),
        "brokers": brokers(g, "co-10", "co-12").model_dump(),
        "profile": profile(g, "co-20", "co-18").model_dump(),
        "paths": introduction_paths(g, "co-03", "co-07", k=5).model_dump(),
    }


def test_two_loads_in_different_row_orders_give_identical_answers(
    store_factory: Callable[[str], GraphStore],
) -> None:
    rows = _rows()
    first = _answers(_load(store_factory("embedded"), rows, None))
    second = _answers(_load(store_factory("embedded"), rows, 99))
    assert first["metrics"]["communities"] > 1 and first["brokers"]["brokers"]
    assert first == second


@pytest.mark.bolt
def test_embedded_and_bolt_stores_give_identical_answers(
    store_factory: Callable[[str], GraphStore],
) -> None:
    rows = _rows()
    embedded = _answers(_load(store_factory("embedded"), rows, None))
    bolt = _answers(_load(store_factory("bolt-arcadedb"), rows, 5))
    assert embedded == bolt
