"""An Excel worksheet read as a table through a column mapping, like a CSV file.

Spreadsheets arrive as they were made: a title row or two above the header, ids typed as
numbers (``1234`` comes back as ``1234.0``), dates as dates. Each cell becomes the text a
CSV export would hold (``1234``, ``2021-03-05``), so the same mapping reads either file,
and lines are numbered as Excel numbers its rows. Formulas give the value Excel last
computed; nothing is evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from io import BytesIO
from itertools import chain, islice
from typing import IO, Any

from loaders.documents import check_zip
from loaders.mapping import Mapping
from loaders.rows import LoadError
from loaders.tabular import HEADER_SEARCH_LINES, Cells, TableStart, header_at, table_start

#: a number format of zeros only ("0000000000"): a code padded to its width, as Excel shows
#: it and writes it to a CSV file (a CIK, a postcode, a zero-led registry number)
_PADDED = re.compile(r"^0+$")


def cell_text(value: Any, number_format: str | None = None) -> str:
    """A cell's value as the text a CSV export of the sheet would hold.

    >>> cell_text(1234.0), cell_text(0.5), cell_text(datetime(2021, 3, 5)), cell_text(None)
    ('1234', '0.5', '2021-03-05', '')
    >>> cell_text(320193, "0000000000"), cell_text(7.0, "000")
    ('0000320193', '007')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if (
        number_format
        and isinstance(value, int | float)
        and _PADDED.match(number_format)
        and float(value).is_integer()
        and value >= 0
    ):
        return str(int(value)).zfill(len(number_format))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def worksheet_cells(raw: IO[bytes], name: str, mapping: Mapping) -> Iterator[TableStart | Cells]:
    """As :func:`loaders.tabular.table_blocks` line by line, for the worksheet the mapping's ``reader:
    sheet:`` names (default: the first), after its ``skip_rows`` rows."""
    import openpyxl

    data = raw.read()
    check_zip(data, name)
    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise LoadError(f"{name}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    try:
        options = mapping.reader
        names = book.sheetnames
        if options.sheet is not None and options.sheet not in names:
            raise LoadError(
                f"{name}: no sheet {options.sheet!r}; the workbook has "
                f"{', '.join(map(repr, names))}"
            )
        sheet = book[options.sheet] if options.sheet else book.worksheets[0]
        # the sheet's own claim of its size (<dimension>) is stale in files some tools
        # write: trusted, it cut the rows below it off without a word; read to the end
        sheet.reset_dimensions()
        where = f"{name} (sheet {sheet.title!r})"
        rows: Iterator[tuple[int, tuple[Any, ...]]] = enumerate(sheet.iter_rows(), 1)
        for _ in range(options.skip_rows):
            next(rows, None)
        read = None
        found: int | None = None
        if options.header:
            top = list(islice(rows, HEADER_SEARCH_LINES))
            if not top:
                raise LoadError(f"{where}: the sheet is empty")
            found = header_at(mapping, [_texts(r) for _, r in top])
            first = top[found or 0]
            rows = chain(top[(found or 0) + 1 :], rows)
            read = _texts(first[1])
            while read and not read[-1]:  # formatted but empty columns on the right
                read.pop()
        start = table_start(mapping, read, where)
        start.header_line = first[0] if found else None
        start.sheet = sheet.title
        yield start
        width = len(start.header)
        for line, values in rows:
            cells = _texts(values)
            if len(cells) > width and not "".join(cells[width:]).strip():
                del cells[width:]
            if not "".join(cells).strip() or cells == read:  # blank, or the header again
                continue
            if len(cells) < width:
                cells += [""] * (width - len(cells))  # the sheet's trailing cells are empty
            if len(cells) != width:
                yield line, f"{len(cells)} cells for {width} columns"
            else:
                yield line, cells
    finally:
        book.close()


def _texts(cells: tuple[Any, ...]) -> list[str]:
    """:func:`cell_text` of a row's cells (read-only cells: a value and a number format;
    an empty one has no format)."""
    return [cell_text(c.value, getattr(c, "number_format", None)) for c in cells]
