"""The schema validates rows as the stores will hold them, and refuses bad ones clearly."""

from __future__ import annotations

import pytest

from graph.records import BatchValidationError, validate_nodes, validate_relationships
from graph.schema import NODE_MODELS, REL_MODELS, Alliance, default_of
from graph.vocabulary import REL_ENDPOINTS, NodeLabel, RelType, parse_label, parse_rel_type


def test_every_label_and_type_has_a_model_and_endpoints() -> None:
    assert set(NODE_MODELS) == set(NodeLabel)
    assert set(REL_MODELS) == set(RelType)
    assert set(REL_ENDPOINTS) == set(RelType)


def test_unknown_label_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown node label 'Organisation'.*Organization"):
        parse_label("Organisation")
    with pytest.raises(ValueError, match="unknown relationship type"):
        parse_rel_type("MEMBER_OF) DETACH DELETE n //")


def test_partial_rows_omit_defaults_so_updates_never_overwrite() -> None:
    (rec,) = validate_nodes("Alliance", [{"id": " a1 ", "name": " JV ", "started": "2021-3"}])
    assert rec.id == "a1"
    assert rec.props == {"name": "JV", "started": "2021-03"}
    assert default_of(Alliance, "sharing") == "visible"


@pytest.mark.parametrize(
    ("type_", "row", "field", "reason"),
    [
        (
            "KNOWS",
            {"source": "p1", "target": "p2", "strength": 1.2},
            "strength",
            "less than or equal to 1",
        ),
        (
            "MEMBER_OF",
            {"source": "o", "target": "a", "cash_contribution": -5},
            "cash_contribution",
            "greater than or equal to 0",
        ),
        ("MEMBER_OF", {"source": "o", "target": "a", "role": "boss"}, "role", "lead"),
        (
            "MEMBER_OF",
            {"source": "o", "target": "a", "joined": "2023", "left": "2021"},
            "left",  # a whole-row check names the first field its reason names
            "before joined",
        ),
        ("FUNDS", {"source": "o", "target": "a", "amount": float("nan")}, "amount", "finite"),
        ("WORKS_AT", {"source": "p", "target": "o", "since": "2021-13"}, "since", "month 13"),
        ("STAFFS", {"source": "p", "target": "a"}, "role", "Field required"),
    ],
)
def test_bad_relationship_rows_name_row_field_and_reason(
    type_: str, row: dict[str, object], field: str, reason: str
) -> None:
    good = (
        {"source": "x", "target": "y", "role": "alliance_manager"}
        if type_ == "STAFFS"
        else {"source": "x", "target": "y", "amount": 1.0}
        if type_ == "FUNDS"
        else {"source": "x", "target": "y"}
    )
    with pytest.raises(BatchValidationError) as info:
        validate_relationships(type_, [good, row])
    (err,) = info.value.errors
    assert err.row == 1
    assert err.field == field
    assert reason in err.reason
    assert "batch refused, nothing written" in str(info.value)


def test_assessment_scores_are_one_to_five() -> None:
    with pytest.raises(BatchValidationError) as info:
        validate_nodes("Assessment", [{"id": "s", "name": "Q1", "date": "2024-03", "trust": 6}])
    assert info.value.errors[0].field == "trust"


def test_extra_properties_must_be_plain_scalars_under_plain_keys() -> None:
    (rec,) = validate_nodes("Organization", [{"id": "o", "name": "Acme", "crm_code": "A-1"}])
    assert rec.props["crm_code"] == "A-1"
    for bad in ({"bad key": 1}, {"`x`": 1}, {"nested": {"a": 1}}, {"label": "Person"}):
        with pytest.raises(BatchValidationError):
            validate_nodes("Organization", [{"id": "o", "name": "Acme", **bad}])


def test_duplicate_ids_in_one_batch_are_refused() -> None:
    with pytest.raises(BatchValidationError, match="duplicate of row 0"):
        validate_nodes("Topic", [{"id": "t", "name": "A"}, {"id": "t", "name": "B"}])


def test_injection_text_is_kept_verbatim() -> None:
    name = '\'}) DETACH DELETE n // <img src=x onerror=alert(1)> =HYPERLINK("x")'
    (rec,) = validate_nodes("Organization", [{"id": "o`1", "name": name}])
    assert rec.props["name"] == name
    assert rec.id == "o`1"
