"""The store contract: every backend behaves the same (run once per store kind)."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.records import BatchValidationError
from graph.store import GraphStore

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
