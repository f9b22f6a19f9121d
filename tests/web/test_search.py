"""Search as you type: prefix words in any order, every entity type, visibility applied,
best matches first, and an index that follows the projection's version."""

from __future__ import annotations

import networkx as nx

from api.web.search import SCAN_LIMIT, SearchIndex, describe, index_for


def _graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("org-1", label="Organization", name="Northwind Foundation")
    g.add_node("org-2", label="Organization", name="North Sea Partners")
    g.add_node("all-1", label="Alliance", name="Wind Coalition")
    g.add_node("p-1", label="Person", name="Ana Northcott")
    g.add_node("net-1", label="Network", name="Île Réseau")
    g.add_node("t-1", label="Topic", name="Wind energy")
    g.add_edge("org-2", "all-1", key="MEMBER_OF", type="MEMBER_OF")
    g.add_edge("p-1", "org-2", key="WORKS_AT", type="WORKS_AT")
    return g


def test_prefixes_of_any_word_find_every_entity_type() -> None:
    index = SearchIndex(_graph())
    assert {h.id for h in index.search("nor")} == {"org-1", "org-2", "p-1"}
    assert {h.label for h in index.search("wind")} == {"Alliance", "Topic"}  # word starts only
    assert [h.id for h in index.search("coalition wi")] == ["all-1"]  # words in any order
    assert [h.id for h in index.search("île")] == ["net-1"]  # accents kept, case folded
    assert [h.id for h in index.search("ÎLE RÉS")] == ["net-1"]
    assert [h.id for h in index.search("org-1")] == ["org-1"]  # an id finds its node
    assert index.search("   ") == [] and index.search("zzz") == []


def test_names_starting_with_the_query_first_then_the_best_connected() -> None:
    index = SearchIndex(_graph())
    hits = [h.id for h in index.search("north")]
    assert hits[:2] == ["org-2", "org-1"]  # both start with it; org-2 has more ties
    assert hits[2] == "p-1"  # "Ana Northcott" has the word, but does not start with it


def test_what_the_key_may_not_see_is_never_returned() -> None:
    index = SearchIndex(_graph())
    assert [h.id for h in index.search("north", allowed=lambda n: n != "org-2")] == ["org-1", "p-1"]


def test_limit_and_a_bounded_scan_for_one_letter() -> None:
    g = nx.MultiDiGraph()
    for i in range(SCAN_LIMIT * 3):
        g.add_node(f"o{i}", label="Organization", name=f"Alpha {i}")
    index = SearchIndex(g)
    assert len(index.search("a", limit=7)) == 7
    assert len(index.search("alpha 12", limit=50)) >= 1


def test_the_index_is_rebuilt_when_the_projection_moves_on() -> None:
    g = _graph()
    g.graph["version"] = 1
    assert index_for(g) is index_for(g)
    g.add_node("org-3", label="Organization", name="Zephyr Trust")
    g.graph["version"] = 2
    assert [h.id for h in index_for(g).search("zephyr")] == ["org-3"]


def test_accents_and_former_names_find_the_entity_as_it_is_now() -> None:
    """A user types what they remember: no accents, or the name before a rename."""
    g = _graph()
    g.add_node("p-2", label="Person", name="Zoë Lefèvre")
    g.add_node("org-3", label="Organization", name="Meta Platforms", aliases=["Facebook, Inc."])
    index = SearchIndex(g)
    assert [h.id for h in index.search("lefevre")] == ["p-2"]
    assert [h.id for h in index.search("zoe lef")] == ["p-2"]
    assert [h.id for h in index.search("ile reseau")] == ["net-1"]
    assert [(h.id, h.name) for h in index.search("faceb")] == [("org-3", "Meta Platforms")]


def test_namesakes_are_told_apart_by_where_they_work() -> None:
    g = nx.MultiDiGraph()
    g.add_node("o-a", label="Organization", name="Acme", country="Germany")
    g.add_node("o-b", label="Organization", name="Beta")
    g.add_node("o-c", label="Organization", name="Hidden Co")
    g.add_node("p-1", label="Person", name="John Smith")
    g.add_node("p-2", label="Person", name="John Smith")
    g.add_node("p-3", label="Person", name="John Smith")
    g.add_edge("p-1", "o-a", key="WORKS_AT", type="WORKS_AT", since="2019")
    g.add_edge("p-2", "o-b", key="WORKS_AT", type="WORKS_AT", until="2015-06")
    g.add_edge("p-2", "o-c", key="WORKS_AT", type="WORKS_AT")
    g.add_edge("p-3", "o-a", key="WORKS_AT", type="WORKS_AT", until="2099")
    g.add_edge("p-3", "o-b", key="WORKS_AT", type="WORKS_AT")
    visible = lambda n: n != "o-c"  # noqa: E731
    found = {h.id: describe(g, h.id, visible) for h in SearchIndex(g).search("john smith")}
    assert found == {
        "p-1": "at Acme",
        "p-2": "formerly at Beta",  # her current employer is not one the key may see
        "p-3": "at Acme, Beta",  # a job ending in the future is current
    }
    assert describe(g, "o-a", visible) == "Germany" and describe(g, "o-b", visible) == ""
