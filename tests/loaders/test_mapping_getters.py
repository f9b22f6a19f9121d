"""The specialised field getters give exactly what the general one gives."""

from __future__ import annotations

import re

import pytest

from loaders.mapping import BAD, FieldSpec

ROWS = [
    {"Company": "  Acme Corp. (Berlin) ", "Name": " Ana ", "Id": "7", "Since": "2020-01-31"},
    {"Company": "X", "Name": "B", "Id": "9", "Since": " 31/01/2020 "},
    {"Company": "", "Name": "", "Id": ""},
    {"Company": "Ünïcode & Co", "Name": '=HYPERLINK("x")', "Id": " 8 "},
    {"Company": "Y", "Name": "C", "Id": "eight", "Since": "2020-02-30"},
    {},
]
SPECS = [
    FieldSpec(column="Name"),
    FieldSpec(column="Company"),
    FieldSpec(template="org-{Company}", slug=True),
    FieldSpec(template="org-{Company}-{Id}", slug=True),
    FieldSpec(template="person-{Id}"),
    FieldSpec(column="Name", lower=True),
    FieldSpec(column="Since", type="date", format="%Y-%m-%d"),
    FieldSpec(column="Since", type="date"),
    FieldSpec(template="{Id}"),
    FieldSpec(template="p-{Id}-x"),
    FieldSpec(template="p-{Id}", lower=True),
    FieldSpec(column="Id", type="int"),
    FieldSpec(value="constant"),
    FieldSpec(owner=True),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.column or s.template or "other")
def test_getter_equals_general_get(spec: FieldSpec) -> None:
    for row in ROWS:
        try:
            expected = spec.get(row, "org-me")
        except ValueError as exc:
            with pytest.raises(ValueError, match=re.escape(str(exc))):
                spec.getter(row, "org-me")
            continue
        assert spec.getter(row, "org-me") == expected


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.column or s.template or "other")
def test_column_values_equal_the_getter_row_by_row(spec: FieldSpec) -> None:
    """A chunk's values a column at a time are the getter's row by row (BAD where it raises)."""
    columns = ["Company", "Name", "Id", "Since"]
    rows = [{c: row.get(c, "") for c in columns} for row in ROWS]
    expected = []
    for row in rows:
        try:
            expected.append(spec.getter(row, "org-me"))
        except ValueError:
            expected.append(BAD)
    got = spec.column_values(lambda c: [row[c] for row in rows], lambda: rows, "org-me", len(rows))
    assert got == expected
    assert spec.fallible or BAD not in got  # a spec said infallible is not searched for BAD


def test_fallible_specs_are_those_that_can_fail() -> None:
    assert FieldSpec(column="Since", type="date", format="%Y-%m-%d").fallible
    assert FieldSpec(column="Id", type="int").fallible
    assert not FieldSpec(column="Name", lower=True).fallible
    assert not FieldSpec(template="org-{Company}", slug=True).fallible
    assert not FieldSpec(value="constant").fallible
