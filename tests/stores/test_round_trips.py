"""Round trips to a Bolt server, held down: an import of new rows writes each batch in one
transaction (checks, create, provenance and change log together), the ``writing`` mark is
set once and cleared once however many batches, and following the import reads little.

Counts, not times: :attr:`BoltStore.transactions` counts every transaction attempt by name.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

import graph.bolt_store
import graph.writer
from api.projection_cache import ProjectionCache
from graph.bolt_store import CHANGE_VALUES_MAX, BoltStore
from graph.records import BatchValidationError, NodeRecord, SourceRef
from graph.store import GraphStore
from graph.vocabulary import NodeLabel
from graph.writer import WRITING_KEY, WRITING_RENEW_S, Writer
from loaders.pipeline import load_bytes

pytestmark = pytest.mark.bolt


def _bolt(store_factory: Callable[[str], GraphStore]) -> BoltStore:
    store = store_factory("bolt-arcadedb")
    assert isinstance(store, BoltStore)
    store.upsert_nodes("Topic", [{"id": "topic-water", "name": "Water"}])
    store.upsert_nodes("Person", [{"id": "p-1", "name": "Ada Obi"}])
    store.upsert_nodes("Organization", [{"id": "org-old", "name": "Old Works"}])
    return store


def _doc(n: int, round_: int = 0) -> bytes:
    orgs = [{"id": f"new-{round_}-{i}", "name": f"Zeta Venture r{round_}n{i}"} for i in range(n)]
    caps = [{"source": o["id"], "target": "topic-water", "level": 0.5} for o in orgs]
    doc = {
        "format": "alliancegraph-portfolio",
        "version": 1,
        "nodes": {"Organization": orgs},
        "relationships": {"HAS_CAPABILITY": caps},
    }
    return json.dumps(doc).encode()


def test_an_import_of_new_rows_writes_each_batch_in_one_transaction(
    store_factory: Callable[[str], GraphStore],
) -> None:
    store = _bolt(store_factory)
    cache = ProjectionCache(store)
    cache.get()
    for round_ in range(2):  # the first builds the kept organization index; count the next
        store.transactions.clear()
        with cache.lease() as graph:
            report = load_bytes(
                store,
                _doc(20, round_),
                "new.json",
                actor="test",
                graph=graph,
                org_index=cache.org_index,
            )
        if not round_:
            cache.refresh()
    assert report.written and report.counts["Organization"].created == 20
    writes = {k: v for k, v in store.transactions.items() if k not in _READS}
    # the writing mark and the review queue (meta_set), each batch once (its id check,
    # probe, create, provenance and change log inside), the mark cleared, the history
    assert writes == {
        "meta_set": 2,
        "node_create": 1,
        "rel_create": 1,
        "meta_delete": 1,
        "event_log": 1,
    }
    # reads before writing: the version (the lease), the review queue, the kept
    # organization index's catch-up
    assert {k: v for k, v in store.transactions.items() if k in _READS} == {
        "version": 1,
        "meta_get": 1,
        "changes_read": 1,
    }
    store.transactions.clear()
    followed = cache.refresh()
    # the version, the writing mark, the changes with the values they wrote: once each, and
    # no read of the written entities back
    assert store.transactions == Counter({"version": 1, "meta_get": 1, "changes_read": 1})
    assert "new-1-19" in followed and followed.has_edge("new-1-19", "topic-water")
    assert store.sources_of("new-1-19") == [
        SourceRef(report.import_id, "new.json", "Organization", 20)
    ]
    assert store.history(limit=1)[0].subject == report.import_id


_READS = {"meta_get", "changes_read", "version", "node_fetch", "label_of_ids", "label_any"}


def test_a_node_batch_naming_an_id_of_another_label_writes_nothing_in_one_transaction(
    store_factory: Callable[[str], GraphStore],
) -> None:
    store = _bolt(store_factory)
    version = store.version()
    store.transactions.clear()
    with pytest.raises(BatchValidationError, match="labelled Person"):
        store.upsert_nodes(
            "Organization", [{"id": "org-x", "name": "X"}, {"id": "p-1", "name": "Y"}]
        )
    assert store.transactions == Counter({"node_create": 1})  # checked inside, rolled back
    assert store.get_node("org-x") is None and store.version() == version


def test_a_batch_already_stored_is_compared_and_written_in_one_more_transaction(
    store_factory: Callable[[str], GraphStore],
) -> None:
    store = _bolt(store_factory)
    store.upsert_nodes("Organization", [{"id": f"org-{i}", "name": f"O {i}"} for i in range(3)])
    store.transactions.clear()
    result = store.upsert_nodes(
        "Organization", [{"id": "org-0", "name": "O 0"}, {"id": "org-1", "name": "Renamed"}]
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    # the create's transaction found stored rows in its probe and wrote nothing
    assert store.transactions == Counter({"node_create": 1, "node_merge": 1})
    hood = store.get_node("org-1")
    assert hood is not None and hood.node.props["name"] == "Renamed"


def test_the_writing_mark_is_set_and_cleared_once_however_many_batches(
    store_factory: Callable[[str], GraphStore],
) -> None:
    store = _bolt(store_factory)
    seen: list[str | None] = []
    with Writer(
        store,
        import_id="imp-b",
        batch_size=2,
        progress=lambda *_: seen.append(store.get_meta(WRITING_KEY)),
    ) as w:
        for i in range(6):
            w.add(NodeRecord(NodeLabel.PROJECT, f"prj-{i}", {"name": f"P {i}"}))
        store.transactions.clear()
        w.write()
    assert len(seen) == 3 and all(m and m.startswith("imp-b ") for m in seen)
    assert store.transactions["meta_set"] == 1 and store.transactions["meta_delete"] == 1
    assert store.get_meta(WRITING_KEY) is None


@pytest.mark.parametrize("kind", ["embedded", "bolt-arcadedb"])
def test_a_long_import_renews_its_writing_mark_before_it_goes_stale(
    kind: str, store_factory: Callable[[str], GraphStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_factory(kind)
    clock = [1_000_000.0]
    monkeypatch.setattr(graph.writer, "time", SimpleNamespace(time=lambda: clock[0]))
    marks: list[str | None] = []

    def progress(*_: Any) -> None:
        marks.append(store.get_meta(WRITING_KEY))
        clock[0] += WRITING_RENEW_S / 2 + 1  # every second batch crosses the renewal age

    with Writer(store, import_id="imp-l", batch_size=1, progress=progress) as w:
        for i in range(5):
            w.add(NodeRecord(NodeLabel.PROJECT, f"prj-{i}", {"name": f"P {i}"}))
        w.write()
    step = WRITING_RENEW_S / 2 + 1
    stamps = [float(m.split()[1]) for m in marks if m]
    assert len(stamps) == 5
    # renewed after batches 2 and 4, never older than the renewal age when a batch ends
    assert stamps == [
        1_000_000.0,
        1_000_000.0,
        1_000_000 + 2 * step,
        1_000_000 + 2 * step,
        1_000_000 + 4 * step,
    ]
    assert store.get_meta(WRITING_KEY) is None


@pytest.mark.parametrize("values_max", [CHANGE_VALUES_MAX, 2])
def test_the_values_the_change_log_holds_are_what_the_store_holds(
    values_max: int,
    store_factory: Callable[[str], GraphStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Creates, partial updates, a property removed, a delete and a re-creation, relationship
    updates; with ``values_max`` 2 the larger changes log ids only and are fetched."""
    monkeypatch.setattr(graph.bolt_store, "CHANGE_VALUES_MAX", values_max)
    store = _bolt(store_factory)
    start = store.version()
    store.upsert_nodes(
        "Organization",
        [
            {"id": f"org-{i}", "name": f"O {i}", "industry": "water", "aliases": [f"O{i}", "Ö"]}
            for i in range(4)
        ],
    )
    store.upsert_relationships(
        "HAS_CAPABILITY", [{"source": f"org-{i}", "target": "topic-water"} for i in range(3)]
    )
    store.upsert_nodes(
        "Organization", [{"id": "org-1", "name": "One", "country": "DE", "focal": True}]
    )
    store.upsert_nodes("Organization", [{"id": "org-2", "industry": None, "name": "O 2"}])
    store.upsert_relationships(
        "HAS_CAPABILITY", [{"source": "org-0", "target": "topic-water", "level": 0.75}]
    )
    store.delete_node("org-3")
    store.delete_node("org-2")
    store.upsert_nodes("Organization", [{"id": "org-2", "name": "Again"}])
    store.upsert_relationships("WORKS_AT", [{"source": "p-1", "target": "org-1", "title": "CFO"}])
    found = store.changes_with_values(start)
    assert found is not None
    changes, nodes, rels = found
    assert changes == store.changes_since(start)
    stored_nodes, stored_rels = store.fetch(changes.nodes, changes.rels)
    # every value logged is the stored one; with values_max 2 some are left to fetch
    assert {n.id: n for n in stored_nodes if n.id in nodes} == nodes
    assert {r.rel_key: r for r in stored_rels if r.rel_key in rels} == rels
    assert set(nodes) <= changes.nodes and set(rels) <= changes.rels
    if values_max == CHANGE_VALUES_MAX:
        assert set(nodes) == changes.nodes and set(rels) == changes.rels
    else:
        assert "org-0" not in nodes and "org-1" in nodes  # the first write had four
    assert nodes["org-2"].props == {"name": "Again"}
    # and the projection followed through them equals a fresh build
    cache = ProjectionCache(store)
    cache.get()
    store.upsert_nodes("Organization", [{"id": "org-9", "name": "Nine"}])
    # three: with values_max 2, logged as ids only and fetched while following
    store.upsert_nodes("Organization", [{"id": f"org-{i}", "name": f"N {i}"} for i in range(5, 8)])
    store.upsert_nodes("Organization", [{"id": "org-1", "name": "Uno", "country": None}])
    followed = cache.refresh()
    fresh = store.projection()
    assert dict(followed.nodes(data=True)) == dict(fresh.nodes(data=True))
    assert set(followed.edges(keys=True, data="level")) == set(fresh.edges(keys=True, data="level"))


def test_a_write_with_nothing_queued_touches_no_store(
    store_factory: Callable[[str], GraphStore],
) -> None:
    store = _bolt(store_factory)
    store.transactions.clear()
    with Writer(store, import_id="imp-empty") as w:
        assert w.write() == {}
    assert store.transactions == Counter()
