"""Money by currency: amounts are never added across currencies.

Every amount carries its currency. Totals are kept per currency (:data:`Totals`); they are
converted into one currency only with dated rates the user supplies (settings or a CSV
file), each amount at the latest rate on or before its own date. Without a rate for every
amount the totals stay per currency, and the report says so.

>>> t = add({}, 1_000_000, "JPY"); t = add(t, 10_000, "EUR")
>>> describe(t)
'10,000 EUR and 1,000,000 JPY'
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

#: the currency of an amount recorded without one: kept apart, never added to another
UNSPECIFIED = "unspecified"

Totals = dict[str, float]  # currency -> amount


class Rate(BaseModel):
    """One unit of ``currency`` is worth ``value`` units of the report currency from ``date``."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    date: date
    value: float = Field(gt=0)

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``JPY@2025-01-01=0.0062`` (currency, the date it holds from, value)."""
        try:
            head, value = text.split("=", 1)
            currency, when = head.split("@", 1)
            return cls(currency=currency.strip(), date=when.strip(), value=value.strip())
        except ValueError as exc:
            raise ValueError(
                f"a rate is CURRENCY@YYYY-MM-DD=VALUE (JPY@2025-01-01=0.0062), got {text!r}: {exc}"
            ) from None


def parse_rates(value: object) -> object:
    """Rates as given to a model: comma-separated ``CUR@YYYY-MM-DD=VALUE`` text, or a list
    of such strings and :class:`Rate` objects, as a list of rates; anything else unchanged
    (for the model's own validation to refuse)."""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [Rate.parse(v) if isinstance(v, str) else v for v in value]
    return value


class Conversion(BaseModel):
    """The report currency and the dated rates into it."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    rates: list[Rate] = Field(default_factory=list)

    @field_validator("rates", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return parse_rates(value)

    def rate(self, currency: str, on: date) -> float | None:
        """The rate of ``currency`` on ``on``: 1 for the report currency, else the latest
        supplied rate dated on or before ``on`` (``None`` when there is none)."""
        if currency == self.currency:
            return 1.0
        held = [r for r in self.rates if r.currency == currency and r.date <= on]
        return max(held, key=lambda r: r.date).value if held else None


def add(totals: Totals, amount: float, currency: str) -> Totals:
    """``totals`` with ``amount`` added to its own currency (a new dict), without binary
    float noise (``0.1 + 0.2`` is ``0.3``: a total reads as the amounts added by hand).

    >>> add({"EUR": 0.1}, 0.2, "EUR")
    {'EUR': 0.3}
    """
    out = dict(totals)
    out[currency] = round(out.get(currency, 0.0) + amount, 6)
    return out


def describe(totals: Totals) -> str:
    """``10,000 EUR and 1,000,000 JPY``: every currency, never one sum."""
    parts = [f"{v:,.0f} {c}" for c, v in sorted(totals.items())]
    return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)


def convert(
    items: Iterable[tuple[float, str, date]], conversion: Conversion | None
) -> float | None:
    """The sum of dated ``(amount, currency, date)`` items in the report currency, or ``None``
    when there is no conversion or an item has no rate (then report per currency)."""
    if conversion is None:
        return None
    total = 0.0
    for amount, currency, on in items:
        rate = conversion.rate(currency, on)
        if rate is None:
            return None
        total += amount * rate
    return total


def read_rates(path: str | Path) -> list[Rate]:
    """Rates from a CSV file with the columns ``currency,date,rate``; a bad row is an error
    naming the file, row, field and reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the rates file: {exc.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    missing = {"currency", "date", "rate"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"{path}: row 1: missing column(s) {', '.join(sorted(missing))}")
    out = []
    for row_no, row in enumerate(reader, start=2):
        try:
            out.append(Rate(currency=row["currency"], date=row["date"], value=row["rate"]))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = {"value": "rate"}.get(str(first["loc"][0]), str(first["loc"][0]))
            raise ValueError(f"{path}: row {row_no}: field {field!r}: {first['msg']}") from None
    return out
