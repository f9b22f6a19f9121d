"""Entity resolution and renames on real-world-shaped data (SDC alliances, board and proxy
filings): legal-suffix look-alikes from different countries, spelling variants of one
name under one id, and a name that changes and changes back. Each case runs on both
loader paths (row by row, and a chunk of lines at a time with several chunk sizes), which
must agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from loaders import columnar
from loaders.names import same_spelling, spelling_key
from loaders.pipeline import load_path
from loaders.resolve import OrgIndex, ReviewQueue, country_clash
from loaders.review import StoredReviewQueue
from tests.loaders.conftest import snapshot

#: SDC-like participants: an organization per line, its id made from its name.
PARTNERS = (
    "nodes:\n  - label: Organization\n"
    "    id: {template: 'org-{Company}', slug: true}\n    name: Company\n"
    "    properties:\n      country: Country\n"
)
#: A registry keyed by code (LEI), names dated by an optional column.
REGISTRY = (
    "nodes:\n  - label: Organization\n    id: {template: 'lei-{LEI}'}\n    name: Name\n"
    "    properties:\n      registered: {column: AsOf, type: date}\n"
)
#: Board filings: directors keyed by company and name (the proxy2 shape).
BOARDS = (
    "nodes:\n  - label: Person\n    id: {template: 'p-{CIK}-{Director}', slug: true}\n"
    "    resolve: by_name\n    name: Director\n"
)


def _write(tmp_path: Path, name: str, mapping: str, text: str) -> tuple[Path, Path]:
    data = tmp_path / f"{name}.csv"
    data.write_text(text, encoding="utf-8")
    yaml = tmp_path / f"{name}.yaml"
    yaml.write_text(mapping, encoding="utf-8")
    return data, yaml


def _seed(store: GraphStore, orgs: list[dict[str, Any]] | None) -> GraphStore:
    if orgs:
        store.upsert_nodes("Organization", orgs)
    return store


def _outcome(store: GraphStore, report: Any) -> tuple[Any, ...]:
    """What a load did, comparable across the two paths (import ids blanked)."""
    queue = StoredReviewQueue(store)
    held = sorted(
        (k, re.sub(r"imp-[0-9]+-[0-9a-f]+", "imp", repr(v))) for k, v in queue.held.items()
    )
    items = sorted((k, repr(d)) for k, d in queue.items.items())
    return report.model_dump(exclude={"import_id"}), snapshot(store), held, items


def _both(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: Path,
    mapping: Path,
    orgs: list[dict[str, Any]] | None = None,
    chunks: tuple[int, ...] = (1, 2, 3, 20_000),
) -> tuple[Any, GraphStore]:
    """Load ``data`` row by row and chunked (each chunk size) into fresh stores seeded
    with ``orgs``; assert every outcome is the same; the row-by-row report and store."""
    by_rows = _seed(SQLiteStore(tmp_path / "rows.db"), orgs)
    report = load_path(by_rows, data, mapping, columnar=False)
    expected = _outcome(by_rows, report)
    for chunk in chunks:
        monkeypatch.setattr(columnar, "CHUNK_ROWS", chunk)
        store = _seed(SQLiteStore(tmp_path / f"chunked{chunk}.db"), orgs)
        try:
            got = _outcome(store, load_path(store, data, mapping, columnar=True))
        finally:
            store.close()
        assert got == expected, f"chunk {chunk}"
    return report, by_rows


def _props(store: GraphStore, node_id: str) -> dict[str, Any]:
    hood = store.get_node(node_id)
    assert hood is not None, node_id
    return dict(hood.node.props)


# ---------------------------------------------------------------- 1. country clashes


BIOPHARM_IL = {"id": "org-biopharm-ag", "name": "Biopharm AG", "country": "Israel"}


def test_a_stored_name_in_another_country_is_held_not_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SDC: org-biopharm-ag (Israel) absorbed "Biopharm KK" (Canada) by exact_alias,
    score 100, the Canadian country dropped. Another legal form in another country is
    another legal entity: kept apart without asking. The bare name in another country
    may be either: held, and says why."""
    rows = "Company,Country\nBiopharm,Canada\nBiopharm KK,Japan\n"
    data, mapping = _write(tmp_path, "sdc", PARTNERS, rows)
    report, store = _both(tmp_path, monkeypatch, data, mapping, [BIOPHARM_IL])
    assert not report.merges
    assert _props(store, "org-biopharm-kk")["country"] == "Japan"  # its own organization
    (held,) = report.held
    assert held.value == "Biopharm"
    assert held.reason.endswith("same name, different country: Israel vs Canada")
    (ambiguity,) = report.ambiguities
    assert ambiguity.incoming_id == "org-biopharm"
    assert [c["id"] for c in ambiguity.candidates] == ["org-biopharm-ag"]
    assert ambiguity.candidates[0]["reason"] == "same name, different country: Israel vs Canada"
    (item,) = StoredReviewQueue(store).open_items()
    assert item.reason == "same name, different country: Israel vs Canada"
    assert store.get_node("org-biopharm") is None
    assert "aliases" not in _props(store, "org-biopharm-ag")
    store.close()


