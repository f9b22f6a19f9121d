"""A fast path for validating the common row, derived from the pydantic models themselves.

Validating a row through pydantic costs 6-12 microseconds (Python-level before-validators,
model validators); an import of a million rows spends most of its time there. For every
model in :mod:`graph.schema` this module derives, from the model's own field declarations,
plain checks for the values rows usually carry (trimmed strings with length limits, enum
values, numbers within bounds, partial dates, lists of strings). A row any check is unsure
of — an unusual type, a bad value, both ends of a period — returns ``None``, and the caller
validates it with pydantic, which also words the error. The result for an accepted row is
exactly what ``model_validate(row).properties()`` gives (``tests/graph/test_row_checks.py``
holds the two equal on generated rows).
"""

from __future__ import annotations

import enum
import re
import sys
import types
import typing
from collections.abc import Callable, Sequence
from functools import cache
from itertools import repeat
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.functional_validators import BeforeValidator

from graph.prop_columns import PropColumns
from graph.schema import PROPERTY_KEY, RESERVED_KEYS

Check = Callable[[Any], Any]
_FAIL = object()
_SCALARS = (str, int, float, bool)
#: Model validators the fast path knows: the order of a period's two ends.
_PERIODS = {"_ordered": (("since", "until"), ("joined", "left"))}


_KNOWN = {"min_length", "max_length", "pattern", "ge", "le", "gt", "lt", "allow_inf_nan"}


def _constraints(meta: list[Any]) -> dict[str, Any] | None:
    """The constraints of a field's metadata by name, or ``None`` if one is unknown here."""
    out: dict[str, Any] = {}
    for m in meta:
        if isinstance(m, FieldInfo):
            inner = _constraints(list(m.metadata))
            if inner is None:
                return None
            out.update(inner)
            continue
        if isinstance(m, BeforeValidator):
            continue
        if isinstance(m, Ge | Le | Gt | Lt | MinLen | MaxLen):
            fields = {k: getattr(m, k) for k in m.__dataclass_fields__}
        elif hasattr(m, "__dict__"):
            fields = {k: v for k, v in vars(m).items() if v is not None}
        else:
            return None
        for k, v in fields.items():
            if k not in _KNOWN:
                return None
            out[k] = v
    return out


def _flat(meta: list[Any]) -> list[Any]:
    out: list[Any] = []
    for m in meta:
        out.extend(_flat(list(m.metadata)) if isinstance(m, FieldInfo) else [m])
    return out


def _in_bounds(x: float, c: dict[str, Any]) -> bool:
    return not (
        ("ge" in c and x < c["ge"])
        or ("le" in c and x > c["le"])
        or ("gt" in c and x <= c["gt"])
        or ("lt" in c and x >= c["lt"])
    )


