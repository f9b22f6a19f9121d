"""CSV files: encoding and delimiter detection, then a column mapping turns each row into
node and relationship rows. Streams the file: a million rows never sit in memory at once.

Encodings: a BOM decides (UTF-8, UTF-16 LE/BE); otherwise UTF-8 if the sample decodes,
else charset-normalizer's best guess (Latin-1, Windows-1252, ...), with Windows-1252
preferred among 8-bit code pages that read the sample about as well (:func:`_western`).
A file with NUL bytes and no UTF-16 BOM is binary and refused. The encoding used is on
the table's :class:`TableStart`. A ``.tsv`` or ``.tab`` file is tab-delimited.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import IO, Any

from charset_normalizer import CharsetMatch, from_bytes
from charset_normalizer.utils import is_multi_byte_encoding

from loaders.mapping import WHITESPACE, Mapping, ReaderOptions, load_mapping
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
    guesses = list(from_bytes(sample))
    if not guesses:
        raise LoadError(f"{name}: cannot tell the text encoding; save the file as UTF-8")
    return _western(sample, guesses)


#: How much worse than the best guess (charset-normalizer's "chaos" and "coherence",
#: 0..1) Windows-1252 may read a sample and still be preferred to it.
CLOSE_CHAOS = 0.01
CLOSE_COHERENCE = 0.02


def _western(sample: bytes, guesses: Sequence[CharsetMatch]) -> str:
    """The encoding of ``sample`` among charset-normalizer's ``guesses`` (best first):
    Windows-1252 when the best is another 8-bit code page and Windows-1252 reads the
    sample as cleanly (its own guess, or one that decodes the same bytes alike), since a
    Western export is far more often Windows-1252 than Windows-1250 (which turns "Hélène"
    into "Hélčne") and Latin-1 is its subset; else the best guess."""
    best = guesses[0]
    if best.encoding == "cp1252" or is_multi_byte_encoding(best.encoding):
        return str(best.encoding)
    try:
        western = sample.decode("cp1252")
    except UnicodeDecodeError:
        return str(best.encoding)
    for guess in guesses:
        close = (
            guess.chaos <= best.chaos + CLOSE_CHAOS
            and guess.coherence >= best.coherence - CLOSE_COHERENCE
        )
        if close and "cp1252" in (guess.encoding, *guess.could_be_from_charset):
            return "cp1252"
    # a DOS code page (cp775, cp850 ...) reads the accented letters of a Western export as
    # box drawing and signs ("Sociķtķ Gķnķrale ╔tudes"): Windows-1252 reads more of them
    # as letters there, while for a Central European file both read letters and it stays
    if _letter_share(western) > _letter_share(sample.decode(best.encoding, errors="replace")):
        return "cp1252"
    return str(best.encoding)


def _letter_share(text: str) -> float:
    """The share of the non-ASCII characters of ``text`` that are letters (1.0: none)."""
    wide = [c for c in text if ord(c) > 127]
    return sum(c.isalpha() for c in wide) / len(wide) if wide else 1.0


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


#: File suffixes whose tables are tab-delimited whatever their header holds.
TAB_SUFFIXES = (".tsv", ".tab")


def tab_delimited(name: str) -> str | None:
    """A tab for a ``.tsv`` or ``.tab`` file (a header such as "Company, Inc" must not make
    its delimiter a comma), else ``None``: the delimiter is sniffed.

    >>> tab_delimited("boards.TSV"), tab_delimited("boards.csv")
    ('\\t', None)
    """
    return "\t" if name.lower().endswith(TAB_SUFFIXES) else None


def split_whitespace(line: str, quotechar: str = '"') -> list[str]:
    """The fields of a whitespace-separated line; quoted fields keep their spaces.

    >>> split_whitespace('7  "Air France"   FR  ""')
    ['7', 'Air France', 'FR', '']
    """
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = quotechar
    lexer.escape = ""
    lexer.commenters = ""
    return list(lexer)


def _whitespace_rows(text: IO[str], quotechar: str) -> Iterator[tuple[int, list[str] | str]]:
    """(line number from 1, fields or the reason a line cannot be split) of each line."""
    for number, physical in enumerate(text, 1):
        try:
            yield number, split_whitespace(physical.rstrip("\r\n"), quotechar)
        except ValueError as exc:  # shlex: "No closing quotation"
            yield number, f"cannot split the line: {exc}"


@dataclass
class TableStart:
    """What :func:`table_blocks` yields first: the mapping in force (LinkedIn's own when the
    file is its export) and the header the cells are named by."""

    mapping: Mapping
    header: list[str]
    #: the text encoding the table was read in (detected, or the reader's ``encoding``;
    #: ``None`` for a worksheet)
    encoding: str | None = None
    #: the file line (or sheet row) of the header when lines above it were passed over
    #: (a title, an export date): see :func:`header_at`
    header_line: int | None = None
    #: the worksheet the rows come from (``None`` for a text table): named in provenance
    #: and problems
    sheet: str | None = None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")

#: how many lines from the top a header is looked for when the first is not it
HEADER_SEARCH_LINES = 20
#: lines checked (and handed on) at a time by :func:`table_blocks`
BLOCK_LINES = 1_000
_CELLS = itemgetter(1)


def header_at(mapping: Mapping, rows: Sequence[Sequence[str]]) -> int | None:
    """Where the header is among a table's first ``rows`` when the first is not it: the
    first row holding every column the mapping reads (exports put a title, a date or a
    blank line above it). ``None`` when the first row is the header, or no row has them
    all (the caller then reports the first row's columns as missing)."""
    if mapping.reader.columns or not rows:
        return None
    if not mapping.missing_columns(distinct_header([c.strip() for c in rows[0]])):
        return None
    for i, row in enumerate(rows[1:HEADER_SEARCH_LINES], 1):
        if not mapping.missing_columns(distinct_header([c.strip() for c in row])):
            return i
    return None


#: One data line of a table: its line number and its cells, or why it cannot be read.
Cells = tuple[int, list[str] | str]


def blank_missing(cells: Sequence[str], missing: frozenset[str]) -> tuple[str, ...]:
    """``cells`` with each that means no value (``N/A``, ``NULL``, ``-`` ...: see
    :attr:`loaders.mapping.ReaderOptions.missing_cells`) made empty. Every cell is looked
    up once in C (cheaper than a set of a column's distinct cells first: most columns of
    a chunk are all distinct); a column holding a marker is then rewritten by its
    distinct cells.

    >>> blank_missing(["Acme", " N/A ", "-"], frozenset({"N/A", "-"}))
    ('Acme', '', '')
    """
    if not missing or missing.isdisjoint(map(str.strip, cells)):
        return tuple(cells)
    blank = {c for c in set(cells) if c.strip() in missing}
    return tuple("" if c in blank else c for c in cells)


def distinct_header(header: list[str]) -> list[str]:
    """``header`` with every column named once: a repeated name gets ``.1``, ``.2`` ... as
    pandas gives it, a blank one ``column N`` (its place); each column stays readable
    instead of the last of a name silently hiding the others.

    >>> distinct_header(["Participant", "Nation", "Participant", "", "Participant"])
    ['Participant', 'Nation', 'Participant.1', 'column 4', 'Participant.2']
    """
    out: list[str] = []
    taken = set(header)
    seen: set[str] = set()
    for i, h in enumerate(header):
        name = h or f"column {i + 1}"
        if name in seen:
            k = 1
            while f"{h}.{k}" in taken or f"{h}.{k}" in seen:
                k += 1
            name = f"{h}.{k}"
        seen.add(name)
        out.append(name)
    return out


def table_start(mapping: Mapping, read: list[str] | None, name: str) -> TableStart:
    """The :class:`TableStart` of a table: the header ``read`` from it (``None`` when it has
    none), renamed by the reader's ``columns`` if given, repeated and blank names made
    distinct (:func:`distinct_header`); a :class:`LoadError` naming the columns the
    mapping reads that it lacks."""
    columns = mapping.reader.columns
    header = distinct_header(list(columns or []) if columns or read is None else read)
    missing = mapping.missing_columns(header)
    if missing:
        raise LoadError(
            f"{name}: the mapping needs column(s) {', '.join(map(repr, missing))}; "
            f"the file has {', '.join(map(repr, header))}"
            + (
                ""
                if columns or read is None
                else f" (no line among the first {HEADER_SEARCH_LINES} has them all; set "
                "the mapping's reader: skip_rows, or --skip-rows, for a header further down)"
            )
        )
    return TableStart(mapping, header)


def table_blocks(
    raw: IO[bytes], name: str, mapping: Mapping | None = None, *, owner: str | None = None
) -> Iterator[TableStart | list[Cells]]:
    """A :class:`TableStart`, then ``(line, cells)`` of every non-blank data line of a CSV
    or text table, in lists (a reader that takes blocks makes no step per line in Python);
    ``cells`` is the reason instead when the line cannot be used (it cannot be split, or
    has the wrong number of cells).

    The mapping's ``reader:`` options (see :class:`loaders.mapping.ReaderOptions`) set the
    delimiter (any character, or whitespace), quote character, encoding, header and rows
    to skip; without them the encoding and delimiter are detected."""
    options = mapping.reader if mapping is not None else ReaderOptions()
    text: IO[str]
    if options.encoding:
        encoding = options.encoding
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"  # a BOM is not part of the first column's name
        text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
    else:
        text, encoding = open_text(raw, name)
    try:
        head = text.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: mixed or wrong text encoding near byte {exc.start}") from None
    lines = _LINE_BREAK.split(head)  # as readline() splits them (not at a form feed)
    skip = options.skip_rows
    if mapping is None:
        for i, text_line in enumerate(lines[:HEADER_SEARCH_LINES]):
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
    found: int | None = None
    if options.header and options.delimiter != WHITESPACE:
        top = lines[skip : skip + HEADER_SEARCH_LINES]
        found = header_at(
            mapping,
            [next(csv.reader([t], delimiter=options.delimiter or sniff_delimiter(t)), []) for t in top],
        )
        if found is not None:
            skip += found
    text.seek(0)
    for _ in range(skip):
        text.readline()
    # (line number, cells) pairs, a record numbered by the line it starts on (a quoted cell
    # may hold line breaks); for a CSV made in C: the reader's line count is read before
    # each of its records (zip asks the count first), with no Python frame per line
    rows: Iterator[tuple[int, list[str] | str]]
    if options.delimiter == WHITESPACE:
        rows = ((n + skip, v) for n, v in _whitespace_rows(text, options.quotechar))
    else:
        delimiter = (
            options.delimiter
            or tab_delimited(name)
            or sniff_delimiter(lines[skip] if len(lines) > skip else "")
        )
        reader = csv.reader(
            text, delimiter=delimiter, quotechar=options.quotechar, doublequote=True, strict=True
        )
        starts = map((skip + 1).__add__, map(attrgetter("line_num"), repeat(reader)))
        rows = zip(starts, reader, strict=False)  # (the line numbers never end)
    line = skip
    try:
        read = None
        if options.header:
            try:
                line, first = next(rows)
            except StopIteration:
                raise LoadError(f"{name}: the file is empty") from None
            if isinstance(first, str):
                raise LoadError(f"{name}: unreadable header: {first}")
            read = [h.strip() for h in first]
        start = table_start(mapping, read, name)
        start.encoding = encoding
        start.header_line = skip + 1 if found else None
        yield start
        width = len(start.header)
        again = first if options.header else None  # the header repeated by a paged export
        # lines a block at a time: a block of plain lines (each read, of the header's width,
        # not blank, not the header again: checked in C) is passed on whole; any other
        # block line by line. A whitespace table's error names its line: one at a time.
        size = 1 if options.delimiter == WHITESPACE else BLOCK_LINES
        while block := list(islice(rows, size)):
            cells = list(map(_CELLS, block))
            if (
                set(map(type, cells)) == {list}
                and set(map(len, cells)) == {width}
                and all(map(str.strip, map("".join, cells)))
                and again not in cells
            ):
                line = block[-1][0]
                yield block
                continue
            kept: list[Cells] = []
            for line, values in block:  # (a line is blank when its joined cells are)
                if isinstance(values, str):
                    kept.append((line, values))
                elif len(values) != width:
                    if "".join(values).strip():
                        kept.append((line, f"{len(values)} cells for {width} columns"))
                elif "".join(values).strip() and values != again:
                    kept.append((line, values))
            if kept:
                yield kept
    except csv.Error as exc:
        if options.header and line == skip:
            raise LoadError(f"{name}: unreadable header: {exc}") from None
        at = reader.line_num + skip if options.delimiter != WHITESPACE else line + 1
        raise LoadError(f"{name}: malformed or truncated CSV at line {at}: {exc}") from None
    except UnicodeDecodeError as exc:
        if options.header and line == skip:
            raise LoadError(f"{name}: unreadable header: {exc}") from None
        # (the line after the last one read whole: a block's lines are not numbered yet)
        near = reader.line_num + skip + 1 if options.delimiter != WHITESPACE else line + 1
        raise LoadError(
            f"{name}: mixed text encodings: cannot decode near line {near} ({exc.reason})"
        ) from None


def mapped_rows(
    cells: Iterator[TableStart | Cells], name: str, owner: str | None = None
) -> Iterator[SourceRow]:
    """The node and relationship rows of a table's cells (:func:`table_blocks`, or a
    worksheet's) through the mapping its :class:`TableStart` carries."""
    start = next(cells)
    assert isinstance(start, TableStart)
    header, apply = start.header, start.mapping.apply
    missing = start.mapping.reader.missing_cells
    for item in cells:
        assert not isinstance(item, TableStart)
        line, values = item
        if isinstance(values, str):
            yield SourceRow("node", "", {}, name, start.sheet, line, error=values)
        else:
            row = dict(zip(header, blank_missing(values, missing), strict=True))
            for out in apply(row, name, line, owner=owner):
                out.sheet = start.sheet
                yield out


def add_reader_flags(parser: Any) -> None:
    """The ``load`` command's reader options (each replaces the mapping's ``reader:`` one)."""
    group = parser.add_argument_group(
        "reader options (CSV, text tables and worksheets; see docs/loaders.md)"
    )
    group.add_argument("--delimiter", help="one character (^ ~ ; |), or 'whitespace'")
    group.add_argument("--quotechar", help='the quote character (default ")')
    group.add_argument("--encoding", help="the text encoding (default: detected)")
    group.add_argument(
        "--no-header",
        dest="header",
        action="store_false",
        default=None,
        help="every line is data; name the columns with --columns",
    )
    group.add_argument("--columns", help="column names, comma-separated (with --no-header)")
    group.add_argument("--skip-rows", type=int, help="lines to skip before the header or data")
    group.add_argument("--sheet", help="the worksheet of an .xlsx read as a table (default: first)")


def mapping_with_flags(path: Path, mapping: Path | None, args: Any) -> Mapping | Path | None:
    """The mapping to load ``path`` with: the ``--mapping`` file, its reader options replaced
    by any reader flags given (a mapping is needed for them)."""
    flags = {
        "delimiter": getattr(args, "delimiter", None),
        "quotechar": getattr(args, "quotechar", None),
        "encoding": getattr(args, "encoding", None),
        "header": getattr(args, "header", None),
        "columns": [c.strip() for c in args.columns.split(",")]
        if getattr(args, "columns", None)
        else None,
        "skip_rows": getattr(args, "skip_rows", None),
        "sheet": getattr(args, "sheet", None),
    }
    if all(v is None for v in flags.values()):
        return mapping
    if mapping is None and path.suffix.lower() not in (".edges", ".edgelist"):
        raise LoadError(f"{path.name}: reader options need a column mapping (--mapping FILE)")
    loaded = load_mapping(mapping) if mapping is not None else Mapping([], "command line")
    try:
        loaded.reader = loaded.reader.updated(**flags)
    except LoadError as exc:
        raise LoadError(f"reader options: {exc}") from None
    return loaded


#: Graph file formats read by :func:`read_graph_file` (registered in loaders/pipeline.py).
GRAPH_READERS = ("gexf", "pajek", "edgelist")


def read_graph_file(
    fmt: str, data: bytes, name: str, mapping: Mapping | None
) -> Iterator[SourceRow]:
    """Rows of a GEXF, Pajek or edge-list file, with the mapping's ``graph:`` (and, for
    edge lists, ``reader:``) options when a mapping is given."""
    from loaders.edgelist import read_edgelist
    from loaders.gexf import read_gexf
    from loaders.pajek import read_pajek

    graph = mapping.graph if mapping is not None else None
    if fmt == "gexf":
        return read_gexf(data, name, graph)
    if fmt == "pajek":
        return read_pajek(data, name, graph)
    return read_edgelist(data, name, graph, mapping.reader if mapping is not None else None)
