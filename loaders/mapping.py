"""Column mappings: a YAML file that says how one table's rows become nodes and relationships.

Each field is given by a spec: ``{column: NAME}``, ``{template: "org-{Company}"}`` (columns
in braces), or ``{value: CONSTANT}``; with optional ``type`` (str, int, float, bool, date,
list), ``format`` (a ``strptime`` date format), ``map`` (a value map such as
``{JV: joint_venture}``), ``split`` (list separator), ``slug: true`` (make an id fragment)
and ``lower: true``. Empty cells give no value, so a partial row never erases stored data.
See docs/loaders.md for a worked example.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from loaders.names import slug
from loaders.rows import LoadError, SourceRow

_FIELD_KEYS = {
    "column",
    "template",
    "value",
    "type",
    "format",
    "map",
    "split",
    "slug",
    "lower",
    "optional",
    "owner",
}


class MappingError(LoadError):
    """A mapping file that cannot be used (says which entry and why)."""


@dataclass
class FieldSpec:
    """How to compute one value from a row."""

    column: str | None = None
    template: str | None = None
    value: Any = None
    type: str = "str"
    format: str | None = None
    map: dict[str, Any] = field(default_factory=dict)
    split: str | None = None
    slug: bool = False
    lower: bool = False
    owner: bool = False  # the --owner id given on the command line

    def __post_init__(self) -> None:
        if self.column:
            self._columns = [self.column]
        elif self.template:
            self._columns = [f for _, f, _, _ in string.Formatter().parse(self.template) if f]
        else:
            self._columns = []
        self._lower_map = {str(k).lower(): v for k, v in self.map.items()}
        self.getter = self._compile()

    def _compile(self) -> Callable[[dict[str, str], str | None], Any]:
        """``get`` specialised for the common specs (a column, optionally lower-cased or a
        date with a format; a template of one column, optionally slugged); the loader calls
        it for every field of every row. Anything else uses :meth:`get`."""
        if self.owner or self.value is not None or self.map:
            return self.get
        if self.column is not None and not self.slug and self.type in ("str", "date"):
            column, lower = self.column, self.lower
            fmt = self.format if self.type == "date" else None

            def from_column(row: dict[str, str], owner: str | None) -> Any:
                raw = row.get(column, "").strip()
                if not raw:
                    return None
                if lower:
                    raw = raw.lower()
                return _parse_date(raw, fmt) if fmt else raw

            return from_column
        parts = list(string.Formatter().parse(self.template or ""))
        if len(parts) == 1 and parts[0][1] and not parts[0][2] and not parts[0][3]:
            prefix, column = parts[0][0], parts[0][1]
            slugged = self.slug

            def from_template(row: dict[str, str], owner: str | None) -> Any:
                raw = row.get(column, "").strip()
                if not raw:
                    return None
                return prefix + (slug(raw) if slugged else raw)

            if self.slug or (not self.lower and self.type == "str"):
                return from_template
        return self.get

    def columns(self) -> list[str]:
        """The columns this value is read from."""
        return self._columns

    def get(self, row: dict[str, str], owner: str | None) -> Any:
        """The value for ``row``; ``None`` when its cells are empty; ``ValueError`` when bad."""
        if self.owner:
            return owner
        if self.value is not None:
            return self.value
        if self.column is not None:
            raw: Any = row.get(self.column, "").strip()
        else:
            assert self.template is not None
            parts = {c: row.get(c, "").strip() for c in self._columns}
            if not any(parts.values()):
                return None
            raw = self.template.format(
                **{k: (slug(v) if self.slug else v) for k, v in parts.items()}
            )
            if self.slug:
                return raw
        if raw == "":
            return None
        if self.lower:
            raw = raw.lower()
        if self.map:
            if raw in self.map:
                raw = self.map[raw]
            elif raw.lower() in self._lower_map:
                raw = self._lower_map[raw.lower()]
        if self.slug:
            raw = slug(raw)
        return self._convert(raw)

    def _convert(self, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        if self.type == "int":
            return int(raw.replace(",", "").replace(" ", ""))
        if self.type == "float":
            return float(raw.replace(",", "").replace(" ", ""))
        if self.type == "bool":
            low = raw.lower()
            if low in ("1", "true", "yes", "y", "x"):
                return True
            if low in ("0", "false", "no", "n", ""):
                return False
            raise ValueError(f"expected yes/no, got {raw!r}")
        if self.type == "date":
            if self.format:
                return _parse_date(raw, self.format)
            return raw
        if self.type == "list":
            return [p.strip() for p in raw.split(self.split or ";") if p.strip()]
        return raw


@lru_cache(maxsize=65_536)
def _parse_date(raw: str, fmt: str) -> str:
    """``raw`` read with ``fmt`` as an ISO date (cached: exports repeat their dates)."""
    try:
        return datetime.strptime(raw, fmt).date().isoformat()
    except ValueError:
        raise ValueError(f"expected a date like {fmt!r}") from None


def _spec(raw: Any, where: str) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(column=raw)
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a column name or a field spec, got {raw!r}")
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if sum(k in raw for k in ("column", "template", "value", "owner")) != 1:
        raise MappingError(f"{where}: give exactly one of column, template, value or owner")
    return FieldSpec(**raw)


@dataclass
class Entry:
    """One node or relationship produced from every row."""

    kind: str  # node | rel
    what: str
    fields: dict[str, FieldSpec]
    optional: bool = False
    resolve: bool = True

    def __post_init__(self) -> None:
        self.key_fields = ("id",) if self.kind == "node" else ("source", "target")
        id_spec = self.fields.get("id")
        self.derived_id = id_spec is not None and id_spec.template is not None

    @property
    def columns(self) -> dict[str, str]:
        """Field name -> the column (or template) it comes from, for error messages."""
        if not hasattr(self, "_columns"):
            self._columns = {
                name: spec.column or spec.template or "(constant)"
                for name, spec in self.fields.items()
            }
        return self._columns


@dataclass
class Mapping:
    """A parsed mapping file."""

    entries: list[Entry]
    source: str = ""

    @property
    def owner_required(self) -> bool:
        return any(s.owner for e in self.entries for s in e.fields.values())

    def missing_columns(self, header: list[str]) -> list[str]:
        have = set(header)
        needed = {c for e in self.entries for s in e.fields.values() for c in s.columns()}
        return sorted(needed - have)

    def apply(
        self, row: dict[str, str], file: str, line: int, owner: str | None = None
    ) -> Iterator[SourceRow]:
        """The node and relationship rows one table row becomes (errors kept per field)."""
        for entry in self.entries:
            data: dict[str, Any] = {}
            columns = entry.columns
            bad: list[tuple[str, str, Any, str]] = []
            for name, spec in entry.fields.items():
                try:
                    value = spec.getter(row, owner)
                except ValueError as exc:
                    bad.append((name, columns[name], row.get(spec.column or "", ""), str(exc)))
                    continue
                if value is not None:
                    data[name] = value
            if entry.optional and any(k not in data for k in entry.key_fields):
                continue
            out = SourceRow(
                entry.kind,
                entry.what,
                data,
                file,
                None,
                line,
                columns,
                entry.resolve,
                entry.derived_id,
            )
            if bad:
                name, column, value, reason = bad[0]
                out.error = f"column {column!r} = {value!r}: {reason}"
                out.columns = {"(error)": column}
            yield out


def parse_mapping(doc: Any, source: str = "mapping") -> Mapping:
    """Check and parse a mapping document."""
    if not isinstance(doc, dict) or not ({"nodes", "relationships"} & set(doc)):
        raise MappingError(f"{source}: a mapping has 'nodes' and/or 'relationships' lists")
    entries = []
    for kind, section in (("node", "nodes"), ("rel", "relationships")):
        for i, raw in enumerate(doc.get(section) or []):
            where = f"{source}: {section}[{i}]"
            if not isinstance(raw, dict):
                raise MappingError(f"{where}: expected a mapping entry")
            what = raw.get("label" if kind == "node" else "type")
            if not what:
                raise MappingError(f"{where}: needs {'label' if kind == 'node' else 'type'}")
            fields = {}
            required = ("id", "name") if kind == "node" else ("source", "target")
            for name in required:
                if name not in raw:
                    raise MappingError(f"{where}: needs {name}")
                fields[name] = _spec(raw[name], f"{where}.{name}")
            if "key" in raw:
                fields["key"] = _spec(raw["key"], f"{where}.key")
            for prop, spec in (raw.get("properties") or {}).items():
                fields[str(prop)] = _spec(spec, f"{where}.properties.{prop}")
            for prop, value in (raw.get("constants") or {}).items():
                fields[str(prop)] = FieldSpec(value=value)
            entries.append(
                Entry(
                    kind,
                    str(what),
                    fields,
                    bool(raw.get("optional", False)),
                    bool(raw.get("resolve", True)),
                )
            )
    return Mapping(entries, source)


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping YAML file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} not found") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    return parse_mapping(doc, str(path))