def _check_for(annotation: Any, meta: list[Any]) -> Check | None:
    """A check for one field's annotation, or ``None`` when the fast path cannot do it."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _check_for(inner, [*meta, *extra])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        check = _check_for(args[0], meta)
        if check is None:
            return None
        def optional(v: Any) -> Any:
            return v if v is None else check(v)

        optional.inner = check  # type: ignore[attr-defined]
        return optional
    c = _constraints(meta)
    if c is None:
        return None
    before = [m.func for m in _flat(meta) if isinstance(m, BeforeValidator)]
    if len(before) > 1 or (before and annotation is not str):
        return None
    if annotation is str:
        if c.keys() - {"min_length", "max_length", "pattern"}:
            return None
        lo, hi = c.get("min_length") or 0, c.get("max_length")
        pattern = re.compile(c["pattern"]) if c.get("pattern") else None
        func = typing.cast(Callable[[Any], Any], before[0]) if before else None

        def check_str(v: Any) -> Any:
            if func is not None:
                try:
                    v = func(v)
                except (ValueError, TypeError):
                    return _FAIL
            if type(v) is not str:
                return _FAIL
            v = v.strip(_WHITESPACE)
            if len(v) < lo or (hi is not None and len(v) > hi):
                return _FAIL
            if pattern is not None and not pattern.search(v):
                return _FAIL
            return v

        check_str.plain = (lo, hi, pattern) if func is None else None  # type: ignore[attr-defined]
        return check_str
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        if c:
            return None
        values = {m.value: m.value for m in annotation if isinstance(m.value, str)}
        return lambda v: values.get(v, _FAIL) if type(v) is str else _FAIL
    if annotation is float:
        if c.keys() - {"ge", "le", "gt", "lt", "allow_inf_nan"}:
            return None

        def check_float(v: Any) -> Any:
            t = type(v)
            if t is not float and t is not int:
                return _FAIL
            x = float(v)
            if x != x or x in (_INF, -_INF) or not _in_bounds(x, c):
                return _FAIL
            return x

        return check_float
    if annotation is int:
        if c.keys() - {"ge", "le", "gt", "lt"}:
            return None
        return lambda v: v if type(v) is int and _in_bounds(v, c) else _FAIL
    if annotation is bool:
        return None if c else (lambda v: v if type(v) is bool else _FAIL)
    if origin is list and typing.get_args(annotation) == (str,) and not c:

        def check_list(v: Any) -> Any:
            if type(v) is not list or not all(type(x) is str for x in v):
                return _FAIL
            return [x.strip(_WHITESPACE) for x in v]

        return check_list
    return None


_INF = float("inf")
#: What pydantic-core strips (Unicode White_Space); Python's ``str.strip()`` also takes
#: the separators U+001C-U+001F.
_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(
    chr(c) for c in range(0x2000, 0x200B)
) + "\u2028\u2029\u202f\u205f\u3000"


def _plain(v: Any) -> bool:
    """A scalar kept as given (non-finite floats are pydantic's to turn into null)."""
    t = type(v)
    if t is float:
        return v == v and v not in (_INF, -_INF)
    return t is str or t is int or t is bool


def _extra_ok(value: Any) -> bool:
    """A value of a property the model does not declare is kept: a scalar or a list of them."""
    return _plain(value) or (type(value) is list and all(_plain(v) for v in value))


def _key_ok(key: Any) -> bool:
    """A property name the model does not declare may be stored under (not reserved)."""
    return type(key) is str and bool(PROPERTY_KEY.match(key)) and key not in RESERVED_KEYS


@cache
def _plan(
    model: type[BaseModel],
) -> tuple[dict[str, Check], list[str], list[str], tuple[tuple[str, str], ...]] | None:
    """``(checks by field, required fields, field order, periods)`` of ``model``, or
    ``None`` if the model is beyond the fast checks."""
    periods: tuple[tuple[str, str], ...] = ()
    decorators = model.__pydantic_decorators__
    for name, dec in decorators.model_validators.items():
        if dec.info.mode == "before" and name == "_check_extra":
            continue
        if dec.info.mode == "after" and name in _PERIODS:
            periods = _PERIODS[name]
            continue
        return None
    if decorators.field_validators or decorators.validators or decorators.root_validators:
        return None
    if model.model_config.get("str_strip_whitespace") is not True:
        return None
    checks: dict[str, Check] = {}
    for name, info in model.model_fields.items():
        if info.alias or info.validation_alias:
            return None
        annotation = info.annotation
        check = _check_for(annotation, list(info.metadata))
        if check is None:
            return None
        checks[name] = check
    required = [n for n, info in model.model_fields.items() if info.is_required()]
    return checks, required, list(model.model_fields), periods


@cache
def row_check(model: type[BaseModel]) -> Callable[[dict[str, Any]], dict[str, Any] | None] | None:
    """The fast check of ``model``'s rows, or ``None`` if the model is beyond it.

    The check returns the row's properties as ``model_validate(row).properties()`` would
    (``id``, ``source``, ``target`` and ``key`` included, for the caller to take out), or
    ``None`` when pydantic must decide.
    """
    plan = _plan(model)
    if plan is None:
        return None
    checks, required, order, periods = plan

    def check_row(row: dict[str, Any]) -> dict[str, Any] | None:
        for name in required:
            if name not in row:
                return None
        known: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in row.items():
            check = checks.get(key)
            if check is None:
                if not _key_ok(key):
                    return None
                if value is None:
                    continue
                if _extra_ok(value):
                    extra[key] = value
                    continue
                return None
            out = check(value)
            if out is _FAIL:
                return None
            known[key] = out
        for first, last in periods:
            if known.get(first) and known.get(last):
                return None
        props = {n: known[n] for n in order if n in known and known[n] is not None}
        props.update(extra)
        return props

    return check_row


#: What :func:`column_check` gives: each row's properties, or ``None`` where pydantic decides.
ColumnCheck = Callable[[list[str], Sequence[Sequence[Any]]], list[dict[str, Any] | None]]
#: What :func:`column_table_check` gives: the rows' properties as columns, and the rows
#: pydantic must decide (``True``; their properties are not to be used).
TableCheck = Callable[[list[str], Sequence[Sequence[Any]]], tuple[PropColumns, list[bool]]]


@cache
def column_check(model: type[BaseModel]) -> ColumnCheck | None:
    """:func:`row_check` for many rows at once, given as columns: ``check(names, columns)``,
    where ``columns[j][i]`` is row ``i``'s value of ``names[j]`` and ``None`` means the row
    has no such key. Row ``i`` gets exactly what ``row_check(model)`` gives the dict of its
    non-``None`` values (``tests/graph/test_row_checks.py`` holds the two equal); a column
    is checked in one pass, with no call per row for the row itself.
    """
    table_check = column_table_check(model)
    if table_check is None:
        return None

    def check_columns(
        names: list[str], columns: Sequence[Sequence[Any]]
    ) -> list[dict[str, Any] | None]:
        props, failed = table_check(names, columns)
        result: list[dict[str, Any] | None] = list(props.dicts())
        if True in failed:
            result = [None if bad else r for bad, r in zip(failed, result, strict=True)]
        return result

    return check_columns


@cache
def column_table_check(model: type[BaseModel]) -> TableCheck | None:
    """:func:`column_check` with the properties left as columns (:class:`PropColumns`,
    names in the order the row check's dicts have them) beside the failed rows: a caller
    deciding the rows a column at a time makes no dict per row."""
    plan = _plan(model)
    if plan is None:
        return None
    checks, required, order, periods = plan
    rank = {n: i for i, n in enumerate(order)}

    def check_table(
        names: list[str], columns: Sequence[Sequence[Any]]
    ) -> tuple[PropColumns, list[bool]]:
        n = len(columns[0]) if columns else 0
        failed = [False] * n
        out: dict[str, list[Any]] = {}
        extras: list[str] = []
        for name, col in zip(names, columns, strict=True):
            check = checks.get(name)
            if check is None:
                if not _key_ok(name):
                    for i, v in enumerate(col):
                        if v is not None:
                            failed[i] = True
                    continue
                values = [v if v is None or _extra_ok(v) else _FAIL for v in col]
                extras.append(name)
            else:
                values = _check_column(check, col)
            if _FAIL in values:
                for i, v in enumerate(values):
                    if v is _FAIL:
                        failed[i] = True
            out[name] = values
        for name in required:
            column = out.get(name)
            if column is None:
                return PropColumns([], [], n), [True] * n
            if None in column:
                for i, v in enumerate(column):
                    if v is None:
                        failed[i] = True
        for first, last in periods:
            if first in out and last in out:
                for i, (a, b) in enumerate(zip(out[first], out[last], strict=True)):
                    if a and b:
                        failed[i] = True
        known = sorted((n for n in out if n not in extras), key=rank.__getitem__)
        keys = [*known, *extras]
        columns_out = [out[k] for k in keys]
        if True in failed:  # (a failed row's values may be the failure marker)
            columns_out = [
                [None if bad else v for bad, v in zip(failed, col, strict=True)]
                for col in columns_out
            ]
        return PropColumns(keys, columns_out, n), failed

    return check_table


_STR_OR_NONE = {str, type(None)}


def _check_column(check: Check, col: Sequence[Any]) -> list[Any]:
    """``check`` of every value of a column (``None`` stays ``None``: no value). A column
    of strings is checked without a call per value for plain strings, and once per distinct
    value otherwise (dates, titles and enum values repeat down a column); anything else one
    value at a time."""
    if not set(map(type, col)) <= _STR_OR_NONE:
        return [v if v is None else check(v) for v in col]
    plain = getattr(getattr(check, "inner", check), "plain", None)
    if plain is not None:
        lo, hi, pattern = plain
        ws = _WHITESPACE
        top = sys.maxsize if hi is None else hi
        out: list[Any]
        if None in col:
            out = [v if v is None else v.strip(ws) for v in col]
            if lo or hi is not None:
                out = [v if v is None or lo <= len(v) <= top else _FAIL for v in out]
        else:  # every value given (an id, a name): stripped and measured in C
            out = list(map(str.strip, col, repeat(ws)))
            if out and (lo or hi is not None):
                lengths = list(map(len, out))
                if min(lengths) < lo or max(lengths) > top:
                    out = [v if lo <= n <= top else _FAIL for v, n in zip(out, lengths, strict=True)]
        if pattern is not None and (
            None in out or _FAIL in out or not all(map(pattern.search, out))
        ):  # (every value a string that matches: the column as it is, asked in C)
            out = [v if v is None or v is _FAIL or pattern.search(v) else _FAIL for v in out]
        return out
    made = {v: check(v) for v in set(col) if v is not None}
    made[None] = None
    return list(map(made.__getitem__, col))
