"""``GraphStore.fetch``, what following a write reads, on every store: parallel keyed
relationships into a hub, several types in one call, and what is missing left out."""

from __future__ import annotations

from graph.records import RelRecord
from graph.store import GraphStore
from graph.vocabulary import RelType


def test_fetch_reads_keyed_relationships_into_a_hub_and_leaves_out_the_missing(
    store: GraphStore,
) -> None:
    store.upsert_nodes("Topic", [{"id": "t-water", "name": "Water"}])
    store.upsert_nodes("Alliance", [{"id": "a-1", "name": "Coalition"}])
    store.upsert_nodes("Organization", [{"id": f"o-{i}", "name": f"Org {i}"} for i in range(30)])
    store.upsert_relationships(
        "HAS_CAPABILITY",
        [{"source": f"o-{i}", "target": "t-water", "level": i / 30} for i in range(30)],
    )
    store.upsert_relationships(
        "FUNDS",
        [
            {"source": "o-1", "target": "a-1", "key": year, "amount": amount}
            for year, amount in (("2023", 5), ("2024", 7))
        ],
    )
    wanted = [
        ("HAS_CAPABILITY", "o-3", "t-water", ""),
        ("HAS_CAPABILITY", "o-4", "t-water", ""),
        ("FUNDS", "o-1", "a-1", "2024"),
        ("FUNDS", "o-1", "a-1", "2099"),  # no such key
        ("HAS_CAPABILITY", "o-99", "t-water", ""),  # no such source
        ("HAS_CAPABILITY", "t-water", "o-3", ""),  # wrong way round
    ]
    nodes, rels = store.fetch(["o-3", "t-water", "a-1", "nobody"], wanted)
    assert {(n.id, str(n.label), n.props["name"]) for n in nodes} == {
        ("o-3", "Organization", "Org 3"),
        ("t-water", "Topic", "Water"),
        ("a-1", "Alliance", "Coalition"),
    }
    assert sorted(rels, key=lambda r: (r.type, r.source)) == [
        RelRecord(RelType.FUNDS, "o-1", "a-1", "2024", {"amount": 7}),
        RelRecord(RelType.HAS_CAPABILITY, "o-3", "t-water", "", {"level": 0.1}),
        RelRecord(RelType.HAS_CAPABILITY, "o-4", "t-water", "", {"level": 4 / 30}),
    ]
    assert store.fetch([], []) == ([], [])
