"""One import pipeline for the command line and the API: read, map, validate, resolve, write.

Readers and mappings yield rows (:mod:`loaders.sources`); :class:`loaders.resolution.Resolver`
validates and resolves them, giving each record an outcome (new / merged / held for review);
:class:`graph.writer.Writer` writes the accepted ones in batches (nodes before the
relationships that need them), with each record's source file and row as provenance, and
keeps them only when nothing is wrong (or ``skip_invalid``): on the embedded store while
pass 1 still reads, in one transaction committed at the end (:meth:`Writer.stream`); on
others from spill files after pass 1. Held records wait in the store's review queue
(:mod:`loaders.review`), shared by the command line and the API. Every import, even a
refused one, is logged in the store's history. Re-running the same file changes nothing,
and a load killed part-way completes on a re-run (on the embedded store it kept nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from graph.heap import collector_paused
from graph.records import NodeRecord
from graph.store import GraphStore
from graph.writer import Writer, cli_actor, log, new_import_id
from loaders.mapping import Mapping
from loaders.org_cache import OrgIndexCache
from loaders.report import ImportReport
from loaders.resolution import Resolved, Resolver
from loaders.review import StoredReviewQueue
from loaders.sources import FORMATS, Source, bytes_source, file_source

Progress = Callable[[str, int], None]

#: a source this large (bytes) is written in a process of its own on the embedded store
#: (about 100,000 lines of a contacts CSV; smaller, the interpreter's start is not repaid)
WRITE_PROCESS_MIN_BYTES = 8_000_000

__all__ = ["FORMATS", "load_bytes", "load_path", "load_source"]


def load_path(
    store: GraphStore, path: str | Path, mapping: str | Path | Mapping | None = None, **options: Any
) -> ImportReport:
    """Load a file (or a folder holding ``portfolio.json``); see :func:`load_source`."""
    source = file_source(path, mapping, options.pop("owner", None))
    return load_source(store, source, **options)


def load_bytes(
    store: GraphStore, data: bytes, filename: str, mapping: Mapping | None = None, **options: Any
) -> ImportReport:
    """Load an uploaded file's bytes (the API's import endpoint)."""
    source = bytes_source(data, filename, mapping, options.pop("owner", None))
    return load_source(store, source, **options)


def load_source(
    store: GraphStore,
    source: Source,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    review: bool = True,
    actor: str | None = None,
    batch_size: int = 5_000,
    progress: Progress | None = None,
    graph: nx.MultiDiGraph | None = None,
    org_index: OrgIndexCache | None = None,
    columnar: bool = True,
    write_process: bool | None = None,
) -> ImportReport:
    """Validate, resolve and (unless ``dry_run`` or errors) write one source.

    ``review``: hold ambiguous organizations in the store's review queue (the default);
    without it they load as new organizations. ``actor`` names who imported in the history.
    ``graph``: the store's current projection when the caller holds one (the API does), so
    resolution need not read the whole store again; ``org_index``: the caller's index of
    the store's organizations kept across imports (see :mod:`loaders.org_cache`).
    ``columnar``: read a table a chunk of lines at a time (:meth:`Resolver.resolve_table`);
    ``False`` takes the row-by-row path, which gives the same result (the tests hold the
    two equal).
    ``write_process``: on the embedded store, write in a process of its own
    (:mod:`graph.write_process`) rather than on a thread; by default for sources of
    :data:`WRITE_PROCESS_MIN_BYTES` or more, where the second core pays for the
    interpreter's start.
    """
    actor = actor or cli_actor()
    import_id = new_import_id()
    report = ImportReport(source=source.name, format=source.format, dry_run=dry_run)
    report.import_id = import_id
    queue = StoredReviewQueue(store) if review else None
    resolver = Resolver(
        graph if graph is not None else store.projection(),
        report,
        import_id,
        queue,
        origin={"file": source.name, "mapping": source.mapping_name},
        shared_orgs=org_index,
    )
    # Pass 1 keeps a few entries per row (ids seen, labels, people); with millions of
    # rows the cyclic collector would rescan them over and over for no garbage (in a
    # server, which makes its full passes itself, the collector stays on: graph/heap.py).
    with (
        collector_paused(),
        Writer(store, import_id=import_id, batch_size=batch_size, progress=progress) as writer,
    ):
        if not dry_run:  # written while pass 1 reads, in one transaction (if the store can)
            if write_process is None:
                write_process = (source.size or 0) >= WRITE_PROCESS_MIN_BYTES
            writer.stream(
                stop=lambda: bool(report.rejections) and not skip_invalid, process=write_process
            )
        chunked = source.tabular and columnar
        read = source.cell_blocks() if chunked else source.rows()
        try:
            for item in _resolved(resolver, source, read, writer, chunked):
                if item.outcome == "new":
                    writer.add(item.record, item.source)
                elif item.outcome == "held" and queue is not None and item.review_id:
                    queue.hold(item.review_id, item.record, item.source, resolver.origin)
        finally:
            read.close()  # now, even on an error or a cancel: a child parser is killed
            report.encoding = source.encoding
            report.header_line = source.header_line
            resolver.fold()
            resolver.release()
        if report.rejections and not skip_invalid:
            for c in report.counts.values():
                c.created = c.updated = c.unchanged = 0
                c.rejected = c.read - c.merged
            report.message = (
                f"{report.problems:,} problem(s): nothing was written. Fix them, or "
                "load with --skip-invalid to write the valid rows."
            )
        elif dry_run:
            _fold(report, writer.preview())
            report.message = "dry run: nothing was written"
        else:
            _fold(report, writer.write())
            _add_aliases(store, resolver.aliases, resolver.renamed, import_id)
            report.written = True
            if queue is not None:
                queue.save()
    if not dry_run:
        log(
            store,
            "import",
            actor,
            import_id,
            file=source.name,
            format=source.format,
            mapping=source.mapping_name,
            written=report.written,
            counts={k: c.model_dump() for k, c in report.counts.items()},
            rejections=report.problems,
            held=len(report.held),
        )
    return report


def _resolved(
    resolver: Resolver,
    source: Source,
    read: Generator[Any, None, None],
    writer: Writer,
    chunked: bool,
) -> Iterator[Resolved]:
    """Pass 1 over what ``read`` reads: a table's cells by chunks (``chunked``; new plain
    records go straight to ``writer``), or any source's rows one by one."""
    if chunked:
        return resolver.resolve_table(read, writer, source.name, source.owner)
    return resolver.resolve(read)


