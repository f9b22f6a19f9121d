"""GEXF (Gephi's format): export the graph, and import GEXF files (our own or Gephi's).

Export writes GEXF 1.3, directed and dynamic: each node's ``label`` is its name and every
property is a typed attribute (``node_type`` holds our label, ``rel_type`` and
``rel_key`` an edge's type and key; lists are JSON text in a ``liststring``). Dated nodes
and relationships also carry Gephi's ``start``/``end`` (the first and last day of their
partial dates), so Gephi's timeline plays memberships as they ran; the partial dates
themselves stay attributes, so a round trip keeps every id, label, property and date.

Import reads those attributes back; for a GEXF from elsewhere, ``start``/``end`` (or each
``<spell>``: one relationship per period, keyed by its start) become our dates — joined /
left on MEMBER_OF, since / until on other dated relationships, started / ended on
alliances and projects — and missing labels and types come from the mapping's
``graph:`` options. XML is parsed with defusedxml: DTDs and entities are refused.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
from defusedxml import ElementTree as SafeET

from graph.dates import normalize_partial_date, period_end, period_start
from graph.projection import TIME_FIELDS
from graph.vocabulary import NodeLabel, RelType
from loaders.mapping import GraphOptions
from loaders.rows import LoadError, SourceRow

NS = "http://gexf.net/1.3"
#: Node labels whose dates are a period (start, end), as the projection reads them.
NODE_TIME_FIELDS: dict[str, tuple[str, str | None]] = {
    NodeLabel.ALLIANCE: ("started", "ended"),
    NodeLabel.PROJECT: ("started", "ended"),
    NodeLabel.ASSESSMENT: ("date", None),
}
_TYPES = {bool: "boolean", int: "long", float: "double", str: "string", list: "liststring"}
_YEAR = re.compile(r"^-?\d{1,4}(\.0+)?$")


def _gexf_type(value: Any) -> str:
    return _TYPES.get(type(value), "string")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _span(start: Any, end: Any) -> str:
    """Gephi's ``start``/``end`` XML attributes for partial dates (empty when undated)."""
    out = ""
    if isinstance(start, str):
        with contextlib.suppress(ValueError):
            out += f' start="{period_start(start).isoformat()}"'
    if isinstance(end, str):
        with contextlib.suppress(ValueError):
            out += f' end="{period_end(end).isoformat()}"'
    return out


def to_gexf(graph: nx.MultiDiGraph) -> str:
    """The whole graph as GEXF 1.3 text (see the module docstring); all text escaped."""
    node_attrs: dict[tuple[str, str], str] = {}
    edge_attrs: dict[tuple[str, str], str] = {}
    nodes = []
    for node, data in graph.nodes(data=True):
        values = {"node_type": data["label"], **{k: v for k, v in data.items() if k != "label"}}
        values.pop("name", None)
        times = NODE_TIME_FIELDS.get(data["label"])
        span = _span(data.get(times[0]), data.get(times[1]) if times[1] else None) if times else ""
        cells = []
        for k, v in values.items():
            aid = node_attrs.setdefault((k, _gexf_type(v)), f"n{len(node_attrs)}")
            cells.append(f'<attvalue for="{aid}" value={quoteattr(_text(v))}/>')
        name = data.get("name", node)
        nodes.append(
            f"<node id={quoteattr(str(node))} label={quoteattr(str(name))}{span}>"
            f"<attvalues>{''.join(cells)}</attvalues></node>"
        )
    edges = []
    for i, (u, v, data) in enumerate(graph.edges(data=True)):
        values = {"rel_type": data["type"], "rel_key": data.get("rel_key", "")}
        values.update({k: val for k, val in data.items() if k not in ("type", "rel_key")})
        times = TIME_FIELDS.get(data["type"])
        span = _span(data.get(times[0]), data.get(times[1])) if times else ""
        cells = []
        for k, val in values.items():
            aid = edge_attrs.setdefault((k, _gexf_type(val)), f"e{len(edge_attrs)}")
            cells.append(f'<attvalue for="{aid}" value={quoteattr(_text(val))}/>')
        edges.append(
            f'<edge id="{i}" source={quoteattr(str(u))} target={quoteattr(str(v))} '
            f"label={quoteattr(str(data['type']))} kind={quoteattr(str(data['type']))}{span}>"
            f"<attvalues>{''.join(cells)}</attvalues></edge>"
        )

    def declare(kind: str, attrs: dict[tuple[str, str], str]) -> str:
        rows = "".join(
            f"<attribute id={quoteattr(aid)} title={quoteattr(k)} type={quoteattr(t)}/>"
            for (k, t), aid in attrs.items()
        )
        return f'<attributes class="{kind}" mode="static">{rows}</attributes>'

    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<gexf xmlns="{NS}" version="1.3">',
            f'<meta lastmodifieddate="{date.today().isoformat()}">'
            f"<creator>{escape('AllianceGraph')}</creator></meta>",
            '<graph defaultedgetype="directed" mode="dynamic" timeformat="date">',
            declare("node", node_attrs),
            declare("edge", edge_attrs),
            "<nodes>",
            *nodes,
            "</nodes>",
            "<edges>",
            *edges,
            "</edges>",
            "</graph>",
            "</gexf>",
        ]
    )


