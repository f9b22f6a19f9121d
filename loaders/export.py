"""Exports of the whole graph: the portfolio JSON document (loads back unchanged), GraphML,
and CSV with spreadsheet formulas neutralised.

CSV cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are
prefixed with ``'`` so a spreadsheet shows them as text instead of running them; JSON and
GraphML keep every value byte-identical: GraphML writes tab, line feed and carriage return
as character references (a parser would otherwise turn ``\r`` into ``\n``) and a value with
a character XML 1.0 cannot hold at all (U+0000-U+001F but those three) as a JSON string
marked ``ag:json="1"``, which :func:`loaders.documents.read_graphml` decodes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any
from xml.sax.saxutils import escape

import networkx as nx

from loaders.documents import FORMAT

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _nodes(graph: nx.MultiDiGraph) -> list[tuple[str, dict[str, Any]]]:
    """Nodes in id order: an export is the same whatever order the graph was built in."""
    return sorted(graph.nodes(data=True), key=lambda item: item[0])


def _edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, dict[str, Any]]]:
    """Relationships in (source, target, key) order (see :func:`_nodes`)."""
    return [
        (u, v, d)
        for u, v, _, d in sorted(
            graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))
        )
    ]


def to_document(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The projection as a portfolio document (the import format)."""
    nodes: dict[str, list[dict[str, Any]]] = {}
    for node, data in _nodes(graph):
        row = {"id": node, **{k: v for k, v in data.items() if k != "label"}}
        nodes.setdefault(data["label"], []).append(row)
    rels: dict[str, list[dict[str, Any]]] = {}
    for u, v, data in _edges(graph):
        row = {"source": u, "target": v}
        if data.get("rel_key"):
            row["key"] = data["rel_key"]
        row.update({k: val for k, val in data.items() if k not in ("type", "rel_key")})
        rels.setdefault(data["type"], []).append(row)
    return {"format": FORMAT, "version": 1, "nodes": nodes, "relationships": rels}


def to_json(graph: nx.MultiDiGraph) -> str:
    return json.dumps(to_document(graph), ensure_ascii=False)


#: the namespace of our one GraphML extension: ``ag:json="1"`` on a ``<data>`` element says
#: its text is a JSON string, used for values with characters XML 1.0 cannot carry at all
AG_NS = "https://alliancegraph.dev/graphml"
#: characters XML 1.0 cannot hold, not even as character references
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: legal characters a parser would change (line ends normalised, attribute whitespace)
_XML_REFS = {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def _graphml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def xml_text(text: str) -> str:
    """``text`` escaped so an XML parser gives back exactly ``text`` (``\\r`` included)."""
    out = escape(text, {'"': "&quot;"})
    for char, ref in _XML_REFS.items():
        out = out.replace(char, ref)
    return out


def _data(key: str, value: Any) -> str:
    """One ``<data>`` element whose text loads back byte-identical, whatever it holds."""
    text = _graphml_value(value)
    if _XML_ILLEGAL.search(text):
        return f'<data key="{key}" ag:json="1">{xml_text(json.dumps(text))}</data>'
    return f'<data key="{key}">{xml_text(text)}</data>'


def _attr(text: str) -> str:
    """A quoted attribute value that parses back to ``text`` (ids with illegal characters
    cannot be written: the caller refuses them)."""
    return f'"{xml_text(text)}"'


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML with every property as a string key (lists as JSON); all text escaped."""
    node_keys = sorted({k for _, d in graph.nodes(data=True) for k in d})
    edge_keys = sorted(
        {k for _, _, d in graph.edges(data=True) for k in d if k != "rel_key"} | {"key"}
    )
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:ag="{AG_NS}">',
    ]
    for i, k in enumerate(node_keys):
        out.append(f'<key id="n{i}" for="node" attr.name={_attr(k)} attr.type="string"/>')
    for i, k in enumerate(edge_keys):
        out.append(f'<key id="e{i}" for="edge" attr.name={_attr(k)} attr.type="string"/>')
    nk = {k: f"n{i}" for i, k in enumerate(node_keys)}
    ek = {k: f"e{i}" for i, k in enumerate(edge_keys)}
    out.append('<graph edgedefault="directed">')
    for node, data in _nodes(graph):
        out.append(
            f"<node {_ref('id', node)}>"
            + "".join(_data(nk[k], v) for k, v in data.items())
            + "</node>"
        )
    for u, v, data in _edges(graph):
        items = {("key" if k == "rel_key" else k): val for k, val in data.items()}
        out.append(
            f"<edge {_ref('source', u)} {_ref('target', v)}>"
            + "".join(_data(ek[k], val) for k, val in items.items() if val != "" or k != "key")
            + "</edge>"
        )
    out.append("</graph></graphml>")
    return "\n".join(out)


def _ref(name: str, node: str) -> str:
    """An id attribute (``id``, ``source``, ``target``); an id with a character XML cannot
    hold is written as a JSON string and marked ``ag:json-<name>="1"``."""
    if _XML_ILLEGAL.search(node):
        return f'{name}={_attr(json.dumps(node))} ag:json-{name}="1"'
    return f"{name}={_attr(node)}"


def neutralise(value: Any) -> str:
    """A CSV cell that a spreadsheet will show, never evaluate.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    """
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv_zip(graph: nx.MultiDiGraph) -> bytes:
    """A zip of ``nodes.csv`` and ``relationships.csv`` (UTF-8, formulas neutralised)."""
    node_keys = sorted(
        {k for _, d in graph.nodes(data=True) for k in d if k not in ("label", "name")}
    )
    edge_keys = sorted(
        {k for _, _, d in graph.edges(data=True) for k in d if k not in ("type", "rel_key")}
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        text = io.StringIO()
        w = csv.writer(text)
        w.writerow(["id", "label", "name", *node_keys])
        for node, d in _nodes(graph):
            w.writerow(
                [
                    neutralise(node),
                    d["label"],
                    neutralise(d.get("name", "")),
                    *(neutralise(d[k]) if k in d else "" for k in node_keys),
                ]
            )
        archive.writestr("nodes.csv", text.getvalue())
        text = io.StringIO()
        w = csv.writer(text)
        w.writerow(["source", "type", "target", "key", *edge_keys])
        for u, v, d in _edges(graph):
            w.writerow(
                [
                    neutralise(u),
                    d["type"],
                    neutralise(v),
                    neutralise(d.get("rel_key", "")),
                    *(neutralise(d[k]) if k in d else "" for k in edge_keys),
                ]
            )
        archive.writestr("relationships.csv", text.getvalue())
    return buf.getvalue()
