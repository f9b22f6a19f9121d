"""Entity resolution's candidate blocking never hides a name the full comparison would
score above the first-word cap, so fuzzy matches are the same as comparing with everyone."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.names import normalize_org, normalize_people, normalize_person
from loaders.resolve import FIRST_WORD_CAP, OrgIndex, similarity

PAIRS = Path(__file__).resolve().parents[2] / "bench" / "data" / "org_name_pairs.csv"


def _names() -> tuple[list[str], list[str]]:
    with PAIRS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["name_a"] for r in rows], [r["name_b"] for r in rows]


def test_blocking_keeps_every_pair_that_can_score_above_the_cap() -> None:
    known, incoming = _names()
    index = OrgIndex()
    for i, name in enumerate(known):
        index.add(f"org-{i}", name)
    checked = 0
    for name in incoming + [f"{n} Group" for n in known] + [n.upper() for n in incoming]:
        key = normalize_org(name)
        if not key:
            continue
        pool = index._candidates(key, review_at=85.0)
        for org_id, choice in index.choices.items():
            if similarity(key, choice) > FIRST_WORD_CAP:
                assert org_id in pool, (name, index.names[org_id])
                checked += 1
    assert checked > 300


def test_numbers_and_first_words_split_blocks() -> None:
    index = OrgIndex()
    index.add("c1", "Company 1 Ltd")
    index.add("c10", "Company 10 Ltd")
    index.add("acme", "Acme Holdings")
    assert set(index._candidates(normalize_org("Company 1 Limited"), 85.0)) == {"c1"}
    assert set(index._candidates(normalize_org("Acmee Holdings"), 85.0)) == {"acme"}
    assert index._candidates(normalize_org("Zenith Labs"), 85.0) == {}
    assert index.match("new", "Company 10 Limited", None).into == "c10"
    # a low review threshold compares with everyone
    assert set(index._candidates(normalize_org("Zenith Labs"), 50.0)) == {"c1", "c10", "acme"}


def test_renaming_moves_an_organization_between_blocks() -> None:
    index = OrgIndex()
    index.add("x", "Alpha Systems")
    index.add("x", "Beta Systems")
    assert set(index._candidates(normalize_org("Alpha Systems"), 85.0)) == set()
    assert set(index._candidates(normalize_org("Beta Systemz"), 85.0)) == {"x"}


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(
        st.one_of(
            st.text(alphabet=st.characters(max_codepoint=127), max_size=12),
            st.text(max_size=8),
            st.sampled_from(["Ruiz, Ana", "Ana  Ruiz", "O'Brien-Smith", "Zoë Ng", "a\nb", ""]),
        ),
        max_size=8,
    )
)
def test_normalizing_many_people_at_once_is_normalizing_each(names: list[str]) -> None:
    assert normalize_people(names) == [normalize_person(n) for n in names]
