"""Readers of whole-graph documents: the portfolio JSON/YAML format, GraphML and Excel.

The portfolio document (what ``alliancegraph sample`` and ``export --format json`` write)::

    {"format": "alliancegraph-portfolio", "version": 1,
     "nodes": {"Organization": [{"id": "org-1", "name": "Acme", ...}], ...},
     "relationships": {"MEMBER_OF": [{"source": "org-1", "target": "all-1", ...}], ...}}

An Excel workbook holds one sheet per label or relationship type, a header row, then rows
with the same fields. GraphML nodes carry a ``label`` data key, edges a ``type``.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import yaml
from defusedxml import ElementTree as SafeET

from graph.vocabulary import NodeLabel, RelType
from loaders.rows import LoadError, SourceRow

FORMAT = "alliancegraph-portfolio"
#: an .xlsx may unpack to at most this many bytes in all (the XML openpyxl then parses:
#: 484 MB of it took minutes), and no member may expand more than ``MAX_RATIO`` times
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 100
#: a portfolio document is four levels deep (document, section, label, row) plus a value
#: that may be a list; anything past this is refused before it can exhaust the stack
MAX_DEPTH = 32
#: integers beyond 64 bits are refused (no field needs them; 4,300+ digits broke parsing)
MAX_INT = 2**63
#: YAML aliases may make a document at most this many times larger than it is written
#: (an alias bomb of 404 bytes expanded to gigabytes), plus a fixed allowance
MAX_EXPANSION = 10
EXPANSION_ALLOWANCE = 10_000
_GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
_AG = "{https://alliancegraph.dev/graphml}"
_AG_JSON = _AG + "json"
#: Schema fields holding lists; GraphML carries them as JSON text (see loaders/export.py).
LIST_FIELDS = {"aliases"}


def _document_rows(doc: Any, name: str) -> Iterator[SourceRow]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LoadError(
            f'{name}: not a portfolio document (expected "format": "{FORMAT}"; see docs/loaders.md)'
        )
    if doc.get("version") != 1:
        raise LoadError(f"{name}: unsupported document version {doc.get('version')!r}; expected 1")
    for section, kind in (("nodes", "node"), ("relationships", "rel")):
        part = doc.get(section, {})
        if not isinstance(part, dict):
            raise LoadError(f'{name}: "{section}" must map each label or type to a list of rows')
        for what, rows in part.items():
            if not isinstance(rows, list):
                raise LoadError(f'{name}: "{section}"."{what}" must be a list of rows')
            for i, row in enumerate(rows, 1):
                data = row if isinstance(row, dict) else {"(row)": row}
                yield SourceRow(kind, str(what), dict(data), name, sheet=str(what), row=i)


def check_document(doc: Any, name: str, *, budget: int) -> None:
    """Refuse a parsed document nested deeper than ``MAX_DEPTH``, with an integer beyond 64
    bits, or larger than ``budget`` values once YAML aliases are expanded.

    Iterative (no recursion to exhaust) and stopped at the budget, so an alias bomb costs
    at most ``budget`` steps instead of expanding.
    """
    stack: list[tuple[Any, int, str]] = [(doc, 0, "")]
    seen = 0
    while stack:
        value, depth, where = stack.pop()
        seen += 1
        if seen > budget:
            raise LoadError(
                f"{name}: refused: the document expands to more than {budget:,} values "
                "(YAML aliases repeated too often?)"
            )
        if depth > MAX_DEPTH:
            raise LoadError(f"{name}: refused: nested more than {MAX_DEPTH} levels deep at {where}")
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not -MAX_INT <= value < MAX_INT:
            raise LoadError(f"{name}: refused: integer at {where or 'top'} is beyond 64 bits")
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{where}/{k}") for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(value))


def _parse_error(name: str, kind: str, exc: BaseException) -> LoadError:
    """A parser's refusal that is not a syntax error, as a load error naming the file."""
    if isinstance(exc, RecursionError):
        return LoadError(f"{name}: refused: {kind} nested more than {MAX_DEPTH} levels deep")
    if isinstance(exc, MemoryError):
        return LoadError(f"{name}: refused: the {kind} document is too large to read")
    text = str(exc)
    if "digits" in text:  # int() past sys.get_int_max_str_digits()
        return LoadError(f"{name}: refused: an integer beyond 64 bits ({text.split(';')[0]})")
    return LoadError(f"{name}: cannot read the {kind} document: {text.splitlines()[0][:200]}")


