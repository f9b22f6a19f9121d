"""Every Cypher statement the Bolt store runs is named, executed, parameterised, and MERGEs
only on a labelled node's constrained id."""

from __future__ import annotations

import os
import re

import pytest

from graph.bolt_queries import BOOKKEEPING_LABELS, STATEMENTS, render
from graph.bolt_store import BoltStore
from graph.records import HistoryEvent, SourceRef
from graph.vocabulary import NodeLabel, RelType
from tests.support.arcadedb import BoltServer

SLOTS = {
    "label": "Organization",
    "source": "Organization",
    "target": "Alliance",
    "type": "MEMBER_OF",
    "cname": "alliancegraph_organization_id",
}


def _rendered(name: str) -> str:
    template = STATEMENTS[name]
    wanted = {k: v for k, v in SLOTS.items() if "{" + k + "}" in template}
    return render(name, **wanted)


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_merge_only_on_a_labelled_nodes_constrained_id(name: str) -> None:
    text = _rendered(name)
    for merge in re.findall(r"MERGE\s*(\([^)]*\)(?:-\[[^\]]*\]->\([^)]*\))?)", text):
        node = re.match(r"\((\w+):(\w+) \{id: [^}]+\}\)$", merge)
        rel = re.match(r"\((\w+)\)-\[(\w+):(\w+)(?: \{key: [\w.$]+\})?\]->\((\w+)\)$", merge)
        assert node or rel, (
            f"{name}: MERGE {merge} is neither a labelled node on id nor a relationship between bound nodes"
        )
        if node:
            assert node.group(2) in {*NodeLabel, *BOOKKEEPING_LABELS}
        if rel:
            assert rel.group(3) in set(RelType)
            bound = re.findall(r"MATCH \((\w+):\w+ \{id: [^}]+\}\)", text)
            assert {rel.group(1), rel.group(4)} <= set(bound), (
                f"{name}: relationship ends must be matched on id"
            )


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_values_are_parameters_not_literals(name: str) -> None:
    text = _rendered(name)
    literals = re.findall(r"'[^']*'", text)
    assert set(literals) <= {"'store'"}, f"{name}: literal values {literals}"


@pytest.mark.bolt
def test_every_statement_is_executed(bolt_server: BoltServer) -> None:
    """Every stored statement runs at least once in a workload touching every method
    (counted by the store as it runs them, not found as a string in the source)."""
    store = BoltStore(
        bolt_server.uri,
        user=bolt_server.user,
        password=bolt_server.password,
        database=bolt_server.database,
        change_log_keep=2,
    )
    store.clear()
    src = SourceRef("imp-1", "f.csv", None, 1)
    store.upsert_nodes("Organization", [{"id": "o1", "name": "O"}], sources=[src])
    store.upsert_nodes("Alliance", [{"id": "a1", "name": "A"}])
    store.upsert_relationships("MEMBER_OF", [{"source": "o1", "target": "a1"}], sources=[src])
    store.upsert_nodes("Organization", [{"id": "o1", "name": "O2"}])  # updates: the lookup way
    store.upsert_relationships("MEMBER_OF", [{"source": "o1", "target": "a1", "role": "lead"}])
    store.get_node("o1")
    store.counts()
    store.projection()
    store.sources_of(node_id="o1")
    store.log_event(HistoryEvent("2026-11-29T21:40:00Z", "import", "cli:x", "imp-1", {}))
    store.history()
    store.changes_since(store.version() - 1)
    store.fetch(["o1"], [("MEMBER_OF", "o1", "a1", "")])
    store.set_meta("k", "v")
    store.get_meta("k")
    store.set_meta("k", None)
    store.delete_node("o1")
    store.clear()
    store.close()
    never = sorted(name for name in STATEMENTS if store.executed[name] == 0)
    assert not never, f"statements never executed: {never}"
    assert set(store.executed) <= set(STATEMENTS), set(store.executed) - set(STATEMENTS)


def test_labels_and_types_only_from_the_allow_list() -> None:
    with pytest.raises(ValueError, match="allow-list"):
        render("node_merge", label="Organization) DETACH DELETE n //")
    with pytest.raises(ValueError, match="allow-list"):
        render("rel_merge", source="Organization", target="Alliance", type="KNOWS]->() //")


@pytest.mark.skipif(
    not os.environ.get("NEO4J_URI"), reason="EXPLAIN plans are checked on Neo4j only"
)
@pytest.mark.bolt
@pytest.mark.parametrize("name", sorted(n for n in STATEMENTS if n not in ("constraint",)))
def test_neo4j_plans_have_no_label_scan_or_eager(name: str) -> None:
    from neo4j import GraphDatabase

    driver = GraphDatabase.driver(
        os.environ["NEO4J_URI"],
        auth=(os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "")),
    )
    with driver.session(database=os.environ.get("NEO4J_DATABASE", "neo4j")) as session:
        plan = (
            session.run(
                "EXPLAIN " + _rendered(name),
                rows=[],
                ids=[],
                keys=[],
                id="x",
                value="v",
                version=1,
                payload="{}",
                seq=1,
                at="",
                action="",
                actor="",
                subject="",
                detail="{}",
            )
            .consume()
            .plan
        )
    driver.close()

    def operators(p: dict) -> list[str]:
        return [p["operatorType"], *[o for c in p.get("children", []) for o in operators(c)]]

    ops = operators(plan)
    scans_ok = name in ("count_label", "count_type", "all_nodes", "all_rels", "clear_label")
    assert scans_ok or not any(o.startswith(("NodeByLabelScan", "AllNodesScan")) for o in ops), ops
    assert not any(o.startswith("Eager") for o in ops), ops
