"""Every Cypher statement the Bolt store runs, by name, in one place.

Values are always parameters (``$ids``, ``$rows``, ...). Labels and relationship types
cannot be parameters, so templates carry ``{label}``, ``{source}``, ``{target}`` and
``{type}`` slots that :func:`render` fills only from the allow-list enums of
:mod:`graph.vocabulary`. Every write MERGEs on a labelled node's constrained ``id``
(``tests/stores/test_cypher_rules.py`` holds every statement to that).

Walk-through of a node upsert, one write transaction a batch: ``label_any`` and
``label_of_ids`` check that no id is stored under another label, ``node_lookup`` probes a
few ids, and when none is stored ``node_create`` writes the batch as all new (rolled back
unless the server counts every row created). Otherwise ``node_lookup`` reads the stored
properties of the batch's ids (index seeks), the store compares them in Python to count
created / updated / unchanged, and ``node_merge`` writes only the rows that change
something. Then ``version_bump`` moves the store version and ``change_log`` records the
changed keys (and, for a small change, the values written) in the same transaction
(``change_prune`` drops the entry that fell out of the kept window). With provenance,
``sources_read`` / ``sources_merge`` add the batch's source rows to each entity's list in
that transaction too.
"""

from __future__ import annotations

from graph.vocabulary import NodeLabel, RelType

#: Bookkeeping labels, never part of the projection: the store node (version, event
#: count) and meta values; one node per write transaction in the change log; one per
#: history event; one per node or relationship with provenance (its source rows).
META_LABEL = "AllianceGraphMeta"
CHANGE_LABEL = "AllianceGraphChange"
EVENT_LABEL = "AllianceGraphEvent"
SOURCE_LABEL = "AllianceGraphSource"
BOOKKEEPING_LABELS = (META_LABEL, CHANGE_LABEL, EVENT_LABEL, SOURCE_LABEL)

