"""Amounts, currencies and numbers as real exports write them, and the mapping checks around
them: several currencies in one column, either decimal mark, scale words, nothing guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.store import GraphStore
from loaders.amounts import parse_amount, parse_currency, parse_number
from loaders.mapping import FieldSpec, MappingError, parse_mapping
from loaders.pipeline import load_path


@pytest.mark.parametrize(
    ("cell", "amount", "currency"),
    [
        ("EUR 1.200.000", 1_200_000.0, "EUR"),
        ("€250k", 250_000.0, "EUR"),
        ("USD 3,000", 3_000.0, "USD"),
        ("3.000,50 €", 3_000.5, "EUR"),
        ("1.2m", 1_200_000.0, None),
        ("CHF 1'500", 1_500.0, "CHF"),
        ("$3,000.50", 3_000.5, "USD"),
        ("£ 1,234,567.89", 1_234_567.89, "GBP"),
        ("EUR 2.5bn", 2_500_000_000.0, "EUR"),
        ("1.2 Mio EUR", 1_200_000.0, "EUR"),
        ("250 mln", 250_000_000.0, None),
        ("US$ 40m", 40_000_000.0, "USD"),
        ("1.25m", 1_250_000.0, None),  # a scale word: the lone mark is the decimal mark
        # ("1.250m" could be 1250m too: refused, see test_real_world_quirks.py)
        ("€\u00a01\u00a0200,50", 1_200.5, "EUR"),  # no-break spaces group thousands
        ("1.000.000,00 eur", 1_000_000.0, "EUR"),
        ("12", 12.0, None),
    ],
)
def test_money_cells_read_as_amount_and_currency(
    cell: str, amount: float, currency: str | None
) -> None:
    assert parse_amount(cell) == pytest.approx(amount)
    assert parse_currency(cell) == currency


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1,5,00", "does not group its digits by three"),
        ("-5", "negative"),
        ("EUR 5 USD", "names its currency twice"),
        ("100 XYZ", "not an ISO 4217 currency code"),
        ("(none)", "is not an amount"),
        ("1,000.5.5", "both to group and as the decimal mark"),
        ("12 apples", "is not an amount"),
    ],
)
def test_an_amount_that_could_mean_two_things_is_refused_with_the_reason(
    cell: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_amount(cell)


def test_a_currency_column_alone_and_an_amount_without_one() -> None:
    assert parse_currency("eur") == "EUR"
    assert parse_currency("£") == "GBP"
    assert parse_currency("1,200") is None
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_currency("ABC")


def test_a_lone_mark_before_three_digits_groups_thousands_unless_the_file_says() -> None:
    assert parse_number("1,250") == 1_250.0
    assert parse_number("1.250") == 1_250.0
    assert parse_number("2,5") == 2.5
    assert parse_number("0.125") == 0.125  # nothing to group before it
    assert parse_number("1.250", decimal=",") == 1_250.0
    assert parse_number("1.250", decimal=".") == 1.25
    assert parse_number("3,5", decimal=",") == 3.5
    with pytest.raises(ValueError, match="after its decimal mark"):
        parse_number("1,250.5", decimal=",")


def test_float_and_int_fields_read_either_decimal_mark() -> None:
    """A European '3,5' was read as 35.0 when commas were simply dropped."""
    assert FieldSpec(column="x", type="float").get({"x": "3,5"}, None) == 3.5
    assert FieldSpec(column="x", type="float").get({"x": "1.200.000"}, None) == 1_200_000.0
    assert FieldSpec(column="x", type="float").get({"x": "-0,75"}, None) == -0.75
    assert FieldSpec(column="x", type="float").get({"x": "1e3"}, None) == 1_000.0
    assert FieldSpec(column="x", type="int").get({"x": "1,200"}, None) == 1_200
    assert FieldSpec(column="x", type="int", decimal=",").get({"x": "1.200"}, None) == 1_200
    with pytest.raises(ValueError, match="not a whole number"):
        FieldSpec(column="x", type="int").get({"x": "2,5"}, None)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"column": "Budget", "type": "flaot"}, "type: 'flaot' is not a type; expected one of"),
        ({"column": "Budget", "type": "money", "decimal": ";"}, "decimal: expected"),
    ],
)
def test_a_mapping_with_an_unknown_type_or_mark_is_refused_before_reading(
    spec: dict[str, object], message: str
) -> None:
    doc = {
        "relationships": [
            {"type": "FUNDS", "source": "Org", "target": "Alliance", "properties": {"amount": spec}}
        ]
    }
    with pytest.raises(MappingError, match=f"relationships\\[0\\].properties.amount.{message}"):
        parse_mapping(doc)


def test_a_reserved_or_unusable_property_name_is_refused_before_reading() -> None:
    entry = {"label": "Alliance", "id": "Code", "name": "Name"}
    with pytest.raises(MappingError, match="'type' is reserved .*an alliance's kind is its 'form'"):
        parse_mapping({"nodes": [{**entry, "properties": {"type": "Type"}}]})
    with pytest.raises(MappingError, match="'start date' is not a property name"):
        parse_mapping({"nodes": [{**entry, "properties": {"start date": "Start"}}]})
    with pytest.raises(MappingError, match="constants: 'id' is reserved"):
        parse_mapping({"nodes": [{**entry, "constants": {"id": "x"}}]})


FUNDING = (
    "\ufeffFunder;Alliance;Budget;Year\n"
    "Beta GmbH;Clean Water Coalition;EUR 1.200.000;2021\n"
    "Gamma S.A.;Clean Water Coalition;€250k;2022\n"
    "Delta Inc.;Clean Water Coalition;USD 3,000.50;2022\n"
    "Epsilon plc;Clean Water Coalition;£1.5m;2023\n"
)
MAPPING = {
    "nodes": [
        {
            "label": "Organization",
            "id": {"template": "org-{Funder}", "slug": True},
            "name": "Funder",
        },
        {
            "label": "Alliance",
            "id": {"template": "all-{Alliance}", "slug": True},
            "name": "Alliance",
        },
    ],
    "relationships": [
        {
            "type": "FUNDS",
            "source": {"template": "org-{Funder}", "slug": True},
            "target": {"template": "all-{Alliance}", "slug": True},
            "key": "Year",
            "properties": {
                "amount": {"column": "Budget", "type": "money"},
                "currency": {"column": "Budget", "type": "currency"},
                "year": {"column": "Year", "type": "int"},
            },
        }
    ],
}


def test_a_funding_sheet_in_four_currencies_loads_each_amount_in_its_own(
    tmp_path: Path, store: GraphStore
) -> None:
    path = tmp_path / "funding.csv"
    path.write_text(FUNDING, encoding="utf-8")
    report = load_path(store, path, parse_mapping(MAPPING))
    assert not report.rejections, report.table()
    funds = {
        u: (d["amount"], d["currency"], d["year"])
        for u, _, d in store.projection().edges(data=True)
        if d.get("type") == "FUNDS"
    }
    assert funds == {
        "org-beta-gmbh": (1_200_000.0, "EUR", 2021),
        "org-gamma-s-a": (250_000.0, "EUR", 2022),
        "org-delta-inc": (3_000.5, "USD", 2022),
        "org-epsilon-plc": (1_500_000.0, "GBP", 2023),
    }


def test_an_unreadable_amount_names_file_row_and_column_and_writes_nothing(
    tmp_path: Path, store: GraphStore
) -> None:
    path = tmp_path / "funding.csv"
    path.write_text(FUNDING + "Zeta AG;Clean Water Coalition;EUR 1,5,00;2024\n", encoding="utf-8")
    report = load_path(store, path, parse_mapping(MAPPING))
    (problem,) = report.rejections
    assert (problem.file, problem.row, problem.column) == ("funding.csv", 6, "Budget")
    assert problem.value == "EUR 1,5,00" and "group its digits by three" in problem.reason
    assert str(problem).startswith("funding.csv, row 6, column 'Budget' = 'EUR 1,5,00': ")
    assert store.counts().labels.get("Organization", 0) == 0  # validated before writing


def test_an_amount_and_its_currency_column_check_each_other(tmp_path: Path) -> None:
    """A currency the amount cell writes must agree with the currency column beside it (a
    shared sign, $ or ¥, may be any of its currencies), and fills that column when empty."""
    from graph.sqlite_store import SQLiteStore

    path = tmp_path / "members.csv"
    path.write_text(
        "Member;Alliance;Amount;Currency\n"
        "Yen KK;X;¥8.850.000;USD\n"  # yen or yuan, not dollars: refused
        "Code AG;X;JPY 1.000;EUR\n"  # a code that disagrees: refused
        "Maple Inc;X;$3.000,50;CAD\n"  # Canadian dollars
        "Pound Ltd;X;£1.5m;\n"  # no code beside it: pounds
        "Plain SA;X;1.000;EUR\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(
        {
            "nodes": [
                {"label": "Organization", "id": {"template": "org-{Member}", "slug": True}, "name": "Member"},
                {"label": "Alliance", "id": {"template": "all-{Alliance}", "slug": True}, "name": "Alliance"},
            ],
            "relationships": [
                {
                    "type": "MEMBER_OF",
                    "source": {"template": "org-{Member}", "slug": True},
                    "target": {"template": "all-{Alliance}", "slug": True},
                    "properties": {
                        "cash_contribution": {"column": "Amount", "type": "money"},
                        "currency": {"column": "Currency", "type": "currency"},
                    },
                }
            ],
        }
    )
    store = SQLiteStore(tmp_path / "s.db")
    report = load_path(store, path, mapping, skip_invalid=True)
    problems = {(p.row, p.column): p.reason for p in report.rejections}
    assert set(problems) == {(2, "Amount"), (3, "Amount")}
    assert "is in CNY or JPY, but the currency column 'Currency' says USD" in problems[(2, "Amount")]
    money = {
        u: (d["cash_contribution"], d["currency"])
        for u, _, d in store.projection().edges(data=True)
    }
    assert money == {
        "org-maple-inc": (3000.5, "CAD"),
        "org-pound-ltd": (1_500_000.0, "GBP"),
        "org-plain-sa": (1000.0, "EUR"),
    }
    store.close()
