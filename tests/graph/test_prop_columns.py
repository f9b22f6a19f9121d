"""Records' properties as columns (:class:`graph.prop_columns.PropColumns`) give the very
dicts, values and digests the per-record dicts give."""

from __future__ import annotations

from typing import Any

import pytest

from graph.prop_columns import PropColumns

ROWS: list[dict[str, Any]] = [
    {"name": "Ana", "email": "ana@x.example", "since": "2020"},
    {"name": "Bo"},
    {},
    {"email": "cy@x.example", "name": "Cy"},
]


def _digest(d: dict[str, Any]) -> int:
    return hash(tuple(sorted(d.items())))


def test_dicts_from_columns_are_the_dicts_they_were_made_of() -> None:
    props = PropColumns.from_dicts(ROWS)
    assert props.names == ["name", "email", "since"]
    assert props.dicts() == ROWS
    assert list(props.dicts()[0]) == ["name", "email", "since"]  # the order of the names


def test_get_take_and_without_read_as_dict_get_does() -> None:
    props = PropColumns.from_dicts(ROWS)
    assert props.get("email") == [d.get("email") for d in ROWS]
    assert props.get("email", "") == [d.get("email", "") for d in ROWS]
    assert props.get("linkedin") == [None] * 4
    taken = props.take([3, 0])
    assert taken.size == 2 and taken.dicts() == [ROWS[3], ROWS[0]]
    assert props.take([0, 1, 2, 3]) is props
    assert props.without("name", "since").dicts() == [
        {k: v for k, v in d.items() if k == "email"} for d in ROWS
    ]


def test_present_names_only_what_some_record_has_sorted() -> None:
    props = PropColumns(["z", "a", "gone"], [["1", None], [None, "2"], [None, None]], 2)
    assert props.present() == (["a", "z"], [[None, "2"], ["1", None]])


@pytest.mark.parametrize(
    "rows",
    [
        ROWS,  # some records lack some properties
        [{"name": "Ana", "n": 1}, {"name": "Bo", "n": 2.5}],  # every record has every one
        [{}, {}],  # no properties at all
    ],
)
def test_digests_are_those_of_the_records_dicts(rows: list[dict[str, Any]]) -> None:
    assert PropColumns.from_dicts(rows).digests() == list(map(_digest, rows))


def test_a_value_that_cannot_be_hashed_is_not_digested_silently() -> None:
    with pytest.raises(TypeError):
        PropColumns.from_dicts([{"aliases": ["A", "B"]}]).digests()
