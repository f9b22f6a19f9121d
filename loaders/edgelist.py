"""Plain edge lists: one relationship per line, ``SOURCE TARGET [WEIGHT ...]``.

Columns are separated by whitespace (names with spaces in double quotes) unless the
mapping's ``reader: delimiter`` says otherwise (``,`` ``;`` ``^`` ...); lines starting with
``#`` or ``%`` are comments and ``reader: skip_rows`` lines are skipped. A third column is
the ``weight``; ``reader: columns: [source, target, year, ...]`` names every column after
the first two. Numbers become numbers. Each end is a node of ``graph: node_label`` whose
name is the cell and whose id is ``graph: id_prefix`` plus the cell; relationships are
``graph: rel_type``. Ends are resolved ``by_name`` unless ``graph: resolve`` says
otherwise (say ``by_code`` when the cells are codes such as tickers).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from loaders.mapping import WHITESPACE, GraphOptions, ReaderOptions
from loaders.rows import LoadError, SourceRow
from loaders.tabular import detect_encoding, split_whitespace


def _value(text: str) -> Any:
    """A cell as an int or float when it is one, else the text."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_edgelist(
    data: bytes,
    name: str,
    options: GraphOptions | None = None,
    reader: ReaderOptions | None = None,
) -> Iterator[SourceRow]:
    """Node rows for each end (first sight), then relationship rows, of an edge list."""
    opts, read = options or GraphOptions(), reader or ReaderOptions()
    encoding = read.encoding or detect_encoding(data[: 256 * 1024], name)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: mixed or wrong text encoding near byte {exc.start}") from None
    extra = list(read.columns[2:]) if read.columns else ["weight"]
    delimiter = read.delimiter or WHITESPACE
    resolve, derived = opts.flags(ids_from_labels=True)
    seen: set[str] = set()
    rels: list[SourceRow] = []
    for line, physical in enumerate(text.splitlines(), 1):
        if line <= read.skip_rows:
            continue
        raw = physical.strip()
        if not raw or raw.startswith(("#", "%")):
            continue
        try:
            if delimiter == WHITESPACE:
                cells = split_whitespace(raw, read.quotechar)
            else:
                cells = next(csv.reader([raw], delimiter=delimiter, quotechar=read.quotechar))
        except (ValueError, csv.Error) as exc:
            row = SourceRow("rel", opts.rel_type, {}, name, row=line)
            row.error, row.columns = f"cannot split the line: {exc}", {"(error)": "line"}
            yield row
            continue
        cells = [c.strip() for c in cells]
        if len(cells) < 2 or not cells[0] or not cells[1] or len(cells) > 2 + len(extra):
            row = SourceRow("rel", opts.rel_type, {}, name, row=line)
            row.error = f"{len(cells)} cells: expected source, target" + (
                f" and up to {len(extra)} more ({', '.join(extra)})" if extra else ""
            )
            row.columns = {"(error)": "line"}
            yield row
            continue
        ends = []
        for column, cell in zip(("source", "target"), cells[:2], strict=True):
            node_id = f"{opts.id_prefix}{cell}"
            ends.append(node_id)
            if node_id not in seen:
                seen.add(node_id)
                yield SourceRow(
                    "node",
                    opts.node_label,
                    {"id": node_id, "name": cell},
                    name,
                    row=line,
                    columns={"id": column, "name": column},
                    resolve=resolve,
                    derived_id=derived,
                )
        props = {k: _value(v) for k, v in zip(extra, cells[2:], strict=False) if v}
        rels.append(
            SourceRow(
                "rel",
                opts.rel_type,
                {"source": ends[0], "target": ends[1], **props},
                name,
                row=line,
                columns={"source": "source", "target": "target", **{k: k for k in extra}},
            )
        )
    yield from rels
