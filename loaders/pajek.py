"""Pajek ``.net`` / ``.paj`` files: vertices, arcs (directed) and edges, several networks
and partitions (or vectors) in one file.

Each ``*Vertices`` line gives a number and a label (quoted when it has spaces; any
coordinates or shapes after it are ignored); ``*Arcs`` / ``*Edges`` lines give two vertex
numbers and an optional weight, ``*Arcslist`` / ``*Edgeslist`` a vertex and the ones it
points to. A ``*Network NAME`` starts a network; the mapping's ``graph: networks:`` gives
each its relationship type (``graph: rel_type`` otherwise). A ``*Partition NAME`` (or
``*Vector NAME``) lists one value per vertex of the network before it and becomes a node
property (``graph: partitions:`` names it; else the partition's name in snake_case).

Node ids are ``id_prefix`` plus the label as an id fragment (``ids: label``: the same
actor in two networks is one node) or the vertex number (``ids: number``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from loaders.mapping import GraphOptions
from loaders.names import slug
from loaders.rows import LoadError, SourceRow
from loaders.tabular import detect_encoding, split_whitespace


@dataclass
class _Network:
    name: str
    vertices: dict[int, str] = field(default_factory=dict)  # number -> node id
    numbers: dict[str, int] = field(default_factory=dict)  # node id -> number
    size: int = 0


def _number(text: str) -> int | float:
    value = float(text)
    return (
        int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    )


def _weight(text: str) -> int | float | None:
    """An arc's weight, or ``None`` when the third cell starts Pajek's options (``l "x"``)."""
    try:
        return _number(text)
    except ValueError:
        return None


def _snake(text: str) -> str:
    return slug(text).replace("-", "_") or "partition"


def read_pajek(data: bytes, name: str, options: GraphOptions | None = None) -> Iterator[SourceRow]:
    """Node rows (one per distinct vertex id), then relationship rows, of a Pajek file."""
    opts = options or GraphOptions()
    try:
        text = data.decode(detect_encoding(data[: 256 * 1024], name))
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: mixed or wrong text encoding near byte {exc.start}") from None
    by_label = opts.ids == "label"
    resolve, derived = opts.flags(ids_from_labels=by_label)
    nodes: dict[str, tuple[int, dict[str, Any]]] = {}  # id -> (line, data)
    rels: list[SourceRow] = []
    errors: list[SourceRow] = []
    network = _Network("")
    section = ""  # vertices | arcs | edges | arcslist | edgeslist | partition | vector
    prop = ""
    values_seen = 0
    directed = True

    def bad(line: int, column: str, reason: str) -> None:
        row = SourceRow("node", "", {}, name, sheet=network.name or None, row=line)
        row.error, row.columns = reason, {"(error)": column}
        errors.append(row)

    def relate(line: int, a: int, b: int, weight: Any) -> None:
        ends = []
        for n in (a, b):
            if n not in network.vertices:
                bad(line, "vertex", f"vertex {n} is not in *Vertices {network.size}")
                return
            ends.append(network.vertices[n])
        data_: dict[str, Any] = {
            "source": ends[0],
            "target": ends[1],
            **opts.constants.get(network.name, {}),
        }
        if weight is not None:
            data_["weight"] = weight
        if not directed:
            data_["directed"] = False
        type_ = opts.networks.get(network.name, opts.rel_type)
        rels.append(SourceRow("rel", type_, data_, name, sheet=network.name or None, row=line))

    for line, physical in enumerate(text.splitlines(), 1):
        raw = physical.strip()
        if not raw or raw.startswith("%"):
            continue
        if raw.startswith("*"):
            head, _, rest = raw[1:].partition(" ")
            kind = head.lower()
            rest = rest.strip()
            if kind == "network":
                network = _Network(rest.strip('"'))
                section = ""
            elif kind == "vertices":
                count = rest.split()[0] if rest else ""
                if not count.isdigit():
                    raise LoadError(f"{name}: line {line}: *Vertices needs a count, got {rest!r}")
                if section in ("partition", "vector"):
                    if int(count) != network.size:
                        raise LoadError(
                            f"{name}: line {line}: *{section.title()} {prop!r} has {count} values "
                            f"but the network before it has {network.size} vertices"
                        )
                    values_seen = 0
                    continue
                if network.size:  # a second *Vertices without *Network: a new network
                    network = _Network(network.name)
                network.size = int(count)
                section = "vertices"
            elif kind in ("arcs", "edges", "arcslist", "edgeslist"):
                section, directed = kind, kind.startswith("arcs")
            elif kind in ("partition", "vector"):
                section, values_seen = kind, 0
                title = rest.strip('"') or kind
                prop = opts.partitions.get(title, _snake(title))
            elif kind == "matrix":
                raise LoadError(
                    f"{name}: line {line}: *Matrix sections are not read; save the network "
                    "with *Arcs / *Edges in Pajek"
                )
            else:
                raise LoadError(f"{name}: line {line}: unknown Pajek section *{head}")
            continue
        try:
            cells = split_whitespace(raw)
        except ValueError as exc:
            bad(line, section or "line", f"cannot split the line: {exc}")
            continue
        try:
            if section == "vertices":
                number = int(cells[0])
                label = cells[1] if len(cells) > 1 else str(number)
                node_id = f"{opts.id_prefix}{slug(label) if by_label else number}"
                if not 1 <= number <= network.size:
                    bad(line, "vertex", f"vertex {number} outside *Vertices {network.size}")
                    continue
                twin = network.numbers.setdefault(node_id, number)
                if twin != number:
                    bad(
                        line,
                        "label",
                        f"vertex {number} has the same label as vertex {twin} ({label!r}): "
                        "two actors would become one node; use graph: ids: number",
                    )
                    continue
                network.vertices[number] = node_id
                nodes.setdefault(node_id, (line, {"id": node_id, "name": label}))
            elif section in ("arcs", "edges"):
                weight = _weight(cells[2]) if len(cells) > 2 else None
                relate(line, int(cells[0]), int(cells[1]), weight)
            elif section in ("arcslist", "edgeslist"):
                for other in cells[1:]:
                    relate(line, int(cells[0]), int(other), None)
            elif section in ("partition", "vector"):
                values_seen += 1
                node_id = network.vertices.get(values_seen, "")
                if node_id in nodes:
                    value = _number(cells[0])
                    nodes[node_id][1][prop] = int(value) if section == "partition" else value
            else:
                bad(line, "line", "data before any *Vertices section")
        except (ValueError, IndexError):
            bad(line, section, f"cannot read {raw!r} in *{section.title()}: expected numbers")
    yield from errors
    for line, data_ in nodes.values():
        yield SourceRow(
            "node",
            opts.node_label,
            data_,
            name,
            sheet="*Vertices",
            row=line,
            columns={"name": "label", "id": "label" if by_label else "number"},
            resolve=resolve,
            derived_id=derived,
        )
    yield from rels
