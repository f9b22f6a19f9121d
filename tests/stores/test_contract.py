"""The store contract: every backend behaves the same (run once per store kind)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import networkx as nx
import pytest

from graph.bolt_store import BoltStore
from graph.records import (
    BatchValidationError,
    ChangeSet,
    HistoryEvent,
    NodeRecord,
    RelRecord,
    SourceRef,
    validate_nodes,
)
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from graph.vocabulary import NodeLabel, RelType

ORGS = [
    {"id": "org-acme", "name": "Acme Corp.", "aliases": ["ACME", "Acme Corporation"]},
    {"id": "org-beta", "name": "Beta Labs", "industry": "biotech", "focal": True},
    {"id": "org-gamma", "name": "Gamma GmbH", "country": "DE"},
]
ALLIANCES = [
    {"id": "all-1", "name": "Clean Water Coalition", "form": "coalition", "started": "2020"}
]
MEMBERS = [
    {"source": "org-acme", "target": "all-1", "role": "lead", "cash_contribution": 1000.5},
    {"source": "org-beta", "target": "all-1", "joined": "2021-03"},
]


@pytest.fixture
def reopen(request: pytest.FixtureRequest) -> Iterator[Callable[[GraphStore], GraphStore]]:
    """Open a second store on the same file or database (what a restart sees)."""
    opened: list[GraphStore] = []

    def make(store: GraphStore) -> GraphStore:
        other: GraphStore
        if isinstance(store, SQLiteStore):
            other = SQLiteStore(store.path)
        else:
            assert isinstance(store, BoltStore)
            if store.database == os.environ.get("NEO4J_DATABASE", "neo4j"):
                uri = os.environ["NEO4J_URI"]
                user = os.environ.get("NEO4J_USER", "neo4j")
                password = os.environ.get("NEO4J_PASSWORD", "")
            else:
                server = request.getfixturevalue("bolt_server")
                uri, user, password = server.uri, server.user, server.password
            other = BoltStore(uri, user=user, password=password, database=store.database)
        opened.append(other)
        return other

    yield make
    for other in opened:
        other.close()


def _seed(store: GraphStore) -> None:
    store.upsert_nodes("Organization", ORGS)
    store.upsert_nodes("Alliance", ALLIANCES)
    store.upsert_relationships("MEMBER_OF", MEMBERS)


def _snapshot(store: GraphStore) -> tuple[object, ...]:
    g = store.projection()
    return (
        sorted((n, sorted(d.items(), key=str)) for n, d in g.nodes(data=True)),
        sorted(
            (u, v, k, sorted(d.items(), key=str)) for u, v, k, d in g.edges(keys=True, data=True)
        ),
        store.counts(),
    )


def test_upsert_creates_then_reupsert_changes_nothing(store: GraphStore) -> None:
    first = store.upsert_nodes("Organization", ORGS)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    store.upsert_nodes("Alliance", ALLIANCES)
    rels = store.upsert_relationships("MEMBER_OF", MEMBERS)
    assert rels.created == 2
    before, version = _snapshot(store), store.version()
    again = store.upsert_nodes("Organization", ORGS)
    rels_again = store.upsert_relationships("MEMBER_OF", MEMBERS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (rels_again.created, rels_again.updated, rels_again.unchanged) == (0, 0, 2)
    assert _snapshot(store) == before
    assert store.version() == version


def test_partial_update_keeps_other_properties_and_bumps_version(store: GraphStore) -> None:
    _seed(store)
    version = store.version()
    result = store.upsert_nodes("Organization", [{"id": "org-beta", "name": "Beta Labs Inc."}])
    assert (result.created, result.updated) == (0, 1)
    assert store.version() != version
    node = store.get_node("org-beta")
    assert node is not None
    assert node.node.props == {"name": "Beta Labs Inc.", "industry": "biotech", "focal": True}


def test_relationship_keys_allow_parallel_relationships(store: GraphStore) -> None:
    _seed(store)
    funds = [
        {"source": "org-gamma", "target": "all-1", "key": "2023", "amount": 10, "year": 2023},
        {"source": "org-gamma", "target": "all-1", "key": "2024", "amount": 20, "year": 2024},
    ]
    assert store.upsert_relationships("FUNDS", funds).created == 2
    g = store.projection()
    assert g.number_of_edges("org-gamma", "all-1") == 2
    assert g.edges["org-gamma", "all-1", "FUNDS#2024"]["amount"] == 20.0
    assert store.counts().types["FUNDS"] == 2


def test_dangling_relationship_end_refuses_batch_and_changes_nothing(store: GraphStore) -> None:
    _seed(store)
    before = _snapshot(store)
    rows = [
        {"source": "org-gamma", "target": "all-1"},
        {"source": "org-nobody", "target": "all-1"},
    ]
    with pytest.raises(BatchValidationError) as info:
        store.upsert_relationships("MEMBER_OF", rows)
    (err,) = info.value.errors
    assert (err.row, err.field, err.value) == (1, "source", "org-nobody")
    assert "no Organization with this id" in err.reason
    assert _snapshot(store) == before


def test_wrong_label_at_an_end_is_refused(store: GraphStore) -> None:
    _seed(store)
    with pytest.raises(BatchValidationError, match="target"):
        store.upsert_relationships("MEMBER_OF", [{"source": "org-acme", "target": "org-beta"}])


def test_batch_with_one_invalid_row_is_refused_whole(store: GraphStore) -> None:
    _seed(store)
    before = _snapshot(store)
    rows = [{"id": f"p{i}", "name": f"Person {i}"} for i in range(50)]
    rows[37] = {"id": "p37", "name": "Bad", "email": {"not": "scalar"}}
    with pytest.raises(BatchValidationError) as info:
        store.upsert_nodes("Person", rows)
    assert info.value.errors[0].row == 37
    assert info.value.errors[0].field == "email"
    assert "row 37" in str(info.value)
    assert _snapshot(store) == before


def test_id_used_by_another_label_is_refused(store: GraphStore) -> None:
    _seed(store)
    with pytest.raises(BatchValidationError, match="labelled Organization"):
        store.upsert_nodes("Person", [{"id": "org-acme", "name": "Impostor"}])
    assert store.counts().labels["Person"] == 0


def test_delete_removes_node_and_its_relationships(store: GraphStore) -> None:
    _seed(store)
    version = store.version()
    assert store.delete_node("org-acme") is True
    assert store.get_node("org-acme") is None
    assert store.counts().types["MEMBER_OF"] == 1
    assert store.version() != version
    assert store.delete_node("org-acme") is False


def test_get_node_returns_neighbourhood(store: GraphStore) -> None:
    _seed(store)
    hood = store.get_node("all-1")
    assert hood is not None
    assert hood.node.props["name"] == "Clean Water Coalition"
    assert sorted(n.id for n in hood.neighbours) == ["org-acme", "org-beta"]
    lead = next(r for r in hood.relationships if r.source == "org-acme")
    assert lead.props == {"role": "lead", "cash_contribution": 1000.5}
    assert store.get_node("nope") is None


def test_counts_include_zeros(store: GraphStore) -> None:
    _seed(store)
    counts = store.counts()
    assert counts.labels["Organization"] == 3
    assert counts.labels["Person"] == 0
    assert counts.types["MEMBER_OF"] == 2
    assert counts.nodes == 4 and counts.relationships == 2


def test_projection_has_all_properties(store: GraphStore) -> None:
    _seed(store)
    g = store.projection()
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes["org-acme"] == {
        "label": "Organization",
        "name": "Acme Corp.",
        "aliases": ["ACME", "Acme Corporation"],
    }
    assert g.edges["org-beta", "all-1", "MEMBER_OF"] == {
        "type": "MEMBER_OF",
        "rel_key": "",
        "joined": "2021-03",
    }
    assert g.graph["version"] == store.version()


INJECTIONS = [
    "'}) DETACH DELETE n //",
    '"}) MATCH (m) DETACH DELETE m RETURN 1 //',
    "`Organization` WITH 1 AS x",
    "\\u0027}) DETACH DELETE n //",
    "/**/ MATCH (n) /**/",
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>",
    '=HYPERLINK("http://example.invalid","x")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "Zoë & Søren — “quotes” ‘single’ 🤝 \u202e RTL",
    "$rows $ids {label} {{type}}",
    "line\nbreak\ttab\r\nend",
]


def test_injection_strings_round_trip_byte_identical(store: GraphStore) -> None:
    rows = [{"id": f"x{i}-{s}", "name": s, "note": s} for i, s in enumerate(INJECTIONS)]
    store.upsert_nodes("Organization", rows)
    store.upsert_nodes("Alliance", [{"id": "a`'\"", "name": "A"}])
    store.upsert_relationships(
        "MEMBER_OF", [{"source": rows[0]["id"], "target": "a`'\"", "key": INJECTIONS[0]}]
    )
    g = store.projection()
    for row in rows:
        assert g.nodes[row["id"]]["name"] == row["name"]
        assert g.nodes[row["id"]]["note"] == row["note"]
    assert g.has_edge(rows[0]["id"], "a`'\"")
    assert store.counts().labels["Organization"] == len(INJECTIONS)


def test_every_label_and_type_round_trips(store: GraphStore) -> None:
    store.upsert_nodes("Organization", [{"id": "o1", "name": "O1"}, {"id": "o2", "name": "O2"}])
    store.upsert_nodes("Alliance", [{"id": "a1", "name": "A1", "form": "joint_venture"}])
    store.upsert_nodes("Network", [{"id": "n1", "name": "N1", "kind": "media"}])
    store.upsert_nodes("Person", [{"id": "p1", "name": "P1"}, {"id": "p2", "name": "P2"}])
    store.upsert_nodes("Project", [{"id": "j1", "name": "J1"}])
    store.upsert_nodes("Topic", [{"id": "t1", "name": "T1"}])
    store.upsert_nodes("Goal", [{"id": "g1", "name": "G1", "priority": 2}])
    store.upsert_nodes("Assessment", [{"id": "s1", "name": "S1", "date": "2024-05", "trust": 3.5}])
    rels = {
        "MEMBER_OF": ("o1", "a1", {}),
        "BELONGS_TO": ("o1", "n1", {}),
        "WORKS_AT": ("p1", "o1", {"kind": "board"}),
        "STAFFS": ("p1", "a1", {"role": "km_intermediary"}),
        "KNOWS": ("p1", "p2", {"strength": 0.7}),
        "FUNDS": ("o2", "j1", {"amount": 5}),
        "RELATES_TO": ("o1", "o2", {"kind": "competitor"}),
        "COLLABORATED_WITH": ("o1", "o2", {"year": 2019}),
        "HAS_CAPABILITY": ("o1", "t1", {}),
        "ADDRESSES": ("a1", "t1", {}),
        "NEEDS": ("g1", "t1", {}),
        "HAS_GOAL": ("o1", "g1", {}),
        "PART_OF": ("j1", "a1", {}),
        "PARTICIPATES_IN": ("o2", "j1", {}),
        "ASSESSES": ("s1", "a1", {}),
    }
    for type_, (s, t, props) in rels.items():
        assert store.upsert_relationships(type_, [{"source": s, "target": t, **props}]).created == 1
    counts = store.counts()
    assert all(n == 1 for n in counts.types.values()), counts.types
    g = store.projection()
    assert g.number_of_nodes() == 10 and g.number_of_edges() == 15


# ------------------------------------------------------------ provenance, history, changes

FILE_A = SourceRef("imp-1", "orgs-a.csv", None, 2)
FILE_B = SourceRef("imp-2", "orgs-b.xlsx", "Sheet1", 7)


def test_provenance_from_two_sources_is_kept_once_each(store: GraphStore) -> None:
    store.upsert_nodes("Organization", ORGS[:1], sources=[FILE_A])
    again = store.upsert_nodes("Organization", ORGS[:1], sources=[FILE_A])
    assert again.unchanged == 1
    version = store.version()
    store.upsert_nodes("Organization", ORGS[:1], sources=[FILE_B])  # unchanged, still recorded
    assert store.version() == version
    assert store.sources_of(node_id="org-acme") == [FILE_A, FILE_B]
    store.upsert_nodes("Alliance", ALLIANCES)
    rel = {"source": "org-acme", "target": "all-1", "role": "lead"}
    store.upsert_relationships("MEMBER_OF", [rel], sources=[FILE_B])
    store.upsert_relationships("MEMBER_OF", [rel], sources=[SourceRef("imp-3", "m.csv", None, 4)])
    key = ("MEMBER_OF", "org-acme", "all-1", "")
    assert store.sources_of(rel=key) == [FILE_B, SourceRef("imp-3", "m.csv", None, 4)]
    assert store.sources_of(node_id="all-1") == []
    assert store.sources_of(node_id="nobody") == []


def test_provenance_of_a_deleted_node_and_its_relationships_is_gone(store: GraphStore) -> None:
    store.upsert_nodes("Organization", ORGS, sources=[FILE_A, FILE_A, FILE_B])
    store.upsert_nodes("Alliance", ALLIANCES, sources=[FILE_B])
    store.upsert_relationships("MEMBER_OF", MEMBERS, sources=[FILE_A, FILE_B])
    assert store.delete_node("all-1") is True
    assert store.sources_of(node_id="all-1") == []
    assert store.sources_of(rel=("MEMBER_OF", "org-acme", "all-1", "")) == []
    assert store.sources_of(node_id="org-gamma") == [FILE_B]
    store.upsert_nodes("Alliance", ALLIANCES)  # made again: no provenance comes back
    store.upsert_relationships("MEMBER_OF", MEMBERS[:1])
    assert store.sources_of(node_id="all-1") == []
    assert store.sources_of(rel=("MEMBER_OF", "org-acme", "all-1", "")) == []


def test_sources_must_be_parallel_to_rows(store: GraphStore) -> None:
    with pytest.raises(ValueError, match="one per row"):
        store.upsert_nodes("Organization", ORGS, sources=[FILE_A])
    assert store.counts().nodes == 0


def test_relationship_sources_must_be_parallel_to_rows(store: GraphStore) -> None:
    store.upsert_nodes("Organization", ORGS)
    store.upsert_nodes("Alliance", ALLIANCES)
    with pytest.raises(ValueError, match=f"1 sources for {len(MEMBERS)} rows: give one per row"):
        store.upsert_relationships("MEMBER_OF", MEMBERS, sources=[FILE_A])
    assert store.counts().relationships == 0


def test_history_is_newest_first_and_survives_a_reopen(
    store: GraphStore, reopen: Callable[[GraphStore], GraphStore]
) -> None:
    events = [
        HistoryEvent(
            f"2026-11-29T21:4{i}:00Z",
            "import",
            "cli:ana",
            f"imp-{i}",
            {"file": f"f{i}.csv", "n": i},
        )
        for i in range(5)
    ]
    for event in events:
        store.log_event(event)
    _seed(store)  # a re-import prunes nothing
    _seed(store)
    assert store.history() == events[::-1]
    assert store.history(limit=2, offset=1) == [events[3], events[2]]
    reopened = reopen(store)
    assert reopened.history(limit=1) == [events[-1]]


def test_changes_since_lists_upserts_and_deletes(store: GraphStore) -> None:
    start = store.version()
    assert store.changes_since(start) == ChangeSet(
        start, start, frozenset(), frozenset(), frozenset()
    )
    _seed(store)
    seeded = store.version()
    changes = store.changes_since(start)
    assert changes is not None
    assert (changes.from_version, changes.to_version) == (start, seeded)
    assert changes.nodes == {"org-acme", "org-beta", "org-gamma", "all-1"}
    assert changes.rels == {
        ("MEMBER_OF", "org-acme", "all-1", ""),
        ("MEMBER_OF", "org-beta", "all-1", ""),
    }
    assert changes.deleted_nodes == set()
    store.upsert_nodes("Organization", [{"id": "org-beta", "name": "Beta Labs Inc."}])
    store.upsert_nodes("Organization", ORGS[2:])  # unchanged: not a change
    store.upsert_relationships(
        "FUNDS", [{"source": "org-gamma", "target": "all-1", "key": "2024", "amount": 3}]
    )
    store.delete_node("org-acme")
    later = store.changes_since(seeded)
    assert later is not None and later.to_version == store.version()
    assert later.nodes == {"org-beta"}
    assert later.deleted_nodes == {"org-acme"}
    assert later.rels == {("FUNDS", "org-gamma", "all-1", "2024")}
    # the relationship of the deleted node is left out of what is still there to fetch
    everything = store.changes_since(start)
    assert everything is not None
    assert "org-acme" not in everything.nodes and "org-acme" in everything.deleted_nodes
    assert ("MEMBER_OF", "org-acme", "all-1", "") not in everything.rels


def test_changes_since_an_unknown_version_is_none(store: GraphStore) -> None:
    _seed(store)
    assert store.changes_since(store.version() + 5) is None
    assert store.changes_since(-1) is None


def test_fetch_returns_the_stored_state_and_leaves_out_the_missing(store: GraphStore) -> None:
    _seed(store)
    nodes, rels = store.fetch(
        ["org-acme", "nobody", "all-1"],
        [("MEMBER_OF", "org-acme", "all-1", ""), ("MEMBER_OF", "org-gamma", "all-1", "")],
    )
    assert sorted(nodes, key=lambda n: n.id) == [
        NodeRecord(
            NodeLabel.ALLIANCE,
            "all-1",
            {"name": "Clean Water Coalition", "form": "coalition", "started": "2020"},
        ),
        NodeRecord(
            NodeLabel.ORGANIZATION,
            "org-acme",
            {"name": "Acme Corp.", "aliases": ["ACME", "Acme Corporation"]},
        ),
    ]
    assert rels == [
        RelRecord(
            RelType.MEMBER_OF,
            "org-acme",
            "all-1",
            "",
            {"role": "lead", "cash_contribution": 1000.5},
        )
    ]


def test_records_are_written_as_they_are(store: GraphStore) -> None:
    (rec,) = validate_nodes("Organization", [{"id": "o1", "name": " Acme "}])
    assert store.upsert_nodes("Organization", [rec]).created == 1
    nodes, _ = store.fetch(["o1"], [])
    assert nodes == [rec]
    with pytest.raises(BatchValidationError, match="not a Person record"):
        store.upsert_nodes("Person", [rec])


def test_meta_values_are_kept_and_removed(
    store: GraphStore, reopen: Callable[[GraphStore], GraphStore]
) -> None:
    assert store.get_meta("import.running") is None
    version = store.version()
    store.set_meta("import.running", "imp-7")
    store.set_meta("import.running", "imp-8 'quoted' {x}")
    assert store.get_meta("import.running") == "imp-8 'quoted' {x}"
    assert store.version() == version
    reopened = reopen(store)
    assert reopened.get_meta("import.running") == "imp-8 'quoted' {x}"
    reopened.set_meta("import.running", None)
    assert store.get_meta("import.running") is None


def test_changes_since_a_version_the_log_no_longer_keeps_is_none(store: GraphStore) -> None:
    store.change_log_keep = 2  # type: ignore[attr-defined]
    start = store.version()
    for i in range(4):
        store.upsert_nodes("Topic", [{"id": f"t{i}", "name": f"T{i}"}])
    assert store.changes_since(start) is None
    assert store.changes_since(start + 1) is None
    recent = store.changes_since(start + 2)
    assert recent is not None and recent.nodes == {"t2", "t3"}


def test_a_mostly_new_batch_with_rows_already_there_is_counted_row_by_row(
    store: GraphStore,
) -> None:
    people = [{"id": f"p{i}", "name": f"P{i}"} for i in range(40)]
    store.upsert_nodes("Person", [people[30], {"id": "p35", "name": "Old"}])
    result = store.upsert_nodes("Person", people)  # the first rows are new, two are not
    assert (result.created, result.updated, result.unchanged) == (38, 1, 1)
    knows = [{"source": f"p{i}", "target": f"p{i + 1}", "strength": 0.5} for i in range(39)]
    store.upsert_relationships("KNOWS", [knows[20], {**knows[25], "strength": 0.1}])
    version = store.version()
    rels = store.upsert_relationships("KNOWS", knows)
    assert (rels.created, rels.updated, rels.unchanged) == (37, 1, 1)
    changes = store.changes_since(version)
    assert changes is not None
    assert len(changes.rels) == 38 and ("KNOWS", "p20", "p21", "") not in changes.rels
    assert store.counts().types["KNOWS"] == 39
    g = store.projection()
    assert g.nodes["p35"]["name"] == "P35" and g.edges["p25", "p26", "KNOWS"]["strength"] == 0.5


def test_a_missing_end_far_into_a_new_batch_refuses_it_whole(store: GraphStore) -> None:
    store.upsert_nodes("Person", [{"id": f"p{i}", "name": f"P{i}"} for i in range(40)])
    store.upsert_nodes("Organization", ORGS)
    before, version = _snapshot(store), store.version()
    knows = [{"source": f"p{i}", "target": f"p{i + 1}"} for i in range(39)]
    knows[35] = {"source": "p35", "target": "p-nobody"}
    knows[36] = {"source": "p36", "target": "org-acme"}
    with pytest.raises(BatchValidationError) as info:
        store.upsert_relationships("KNOWS", knows)
    assert [(e.row, e.field) for e in info.value.errors] == [(35, "target"), (36, "target")]
    assert _snapshot(store) == before and store.version() == version


def test_an_id_of_another_label_far_into_a_new_batch_refuses_it_whole(store: GraphStore) -> None:
    store.upsert_nodes("Organization", ORGS)
    before, version = _snapshot(store), store.version()
    people = [{"id": f"p{i}", "name": f"P{i}"} for i in range(40)]
    people[33] = {"id": "org-beta", "name": "Impostor"}
    with pytest.raises(BatchValidationError) as info:
        store.upsert_nodes("Person", people)
    assert [(e.row, e.field) for e in info.value.errors] == [(33, "id")]
    assert _snapshot(store) == before and store.version() == version
    assert store.upsert_nodes("Person", people[:33]).created == 33  # nothing was left behind
