"""Partial dates and the as-of snapshot of the projection."""

from __future__ import annotations

from datetime import date

import pytest

from graph.dates import is_active, normalize_partial_date, period_end, period_start
from graph.projection import build_projection, edge_evidence_id, snapshot
from graph.records import validate_nodes, validate_relationships


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2021", "2021"),
        ("2021-3", "2021-03"),
        (" 2021-03-05 ", "2021-03-05"),
        ("2021-03-05T10:00:00Z", "2021-03-05"),
        (date(2020, 2, 29), "2020-02-29"),
        (1999, "1999"),
        # forms that cannot be misread: year first, a month before a year, month names
        ("2021/03/05", "2021-03-05"),
        ("2021.3", "2021-03"),
        ("03/2021", "2021-03"),
        ("March 2021", "2021-03"),
        ("Sept. 2019", "2019-09"),
        ("5 Mar 2021", "2021-03-05"),
        ("March 5, 2021", "2021-03-05"),
    ],
)
def test_partial_dates_normalize(raw: object, iso: str) -> None:
    assert normalize_partial_date(raw) == iso


@pytest.mark.parametrize(
    "raw",
    [
        "13/2021",
        "2021-02-30",
        "",
        "yesterday",
        3.5,
        True,
        "2021-Q2",
        "Smarch 2021",
        "5 March 5 2021",
    ],
)
def test_unreadable_dates_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        normalize_partial_date(raw)


@pytest.mark.parametrize("raw", ["05/03/2021", "5.3.2021", "05-03-21"])
def test_a_day_or_month_first_is_refused_and_the_error_says_how_to_read_it(raw: str) -> None:
    """05/03/2021 is 5 March in Paris and May 3 in Boston: not guessed."""
    with pytest.raises(ValueError, match="give the column a format such as '%d/%m/%Y'"):
        normalize_partial_date(raw)


def test_partial_periods_cover_their_whole_span() -> None:
    assert period_start("2024-02") == date(2024, 2, 1)
    assert period_end("2024-02") == date(2024, 2, 29)
    assert period_end("2023") == date(2023, 12, 31)
    assert is_active("2021", "2023", date(2023, 12, 31))
    assert not is_active("2021", "2023", date(2024, 1, 1))
    assert is_active(None, None, date(1900, 1, 1))


def _graph():  # type: ignore[no-untyped-def]
    nodes = [
        *validate_nodes("Organization", [{"id": "o1", "name": "A"}, {"id": "o2", "name": "B"}]),
        *validate_nodes(
            "Alliance", [{"id": "a1", "name": "X", "started": "2020", "ended": "2022"}]
        ),
    ]
    rels = validate_relationships(
        "MEMBER_OF",
        [
            {"source": "o1", "target": "a1", "joined": "2020"},
            {"source": "o2", "target": "a1", "joined": "2020", "left": "2020-06"},
        ],
    )
    return build_projection(nodes, rels, version=3)


def test_projection_shape() -> None:
    g = _graph()
    assert g.graph["version"] == 3
    assert g.nodes["o1"] == {"label": "Organization", "name": "A"}
    data = g.edges["o1", "a1", "MEMBER_OF"]
    assert data["type"] == "MEMBER_OF" and data["rel_key"] == ""
    assert edge_evidence_id("o1", "a1", data) == "o1-MEMBER_OF->a1"


def test_snapshot_drops_what_had_ended_or_not_started() -> None:
    g = _graph()
    assert snapshot(g, None) is g
    mid = snapshot(g, date(2021, 1, 1))
    assert set(mid.edges()) == {("o1", "a1")}
    assert "a1" not in snapshot(g, date(2023, 1, 1))
    assert set(snapshot(g, date(2020, 3, 1)).edges()) == {("o1", "a1"), ("o2", "a1")}


def test_an_excel_day_number_is_refused_with_the_date_it_would_be() -> None:
    with pytest.raises(ValueError, match=r"Excel's day number for 2020-03-01\?"):
        normalize_partial_date("43891")
    with pytest.raises(ValueError) as plain:
        normalize_partial_date("123")  # no date number of this century: no hint
    assert "Excel" not in str(plain.value)


@pytest.mark.parametrize(("raw", "iso"), [("1998.0", "1998"), ("2017.00", "2017"), (1998.0, "1998")])
def test_a_year_written_as_a_decimal_number_is_the_year(raw: object, iso: str) -> None:
    """A year column with blanks comes out of pandas as 1998.0: the year, not 'month 0'."""
    assert normalize_partial_date(raw) == iso


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("+1994-00-00T00:00:00Z", "1994"),
        ("+1994-03-00T00:00:00Z", "1994-03"),
        ("+1994-03-05T00:00:00Z", "1994-03-05"),
        ("1994-00-00", "1994"),
    ],
)
def test_wikidata_dates_keep_their_precision(raw: str, iso: str) -> None:
    """Wikidata writes a year as +1994-00-00T00:00:00Z: the parts its precision leaves out
    are 00, read as not known (a partial date), not as month 0."""
    assert normalize_partial_date(raw) == iso


def test_a_day_without_a_month_is_refused() -> None:
    with pytest.raises(ValueError, match="a day without a month"):
        normalize_partial_date("1994-00-05")