# ------------------------------------------------------------------------------ import


def _local(tag: str) -> str:
    """A tag without its namespace (GEXF 1.1, 1.2 and 1.3 files use different ones)."""
    return tag.rsplit("}", 1)[-1]


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == name]


def _convert(text: str, type_: str) -> Any:
    """An attribute value as its declared GEXF type."""
    t = type_.lower()
    if t in ("integer", "long", "short", "byte", "biginteger"):
        return int(text)
    if t in ("double", "float", "bigdecimal"):
        return float(text)
    if t == "boolean":
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"expected true or false, got {text!r}")
        return text.lower() in ("true", "1")
    if t.startswith("list"):
        if text.startswith("["):
            try:
                value = json.loads(text)
                if isinstance(value, list):
                    return value
            except json.JSONDecodeError:
                pass
            text = text.strip("[]")
            return [p.strip() for p in text.split(",") if p.strip()]
        return [p for p in text.split("|") if p]
    return text


def _gexf_date(text: str | None) -> str | None:
    """A GEXF time value (a date, a datetime or a year number) as an ISO partial date."""
    if text is None or not text.strip() or text.strip() in ("-inf", "inf", "Infinity"):
        return None
    text = text.strip()
    if _YEAR.match(text):
        return normalize_partial_date(int(float(text)))
    return normalize_partial_date(text)


def _periods(el: Any) -> list[tuple[str | None, str | None]]:
    """The (start, end) periods of a node or edge: its spells, else its own start/end."""
    spells = [s for c in _children(el, "spells") for s in _children(c, "spell")]
    items = spells or [el]
    out = []
    for item in items:
        start = _gexf_date(item.get("start") or item.get("startopen"))
        end = _gexf_date(item.get("end") or item.get("endopen"))
        if start or end or not spells:
            out.append((start, end))
    return out or [(None, None)]


