"""Where rows come from: a file or an upload, its format, and the reader that streams it."""

from __future__ import annotations

import io
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from loaders.documents import bounded_yaml, read_graphml, read_json, read_xlsx, read_yaml
from loaders.isolated import rows_in_child, should_isolate
from loaders.mapping import Mapping, load_mapping, parse_mapping
from loaders.rows import LoadError, SourceRow
from loaders.tabular import (
    BLOCK_LINES,
    GRAPH_READERS,
    Cells,
    TableStart,
    mapped_rows,
    read_graph_file,
    table_blocks,
)
from loaders.workbook import worksheet_cells

#: File suffix -> reader format.
FORMATS = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",  # tab-delimited (loaders.tabular.tab_delimited)
    ".tab": "csv",
    ".xlsx": "xlsx",
    ".graphml": "graphml",
    ".xml": "graphml",
    ".gexf": "gexf",
    ".net": "pajek",
    ".paj": "pajek",
    ".edges": "edgelist",
    ".edgelist": "edgelist",
}


@dataclass
class Source:
    """A file or an upload that can be read again from the start."""

    name: str
    format: str
    opener: Callable[[], IO[bytes]]
    mapping: Mapping | None = None
    owner: str | None = None
    mapping_name: str | None = None
    #: parse in a child process (a large upload to a server: loaders/isolated.py)
    isolated: bool = False
    #: the text encoding a table was read in, once it has been opened (for the report)
    encoding: str | None = None
    #: the line of a table's header when lines above it were passed over (for the report)
    header_line: int | None = None
    #: the file's or upload's size in bytes, when known
    size: int | None = None

    @property
    def tabular(self) -> bool:
        """Whether the source is a CSV or text table, or a worksheet read through a column
        mapping (read by :meth:`cells`)."""
        return self.format == "csv" or self._mapped_workbook

    @property
    def _mapped_workbook(self) -> bool:
        """An .xlsx with a column mapping: its sheet is a table (without one, its sheets
        are named by label and type: :func:`loaders.documents.read_xlsx`)."""
        return self.format == "xlsx" and self.mapping is not None and bool(self.mapping.entries)

    def cells(self) -> Generator[TableStart | Cells, None, None]:
        """A table's :class:`~loaders.tabular.TableStart`, then its data lines' cells (see
        :func:`loaders.tabular.table_blocks`); for :attr:`tabular` sources only."""
        blocks = self.cell_blocks()
        try:
            start = next(blocks, None)
            if start is None:
                return
            yield start  # type: ignore[misc]
            yield from chain.from_iterable(blocks)  # type: ignore[arg-type]
        finally:
            blocks.close()

    def cell_blocks(self) -> Generator[TableStart | list[Cells], None, None]:
        """:meth:`cells` with the lines in lists (:func:`loaders.tabular.table_blocks`):
        a reader that takes them a block at a time makes no step per line."""
        with self.opener() as raw:
            read: Iterator[Any]
            if self._mapped_workbook:
                assert self.mapping is not None
                lines = worksheet_cells(raw, self.name, self.mapping)
                start = next(lines, None)
                read = chain([start], iter(lambda: list(islice(lines, BLOCK_LINES)), []))
            else:
                read = table_blocks(raw, self.name, self.mapping, owner=self.owner)
            start = next(read, None)
            if start is None:
                return
            if isinstance(start, TableStart):  # (always first)
                self.encoding = start.encoding
                self.header_line = start.header_line
            yield start
            yield from read  # the blocks

    def rows(self) -> Generator[SourceRow, None, None]:
        """Every node and relationship row of the source, in file order (close the
        generator when stopping early: an isolated source's child is killed then)."""
        if self.tabular:
            yield from mapped_rows(self.cells(), self.name, self.owner)
            return
        with self.opener() as raw:
            data = raw.read()
        if self.format in GRAPH_READERS:  # files without our labels: the mapping's graph options
            yield from read_graph_file(self.format, data, self.name, self.mapping)
            return
        if self.isolated:
            yield from rows_in_child(self.format, data, self.name)
            return
        reader = {"json": read_json, "yaml": read_yaml, "graphml": read_graphml, "xlsx": read_xlsx}[
            self.format
        ]
        yield from reader(data, self.name)


def detect_format(path: Path) -> str:
    """The reader format of a file name, or a clear error naming the known suffixes."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(
            f"{path.name}: unknown file type {path.suffix!r}; expected one of "
            f"{', '.join(sorted(FORMATS))}"
        )
    return fmt


def file_source(
    path: str | Path, mapping: str | Path | Mapping | None = None, owner: str | None = None
) -> Source:
    """A source for a file (or a folder holding ``portfolio.json``)."""
    path = Path(path)
    if path.is_dir():
        inner = path / "portfolio.json"
        if not inner.exists():
            raise LoadError(f"{path}: a folder to load must hold portfolio.json")
        path = inner
    if not path.exists():
        raise LoadError(f"{path}: no such file")

    def opener() -> IO[bytes]:
        return path.open("rb")

    return Source(
        path.name,
        detect_format(path),
        opener,
        load_mapping(mapping) if mapping else None,
        owner,
        _mapping_name(mapping),
        size=path.stat().st_size,
    )


def _mapping_name(mapping: str | Path | Mapping | None) -> str | None:
    """How history and the review queue name a mapping: its file name."""
    if mapping is None:
        return None
    if isinstance(mapping, Mapping):
        return Path(mapping.source).name if mapping.source else None
    return Path(mapping).name


#: the largest mapping file an upload may carry
MAX_MAPPING_BYTES = 1_000_000


def uploaded_mapping(data: bytes, filename: str) -> Mapping:
    """A column mapping uploaded beside a file (YAML or JSON, parsed as untrusted: see
    :func:`loaders.documents.bounded_yaml`), checked as ``--mapping`` files are."""
    name = Path(filename).name or "mapping"
    if len(data) > MAX_MAPPING_BYTES:
        raise LoadError(f"{name}: a mapping file is at most {MAX_MAPPING_BYTES:,} bytes")
    return parse_mapping(bounded_yaml(data, name), name)


def bytes_source(
    data: bytes, filename: str, mapping: Mapping | None = None, owner: str | None = None
) -> Source:
    """A source for an upload's bytes; a large portfolio document, GraphML file or workbook
    is parsed in a child process (:func:`loaders.isolated.should_isolate`)."""
    name = Path(filename).name
    fmt = detect_format(Path(filename))
    return Source(
        name,
        fmt,
        lambda: io.BytesIO(data),
        mapping,
        owner,
        mapping.source if mapping else None,
        isolated=should_isolate(fmt, data),
        size=len(data),
    )