def read_json(data: bytes, name: str) -> Iterator[SourceRow]:
    """The portfolio document in JSON (depth and integer size limited)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: JSON must be UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"{name}: invalid or truncated JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise _parse_error(name, "JSON", exc) from None
    check_document(doc, name, budget=len(data) + EXPANSION_ALLOWANCE)
    yield from _document_rows(doc, name)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses deep nesting while composing and counts what it
    composes, so aliases can be bounded by how much they expand."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.composed = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        self.composed += 1
        if self.depth > MAX_DEPTH:
            raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_yaml(data: bytes, name: str) -> Iterator[SourceRow]:
    """The portfolio document in YAML (safe loader: no tags, no objects; depth, integer
    size and alias expansion limited)."""
    yield from _document_rows(bounded_yaml(data, name), name)


def bounded_yaml(data: bytes, name: str) -> Any:
    """A YAML (or JSON) document from untrusted bytes: the safe loader (no tags, no
    objects), with depth, integer size and alias expansion limited."""
    try:
        loader = _BoundedLoader(data.decode("utf-8-sig"))
        try:
            doc = loader.get_single_data()
        finally:
            loader.dispose()
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: YAML must be UTF-8 ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise LoadError(f"{name}: invalid YAML: {str(exc).splitlines()[0]}") from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        raise _parse_error(name, "YAML", exc) from None
    budget = MAX_EXPANSION * loader.composed + EXPANSION_ALLOWANCE
    check_document(doc, name, budget=budget)
    return doc


def read_graphml(data: bytes, name: str) -> Iterator[SourceRow]:
    """GraphML with ``label`` on nodes and ``type`` on edges (entities refused: no XML bombs)."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except SafeET.ParseError as exc:
        raise LoadError(f"{name}: invalid or truncated GraphML: {exc}") from None
    except Exception as exc:  # defusedxml's DTD/entity refusals
        raise LoadError(
            f"{name}: refused GraphML ({type(exc).__name__}): entities and DTDs are not allowed"
        ) from None
    keys = {k.get("id"): k.get("attr.name") for k in root.iter(f"{_GRAPHML}key")}

    def attrs(el: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for d in el.findall(f"{_GRAPHML}data"):
            key, text = keys.get(d.get("key"), d.get("key")), d.text or ""
            if d.get(_AG_JSON) == "1":  # a value with characters XML cannot hold
                try:
                    decoded = json.loads(text)
                except json.JSONDecodeError:
                    decoded = None
                if not isinstance(decoded, str):
                    raise LoadError(f"{name}: a data element marked ag:json is not a JSON string")
                out[key] = decoded
                continue
            if key in LIST_FIELDS and text.startswith("["):
                try:
                    out[key] = json.loads(text)
                    continue
                except json.JSONDecodeError:
                    pass
            out[key] = text
        return out

    for i, node in enumerate(root.iter(f"{_GRAPHML}node"), 1):
        a = attrs(node)
        label = a.pop("label", "")
        yield SourceRow("node", label, {"id": _ref(node, "id"), **a}, name, sheet="node", row=i)
    for i, edge in enumerate(root.iter(f"{_GRAPHML}edge"), 1):
        a = attrs(edge)
        type_ = a.pop("type", "")
        yield SourceRow(
            "rel",
            type_,
            {"source": _ref(edge, "source"), "target": _ref(edge, "target"), **a},
            name,
            sheet="edge",
            row=i,
        )


def _ref(element: Any, name: str) -> str | None:
    """An id attribute, decoded when marked ``ag:json-<name>`` (see loaders/export.py)."""
    value = element.get(name)
    if value is not None and element.get(f"{_AG}json-{name}") == "1":
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            decoded = None
        return decoded if isinstance(decoded, str) else None
    return value


def check_zip(data: bytes, name: str) -> None:
    """Refuse zip bombs before anything unpacks: total size and per-member ratio caps."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise LoadError(f"{name}: not a valid .xlsx (zip) file, or truncated") from None
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise LoadError(
                f"{name}: refused: {info.filename} expands {info.file_size // info.compress_size}x "
                "(a zip bomb?)"
            )
        if total > MAX_UNZIPPED:
            raise LoadError(f"{name}: refused: unpacks to more than {MAX_UNZIPPED >> 20} MB")


def read_xlsx(data: bytes, name: str) -> Iterator[SourceRow]:
    """One sheet per label or relationship type; cells are read as values, never formulas."""
    check_zip(data, name)
    import openpyxl

    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise LoadError(f"{name}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    labels = {v.value for v in NodeLabel}
    types = {v.value for v in RelType}
    for sheet in book.worksheets:
        if sheet.title in labels:
            kind = "node"
        elif sheet.title in types:
            kind = "rel"
        else:
            raise LoadError(
                f"{name}: sheet {sheet.title!r} is neither a node label nor a relationship "
                f"type; name sheets e.g. Organization or MEMBER_OF"
            )
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            continue
        cols = [str(h).strip() if h is not None else "" for h in header]
        for i, values in enumerate(rows, 2):
            data_ = {c: v for c, v in zip(cols, values, strict=False) if c and v not in (None, "")}
            if data_:
                yield SourceRow(
                    kind,
                    sheet.title,
                    data_,
                    name,
                    sheet=sheet.title,
                    row=i,
                    columns={c: c for c in cols if c},
                )
    book.close()
