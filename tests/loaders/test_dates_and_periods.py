"""Dates from year/month/day columns keep their precision; declared sentinels mean no
date; a member that leaves and rejoins keeps both periods, and as-of questions see them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.dates import date_from_parts
from graph.projection import edge_active, snapshot
from graph.store import GraphStore
from loaders.mapping import FieldSpec, MappingError, parse_mapping
from loaders.pipeline import load_path

DATA = Path(__file__).with_name("data")
NATO = "all-nato-integrated-military-command"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("1949", "4", "4"), "1949-04-04"),
        (("1949", "4", ""), "1949-04"),
        (("1949", "", ""), "1949"),
        (("1949", "0", "0"), "1949"),
        (("-9", "-9", "-9"), None),
        (("9999", "", ""), None),
        (("", "", ""), None),
        (("2017", "Jun", "5"), "2017-06-05"),
        (("2017", "june", None), "2017-06"),
        (("2017.0", "6.0", "5.0"), "2017-06-05"),
    ],
)
def test_date_from_parts_keeps_precision(parts: tuple[str, ...], expected: str | None) -> None:
    assert date_from_parts(*parts, unknown=[0, -9, 9999]) == expected


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        (("1949", "", "4"), "day '4' given without a month"),
        (("1949", "13", ""), "month '13' is not 1-12"),
        (("1949", "2", "30"), "day 30 out of range"),
        (("49", "2", "3"), "not a four-digit year"),
    ],
)
def test_date_from_parts_refuses_what_it_cannot_read(parts: tuple[str, ...], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        date_from_parts(*parts, unknown=[0, -9, 9999])


def test_sentinel_is_no_date_on_a_plain_date_column() -> None:
    mapping = parse_mapping(
        {
            "nodes": [
                {
                    "label": "Project",
                    "id": "Id",
                    "name": "Name",
                    "properties": {"ended": {"column": "End", "type": "date", "unknown": [9999]}},
                }
            ]
        }
    )
    rows = [
        next(mapping.apply({"Id": "p1", "Name": "Wells", "End": end}, "f.csv", 2))
        for end in ("9999", "2024")
    ]
    assert "ended" not in rows[0].data and rows[1].data["ended"] == "2024"


def test_year_month_day_columns_with_blank_parts_and_sentinels(store: GraphStore) -> None:
    report = load_path(store, DATA / "memberships.csv", DATA / "memberships.yaml")
    assert report.written and not report.rejections, report.rejections
    assert report.counts["MEMBER_OF"].created == 8
    g = store.projection()
    edges = {
        (u, d.get("rel_key")): d
        for u, _, d in g.in_edges(NATO, data=True)
        if d["type"] == "MEMBER_OF"
    }
    assert edges[("country-ISL", "1949-04")]["joined"] == "1949-04"  # blank day: month precision
    assert "left" not in edges[("country-ISL", "1949-04")]  # 0/0/0: open
    assert edges[("country-ITA", "1949")]["joined"] == "1949"  # blank month and day
    assert "left" not in edges[("country-FRA", "2009-04-04")]  # 9999: open
    assert "left" not in edges[("country-GRC", "1980-10-20")]  # -9: unknown
    assert edges[("country-MNE", "2017-06-05")]["joined"] == "2017-06-05"  # month name
    again = load_path(store, DATA / "memberships.csv", DATA / "memberships.yaml")
    assert again.counts["MEMBER_OF"].unchanged == 8


def test_join_leave_rejoin_answers_as_of_inside_and_between_periods(store: GraphStore) -> None:
    load_path(store, DATA / "memberships.csv", DATA / "memberships.yaml")
    g = store.projection()
    france = [d for _, v, d in g.out_edges("country-FRA", data=True) if v == NATO]
    assert sorted(d["joined"] for d in france) == ["1949-04-04", "2009-04-04"]

    def member(country: str, on: date) -> bool:
        view = snapshot(g, on)
        return view.has_edge(country, NATO) and any(
            edge_active(d, on) for d in view.get_edge_data(country, NATO).values()
        )

    assert member("country-FRA", date(1960, 1, 1))  # inside the first period
    assert member("country-FRA", date(1966, 7, 1))  # its last day
    assert not member("country-FRA", date(1966, 7, 2))  # between the periods
    assert not member("country-FRA", date(1990, 1, 1))
    assert member("country-FRA", date(2009, 4, 4))  # the rejoin day
    assert member("country-FRA", date(2024, 1, 1))  # open-ended second period
    assert member("country-GRC", date(1960, 6, 1))
    assert not member("country-GRC", date(1977, 1, 1))
    assert member("country-GRC", date(1981, 1, 1))
    assert not member("country-ESP", date(1981, 12, 31))
    assert member("country-ITA", date(1949, 1, 1))  # year precision: from the year's start
    assert not member("country-ISL", date(1949, 3, 31))  # month precision
    assert member("country-ISL", date(1949, 4, 1))


def test_without_a_key_the_second_period_is_a_conflict_not_a_silent_overwrite(
    tmp_path: Path, store: GraphStore
) -> None:
    text = (DATA / "memberships.yaml").read_text(encoding="utf-8")
    mapping = tmp_path / "nokey.yaml"
    mapping.write_text(
        "\n".join(line for line in text.splitlines() if "    key:" not in line), encoding="utf-8"
    )
    report = load_path(store, DATA / "memberships.csv", mapping)
    assert not report.written
    assert {p.row for p in report.rejections} == {3, 5}
    assert all("same relationship, different values" in p.reason for p in report.rejections)


def test_a_bad_date_part_names_file_row_column_and_reason(
    tmp_path: Path, store: GraphStore
) -> None:
    path = tmp_path / "m.csv"
    lines = (DATA / "memberships.csv").read_text(encoding="utf-8").splitlines()
    lines[6] = "Italy,ITA,NATO Integrated Military Command,1949,13,,,,"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_path(store, path, DATA / "memberships.yaml")
    assert not report.written
    problem = report.rejections[0]
    assert (problem.file, problem.row) == ("m.csv", 7)
    assert problem.column == "Start Year/Start Month/Start Day"
    assert "month '13'" in problem.reason and "Start Month='13'" in problem.reason


def test_parts_spec_is_checked() -> None:
    doc = {
        "nodes": [
            {
                "label": "Project",
                "id": "Id",
                "name": "N",
                "properties": {"started": {"parts": {"month": "M"}}},
            }
        ]
    }
    with pytest.raises(MappingError, match=r"started\.parts: expected \{year: COLUMN"):
        parse_mapping(doc, "m.yaml")


@pytest.mark.parametrize(
    ("cell", "fmt", "stored"),
    [
        ("03/2020", "%m/%Y", "2020-03"),
        ("Mar 2020", "%b %Y", "2020-03"),
        ("FY2021", "FY%Y", "2021"),
        ("05.03.2020", "%d.%m.%Y", "2020-03-05"),
    ],
)
def test_a_date_format_without_a_day_keeps_the_precision_it_has(
    cell: str, fmt: str, stored: str
) -> None:
    """'03/2020' read with '%m/%Y' was stored as 2020-03-01: a start on the first of the
    month the source never said, and an end a month too early."""
    spec = FieldSpec(column="Start", type="date", format=fmt)
    assert spec.get({"Start": cell}, None) == stored
    assert spec.column_values(lambda c: [cell], lambda: [{"Start": cell}], None, 1) == [stored]