def test_an_earlier_row_in_another_country_holds_the_later_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within one file: another legal form in another country is another organization;
    then the same name in the same country (any case) merges with the one of its country,
    and a name with no country, which could be either, is held."""
    rows = (
        "Company,Country\nBiopharm AG,Israel\nBiopharm KK,Canada\nBiopharm Corp,ISRAEL\n"
        "Biopharm SA,\nOther Co,Chile\n"
    )
    data, mapping = _write(tmp_path, "sdc", PARTNERS, rows)
    report, store = _both(tmp_path, monkeypatch, data, mapping)
    merged = {(m.incoming_id, m.into, m.rule) for m in report.merges}
    assert merged == {("org-biopharm-corp", "org-biopharm-ag", "exact_alias")}
    assert _props(store, "org-biopharm-kk")["country"] == "Canada"
    assert [(h.row, h.value) for h in report.held] == [(5, "Biopharm SA")]
    assert _props(store, "org-biopharm-ag")["country"] == "Israel"
    store.close()


def test_the_same_id_merges_whatever_the_country(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, mapping = _write(tmp_path, "sdc", PARTNERS, "Company,Country\nBiopharm AG,Canada\n")
    report, store = _both(tmp_path, monkeypatch, data, mapping, [BIOPHARM_IL])
    assert not report.held and not report.ambiguities and not report.rejections
    store.close()


def test_a_fuzzy_match_in_another_country_is_asked_not_merged(tmp_path: Path) -> None:
    index = OrgIndex()
    index.add("org-acme", "Acme Widgets International", country="US")
    same = index.match("in-1", "Acme Widgets Internationl", None, country="us")
    assert (same.into, same.rule) == ("org-acme", "fuzzy")
    assert index.match("in-2", "Acme Widgets Internationl", None, country="DE").into is None
    queue = ReviewQueue(tmp_path / "queue.json")
    asked = index.match("in-2", "Acme Widgets Internationl", queue, country="DE")
    assert asked.rule == "ambiguous" and asked.review is not None
    assert asked.review.reason == "similar name, different country: US vs DE"
    # a decision on one country's question does not answer another country's
    queue.decide(asked.review.review_id, "reject")
    other = index.match("in-3", "Acme Widgets Internationl", queue, country="FR")
    assert other.rule == "ambiguous"


def test_country_clash_compares_folded_text_in_one_form() -> None:
    assert country_clash("Israel", None) is None and country_clash(None, "Canada") is None
    assert country_clash("Côte d'Ivoire", "COTE D IVOIRE") is None
    assert country_clash("IL", "CA") == "same name, different country: IL vs CA"
    assert country_clash("ISR", "can") == "same name, different country: ISR vs can"
    # a code and a name, or codes of two lengths: not known to differ (no code table)
    assert country_clash("US", "United States") is None
    assert country_clash("IL", "ISR") is None


# ---------------------------------------------------------------- 2. spelling variants


def test_spelling_variants_under_one_id_are_no_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SDC: "Pfizer Inc" / "Pfizer Inc." / "PFIZER INC" were 69 renames and the kept name
    flipped to "PFIZER INC". The first-seen name stays; nothing is listed."""
    rows = "LEI,Name,AsOf\nP1,Pfizer Inc,\nP1,Pfizer Inc.,\nP1,PFIZER  INC,\nP1,Pfizer Inc.,\n"
    data, mapping = _write(tmp_path, "reg", REGISTRY, rows)
    report, store = _both(tmp_path, monkeypatch, data, mapping)
    assert not report.renames and not report.rejections
    props = _props(store, "lei-P1")
    assert props["name"] == "Pfizer Inc" and not props.get("aliases")
    store.close()


def test_spelling_variants_are_not_rejected_by_the_error_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "LEI,Name,AsOf\nP1,Pfizer Inc,\nP1,PFIZER INC.,\nP2,Acme,\nP2,Acme Group,\n"
    data, mapping = _write(tmp_path, "reg", REGISTRY + "    renames: error\n", rows)
    report, store = _both(tmp_path, monkeypatch, data, mapping)
    assert [(p.row, "renames: error" in p.reason) for p in report.rejections] == [(5, True)]
    store.close()


