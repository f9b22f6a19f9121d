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
MAX_UNZIPPED = 512 * 1024 * 1024
MAX_RATIO = 200
_GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
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


def read_json(data: bytes, name: str) -> Iterator[SourceRow]:
    """The portfolio document in JSON."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: JSON must be UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"{name}: invalid or truncated JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    yield from _document_rows(doc, name)


def read_yaml(data: bytes, name: str) -> Iterator[SourceRow]:
    """The portfolio document in YAML (safe loader: no tags, no objects)."""
    try:
        doc = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: YAML must be UTF-8 ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise LoadError(f"{name}: invalid YAML: {str(exc).splitlines()[0]}") from None
    yield from _document_rows(doc, name)


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
        yield SourceRow("node", label, {"id": node.get("id"), **a}, name, sheet="node", row=i)
    for i, edge in enumerate(root.iter(f"{_GRAPHML}edge"), 1):
        a = attrs(edge)
        type_ = a.pop("type", "")
        yield SourceRow(
            "rel",
            type_,
            {"source": edge.get("source"), "target": edge.get("target"), **a},
            name,
            sheet="edge",
            row=i,
        )


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
