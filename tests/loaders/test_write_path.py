"""The write path end to end, on every store: provenance, history, the shared review queue,
person resolution at the person's organization, dry runs, and a projection that follows
each write instead of being rebuilt."""

from __future__ import annotations

import random
import time
from pathlib import Path

import networkx as nx
import pytest

from api.projection_cache import ProjectionCache
from graph.records import NodeRecord, SourceRef
from graph.store import GraphStore
from graph.vocabulary import NodeLabel
from graph.writer import WRITING_KEY, Writer, delete_node, diff
from loaders.pipeline import load_bytes, load_path
from loaders.review import StoredReviewQueue, decide
from tests.loaders.conftest import write_doc

CONTACTS = Path(__file__).parents[2] / "loaders" / "mappings" / "contacts.yaml"


def _doc(tmp_path: Path, name: str, extra_people: int = 0) -> Path:
    people = [{"id": "p-ana", "name": "Ana Ruiz", "email": "ana@acme.example"}]
    people += [{"id": f"p-{i}", "name": f"Person {i}"} for i in range(extra_people)]
    return write_doc(
        tmp_path / name,
        {
            "Organization": [{"id": "org-acme", "name": "Acme Corporation"}],
            "Person": people,
        },
        {"WORKS_AT": [{"source": "p-ana", "target": "org-acme", "title": "CFO"}]},
    )


def test_a_tie_loaded_from_two_files_lists_both_sources(tmp_path: Path, store: GraphStore) -> None:
    first = load_path(store, _doc(tmp_path, "crm.json"))
    second = load_path(store, _doc(tmp_path, "board.json"))
    assert first.written and second.written
    rel = ("WORKS_AT", "p-ana", "org-acme", "")
    found = store.sources_of(rel=rel)
    assert {s.file for s in found} == {"crm.json", "board.json"}
    assert {s.import_id for s in found} == {first.import_id, second.import_id}
    assert all(s.row is not None for s in found)
    assert {s.file for s in store.sources_of("org-acme")} == {"crm.json", "board.json"}


def test_history_says_who_imported_and_who_deleted_what(tmp_path: Path, store: GraphStore) -> None:
    report = load_path(store, _doc(tmp_path, "crm.json"), actor="key:steward")
    assert delete_node(store, "p-ana", actor="key:admin-ana")
    assert not delete_node(store, "p-ana", actor="key:admin-ana")
    events = store.history()
    assert [e.action for e in events[:2]] == ["delete", "import"]
    deleted, imported = events[0], events[1]
    assert deleted.subject == "p-ana" and deleted.actor == "key:admin-ana"
    assert deleted.detail["name"] == "Ana Ruiz" and deleted.detail["relationships"] == 1
    assert imported.subject == report.import_id and imported.detail["file"] == "crm.json"
    assert imported.actor == "key:steward"
    assert store.sources_of("p-ana") == []
    # a re-import loses nothing from the history
    load_path(store, _doc(tmp_path, "crm.json"))
    assert [e.action for e in store.history()[:3]] == ["import", "delete", "import"]


def test_person_matched_by_name_at_the_organization_in_the_same_row(
    tmp_path: Path, store: GraphStore
) -> None:
    head = "Contact ID,Full Name,Email,Company,Job Title,Since\n"
    (tmp_path / "a.csv").write_text(head + "1,Maria Souza,,Acme Ltd,CEO,2020-01-01\n")
    (tmp_path / "b.csv").write_text(
        head + "77,maria  souza,,Acme Ltd,Chair,2021-01-01\n78,Maria Souza,,Other Co,CTO,\n"
    )
    load_path(store, tmp_path / "a.csv", CONTACTS)
    report = load_path(store, tmp_path / "b.csv", CONTACTS)
    merges = {m.incoming_id: (m.into, m.rule) for m in report.merges}
    assert merges["person-77"] == ("person-1", "name_and_organization")
    assert "person-78" not in merges  # same name at another organization: another person
    hood = store.get_node("person-1")
    assert hood is not None
    assert {r.target for r in hood.relationships if str(r.type) == "WORKS_AT"} == {"org-acme-ltd"}


