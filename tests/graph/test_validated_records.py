"""The stores take records as validated and validate mappings; there is no trust marker:
validation is the caller's one step (``validate_nodes`` always validates what it is given)."""

from __future__ import annotations

import pickle

import pytest

from graph.records import (
    BatchValidationError,
    NodeRecord,
    RelRecord,
    node_records,
    rel_records,
    validate_node,
    validate_nodes,
    validate_relationship,
    validate_relationships,
)
from graph.vocabulary import NodeLabel, RelType


def test_records_pass_as_they_are_without_being_validated_again() -> None:
    recs = [validate_node(NodeLabel.PERSON, {"id": f"p{i}", "name": f" P{i} "}) for i in range(3)]
    assert node_records(NodeLabel.PERSON, recs) == recs
    assert node_records(NodeLabel.PERSON, pickle.loads(pickle.dumps(recs))) == recs
    # a record is taken as it is: a hand-made one is not checked (it is the caller's job)
    raw = NodeRecord(NodeLabel.PERSON, "p9", {"name": ""})
    assert node_records(NodeLabel.PERSON, [raw]) == [raw]
    rel = validate_relationship(RelType.KNOWS, {"source": "p0", "target": "p1", "strength": 0.5})
    assert rel_records(RelType.KNOWS, [rel]) == [rel]


def test_mappings_are_validated() -> None:
    (rec,) = node_records(NodeLabel.PERSON, [{"id": " p1 ", "name": " Ana "}])
    assert (rec.id, rec.props) == ("p1", {"name": "Ana"})
    with pytest.raises(BatchValidationError, match="row 1"):
        node_records(NodeLabel.PERSON, [{"id": "p1", "name": "A"}, {"id": "p2", "name": ""}])
    with pytest.raises(BatchValidationError, match="strength"):
        rel_records(RelType.KNOWS, [{"source": "a", "target": "b", "strength": 7}])


def test_validation_functions_always_validate_records_too() -> None:
    with pytest.raises(BatchValidationError):
        validate_nodes(NodeLabel.PERSON, [NodeRecord(NodeLabel.PERSON, "p1", {"name": ""})])
    with pytest.raises(BatchValidationError):
        validate_relationships(
            RelType.KNOWS, [RelRecord(RelType.KNOWS, "a", "b", "", {"strength": 7})]
        )


def test_records_still_refuse_repeated_ids_and_another_label_or_type() -> None:
    rec = validate_node(NodeLabel.PERSON, {"id": "p1", "name": "P"})
    with pytest.raises(BatchValidationError, match="duplicate"):
        node_records(NodeLabel.PERSON, [rec, rec])
    with pytest.raises(BatchValidationError, match="not a Organization record"):
        node_records(NodeLabel.ORGANIZATION, [rec])
    rel = validate_relationship(RelType.KNOWS, {"source": "p1", "target": "p2"})
    with pytest.raises(BatchValidationError, match="duplicate"):
        rel_records(RelType.KNOWS, [rel, rel])
    with pytest.raises(BatchValidationError, match="not a WORKS_AT record"):
        rel_records(RelType.WORKS_AT, [rel])
    # handed to the validation function, a Person is validated as an Organization
    assert validate_nodes(NodeLabel.ORGANIZATION, [rec])[0].label == NodeLabel.ORGANIZATION
