"""The fast row checks agree with pydantic: same properties for every row they accept, and
they never accept a row pydantic refuses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from graph.row_checks import column_check, row_check
from graph.schema import NODE_MODELS, REL_MODELS
from graph.vocabulary import NodeLabel

MODELS: list[type[BaseModel]] = [*NODE_MODELS.values(), *REL_MODELS.values()]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            " ",
            "  x ",
            "lead",
            " lead",
            "member",
            "alliance_manager",
            "competitor",
            "EUR",
            "eur",
            "USD ",
            "2020",
            "2020-05",
            "2020-05-17",
            "2020-13-01",
            "17/05/2020",
            "1.5",
            "hidden",
            "counts_only",
            "joint_venture",
            "true",
        ]
    ),
    st.text(max_size=8),
    st.lists(st.sampled_from(["a", " b ", "c"]), max_size=3),
    st.lists(st.integers(), max_size=2),
)


def _expected(model: type[BaseModel], row: dict[str, Any]) -> dict[str, Any] | None:
    try:
        obj = model.model_validate(dict(row))
    except ValidationError:
        return None
    return obj.model_dump(mode="json", exclude_none=True, exclude_unset=True)


def _rows(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    fields = [f for f in model.model_fields if f not in ("id", "source", "target", "name")]
    base: dict[str, Any] = {}
    if "id" in model.model_fields:
        base = {"id": "n-1", "name": "Name"}
    if "source" in model.model_fields:
        base = {"source": "a", "target": "b"}
    keys = st.sampled_from([*fields, "extra_field", "Bad Key", "label", "notes"])
    return st.dictionaries(keys, values, max_size=5).map(lambda d: {**base, **d})


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fast_check_agrees_with_pydantic(model: type[BaseModel], data: st.DataObject) -> None:
    check = row_check(model)
    assert check is not None, f"{model.__name__} has no fast check"
    row = data.draw(_rows(model))
    fast = check(dict(row))
    if fast is None:
        return  # pydantic decides: always correct
    expected = _expected(model, row)
    assert expected is not None, f"fast check accepted a row pydantic refuses: {row!r}"
    assert fast == expected
    assert list(fast) == list(expected)


def test_common_rows_take_the_fast_path() -> None:
    person = row_check(NODE_MODELS[next(k for k in NODE_MODELS if k == "Person")])
    works = row_check(REL_MODELS[next(k for k in REL_MODELS if k == "WORKS_AT")])
    assert person is not None and works is not None
    assert person({"id": "p1", "name": " Ana ", "email": "a@x.org"}) == {
        "id": "p1",
        "name": "Ana",
        "email": "a@x.org",
    }
    assert works({"source": "p1", "target": "o1", "since": "2020-01-01"}) is not None
    # both ends of a period, or a bad date: pydantic decides
    assert works({"source": "p1", "target": "o1", "since": "2020", "until": "2019"}) is None
    assert works({"source": "p1", "target": "o1", "since": "not a date"}) is None


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_column_check_agrees_with_the_row_check(
    model: type[BaseModel], data: st.DataObject
) -> None:
    """Rows checked together as columns get exactly what each gets checked alone (and so,
    through the test above, never more than pydantic gives)."""
    check, columns_check = row_check(model), column_check(model)
    assert check is not None and columns_check is not None
    rows = data.draw(st.lists(_rows(model), min_size=1, max_size=6))
    names = list(dict.fromkeys(k for row in rows for k in row))
    columns = [[row.get(name) for row in rows] for name in names]
    got = columns_check(names, columns)
    want = [check({k: row[k] for k in names if row.get(k) is not None}) for row in rows]
    assert got == want
    assert [list(g) if g else g for g in got] == [list(w) if w else w for w in want]


def test_a_full_column_of_strings_is_measured_after_stripping() -> None:
    """A column with every value given (checked in C calls) still refuses a value that is
    blank once stripped or too long, exactly as the row check does."""
    person = NODE_MODELS[NodeLabel.PERSON]
    check, columns_check = row_check(person), column_check(person)
    assert check is not None and columns_check is not None
    ids = [" p1 ", "p" * 201, "p3", "p4", "\u3000p5\t"]
    names = ["Ana", "Bo", " \u00a0 ", "x" * 10_000, "Eve"]
    got = columns_check(["id", "name"], [ids, names])
    want = [check({"id": i, "name": n}) for i, n in zip(ids, names, strict=True)]
    assert got == want
    assert [g is None for g in got] == [False, True, True, False, False]
    assert got[0] == {"id": "p1", "name": "Ana"} and got[4] == {"id": "p5", "name": "Eve"}
