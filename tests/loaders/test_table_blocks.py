"""A CSV's lines checked a block at a time (loaders/tabular.py, ``table_blocks``): the same
lines, numbers and reasons as line by line, wherever in a long file the odd line is."""

from __future__ import annotations

import io
from itertools import chain
from pathlib import Path

import pytest

from loaders.mapping import load_mapping
from loaders.rows import LoadError
from loaders.tabular import BLOCK_LINES, SAMPLE, TableStart, table_blocks

CONTACTS = Path(__file__).resolve().parents[2] / "loaders" / "mappings" / "contacts.yaml"
HEADER = "Contact ID,Full Name,Email,Company,Job Title,Since"


def _cells(text: str) -> list[tuple[int, list[str] | str]]:
    read = table_blocks(io.BytesIO(text.encode("utf-8")), "c.csv", load_mapping(CONTACTS))
    assert isinstance(next(read), TableStart)
    return list(chain.from_iterable(read))  # type: ignore[arg-type]


def test_odd_lines_deep_in_a_long_file_keep_their_numbers_and_reasons() -> None:
    n = 3 * BLOCK_LINES
    lines = [HEADER] + [f"{i},P {i},p{i}@x.example,C,A,2020" for i in range(n)]
    lines[1_500] = ""  # a blank line: passed over
    lines[2_100] = "9999,Short"  # too few cells
    lines[2_300] = HEADER  # the header again (a paged export)
    lines[2_700] = ',,,,,'  # only empty cells: blank
    got = _cells("\n".join(lines) + "\n")
    numbers = [line for line, _ in got]
    want = [k + 1 for k in range(1, n + 1) if k not in (1_500, 2_300, 2_700)]
    assert numbers == want
    assert dict(got)[2_101] == "2 cells for 6 columns"
    assert dict(got)[2] == ["0", "P 0", "p0@x.example", "C", "A", "2020"]
    assert dict(got)[n + 1][0] == str(n - 1)


def test_a_quoted_cell_over_two_lines_numbers_its_record_by_its_first_line() -> None:
    lines = [HEADER] + [f"{i},P {i},p{i}@x.example,C,A,2020" for i in range(BLOCK_LINES + 10)]
    lines[BLOCK_LINES + 5] = '77,"Anna\nBerg",a@x.example,C,A,2020'
    got = dict(_cells("\n".join(lines) + "\n"))
    assert got[BLOCK_LINES + 6][1] == "Anna\nBerg"
    assert BLOCK_LINES + 7 not in got
    assert got[BLOCK_LINES + 8][0] == str(BLOCK_LINES + 5)  # the next record: a line further


def test_a_bad_byte_deep_in_a_long_file_is_named_near_its_line() -> None:
    lines = [HEADER] + [f"{i},P {i},p{i}@x.example,C,A,2020" for i in range(20 * BLOCK_LINES)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    assert len(data) > SAMPLE  # the bad byte below is past what detection reads
    at = data.index(b"P 14000,")
    data = data[:at] + b"\xff" + data[at + 1 :]  # line 14002 of the file
    read = table_blocks(io.BytesIO(data), "c.csv", load_mapping(CONTACTS))
    with pytest.raises(LoadError, match=r"cannot decode near line (\d+)") as caught:
        list(read)
    near = int(caught.value.args[0].split("near line ")[1].split()[0])
    assert 13_800 <= near <= 14_002  # text is decoded a piece at a time: near, not exact