def test_dry_run_counts_what_a_write_then_does(tmp_path: Path, store: GraphStore) -> None:
    load_path(store, _doc(tmp_path, "a.json"))
    path = _doc(tmp_path, "b.json", extra_people=3)
    preview = load_path(store, path, dry_run=True)
    assert not preview.written
    real = load_path(store, path)
    for what, counts in real.counts.items():
        p = preview.counts[what]
        assert (p.created, p.updated, p.unchanged) == (
            counts.created,
            counts.updated,
            counts.unchanged,
        )
    assert real.counts["Person"].created == 3


def test_a_dry_run_counts_changed_values_as_a_write_does(tmp_path: Path, store: GraphStore) -> None:
    load_path(store, _doc(tmp_path, "a.json", extra_people=2))
    people = [
        {"id": "p-ana", "name": "Ana Ruiz", "email": "ana.ruiz@acme.example"},
        {"id": "p-0", "name": "Person 0"},
        {"id": "p-new", "name": "Someone New"},
    ]
    ties = [
        {"source": "p-ana", "target": "org-acme", "title": "CEO"},
        {"source": "p-0", "target": "org-acme", "title": "Analyst"},
    ]
    orgs = [{"id": "org-acme", "name": "Acme Corporation"}]
    changed = write_doc(
        tmp_path / "b.json", {"Organization": orgs, "Person": people}, {"WORKS_AT": ties}
    )
    preview = load_path(store, changed, dry_run=True)
    real = load_path(store, changed)
    for what, counts in real.counts.items():
        p = preview.counts[what]
        assert (p.created, p.updated, p.unchanged) == (
            counts.created,
            counts.updated,
            counts.unchanged,
        )
    assert [real.counts["Person"].created, real.counts["Person"].updated] == [1, 1]
    assert real.counts["Person"].unchanged == 1
    assert [real.counts["WORKS_AT"].created, real.counts["WORKS_AT"].updated] == [1, 1]


def test_diff_keeps_absent_properties() -> None:
    assert diff({"name": "A", "x": 1}, {"x": 2}) == ("updated", {"name": "A", "x": 2})
    assert diff({"name": "A"}, {})[0] == "unchanged"


# ---------------------------------------------------------------- the review queue


def _ambiguous(tmp_path: Path, name: str = "later.json") -> Path:
    return write_doc(
        tmp_path / name,
        {"Organization": [{"id": "org-new", "name": "Global Health Aliance"}]},
        {"MEMBER_OF": [{"source": "org-new", "target": "all-1"}]},
    )


@pytest.fixture
def two_charities(store: GraphStore) -> GraphStore:
    store.upsert_nodes(
        "Organization",
        [
            {"id": "org-gha", "name": "Global Health Alliance"},
            {"id": "org-ghas", "name": "Global Health Alliances"},
        ],
    )
    store.upsert_nodes("Alliance", [{"id": "all-1", "name": "Clean Water Coalition"}])
    return store


def test_ambiguous_organization_is_held_on_file_load(
    tmp_path: Path, two_charities: GraphStore
) -> None:
    report = load_path(two_charities, _ambiguous(tmp_path))
    assert report.ambiguities and report.held
    assert two_charities.get_node("org-new") is None
    queue = StoredReviewQueue(two_charities)
    (item,) = queue.open_items()
    assert len(queue.held[item.review_id]) == 2  # the organization and its membership


def test_ambiguous_organization_is_held_on_upload_too(
    tmp_path: Path, two_charities: GraphStore
) -> None:
    data = _ambiguous(tmp_path).read_bytes()
    report = load_bytes(two_charities, data, "upload.json", actor="key:admin")
    assert report.ambiguities
    assert two_charities.get_node("org-new") is None
    assert StoredReviewQueue(two_charities).open_items()


def test_accept_writes_the_held_rows_into_the_chosen_organization(
    tmp_path: Path, two_charities: GraphStore
) -> None:
    load_path(two_charities, _ambiguous(tmp_path))
    queue = StoredReviewQueue(two_charities)
    (item,) = queue.open_items()
    applied = decide(two_charities, queue, item.review_id, "accept:org-gha", actor="cli:t")
    assert applied.written["MEMBER_OF"].created == 1
    hood = two_charities.get_node("org-gha")
    assert hood is not None
    assert "Global Health Aliance" in hood.node.props["aliases"]
    assert any(r.target == "all-1" for r in hood.relationships)
    assert two_charities.get_node("org-new") is None
    assert two_charities.history()[0].action == "review"
    # remembered: loading the file again merges without asking
    again = load_path(two_charities, _ambiguous(tmp_path))
    assert not again.ambiguities
    assert [m.into for m in again.merges] == ["org-gha"]