def _fold(report: ImportReport, results: dict[str, Any]) -> None:
    for what, result in results.items():
        c = report.count(what)
        c.created += result.created
        c.updated += result.updated
        c.unchanged += result.unchanged


def _add_aliases(
    store: GraphStore,
    aliases: dict[str, list[str]],
    renamed: dict[str, tuple[str, str, list[str], dict[str, Any]]],
    import_id: str,
) -> None:
    """Names merged into an existing organization, and the names a renamed entity no longer
    goes by, become aliases (not counted as rows: the rows were); a rename also sets the
    name kept."""
    if not aliases and not renamed:
        return
    found, _ = store.fetch(list(aliases) + list(renamed), [])
    stored = {n.id: (n.label, n.props) for n in found}
    with Writer(store, import_id=import_id) as writer:
        for node_id in dict.fromkeys([*aliases, *renamed]):
            if node_id not in stored:
                continue
            label, props = stored[node_id]
            old = list(props.get("aliases", []))
            names = aliases.get(node_id, [])
            update: dict[str, Any] = {}
            if node_id in renamed:
                _, kept, others, extra = renamed[node_id]
                names = [*names, *others]
                if props.get("name") != kept:
                    update["name"] = kept
                update.update((k, v) for k, v in extra.items() if props.get(k) != v)
            keep = update.get("name", props.get("name"))
            new = old + [n for n in dict.fromkeys(names) if n not in old and n != keep]
            if new != old:
                update["aliases"] = new
            if update:
                writer.add(NodeRecord(label, node_id, update))
        writer.write()
