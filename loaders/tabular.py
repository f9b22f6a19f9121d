"""CSV files: encoding and delimiter detection, then a column mapping turns each row into
node and relationship rows. Streams the file: a million rows never sit in memory at once.

Encodings: a BOM decides (UTF-8, UTF-16 LE/BE); otherwise UTF-8 if the sample decodes,
else charset-normalizer's best guess (Latin-1, Windows-1252, ...). A file with NUL bytes
and no UTF-16 BOM is binary and refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from charset_normalizer import from_bytes

from loaders.mapping import Mapping, load_mapping
from loaders.rows import LoadError, SourceRow

SAMPLE = 256 * 1024
MAPPINGS = Path(__file__).parent / "mappings"
LINKEDIN_HEADER = [
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
]
csv.field_size_limit(10 * 1024 * 1024)


def detect_encoding(sample: bytes, name: str) -> str:
    """The encoding of a text file from its first bytes (see the module docstring)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise LoadError(f"{name}: this is a binary file, not CSV text")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a character cut by the sample's end
            return "utf-8"
    guess = from_bytes(sample).best()
    if guess is None:
        raise LoadError(f"{name}: cannot tell the text encoding; save the file as UTF-8")
    return str(guess.encoding)


def open_text(raw: IO[bytes], name: str) -> tuple[io.TextIOWrapper, str]:
    """Wrap a binary stream as text in its detected encoding."""
    sample = raw.read(SAMPLE)
    raw.seek(0)
    encoding = detect_encoding(sample, name)
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict"), encoding


def sniff_delimiter(header: str) -> str:
    """The delimiter of a header line: the most frequent of , ; tab | outside quotes.

    Only the delimiter is guessed; quoting is always RFC 4180 (double quotes), because a
    guessed quote character turns names like "O'Brien" into parse errors.

    >>> sniff_delimiter('id;name;"a;b"')
    ';'
    """
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(
    raw: IO[bytes], name: str, mapping: Mapping | None = None, *, owner: str | None = None
) -> Iterator[SourceRow]:
    """Rows of a CSV file through ``mapping`` (LinkedIn's Connections.csv needs none)."""
    text, _ = open_text(raw, name)
    try:
        head = text.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: mixed or wrong text encoding near byte {exc.start}") from None
    lines = head.splitlines()
    skip = 0
    if mapping is None:
        for i, text_line in enumerate(lines[:20]):
            if text_line.startswith("First Name,Last Name,"):
                skip = i
                mapping = load_mapping(MAPPINGS / "linkedin.yaml")
                break
    if mapping is None:
        raise LoadError(
            f"{name}: a CSV file needs a column mapping (--mapping FILE; see "
            "docs/loaders.md) unless it is LinkedIn's Connections.csv"
        )
    if mapping.owner_required and not owner:
        raise LoadError(
            f"{name}: a LinkedIn export needs --owner PERSON_ID (whose connections these are)"
        )
    text.seek(0)
    for _ in range(skip):
        text.readline()
    delimiter = sniff_delimiter(lines[skip] if len(lines) > skip else "")
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise LoadError(f"{name}: the file is empty") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise LoadError(f"{name}: unreadable header: {exc}") from None
    missing = mapping.missing_columns(header)
    if missing:
        raise LoadError(
            f"{name}: the mapping needs column(s) {', '.join(map(repr, missing))}; "
            f"the file has {', '.join(map(repr, header))}"
        )
    line = skip + 1
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield SourceRow(
                    "node",
                    "",
                    {},
                    name,
                    row=line,
                    error=f"{len(values)} cells for {len(header)} columns",
                )
                continue
            record = dict(zip(header, values, strict=True))
            yield from mapping.apply(record, name, line, owner=owner)
    except csv.Error as exc:
        raise LoadError(
            f"{name}: malformed or truncated CSV at line {reader.line_num}: {exc}"
        ) from None
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{name}: mixed text encodings: cannot decode near line {line + 1} ({exc.reason})"
        ) from None