def test_reject_makes_a_new_organization_and_is_remembered(
    tmp_path: Path, two_charities: GraphStore
) -> None:
    load_path(two_charities, _ambiguous(tmp_path))
    queue = StoredReviewQueue(two_charities)
    (item,) = queue.open_items()
    decide(two_charities, queue, item.review_id, "reject", actor="cli:t")
    assert two_charities.get_node("org-new") is not None
    again = load_path(two_charities, _ambiguous(tmp_path))
    assert not again.ambiguities and not again.merges
    assert again.counts["Organization"].unchanged == 1


def test_loading_the_same_file_again_holds_each_row_once(
    tmp_path: Path, two_charities: GraphStore
) -> None:
    """Each reload of a file appended its held rows again (2, then 4 rows held)."""
    load_path(two_charities, _ambiguous(tmp_path))
    load_path(two_charities, _ambiguous(tmp_path))
    queue = StoredReviewQueue(two_charities)
    (item,) = queue.open_items()
    assert len(queue.held[item.review_id]) == 2  # the organization and its membership


def test_a_held_row_whose_other_end_was_rejected_does_not_block_the_decision(
    tmp_path: Path, two_charities: GraphStore
) -> None:
    """The alliance of a held membership was rejected when the file loaded (skip_invalid):
    every decision on the item failed on the whole batch, so it stayed open for good."""
    path = write_doc(
        tmp_path / "later.json",
        {
            "Organization": [{"id": "org-new", "name": "Global Health Aliance"}],
            "Alliance": [{"id": "all-bad", "name": "Bad", "status": "no-such-status"}],
        },
        {
            "MEMBER_OF": [
                {"source": "org-new", "target": "all-1"},
                {"source": "org-new", "target": "all-bad"},
            ]
        },
    )
    report = load_path(two_charities, path, skip_invalid=True)
    assert report.rejections and report.held
    queue = StoredReviewQueue(two_charities)
    (item,) = queue.open_items()
    applied = decide(two_charities, queue, item.review_id, "reject", actor="cli:t")
    assert applied.written["MEMBER_OF"].created == 1  # the one to all-1
    (skipped,) = applied.skipped
    assert "org-new -> all-bad" in skipped and "no node 'all-bad' in the store" in skipped
    assert not StoredReviewQueue(two_charities).open_items()
    assert two_charities.history()[0].detail["skipped"] == [skipped]


# ---------------------------------------------------------------- the projection follows


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    ea = {(u, v, k): d for u, v, k, d in a.edges(keys=True, data=True)}
    eb = {(u, v, k): d for u, v, k, d in b.edges(keys=True, data=True)}
    assert ea == eb


def test_followed_projection_equals_a_full_build_after_random_writes(
    tmp_path: Path, store: GraphStore
) -> None:
    rng = random.Random(7)
    cache = ProjectionCache(store)
    cache.get()
    people: list[str] = []
    for step in range(12):
        nodes = {
            "Organization": [
                {
                    "id": f"org-{rng.randrange(6)}",
                    "name": f"Org {rng.randrange(3)}",
                    "industry": rng.choice(["a", "b"]),
                }
                for _ in range(3)
            ],
            "Person": [{"id": f"p-{step}-{i}", "name": f"P {step} {i}"} for i in range(3)],
        }
        nodes["Organization"] = list({o["id"]: o for o in nodes["Organization"]}.values())
        rels = {
            "WORKS_AT": [
                {"source": p["id"], "target": rng.choice(nodes["Organization"])["id"]}
                for p in nodes["Person"]
            ]
        }
        load_path(store, write_doc(tmp_path / f"s{step}.json", nodes, rels), review=False)
        people += [p["id"] for p in nodes["Person"]]
        if step % 3 == 2:
            delete_node(store, rng.choice(people), actor="t")
            delete_node(store, f"org-{rng.randrange(6)}", actor="t")
        followed = cache.refresh()
        assert followed.graph["version"] == store.version()
        _same(followed, store.projection())
    assert cache.builds == 1 and cache.applied >= 12


