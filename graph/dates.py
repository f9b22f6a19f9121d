"""Partial dates: real portfolio data says "2021" or "2021-03" as often as "2021-03-05".

Dates are stored as ISO strings of 4, 7 or 10 characters. A partial date is read as the
first day of its period when it starts something and as the last day when it ends it,
so "joined 2021, left 2023" is active on every day of 2021 through 2023.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import lru_cache

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})(?:[/.](\d{1,2}))?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{4})$")  # 03/2020: only a month fits first
#: Wikidata's dates: a sign before the year, ``00`` for a month or day its precision leaves out
_UNKNOWN_PARTS = re.compile(r"^\+?(\d{4})-(\d{2})(?:-(\d{2}))?$")
#: a year column written as decimals (1998.0: pandas writes a year column with blanks so;
#: month 0 is no month, so this cannot be a year and a month as 2021.3 is)
_DECIMAL_YEAR = re.compile(r"^(\d{4})\.0+$")
#: "March 2020", "5 Mar 2020", "March 5, 2020", "Sep. 2019"
_NAMED = re.compile(r"^(?:(\d{1,2})\.?\s+)?([A-Za-z]{3,9})\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")
_DAY_OR_MONTH_FIRST = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


def normalize_partial_date(value: object) -> str:
    """Return ``value`` as an ISO partial date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).

    Accepts ``date``/``datetime`` objects and ISO strings (an ISO datetime keeps its
    date). Raises ``ValueError`` with the reason for anything else.

    >>> normalize_partial_date("2021-3")
    '2021-03'
    >>> normalize_partial_date(date(2020, 2, 29))
    '2020-02-29'
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, float) and value.is_integer() and 1000 <= value <= 9999:
        return str(int(value))  # a year read as a decimal number
    if not isinstance(value, str):
        raise ValueError(f"expected a date such as 2021, 2021-03 or 2021-03-05, got {value!r}")
    return _normalize_text(value)


@lru_cache(maxsize=65_536)
def _normalize_text(value: str) -> str:
    """:func:`normalize_partial_date` for text (cached: a file repeats its dates).

    Besides ISO text, the forms that cannot be misread: year first with ``/`` or ``.``
    (``2020/03/05``), a month before a year (``03/2020``) and month names (``March 2020``,
    ``5 Mar 2020``, ``March 5, 2020``).
    Numbers in another order (``05/03/2020``: May or March?) are refused; a mapping's
    ``format`` says how its file writes them.

    >>> _normalize_text("March 5, 2020"), _normalize_text("Sep. 2019"), _normalize_text("2020/3")
    ('2020-03-05', '2019-09', '2020-03')
    >>> _normalize_text("1998.0"), _normalize_text("1998.10"), _normalize_text("2020.03.05")
    ('1998', '1998-10', '2020-03-05')
    """
    text = value.strip()
    named = _NAMED.match(text)
    if named:
        day, month, day_after, year = named.groups()
        if month.lower() in _MONTHS and not (day and day_after):
            return date_from_parts(year, month, day or day_after) or ""
    month_year = _MONTH_YEAR.match(text)
    if month_year:
        return date_from_parts(month_year[2], month_year[1]) or ""
    if "T" in text or " " in text:
        text = re.split(r"[T ]", text, maxsplit=1)[0]
    decimal_year = _DECIMAL_YEAR.match(text)
    if decimal_year:
        return decimal_year[1]
    wikidata = _UNKNOWN_PARTS.match(text)
    if wikidata:  # +1994-00-00: a year; +1994-03-00: a month (Wikidata's precision)
        year, month, day = wikidata.groups()
        if month == "00" and day not in (None, "00"):
            raise ValueError(f"a day without a month in {value!r}")
        if month == "00":
            text = year
        else:
            text = f"{year}-{month}" if day in (None, "00") else f"{year}-{month}-{day}"
    match = _PARTIAL.match(text) or _YEAR_FIRST.match(text)
    if not match:
        hint = ""
        if _DAY_OR_MONTH_FIRST.match(text):
            hint = " (a day or month first: give the column a format such as '%d/%m/%Y')"
        elif text.isdigit() and 20_000 <= int(text) <= 80_000:
            hint = (
                f" (Excel's day number for {_EXCEL_EPOCH + timedelta(days=int(text))}? "
                "format the column as dates in the workbook)"
            )
        raise ValueError(
            f"expected a date such as 2021, 2021-03 or 2021-03-05, got {value!r}" + hint
        )
    year, month, day = match.groups()
    if month is None:
        return year
    m = int(month)
    if not 1 <= m <= 12:
        raise ValueError(f"month {m} out of range in {value!r}")
    if day is None:
        return f"{year}-{m:02d}"
    d = int(day)
    if not 1 <= d <= calendar.monthrange(int(year), m)[1]:
        raise ValueError(f"day {d} out of range in {value!r}")
    return f"{year}-{m:02d}-{d:02d}"


