"""Records made by validation are taken as they are; anything else is validated, and the
mark survives the loader's temporary spill but cannot be had by building a record."""

from __future__ import annotations

import pickle

import pytest

from graph.records import (
    BatchValidationError,
    NodeRecord,
    RelRecord,
    validate_node,
    validate_nodes,
    validate_relationship,
    validate_relationships,
)
from graph.vocabulary import NodeLabel, RelType


def test_validated_records_pass_as_they_are_and_keep_the_mark_through_pickle() -> None:
    recs = [validate_node(NodeLabel.PERSON, {"id": f"p{i}", "name": f" P{i} "}) for i in range(3)]
    back = pickle.loads(pickle.dumps(recs))
    assert validate_nodes(NodeLabel.PERSON, back) == recs
    assert all(r.checked is recs[0].checked for r in back)
    rel = validate_relationship(RelType.KNOWS, {"source": "p0", "target": "p1", "strength": 0.5})
    assert validate_relationships(RelType.KNOWS, pickle.loads(pickle.dumps([rel]))) == [rel]


def test_hand_made_records_are_validated() -> None:
    bad = NodeRecord(NodeLabel.PERSON, "p1", {"name": ""})
    assert bad.checked is None
    with pytest.raises(BatchValidationError):
        validate_nodes(NodeLabel.PERSON, [bad])
    rel = RelRecord(RelType.KNOWS, "a", "b", "", {"strength": 7})
    with pytest.raises(BatchValidationError):
        validate_relationships(RelType.KNOWS, [rel])


def test_validated_batches_still_refuse_repeated_ids_and_other_labels() -> None:
    rec = validate_node(NodeLabel.PERSON, {"id": "p1", "name": "P"})
    with pytest.raises(BatchValidationError, match="duplicate"):
        validate_nodes(NodeLabel.PERSON, [rec, rec])
    # a validated Person handed over as an Organization is validated as one
    org = validate_nodes(NodeLabel.ORGANIZATION, [rec])
    assert org[0].label == NodeLabel.ORGANIZATION


def test_spill_form_round_trips_validated_records_only() -> None:
    from graph.records import from_spill_form, spill_form

    node = validate_node(NodeLabel.ORGANIZATION, {"id": "o1", "name": "Acme", "aliases": ["A"]})
    rel = validate_relationship(RelType.WORKS_AT, {"source": "p", "target": "o1", "since": "2020"})
    for rec in (node, rel):
        back = from_spill_form(pickle.loads(pickle.dumps(spill_form(rec))))
        assert back == rec and back.checked is rec.checked
    with pytest.raises(ValueError, match="only validated"):
        spill_form(NodeRecord(NodeLabel.PERSON, "p", {"name": "P"}))