def test_readers_see_the_graph_before_an_import_until_it_ends(store: GraphStore) -> None:
    cache = ProjectionCache(store)
    before = cache.get().number_of_nodes()
    store.set_meta(WRITING_KEY, f"imp-x {time.time():.0f}")
    store.upsert_nodes("Organization", [{"id": "org-mid", "name": "Mid Import"}])
    assert "org-mid" not in cache.get()
    assert cache.get().number_of_nodes() == before
    store.set_meta(WRITING_KEY, None)
    assert "org-mid" in cache.refresh()


def test_a_lease_keeps_its_graph_unchanged_while_writes_follow(store: GraphStore) -> None:
    cache = ProjectionCache(store)
    with cache.lease() as graph:
        version = graph.graph["version"]
        for i in range(3):
            store.upsert_nodes("Organization", [{"id": f"org-{i}", "name": f"O {i}"}])
            assert f"org-{i}" in cache.refresh()
        assert graph.graph["version"] == version and "org-0" not in graph


def test_writer_records_sources_per_row(store: GraphStore) -> None:
    with Writer(store, import_id="imp-1") as w:
        w.add(
            NodeRecord(NodeLabel.TOPIC, "t-1", {"name": "Water"}),
            SourceRef("imp-1", "t.csv", None, 2),
        )
        w.add(
            NodeRecord(NodeLabel.TOPIC, "t-2", {"name": "Air"}),
            SourceRef("imp-1", "t.csv", None, 3),
        )
        assert w.write()["Topic"].created == 2
    assert store.sources_of("t-2") == [SourceRef("imp-1", "t.csv", None, 3)]
    assert store.get_meta(WRITING_KEY) is None


def test_a_later_load_naming_a_held_organization_waits_with_it(
    tmp_path: Path, two_charities: GraphStore
) -> None:
    load_path(two_charities, _ambiguous(tmp_path))
    later = write_doc(
        tmp_path / "members.json",
        {"Person": [{"id": "p-1", "name": "Ada Obi"}]},
        {"WORKS_AT": [{"source": "p-1", "target": "org-new"}]},
    )
    report = load_path(two_charities, later)
    assert report.written and not report.rejections
    (held,) = report.held
    queue = StoredReviewQueue(two_charities)
    (item,) = queue.open_items()
    assert item.review_id in held.reason and held.value == "org-new"
    assert len(queue.held[item.review_id]) == 3
    decide(two_charities, queue, item.review_id, "reject", actor="cli:t")
    hood = two_charities.get_node("p-1")
    assert hood is not None and [r.target for r in hood.relationships] == ["org-new"]


def test_a_path_hop_explanation_names_its_source_file_and_row(
    tmp_path: Path, store: GraphStore
) -> None:
    from api.provenance import annotate_paths
    from queries.paths import introduction_paths

    doc = write_doc(
        tmp_path / "contacts.json",
        {"Person": [{"id": "p-a", "name": "Ana"}, {"id": "p-b", "name": "Ben"}]},
        {"KNOWS": [{"source": "p-a", "target": "p-b", "strength": 0.7}]},
    )
    load_path(store, doc)
    graph = store.projection()
    result = introduction_paths(graph, "p-a", "p-b", 1)
    payload = annotate_paths(store, graph, result.model_dump(mode="json"))
    (hop,) = payload["paths"][0]["hops"]
    assert [s["file"] for s in hop["sources"]] == ["contacts.json"]
    assert "contacts.json" in hop["explanation"] and "row" in hop["explanation"]


def test_a_file_of_bad_rows_lists_the_first_problems_and_counts_all(
    tmp_path: Path, seeded: GraphStore
) -> None:
    from loaders.report import MAX_LISTED

    bad = MAX_LISTED + 25
    path = tmp_path / "bad.csv"
    lines = ["Contact ID,Full Name,Email,Company,Job Title,Since"]
    lines += [f"{i},Person {i},,Acme,CEO,not a date" for i in range(bad)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_path(seeded, path, CONTACTS)
    assert not report.written
    assert report.problems == bad and len(report.rejections) == MAX_LISTED
    assert f"{bad:,} problem(s)" in report.message
    assert f"{bad - 20:,} more rejections" in report.table()