#: the day before Excel's day 1 as dates count (its day 60 is the 29 February 1900 that
#: never was, so from day 61 on this gives the right date)
_EXCEL_EPOCH = date(1899, 12, 30)


def period_start(value: str) -> date:
    """First day covered by an ISO partial date."""
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def period_end(value: str) -> date:
    """Last day covered by an ISO partial date."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return date(year, month, day)


def is_active(start: str | None, end: str | None, as_of: date | None) -> bool:
    """Whether what ran from ``start`` to ``end`` (either may be unknown) held on ``as_of``.

    ``as_of=None`` means "ignore time": everything ever recorded counts.

    >>> is_active("2021", "2023", date(2023, 12, 31))
    True
    >>> is_active("2021-06", None, date(2021, 5, 31))
    False
    """
    if as_of is None:
        return True
    if start and period_start(start) > as_of:
        return False
    return not (end and period_end(end) < as_of)


_MONTHS = {
    name: i
    for i in range(1, 13)
    for name in (calendar.month_name[i].lower(), calendar.month_abbr[i].lower())
} | {"sept": 9}


def date_from_parts(
    year: object, month: object = None, day: object = None, unknown: Collection[object] = ()
) -> str | None:
    """An ISO partial date from separate year, month and day values, or ``None``.

    A blank part, or one of the ``unknown`` sentinels (``0``, ``-9``, ``9999`` ... as the
    source declares them; text ones in any case), is not known: a date with no day keeps month precision, one
    with no month year precision, and one with no year is no date at all. A day without a
    month is refused rather than guessed. Raises ``ValueError`` naming the bad part.

    >>> date_from_parts("2019", "3", "")
    '2019-03'
    >>> date_from_parts(2019, -9, -9, unknown=[-9])
    '2019'
    >>> date_from_parts("9999", "12", "31", unknown=["9999"]) is None
    True
    """
    marks = {str(u).strip().casefold() for u in unknown}

    def known(value: object) -> str | None:
        if value is None:
            return None
        text = str(value).strip()
        if text.endswith(".0") and text[:-2].lstrip("-").isdigit():  # 2019.0 from a spreadsheet
            text = text[:-2]
        return None if not text or text.casefold() in marks else text

    y, m, d = known(year), known(month), known(day)
    if y is None:
        return None
    if not (y.isdigit() and len(y) == 4):
        raise ValueError(f"year {y!r} is not a four-digit year")
    if m is None:
        if d is not None:
            raise ValueError(f"day {d!r} given without a month")
        return y
    number = _MONTHS.get(m.lower()) or (int(m) if m.isdigit() else None)
    if number is None or not 1 <= number <= 12:
        raise ValueError(f"month {m!r} is not 1-12 or a month name")
    if d is None:
        return f"{y}-{number:02d}"
    if not d.isdigit():
        raise ValueError(f"day {d!r} is not a number")
    return _normalize_text(f"{y}-{number:02d}-{int(d):02d}")
