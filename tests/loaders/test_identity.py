"""Identity before similarity: ids made from codes are identities (look-alike names with
different codes are different entities); ids made from names are matched and reviewed;
a name shared by two known organizations is held, never silently given to one of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from loaders.mapping import MappingError, parse_mapping
from loaders.pipeline import load_path
from loaders.resolve import OrgIndex
from loaders.review import StoredReviewQueue

DATA = Path(__file__).with_name("data")


def _mapping(tmp_path: Path, id_spec: str, resolve: str | None = None) -> Path:
    path = tmp_path / "countries.yaml"
    extra = f"    resolve: {resolve}\n" if resolve else ""
    path.write_text(
        f"nodes:\n  - label: Organization\n    id: {id_spec}\n    name: Country\n{extra}",
        encoding="utf-8",
    )
    return path


def _embedded(tmp_path: Path) -> GraphStore:
    return SQLiteStore(tmp_path / "g.db")


@pytest.mark.parametrize(
    ("id_spec", "resolve", "mode"),
    [
        ("{template: 'country-{ISO3}'}", None, "by_code"),
        ("{column: ISO3}", None, "by_code"),
        ("{template: 'org-{Country}', slug: true}", None, "by_name"),
        ("{template: 'org-{Country}', slug: true}", "by_code", "by_code"),
        ("{template: 'country-{ISO3}'}", "by_name", "by_name"),
        ("{template: 'country-{ISO3}'}", "none", "none"),
        ("{template: 'country-{ISO3}'}", "false", "none"),
    ],
)
def test_resolve_mode_defaults_and_choices(
    tmp_path: Path, id_spec: str, resolve: str | None, mode: str
) -> None:
    import yaml

    doc = yaml.safe_load(_mapping(tmp_path, id_spec, resolve).read_text(encoding="utf-8"))
    entry = parse_mapping(doc).entries[0]
    assert entry.mode == mode
    rows = list(parse_mapping(doc).apply({"ISO3": "NER", "Country": "Niger"}, "f.csv", 2))
    assert (rows[0].resolve, rows[0].derived_id) == {
        "by_code": (False, False),
        "by_name": (True, True),
        "none": (False, False),
    }[mode]


def test_unknown_resolve_mode_names_the_entry() -> None:
    doc = {
        "nodes": [{"label": "Organization", "id": "ISO3", "name": "Country", "resolve": "fuzzy"}]
    }
    with pytest.raises(MappingError, match=r"nodes\[0\]\.resolve: expected one of by_code"):
        parse_mapping(doc, "m.yaml")


def test_code_keyed_look_alikes_stay_apart(tmp_path: Path) -> None:
    store = _embedded(tmp_path)
    report = load_path(
        store,
        DATA / "countries.csv",
        _mapping(tmp_path, "{template: 'country-{ISO3}'}"),
    )
    assert report.counts["Organization"].created == 18
    assert not report.merges and not report.ambiguities and not report.held
    # loaded again with a renamed country, still no review: the code decides
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("ISO3,Country\nCOD,Congo (Kinshasa)\nCOG,Congo (Brazzaville)\n", "utf-8")
    again = load_path(store, renamed, _mapping(tmp_path, "{template: 'country-{ISO3}'}"))
    assert again.counts["Organization"].updated == 2
    assert not again.merges and not again.ambiguities
    assert StoredReviewQueue(store).open_items() == []
    store.close()


def test_the_same_file_by_name_would_merge_or_hold_look_alikes(tmp_path: Path) -> None:
    """The control for the test above: matching these names by similarity is not safe."""
    store = _embedded(tmp_path)
    report = load_path(
        store,
        DATA / "countries.csv",
        _mapping(tmp_path, "{template: 'country-{ISO3}'}", "by_name"),
    )
    assert report.merges or report.ambiguities
    store.close()


def test_identical_names_in_the_store_hold_the_incoming_row(tmp_path: Path) -> None:
    store = _embedded(tmp_path)
    store.upsert_nodes(
        "Organization",
        [
            {"id": "lei-529900T8BM49AURSDO55", "name": "Delta GmbH", "country": "DE"},
            {"id": "lei-5493001KJTIIGC8Y1R12", "name": "Delta Inc.", "country": "US"},
        ],
    )
    path = tmp_path / "crm.csv"
    path.write_text("Company\nDelta\n", encoding="utf-8")
    mapping = tmp_path / "crm.yaml"
    mapping.write_text(
        "nodes:\n  - label: Organization\n    id: {template: 'org-{Company}', slug: true}\n"
        "    name: Company\n",
        encoding="utf-8",
    )
    for review in (True, False):
        report = load_path(store, path, mapping, review=review)
        assert not report.merges
        assert len(report.ambiguities) == 1
        assert {c["id"] for c in report.ambiguities[0].candidates} == {
            "lei-529900T8BM49AURSDO55",
            "lei-5493001KJTIIGC8Y1R12",
        }
        assert report.held and report.held[0].row == 2 and report.held[0].column == "name"
    assert "org-delta" not in store.projection()
    # a decision taken in the queue is applied on the next load
    queue = StoredReviewQueue(store)
    queue.decide(queue.open_items()[0].review_id, "accept:lei-5493001KJTIIGC8Y1R12")
    queue.save()
    report = load_path(store, path, mapping)
    assert [m.into for m in report.merges] == ["lei-5493001KJTIIGC8Y1R12"]
    store.close()


def test_org_index_never_picks_one_of_two_same_named_organizations() -> None:
    index = OrgIndex()
    index.add("a", "Acme Corporation")
    index.add("b", "ACME Corp.")
    index.add("c", "Beta Labs", aliases=["Acme"])
    match = index.match("new", "Acme", queue=None)
    assert match.rule == "ambiguous" and match.into is None
    assert match.review is not None
    assert {c["id"] for c in match.review.candidates} == {"a", "b", "c"}
    assert index.match("new", "Beta Labs", queue=None).into == "c"


def test_bench_code_keyed_pairs_give_no_review_and_no_merge(tmp_path: Path) -> None:
    from bench.entity_resolution import CODE_KEYED, code_keyed

    with CODE_KEYED.open(encoding="utf-8") as f:
        pairs = f.read().splitlines()[1:]
    assert len(pairs) >= 150
    result = code_keyed(tmp_path, "by_code")
    assert result["review_items"] == 0 and result["merges"] == 0 and result["held"] == 0
    assert code_keyed(tmp_path, "by_name")["review_items"] > 0  # the hazard is real