def read_gexf(data: bytes, name: str, options: GraphOptions | None = None) -> Iterator[SourceRow]:
    """Nodes and relationships of a GEXF file (see the module docstring)."""
    opts = options or GraphOptions()
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except SafeET.ParseError as exc:
        raise LoadError(f"{name}: invalid or truncated GEXF: {exc}") from None
    except Exception as exc:  # defusedxml's DTD/entity refusals
        raise LoadError(
            f"{name}: refused GEXF ({type(exc).__name__}): entities and DTDs are not allowed"
        ) from None
    if _local(root.tag) != "gexf":
        raise LoadError(f"{name}: not a GEXF file (the root element is <{_local(root.tag)}>)")
    graphs = _children(root, "graph")
    if not graphs:
        raise LoadError(f"{name}: a GEXF file needs a <graph> element")
    graph = graphs[0]
    declared: dict[str, dict[str, tuple[str, str]]] = {"node": {}, "edge": {}}
    for block in _children(graph, "attributes"):
        kind = block.get("class", "node")
        for a in _children(block, "attribute"):
            declared.setdefault(kind, {})[a.get("id", "")] = (
                a.get("title") or a.get("id", ""),
                a.get("type", "string"),
            )
    resolve, derived = opts.flags(ids_from_labels=False)
    prefix = opts.id_prefix

    def values(el: Any, kind: str) -> tuple[dict[str, Any], str | None, str | None]:
        out: dict[str, Any] = {}
        for box in _children(el, "attvalues"):
            for av in _children(box, "attvalue"):
                ref = av.get("for") or av.get("id") or ""
                title, type_ = declared[kind].get(ref, (ref, "string"))
                text = av.get("value", "")
                try:
                    out[title] = _convert(text, type_)
                except ValueError as exc:
                    return out, title, f"attribute {title!r} = {text!r}: {exc}"
        return out, None, None

    def dates_or_error(el: Any) -> tuple[list[tuple[str | None, str | None]], str | None]:
        try:
            return _periods(el), None
        except ValueError as exc:
            return [], f"start/end: {exc}"

    node_ids: dict[str, str] = {}
    for row, node in enumerate(
        (n for ns in _children(graph, "nodes") for n in _children(ns, "node")), 1
    ):
        raw_id = node.get("id")
        props, column, error = values(node, "node")
        periods, date_error = dates_or_error(node)
        label = str(props.pop("node_type", opts.node_label))
        out = {"id": f"{prefix}{raw_id}" if raw_id is not None else None, **props}
        node_ids[str(raw_id)] = str(out["id"])
        out.setdefault("name", node.get("label") or raw_id)
        times = NODE_TIME_FIELDS.get(label)
        if times and periods:
            start, end = periods[0]
            if start and times[0] not in out:
                out[times[0]] = start
            if end and times[1] and times[1] not in out:
                out[times[1]] = end
        src = SourceRow(
            "node", label, out, name, sheet="node", row=row, resolve=resolve, derived_id=derived
        )
        if error or date_error:
            src.error = error or date_error
            src.columns = {"(error)": column or "start/end"}
        yield src
    for row, edge in enumerate(
        (e for es in _children(graph, "edges") for e in _children(es, "edge")), 1
    ):
        props, column, error = values(edge, "edge")
        periods, date_error = dates_or_error(edge)
        label = edge.get("label")
        type_ = str(
            props.pop("rel_type", None)
            or (label if label in {str(t) for t in RelType} else opts.rel_type)
        )
        key = str(props.pop("rel_key", "") or "")
        if edge.get("weight") is not None and "weight" not in props:
            try:
                props["weight"] = float(edge.get("weight"))
            except ValueError:
                error = error or f"weight {edge.get('weight')!r} is not a number"
        base = {
            "source": node_ids.get(edge.get("source"), f"{prefix}{edge.get('source')}"),
            "target": node_ids.get(edge.get("target"), f"{prefix}{edge.get('target')}"),
        }
        times = TIME_FIELDS.get(type_, ("since", "until"))
        for start, end in periods:
            out = {**base, **props}
            if key:
                out["key"] = key
            elif len(periods) > 1 and start:
                out["key"] = start  # one relationship per period (join, leave, rejoin)
            if start and times[0] not in out:
                out[times[0]] = start
            if end and times[1] not in out:
                out[times[1]] = end
            src = SourceRow("rel", type_, out, name, sheet="edge", row=row)
            if error or date_error:
                src.error = error or date_error
                src.columns = {"(error)": column or "start/end"}
            yield src