def test_a_spelling_of_the_stored_name_keeps_the_stored_name(tmp_path: Path) -> None:
    data, mapping = _write(tmp_path, "reg", REGISTRY, "LEI,Name,AsOf\nP1,Pfizer Inc,\n")
    store = SQLiteStore(tmp_path / "s.db")
    load_path(store, data, mapping)
    later, _ = _write(tmp_path, "later", REGISTRY, "LEI,Name,AsOf\nP1,PFIZER INC.,\n")
    strict = tmp_path / "strict.yaml"
    strict.write_text(REGISTRY + "    renames: error\n", encoding="utf-8")
    for each in (mapping, strict):
        report = load_path(store, later, each)
        assert not report.renames and not report.rejections
        props = _props(store, "lei-P1")
        assert props["name"] == "Pfizer Inc" and not props.get("aliases")
    store.close()


def test_a_persons_accents_are_no_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """proxy2: "José Müller" was renamed to "Jose Muller" (the same slug id)."""
    rows = "CIK,Director\n320193,José Müller\n320193,Jose Muller\n320193,MÜLLER  JOSÉ\n"
    data, mapping = _write(tmp_path, "proxy", BOARDS, rows)
    report, store = _both(tmp_path, monkeypatch, data, mapping)
    assert not report.renames and not report.rejections
    assert _props(store, "p-320193-jose-muller")["name"] == "José Müller"
    store.close()


def test_same_spelling_is_case_accents_punctuation_and_spacing_only() -> None:
    assert spelling_key("Coca-Cola  Co.") == spelling_key("COCA COLA CO") == "cocacolaco"
    assert same_spelling("Ruiz, Ana", "Ana Ruiz", person=True)
    assert not same_spelling("Ruiz, Ana", "Ana Ruiz")
    assert not same_spelling("Acme", "Acme Group") and not same_spelling("Acme", "ACME Corp")
    assert not same_spelling("!!", "??")


# ---------------------------------------------------------------- 3. rename order


@pytest.mark.parametrize("dated", [False, True], ids=["undated", "dated_by-blank"])
def test_a_later_undated_row_wins_even_naming_an_earlier_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dated: bool
) -> None:
    """Boards: Facebook, then Meta, then Facebook (same id, undated, policy latest) kept
    "Meta" and did not report the third row. Rows go in file order: "Facebook" wins, and
    both changes are listed. (An entry with ``dated_by``, its dates blank, takes the
    chunked path's shortcut for lines that repeat a known row: with chunks of 3, the
    second chunk holds Meta and then Facebook twice, after the first Facebook.)"""
    policy = "    renames: {policy: latest, dated_by: registered}\n" if dated else ""
    facebook, meta = 'F1,"Facebook, Inc.",\n', 'F1,"Meta Platforms, Inc.",\n'
    rows = "LEI,Name,AsOf\n" + facebook + "Z9,Zenith,\n" * 2 + meta + facebook * 2
    data, mapping = _write(tmp_path, "boards", REGISTRY + policy, rows)
    report, store = _both(tmp_path, monkeypatch, data, mapping)
    changes = [(r.old_name, r.new_name, r.kept, r.row) for r in report.renames]
    assert changes == [
        ("Facebook, Inc.", "Meta Platforms, Inc.", "Meta Platforms, Inc.", 5),
        ("Meta Platforms, Inc.", "Facebook, Inc.", "Facebook, Inc.", 6),
    ]
    props = _props(store, "lei-F1")
    assert props["name"] == "Facebook, Inc." and props["aliases"] == ["Meta Platforms, Inc."]
    store.close()


def test_a_repeat_of_the_kept_row_is_still_a_repeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "LEI,Name,AsOf\nF1,Facebook,\nF1,Meta,\nF1,Meta,\nF1,Meta,\n"
    data, mapping = _write(tmp_path, "boards", REGISTRY, rows)
    report, store = _both(tmp_path, monkeypatch, data, mapping)
    assert [(r.old_name, r.kept) for r in report.renames] == [("Facebook", "Meta")]
    assert report.counts["Organization"].merged == 3  # the rename and the two repeats
    store.close()


def test_the_kept_organization_index_follows_countries() -> None:
    """The API's index kept across imports (:mod:`loaders.org_cache`) knows each stored
    organization's country as a fresh build does, and forgets it with the organization."""
    import networkx as nx

    from loaders.org_cache import build_index

    graph = nx.MultiDiGraph()
    graph.add_node("org-biopharm-ag", label="Organization", name="Biopharm AG", country="Israel")
    index = build_index(graph)
    assert index.countries == {"org-biopharm-ag": "Israel"}
    assert index.match("org-biopharm-kk", "Biopharm KK", None, country="Canada").into is None
    graph.nodes["org-biopharm-ag"]["country"] = "Canada"
    index.index(graph, "org-biopharm-ag")
    assert index.match("org-biopharm-kk", "Biopharm KK", None, country="Canada").into == (
        "org-biopharm-ag"
    )
    graph.remove_node("org-biopharm-ag")
    index.index(graph, "org-biopharm-ag")
    assert index.countries == {}
