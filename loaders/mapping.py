"""Column mappings: a YAML file that says how one table's rows become nodes and relationships.

Each field is given by a spec: ``{column: NAME}``, ``{template: "org-{Company}"}`` (columns
in braces), ``{value: CONSTANT}`` or ``{parts: {year: Y, month: M, day: D}}`` (a partial
date from three columns); with optional ``type`` (str, int, float, bool, date, list, and
money and currency for cells such as ``EUR 1.200.000``; ``decimal`` fixes a file's mark),
``format`` (a ``strptime`` date format or a list of them, tried before the unambiguous
forms of :func:`graph.dates.normalize_partial_date`), ``map`` (a value map such as
``{JV: joint_venture}``), ``split`` (list separator), ``slug: true`` (make an id fragment),
``digest: true`` (an id fragment that does not show the cell), ``lower: true`` and ``unknown`` (sentinels such as ``[0, -9, 9999]`` or ``[Curr]`` that mean
no value; text matched in any case).
Empty cells give no value, so a partial row never erases stored data.

An entry's ``each: {column: Members, split: ";"}`` makes one record per item of that
column's cells. A node entry's ``resolve:`` (``by_code``, ``by_name``, ``none``) says how
its nodes are matched with known ones; ``reader:`` sets how the table's text is read (delimiter, quote
character, encoding, header, rows to skip) and ``graph:`` how a graph file without our
labels becomes nodes and relationships. See docs/loaders.md for worked examples.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from graph.dates import date_from_parts, normalize_partial_date
from graph.schema import PROPERTY_KEY, RESERVED_KEYS
from loaders.amounts import (
    DECIMAL_MARKS,
    currencies_named,
    parse_amount,
    parse_currency,
    parse_number,
)
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
    "digest",
    "lower",
    "optional",
    "owner",
    "parts",
    "unknown",
    "decimal",
}
_PARTS = ("year", "month", "day")
#: What a field spec's ``type`` may be (``money``: an amount; ``currency``: its ISO code).
FIELD_TYPES = ("str", "int", "float", "bool", "date", "list", "money", "currency")


class MappingError(LoadError):
    """A mapping file that cannot be used (says which entry and why)."""


@dataclass
class FieldSpec:
    """How to compute one value from a row."""

    column: str | None = None
    template: str | None = None
    value: Any = None
    type: str = "str"
    format: str | list[str] | None = None  # strptime format(s) of a date, tried in order
    map: dict[str, Any] = field(default_factory=dict)
    split: str | None = None
    slug: bool = False
    #: each cell is replaced by a short digest (:func:`cell_digest`): an id made from a
    #: confidential value (a LinkedIn URL, an email) must not show it to every key
    digest: bool = False
    lower: bool = False
    owner: bool = False  # the --owner id given on the command line
    parts: dict[str, str] | None = None  # a date from year/month/day columns
    unknown: list[Any] = field(default_factory=list)  # values that mean "no value"
    decimal: str | None = None  # a file's decimal mark, "." or "," (else read per cell)
    #: the other column of an amount and its currency read from two (set by the entry:
    #: :func:`_pair_money_and_currency`)
    paired: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._unknown = {str(u).strip().casefold() for u in self.unknown}  # CURR is Curr
        formats = [self.format] if isinstance(self.format, str) else self.format or []
        self._formats = tuple(formats) if self.type == "date" else ()
        if self.parts:
            self.type = "date"
            self._columns = [self.parts[p] for p in _PARTS if p in self.parts]
        elif self.column:
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
        if (
            self.owner
            or self.value is not None
            or self.map
            or self.parts
            or self.unknown
            or self.digest
        ):
            return self.get
        if self.column is not None and not self.slug and self.type in ("str", "date"):
            column, lower = self.column, self.lower
            fmt = self._formats
            dated = self.type == "date"

            def from_column(row: dict[str, str], owner: str | None) -> Any:
                raw = row.get(column, "").strip()
                if not raw:
                    return None
                if lower:
                    raw = raw.lower()
                if fmt:
                    return _parse_date(raw, fmt)
                return _iso_or_raw(raw) if dated else raw

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

    def column_values(
        self,
        cells: Callable[[str], list[str]],
        rows: Callable[[], list[dict[str, str]]],
        owner: str | None,
        n: int,
    ) -> list[Any]:
        """The value of each of ``n`` rows at once, as :attr:`getter` gives it row by row
        (``None``: no value; :data:`BAD`: the getter would raise). ``cells(column)`` gives
        a column's cells, ``rows()`` the rows as dicts (only asked for by unusual specs)."""
        if self.owner:
            return [owner] * n
        if self.value is not None:
            return [self.value] * n
        getter = self.getter
        if getter == self.get:
            return [_safe(getter, row, owner) for row in rows()]
        if self.column is not None:
            values: list[Any] = list(map(str.strip, cells(self.column)))
            if "" in values:  # an empty cell: no value
                values = [v or None for v in values]
            if self.lower:
                values = [v.lower() if v else v for v in values]
            if self._formats or self.type == "date":
                fmt = self._formats  # each distinct date read once: a column repeats them
                read = {v: _safe_date(v, fmt) if fmt else _iso_or_raw(v) for v in set(values) if v}
                values = list(map(read.get, values))
            return values
        prefix, column = self._columns_prefix()
        stripped = list(map(str.strip, cells(column)))
        if self.slug:  # ids from names repeat (a company on every contact row): once each
            made = {v: prefix + slug(v) for v in set(stripped) if v}
            return list(map(made.get, stripped))
        return [prefix + v if v else None for v in stripped]

    @property
    def fallible(self) -> bool:
        """Whether :meth:`column_values` can give :data:`BAD` (a value that cannot be
        computed): a date read with a format, or any spec :meth:`get` computes."""
        if self.owner or self.value is not None:
            return False
        if self.getter == self.get:
            return True
        return self.column is not None and bool(self._formats)

    def _columns_prefix(self) -> tuple[str, str]:
        """The literal text and the column of a one-column template."""
        (prefix, column, _, _), *_ = string.Formatter().parse(self.template or "")
        return prefix, column or ""

    def columns(self) -> list[str]:
        """The columns this value is read from."""
        return self._columns

    def get(self, row: dict[str, str], owner: str | None) -> Any:
        """The value for ``row``; ``None`` when its cells are empty; ``ValueError`` when bad."""
        if self.owner:
            return owner
        if self.value is not None:
            return self.value
        if self.parts:
            return self._from_parts(row)
        if self.column is not None:
            raw: Any = row.get(self.column, "").strip()
            if raw.casefold() in self._unknown:
                return None
            if self.digest and raw:
                return cell_digest(raw)
        else:
            assert self.template is not None
            parts = {c: row.get(c, "").strip() for c in self._columns}
            if not any(parts.values()):
                return None
            if self.digest:
                return self.template.format(
                    **{k: cell_digest(v) if v else "" for k, v in parts.items()}
                )
            raw = self.template.format(
                **{k: (slug(v) if self.slug else v) for k, v in parts.items()}
            )
            if self.slug:
                return raw
        if raw == "":
            return self._from_amount(row) if self.paired and self.type == "currency" else None
        if self.lower:
            raw = raw.lower()
        if self.map:
            if raw in self.map:
                raw = self.map[raw]
            elif raw.lower() in self._lower_map:
                raw = self._lower_map[raw.lower()]
        if self.slug:
            raw = slug(raw)
        value = self._convert(raw)
        if self.paired and self.type == "money" and isinstance(raw, str):
            self._agree(raw, row)
        return value

    def _agree(self, amount: str, row: dict[str, str]) -> None:
        """Refuse an amount whose cell names another currency than its currency column
        (a shared sign such as ``$`` or ``¥`` may be the column's: CAD, CNY)."""
        assert self.paired is not None
        written = currencies_named(amount)
        try:
            given = parse_currency(row.get(self.paired, "").strip())
        except ValueError:  # the currency column's own problem, reported with it
            return
        if written and given and given not in written:
            raise ValueError(
                f"{amount!r} is in {' or '.join(sorted(written))}, but the currency column "
                f"{self.paired!r} says {given}"
            )

    def _from_amount(self, row: dict[str, str]) -> str | None:
        """An empty currency cell's code, from its amount cell (``£1.5m``: GBP)."""
        assert self.paired is not None
        try:
            return parse_currency(row.get(self.paired, "").strip())
        except ValueError:  # the amount's own problem, reported with it
            return None

    def _from_parts(self, row: dict[str, str]) -> str | None:
        """A partial date from the year/month/day columns (blank or unknown parts dropped)."""
        assert self.parts is not None
        values = {p: row.get(c, "") for p, c in self.parts.items()}
        try:
            return date_from_parts(
                values.get("year"), values.get("month"), values.get("day"), self._unknown
            )
        except ValueError as exc:
            cells = ", ".join(f"{self.parts[p]}={values[p]!r}" for p in _PARTS if p in values)
            raise ValueError(f"{exc} ({cells})") from None

    def _convert(self, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        if self.type in ("int", "float"):
            return _number(raw, self.type, self.decimal)
        if self.type == "money":
            return parse_amount(raw, self.decimal)
        if self.type == "currency":
            return parse_currency(raw)
        if self.type == "bool":
            low = raw.lower()
            if low in ("1", "true", "yes", "y", "x"):
                return True
            if low in ("0", "false", "no", "n", ""):
                return False
            raise ValueError(f"expected yes/no, got {raw!r}")
        if self.type == "date":
            if self._formats:
                return _parse_date(raw, self._formats)
            return _iso_or_raw(raw)
        if self.type == "list":
            return [p.strip() for p in raw.split(self.split or ";") if p.strip()]
        return raw


def _number(raw: str, type_: str, decimal: str | None) -> int | float:
    """An ``int`` or ``float`` cell, with thousands separators and either decimal mark
    (``3,5`` is three and a half, ``1.200.000`` a million and more; :mod:`loaders.amounts`)."""
    if decimal is None:
        try:
            return int(raw) if type_ == "int" else float(raw)
        except ValueError:
            pass
    sign, digits = (-1, raw[1:]) if raw[:1] in ("-", "\u2212") else (1, raw.lstrip("+"))
    value = sign * parse_number(digits, decimal)
    if type_ == "float":
        return value
    if not value.is_integer():
        raise ValueError(f"{raw!r} is not a whole number")
    return int(value)


#: What :meth:`FieldSpec.column_values` gives for a row whose value cannot be computed.
BAD: Any = object()


def _safe(getter: Callable[[dict[str, str], str | None], Any], row: dict[str, str], owner: str | None) -> Any:
    try:
        return getter(row, owner)
    except ValueError:
        return BAD


def cell_digest(text: str) -> str:
    """A stable 16-hex-digit digest of a cell, the same for spellings that only differ in
    case, surrounding space or a trailing ``/`` (``https://linkedin.com/in/ana/``); the
    cell cannot be read back from it."""
    key = text.strip().casefold().rstrip("/")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _safe_date(raw: str, formats: tuple[str, ...]) -> Any:
    try:
        return _parse_date(raw, formats)
    except ValueError:
        return BAD


def _iso_or_raw(raw: str) -> str:
    """A date cell as an ISO partial date when it cannot be misread (``03/2019`` is
    ``2019-03``), so that one date written two ways is one value (a relationship's key
    above all); else as written, for the model to refuse or keep."""
    try:
        return normalize_partial_date(raw)
    except ValueError:
        return raw


@lru_cache(maxsize=65_536)
def _parse_date(raw: str, formats: tuple[str, ...]) -> str:
    """``raw`` read with the first of ``formats`` that fits, as an ISO date as precise as
    that format (``%m/%Y`` gives ``2020-03``, not the first of the month); when none fits,
    a form that cannot be misread (``2013``, ``09/2019``, ``2005-12-05``: see
    :func:`graph.dates.normalize_partial_date`), since exports mix them into a column of
    another format. Cached: exports repeat their dates."""
    for fmt in formats:
        try:
            day = datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
        return day[: _precision(fmt)]
    try:
        return normalize_partial_date(raw)
    except ValueError as exc:
        if "out of range" in str(exc):  # written right, but no such day: say that
            raise ValueError(f"no such date: {exc}") from None
        like = " or ".join(map(repr, formats))
        raise ValueError(
            f"expected a date like {like}, or one that cannot be misread such as 2021, "
            "03/2021 or 2021-03-05"
        ) from None


@lru_cache(maxsize=256)
def _precision(fmt: str) -> int:
    """How many characters of an ISO date ``fmt`` determines: 10 with a day, 7 with a month
    and no day, 4 with a year alone."""
    directives = set(re.findall(r"%-?([a-zA-Z])", fmt))
    if directives & {"d", "j", "c", "x", "U", "W", "a", "A", "w", "u", "V", "G"}:
        return 10
    return 7 if directives & {"m", "b", "B"} else 4


def _check_format(fmt: Any, where: str) -> None:
    """Refuse a ``format`` that is not a ``strptime`` format or a non-empty list of them."""
    formats = [fmt] if isinstance(fmt, str) else fmt
    if fmt is not None and (
        not isinstance(formats, list)
        or not formats
        or not all(isinstance(f, str) and f for f in formats)
    ):
        raise MappingError(
            f"{where}.format: expected a strptime format such as '%d/%m/%Y' or a list of "
            f"them, got {fmt!r}"
        )


def _spec(raw: Any, where: str) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(column=raw)
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a column name or a field spec, got {raw!r}")
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if sum(k in raw for k in ("column", "template", "value", "owner", "parts")) != 1:
        raise MappingError(f"{where}: give exactly one of column, template, value, owner or parts")
    parts = raw.get("parts")
    if parts is not None and (
        not isinstance(parts, dict)
        or "year" not in parts
        or set(parts) - set(_PARTS)
        or not all(isinstance(c, str) and c for c in parts.values())
    ):
        raise MappingError(
            f"{where}.parts: expected {{year: COLUMN, month: COLUMN, day: COLUMN}} "
            f"(month and day optional), got {parts!r}"
        )
    _check_format(raw.get("format"), where)
    unknown = raw.get("unknown", [])
    if not isinstance(unknown, list):
        raise MappingError(f"{where}.unknown: expected a list such as [0, -9, 9999]")
    if raw.get("type", "str") not in FIELD_TYPES:
        raise MappingError(
            f"{where}.type: {raw['type']!r} is not a type; expected one of {', '.join(FIELD_TYPES)}"
        )
    if raw.get("decimal") not in (None, *DECIMAL_MARKS):
        raise MappingError(f'{where}.decimal: expected "." or ",", got {raw["decimal"]!r}')
    return FieldSpec(**raw)


#: How an entry's nodes are matched with ones already known (``resolve:`` in a mapping).
RESOLVE_MODES = ("by_code", "by_name", "none")


def default_resolve_mode(fields: dict[str, FieldSpec]) -> str:
    """``by_name`` when the id is made from the name's column(s) ("org-{Company}" with name
    Company), else ``by_code``: an id column or a template of other columns (a country
    code, ticker, registry number) is an identity, not a name to compare."""
    id_spec, name_spec = fields.get("id"), fields.get("name")
    if id_spec is None or name_spec is None:
        return "by_code"
    return "by_name" if set(id_spec.columns()) & set(name_spec.columns()) else "by_code"


def resolve_flags(mode: str, label: str) -> tuple[bool, bool]:
    """``(resolve, derived_id)`` of :class:`SourceRow` for a resolution mode.

    ``by_name``: fuzzy matching and review against the store and earlier rows of the file.
    ``by_code``: an organization matches only the same id, never by name, so different
    codes stay different entities; a person also by email or by name at the same
    organization (contact ids are one system's own). ``none`` keeps namesakes apart.
    ``none``: no matching at all; the id is written as given.
    """
    if mode == "by_name":
        return True, True
    if mode == "by_code":
        return label != "Organization", False
    return False, False


def _resolve_mode(raw: Any, fields: dict[str, FieldSpec], where: str) -> str:
    if raw is None or raw is True:
        return default_resolve_mode(fields)
    if raw is False:
        return "none"
    if raw not in RESOLVE_MODES:
        raise MappingError(
            f"{where}.resolve: expected one of {', '.join(RESOLVE_MODES)}, got {raw!r}"
        )
    return str(raw)


#: What a node entry's ``renames:`` may say (see :class:`loaders.rows.SourceRow`).
RENAME_POLICIES = ("latest", "keep_first", "keep_last", "error")


def _renames(raw: Any, fields: dict[str, FieldSpec], where: str) -> tuple[str, str | None]:
    """``(policy, dated_by)`` of an entry's ``renames:`` (a policy, or a mapping with
    ``policy`` and ``dated_by``, the field whose date orders the names)."""
    if raw is None:
        return "latest", None
    policy, dated_by = raw, None
    if isinstance(raw, dict):
        unknown = set(raw) - {"policy", "dated_by"}
        if unknown:
            raise MappingError(f"{where}.renames: unknown key(s) {', '.join(sorted(unknown))}")
        policy, dated_by = raw.get("policy", "latest"), raw.get("dated_by")
    if policy not in RENAME_POLICIES:
        raise MappingError(
            f"{where}.renames: expected one of {', '.join(RENAME_POLICIES)}, got {policy!r}"
        )
    if dated_by is not None and dated_by not in fields:
        raise MappingError(f"{where}.renames.dated_by: {dated_by!r} is not a field of the entry")
    return str(policy), dated_by


def _pair_money_and_currency(fields: dict[str, FieldSpec]) -> None:
    """An amount and its currency read from two columns of one entry check each other: a
    currency written in the amount cell (``¥8.850.000``) must agree with the currency
    column, which gives it when empty (``£1.5m`` with no code beside it)."""
    money = [s for s in fields.values() if s.type == "money" and s.column]
    codes = [s for s in fields.values() if s.type == "currency" and s.column]
    if len(money) == 1 and len(codes) == 1 and money[0].column != codes[0].column:
        money[0].paired, codes[0].paired = codes[0].column, money[0].column


@dataclass
class Entry:
    """One node or relationship produced from every row."""

    kind: str  # node | rel
    what: str
    fields: dict[str, FieldSpec]
    optional: bool = False
    mode: str = "by_name"  # one of RESOLVE_MODES (see resolve_flags)
    renames: str = "latest"  # one of RENAME_POLICIES
    dated_by: str | None = None
    #: ``each:``, (columns, separators): one record per item of the first column's cells,
    #: paired with the item at the same place in the others
    each: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        self.key_fields = ("id",) if self.kind == "node" else ("source", "target")
        self.resolve, self.derived_id = resolve_flags(self.mode, self.what)
        _pair_money_and_currency(self.fields)

    @property
    def columns(self) -> dict[str, str]:
        """Field name -> the column(s) it comes from, for error messages (a template's
        columns: ``Contact ID``, not ``person-{Contact ID}``)."""
        if not hasattr(self, "_columns"):
            self._columns = {
                name: spec.column
                or (", ".join(spec.columns()) or spec.template if spec.template else None)
                or ("/".join(spec.columns()) if spec.parts else None)
                or ("(--owner)" if spec.owner else "(constant)")
                for name, spec in self.fields.items()
            }
        return self._columns


WHITESPACE = "whitespace"
_READER_KEYS = {
    "delimiter",
    "quotechar",
    "encoding",
    "header",
    "columns",
    "skip_rows",
    "sheet",
    "missing",
}
#: Cells that mean "no value" in exports, whatever the column (``reader: missing:`` replaces
#: them). ``NA`` is not among them: it is Namibia's code, and an R export's NA in a date
#: or number column is refused loudly rather than lost quietly (add it where it is meant).
MISSING = ("N/A", "n/a", "#N/A", "NULL", "null", "NaN", "nan", "None", "none", "-", "--", "?")


@dataclass
class ReaderOptions:
    """How to read a table's text (``reader:`` in a mapping, or ``load`` flags).

    ``delimiter``: any single character (``^``, ``~``, ``;`` ...), or ``whitespace`` for
    columns separated by runs of spaces or tabs (quoted fields keep their spaces); ``None``
    sniffs , ; tab or |. ``header: false`` reads every line as data, with the column names
    given in ``columns``. ``skip_rows`` lines are skipped before the header (or the data).
    ``encoding`` replaces detection (any Python codec name). ``sheet`` names the worksheet
    of an Excel workbook read as a table (default: its first). ``missing`` lists the cells
    that mean no value (default :data:`MISSING`; ``[]`` keeps every cell as written).
    """

    delimiter: str | None = None
    quotechar: str = '"'
    encoding: str | None = None
    header: bool = True
    columns: list[str] | None = None
    skip_rows: int = 0
    sheet: str | None = None
    missing: list[str] | None = None  # cells that mean no value (None: MISSING)

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise MappingError(problem)

    def problem(self) -> str | None:
        """Why these options cannot work together, or ``None``."""
        d, q = self.delimiter, self.quotechar
        if d is not None and d != WHITESPACE and (len(d) != 1 or d in "\r\n"):
            return f"delimiter must be one character or 'whitespace', got {d!r}"
        if len(q) != 1 or q in "\r\n" or q == d:
            return f"quotechar must be one character other than the delimiter, got {q!r}"
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError:
                return f"unknown encoding {self.encoding!r}"
        if not self.header and not self.columns:
            return "header: false needs the column names (columns: [...])"
        if self.columns is not None and (
            not all(isinstance(c, str) and c.strip() for c in self.columns)
            or len(set(self.columns)) != len(self.columns)
        ):
            return f"columns must be distinct non-empty names, got {self.columns!r}"
        if not isinstance(self.skip_rows, int) or self.skip_rows < 0:
            return f"skip_rows must be a whole number >= 0, got {self.skip_rows!r}"
        if self.sheet is not None and (not isinstance(self.sheet, str) or not self.sheet):
            return f"sheet must be a worksheet's name, got {self.sheet!r}"
        if self.missing is not None and (
            not isinstance(self.missing, list) or not all(isinstance(m, str) for m in self.missing)
        ):
            return f"missing must be a list of cells that mean no value, got {self.missing!r}"
        return None

    @property
    def missing_cells(self) -> frozenset[str]:
        """The (stripped) cells that mean no value in this table."""
        cells = MISSING if self.missing is None else self.missing
        return frozenset(m.strip() for m in cells) - {""}

    def updated(self, **changes: Any) -> ReaderOptions:
        """A copy with the given (not ``None``) options replaced: command-line flags win."""
        given = {k: v for k, v in changes.items() if v is not None}
        return ReaderOptions(**{**self.__dict__, **given})


def _options(raw: Any, source: str, section: str, keys: set[str], example: str) -> dict[str, Any]:
    """A mapping's ``reader:`` or ``graph:`` section as a dict of known options (empty when
    the section is absent); a :class:`MappingError` naming the section otherwise."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MappingError(f"{source}: {section}: expected options such as {example}")
    unknown = set(raw) - keys
    if unknown:
        raise MappingError(
            f"{source}: {section}: unknown option(s) {', '.join(sorted(unknown))}; "
            f"expected {', '.join(sorted(keys))}"
        )
    return dict(raw)


def _reader(raw: Any, source: str) -> ReaderOptions:
    values = _options(raw, source, "reader", _READER_KEYS, "delimiter: '^'")
    if "columns" in values and isinstance(values["columns"], list):
        values["columns"] = [str(c) for c in values["columns"]]
    try:
        return ReaderOptions(**values)
    except MappingError as exc:
        raise MappingError(f"{source}: reader: {exc}") from None


_GRAPH_KEYS = {"node_label", "rel_type", "id_prefix", "ids", "networks", "partitions", "resolve"}


@dataclass
class GraphOptions:
    """How a graph file without our labels (Pajek, GEXF from Gephi, an edge list) becomes
    nodes and relationships (``graph:`` in a mapping).

    ``node_label`` and ``rel_type`` apply where the file does not say; ``networks`` gives
    a relationship type per Pajek network and ``partitions`` a property name per Pajek
    partition. Ids are ``id_prefix`` plus the vertex's label made an id fragment
    (``ids: label``, the default: several networks over the same actors share nodes) or
    its number (``ids: number``). ``resolve`` is the identity mode (see
    :func:`resolve_flags`); by default ``by_name`` for ids made from labels, else
    ``by_code``.
    """

    node_label: str = "Organization"
    rel_type: str = "COLLABORATED_WITH"
    id_prefix: str = ""
    ids: str = "label"
    networks: dict[str, str] = field(default_factory=dict)
    partitions: dict[str, str] = field(default_factory=dict)
    resolve: str | None = None
    constants: dict[str, dict[str, Any]] = field(default_factory=dict)  # network -> properties

    def __post_init__(self) -> None:
        from graph.vocabulary import NodeLabel, RelType

        if self.node_label not in {str(x) for x in NodeLabel}:
            raise MappingError(f"node_label: unknown label {self.node_label!r}")
        types = {str(x) for x in RelType}
        for t in [self.rel_type, *self.networks.values()]:
            if t not in types:
                raise MappingError(f"unknown relationship type {t!r}")
        if self.ids not in ("label", "number"):
            raise MappingError(f"ids: expected label or number, got {self.ids!r}")
        if self.resolve is not None and self.resolve not in RESOLVE_MODES:
            raise MappingError(
                f"resolve: expected one of {', '.join(RESOLVE_MODES)}, got {self.resolve!r}"
            )

    def flags(self, ids_from_labels: bool) -> tuple[bool, bool]:
        """``(resolve, derived_id)`` for node rows of this graph file."""
        mode = self.resolve or ("by_name" if ids_from_labels else "by_code")
        return resolve_flags(mode, self.node_label)


def _graph(raw: Any, source: str) -> GraphOptions:
    if raw is None:
        return GraphOptions()
    values = _options(raw, source, "graph", _GRAPH_KEYS, "node_label: Organization")
    for key in ("networks", "partitions"):
        if not isinstance(values.get(key, {}), dict):
            raise MappingError(f"{source}: graph: {key}: expected NAME: VALUE pairs")
    networks: dict[str, str] = {}
    constants: dict[str, dict[str, Any]] = {}
    for net, spec in (values.get("networks") or {}).items():
        if isinstance(spec, dict):  # {type: RELATES_TO, constants: {kind: competitor}}
            if "type" not in spec or not isinstance(spec.get("constants", {}), dict):
                raise MappingError(
                    f"{source}: graph: networks: {net}: expected a type, or "
                    "{type: TYPE, constants: {property: value}}"
                )
            constants[str(net)] = dict(spec.get("constants") or {})
            spec = spec["type"]
        networks[str(net)] = str(spec)
    values["networks"] = networks
    values["constants"] = constants
    values["partitions"] = {str(k): str(v) for k, v in (values.get("partitions") or {}).items()}
    try:
        return GraphOptions(**values)
    except MappingError as exc:
        raise MappingError(f"{source}: graph: {exc}") from None


@dataclass
class Mapping:
    """A parsed mapping file."""

    entries: list[Entry]
    source: str = ""
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    graph: GraphOptions = field(default_factory=GraphOptions)

    @property
    def owner_required(self) -> bool:
        return any(s.owner for e in self.entries for s in e.fields.values())

    def missing_columns(self, header: list[str]) -> list[str]:
        have = set(header)
        needed = {c for e in self.entries for s in e.fields.values() for c in s.columns()}
        needed |= {c for e in self.entries if e.each for c in e.each[0]}
        return sorted(needed - have)

    def apply(
        self, row: dict[str, str], file: str, line: int, owner: str | None = None
    ) -> Iterator[SourceRow]:
        """The node and relationship rows one table row becomes (errors kept per field); an
        entry with ``each`` makes one per item of its column, read as if the cell held it."""
        for entry in self.entries:
            if entry.each is None:
                yield from _entry_rows(entry, row, file, line, owner)
                continue
            columns, separators = entry.each
            lists = {c: split_items(row.get(c, ""), separators) for c in columns}
            first = lists[columns[0]]
            unpaired = [c for c, items in lists.items() if items and len(items) != len(first)]
            if unpaired:
                yield _unpaired(entry, file, line, lists, unpaired[0])
                continue
            for i, item in enumerate(first):
                if item:
                    cells = {c: items[i] if items else "" for c, items in lists.items()}
                    yield from _entry_rows(entry, {**row, **cells}, file, line, owner)


def split_items(cell: str, separators: tuple[str, ...]) -> list[str]:
    """A cell's items: split at any of ``separators`` and stripped; an empty item keeps
    its place (lists in parallel columns pair by place), trailing ones are dropped.

    >>> split_items("Lufthansa; United /Air Canada;", (";", "/"))
    ['Lufthansa', 'United', 'Air Canada']
    >>> split_items("DE; ; FR", (";",))
    ['DE', '', 'FR']
    """
    parts = [cell]
    for sep in separators:
        parts = [piece for part in parts for piece in part.split(sep)]
    items = [p.strip() for p in parts]
    while items and not items[-1]:
        items.pop()
    return items


def _unpaired(
    entry: Entry, file: str, line: int, lists: dict[str, list[str]], column: str
) -> SourceRow:
    """The rejected row of a line whose parallel lists cannot be paired item by item."""
    first, items = next(iter(lists.items()))
    out = SourceRow(entry.kind, entry.what, {}, file, None, line, entry.columns)
    out.error = (
        f"column {column!r} lists {len(lists[column])} item(s) and {first!r} {len(items)}: "
        f"each item of {first!r} needs its own in {column!r}"
    )
    out.columns = {"(error)": column}
    return out


def _entry_rows(
    entry: Entry, row: dict[str, str], file: str, line: int, owner: str | None
) -> Iterator[SourceRow]:
    """The row (none when optional and incomplete) one entry makes of one table row."""
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
        return
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
        renames=entry.renames,
        dated_by=entry.dated_by,
    )
    if bad:
        name, column, value, reason = bad[0]
        out.error, out.error_value = reason, value  # the report names the column and value
        out.columns = {"(error)": column}
    yield out


_COMMON_ENTRY_KEYS = {"properties", "constants", "optional", "each"}
#: What a node or relationship entry may hold (a misspelt ``propertes`` is refused, not
#: silently dropped with every property under it).
_ENTRY_KEYS = {
    "node": {"label", "id", "name", "resolve", "renames", *_COMMON_ENTRY_KEYS},
    "rel": {"type", "source", "target", "key", *_COMMON_ENTRY_KEYS},
}


def parse_mapping(doc: Any, source: str = "mapping") -> Mapping:
    """Check and parse a mapping document."""
    if not isinstance(doc, dict) or not ({"nodes", "relationships", "graph"} & set(doc)):
        raise MappingError(
            f"{source}: a mapping has 'nodes' and/or 'relationships' lists (or, for a graph "
            "file, 'graph' options)"
        )
    entries = []
    for kind, section in (("node", "nodes"), ("rel", "relationships")):
        for i, raw in enumerate(doc.get(section) or []):
            where = f"{source}: {section}[{i}]"
            if not isinstance(raw, dict):
                raise MappingError(f"{where}: expected a mapping entry")
            unknown = set(raw) - _ENTRY_KEYS[kind]
            if unknown:
                raise MappingError(
                    f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; expected "
                    f"{', '.join(sorted(_ENTRY_KEYS[kind]))}"
                )
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
                _property_name(prop, f"{where}.properties", str(what))
                fields[str(prop)] = _spec(spec, f"{where}.properties.{prop}")
            for prop, value in (raw.get("constants") or {}).items():
                _property_name(prop, f"{where}.constants", str(what))
                fields[str(prop)] = FieldSpec(value=value)
            policy, dated_by = _renames(raw.get("renames"), fields, where)
            entries.append(
                Entry(
                    kind,
                    str(what),
                    fields,
                    bool(raw.get("optional", False)),
                    _resolve_mode(raw.get("resolve"), fields, where),
                    policy,
                    dated_by,
                    _each(raw.get("each"), f"{where}.each"),
                )
            )
    return Mapping(
        entries, source, _reader(doc.get("reader"), source), _graph(doc.get("graph"), source)
    )


def _each(raw: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """An entry's ``each: {column: Members, split: ";"}``: split one separator or a list;
    column one name, or a list of columns whose lists pair item by item."""
    if raw is None:
        return None
    example = (
        '{column: Members, split: ";"} (split: a separator or a list of them; column: '
        "a column, or a list of columns listing items in parallel)"
    )
    if not isinstance(raw, dict) or set(raw) != {"column", "split"}:
        raise MappingError(f"{where}: expected {example}")
    column, split = raw["column"], raw["split"]
    columns = [column] if isinstance(column, str) else column
    separators = [split] if isinstance(split, str) else split
    if (
        not isinstance(columns, list)
        or not columns
        or not all(isinstance(c, str) and c for c in columns)
        or not isinstance(separators, list)
        or not separators
        or not all(isinstance(x, str) and x for x in separators)
    ):
        raise MappingError(f"{where}: expected {example}, got {raw!r}")
    return tuple(columns), tuple(separators)


def _property_name(prop: Any, where: str, what: str) -> None:
    """Refuse, before any row is read, a property name no row could be stored under."""
    if not isinstance(prop, str) or not PROPERTY_KEY.match(prop):
        raise MappingError(
            f"{where}: {prop!r} is not a property name (letters, digits and _, "
            "not starting with a digit)"
        )
    if prop in RESERVED_KEYS:
        alliance = prop == "type" and what == "Alliance"
        hint = " (an alliance's kind is its 'form')" if alliance else ""
        raise MappingError(
            f"{where}: {prop!r} is reserved ({', '.join(sorted(RESERVED_KEYS))}); "
            f"give the property another name{hint}"
        )


def load_mapping(path: str | Path | Mapping) -> Mapping:
    """Read a mapping YAML file (a :class:`Mapping` already read is returned as it is)."""
    if isinstance(path, Mapping):
        return path
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} not found") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    return parse_mapping(doc, str(path))