STATEMENTS: dict[str, str] = {
    # schema, run at connect
    "constraint": "CREATE CONSTRAINT {cname} IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE",
    # reads
    # one part per label, joined with UNION ALL: one round trip finds an id's label
    "label_of_ids": "UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN id, labels(n) AS labels",
    "node_lookup": "UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN id, properties(n) AS props",
    "rel_lookup": (
        "UNWIND $keys AS k MATCH (a:{source} {{id: k.source}})-[r:{type}]->(b:{target} {{id: k.target}}) "
        "WHERE r.key = k.key RETURN k.source AS source, k.target AS target, k.key AS key, "
        "properties(r) AS props"
    ),
    # following writes (``fetch``): one read transaction, a node's label and properties in
    # one UNION ALL over the labels, each relationship from its (typed) source's index seek
    # and its few out-edges (never from the target: a topic or alliance may have thousands)
    "node_fetch": (
        "UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
        "RETURN id, labels(n) AS labels, properties(n) AS props"
    ),
    "rel_fetch": (
        "UNWIND $keys AS k MATCH (a:{source} {{id: k.source}})-[r:{type}]->(b) "
        "WHERE b.id = k.target AND r.key = k.key "
        "RETURN k.source AS source, k.target AS target, k.key AS key, properties(r) AS props"
    ),
    "node_out": (
        "MATCH (n:{label} {{id: $id}})-[r]->(m) "
        "RETURN type(r) AS type, properties(r) AS props, labels(m) AS labels, properties(m) AS other"
    ),
    "node_in": (
        "MATCH (n:{label} {{id: $id}})<-[r]-(m) "
        "RETURN type(r) AS type, properties(r) AS props, labels(m) AS labels, properties(m) AS other"
    ),
    # one part per label, joined with UNION ALL: which labels have any node at all
    "label_any": "MATCH (n:{label}) RETURN labels(n) AS labels LIMIT 1",
    "count_label": "MATCH (n:{label}) RETURN count(n) AS n",
    "count_type": "MATCH ()-[r:{type}]->() RETURN count(r) AS n",
    "all_nodes": "MATCH (n:{label}) RETURN n.id AS id, properties(n) AS props",
    "all_rels": (
        "MATCH (a)-[r:{type}]->(b) RETURN a.id AS source, b.id AS target, properties(r) AS props"
    ),
    "version": "MATCH (m:" + META_LABEL + " {{id: 'store'}}) RETURN m.version AS version",
    "event_count": "MATCH (m:" + META_LABEL + " {{id: 'store'}}) RETURN m.events AS events",
    "meta_get": "MATCH (m:" + META_LABEL + " {{id: $id}}) RETURN m.value AS value",
    "changes_read": (
        "UNWIND $ids AS id MATCH (c:" + CHANGE_LABEL + " {{id: id}}) "
        "RETURN c.version AS version, c.payload AS payload"
    ),
    "events_read": (
        "UNWIND $ids AS id MATCH (e:" + EVENT_LABEL + " {{id: id}}) "
        "RETURN e.seq AS seq, e.at AS at, e.action AS action, e.actor AS actor, "
        "e.subject AS subject, e.detail AS detail"
    ),
    "sources_read": (
        "UNWIND $ids AS id MATCH (p:"
        + SOURCE_LABEL
        + " {{id: id}}) RETURN p.id AS id, p.refs AS refs"
    ),
    # writes
    "node_merge": "UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n += row.props",
    "rel_merge": (
        "UNWIND $rows AS row MATCH (a:{source} {{id: row.source}}) MATCH (b:{target} {{id: row.target}}) "
        "MERGE (a)-[r:{type} {{key: row.key}}]->(b) SET r += row.props"
    ),
    # all new (a first load): the server's created counter must equal the rows, or the
    # transaction is rolled back and the batch goes the lookup way
    "node_create": "UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) ON CREATE SET n += row.props",
    "rel_create": (
        "UNWIND $rows AS row MATCH (a:{source} {{id: row.source}}) MATCH (b:{target} {{id: row.target}}) "
        "MERGE (a)-[r:{type} {{key: row.key}}]->(b) ON CREATE SET r += row.props"
    ),
    "node_delete": "MATCH (n:{label} {{id: $id}}) DETACH DELETE n",
    "clear_label": "MATCH (n:{label}) DETACH DELETE n",
    "version_bump": (
        "MERGE (m:" + META_LABEL + " {{id: 'store'}}) SET m.version = coalesce(m.version, 0) + 1 "
        "RETURN m.version AS version"
    ),
    "change_log": (
        "MERGE (c:" + CHANGE_LABEL + " {{id: $id}}) SET c.version = $version, c.payload = $payload"
    ),
    "change_prune": "MATCH (c:" + CHANGE_LABEL + " {{id: $id}}) DELETE c",
    "event_seq": (
        "MERGE (m:" + META_LABEL + " {{id: 'store'}}) SET m.events = coalesce(m.events, 0) + 1 "
        "RETURN m.events AS seq"
    ),
    "event_log": (
        "MERGE (e:" + EVENT_LABEL + " {{id: $id}}) SET e.seq = $seq, e.at = $at, "
        "e.action = $action, e.actor = $actor, e.subject = $subject, e.detail = $detail"
    ),
    "sources_merge": (
        "UNWIND $rows AS row MERGE (p:" + SOURCE_LABEL + " {{id: row.id}}) SET p.refs = row.refs"
    ),
    "sources_delete": "UNWIND $ids AS id MATCH (p:" + SOURCE_LABEL + " {{id: id}}) DELETE p",
    "meta_set": "MERGE (m:" + META_LABEL + " {{id: $id}}) SET m.value = $value",
    "meta_delete": "MATCH (m:" + META_LABEL + " {{id: $id}}) DELETE m",
}

_ALLOWED_LABELS = {str(v) for v in NodeLabel} | set(BOOKKEEPING_LABELS)
_ALLOWED_TYPES = {str(v) for v in RelType}


def render(name: str, **slots: str) -> str:
    """The statement ``name`` with its label/type slots filled from the allow-list only."""
    for key, value in slots.items():
        if key in ("label", "source", "target") and value not in _ALLOWED_LABELS:
            raise ValueError(f"label {value!r} is not in the allow-list")
        if key == "type" and value not in _ALLOWED_TYPES:
            raise ValueError(f"relationship type {value!r} is not in the allow-list")
        if key == "cname" and not value.replace("_", "").isalnum():
            raise ValueError(f"constraint name {value!r} is not a plain identifier")
    return STATEMENTS[name].format(**slots)
