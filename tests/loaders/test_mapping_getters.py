"""The specialised field getters give exactly what the general one gives."""

from __future__ import annotations

import pytest

from loaders.mapping import FieldSpec

ROWS = [
    {"Company": "  Acme Corp. (Berlin) ", "Name": " Ana ", "Id": "7"},
    {"Company": "", "Name": "", "Id": ""},
    {"Company": "Ünïcode & Co", "Name": '=HYPERLINK("x")', "Id": " 8 "},
    {},
]
SPECS = [
    FieldSpec(column="Name"),
    FieldSpec(column="Company"),
    FieldSpec(template="org-{Company}", slug=True),
    FieldSpec(template="org-{Company}-{Id}", slug=True),
    FieldSpec(template="person-{Id}"),
    FieldSpec(column="Name", lower=True),
    FieldSpec(value="constant"),
    FieldSpec(owner=True),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.column or s.template or "other")
def test_getter_equals_general_get(spec: FieldSpec) -> None:
    for row in ROWS:
        assert spec.getter(row, "org-me") == spec.get(row, "org-me")
