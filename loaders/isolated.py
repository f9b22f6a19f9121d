"""Large uploads parsed in a child process, their rows streamed back in small batches.

Parsing a document is long calls into C that hold the interpreter lock from start to end:
``json.loads`` of a 50 MB upload held it for 1 to 1.7 s, expat and openpyxl do the same on
big GraphML and workbooks. In a server every other thread, the event loop included, waits
that long. So an upload above :data:`ISOLATE_ABOVE` bytes is parsed by the same readers
(:mod:`loaders.documents`) in a child process, which sends its rows back
:data:`BATCH_ROWS` at a time; each batch unpickles in about a millisecond. The child also
keeps the parsed document (ten times the upload in Python objects) out of the server's
heap, and is killed as soon as the import stops reading (finished, refused, or its request
cancelled), so a hostile document costs nothing once it is refused.

Small uploads stay in process: a child costs tens of milliseconds to start, and a
1,000-row upload parses in a few. A workbook is judged by what it unpacks to (its zip
directory says), not by its packed size: 300 kB of .xlsx can be 30 MB of XML to parse.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import threading
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import fields
from multiprocessing.connection import Connection
from typing import Any

from loaders.documents import read_graphml, read_json, read_xlsx, read_yaml
from loaders.rows import LoadError, SourceRow

log = logging.getLogger("alliancegraph.loaders")

#: uploads larger than this are parsed in a child process
ISOLATE_ABOVE = 1_000_000
#: rows per message from the child: small enough that each unpickles in about a millisecond
BATCH_ROWS = 1_000
#: the child runs at this lower CPU priority (Unix ``nice``): parsing is batch work, and
#: on a machine with few cores it must not take CPU time from the event loop
CHILD_NICENESS = 10
#: the child processes' name (see ``multiprocessing.active_children()``)
CHILD_NAME = "alliancegraph-parse"
#: how often the reading thread wakes while it waits for the child, so that a cancellation
#: raised in it (api/work.py) lands within this many seconds
POLL_S = 0.05

#: a row travels as the tuple of its fields (pickling the dataclass itself cost twice as much)
_FIELDS = tuple(f.name for f in fields(SourceRow))
_context_lock = threading.Lock()
_context: Any = None


#: the formats a child can read, and their readers
_READERS: dict[str, Callable[[bytes, str], Iterator[SourceRow]]] = {
    "json": read_json,
    "yaml": read_yaml,
    "graphml": read_graphml,
    "xlsx": read_xlsx,
}
FORMATS = tuple(_READERS)


def should_isolate(fmt: str, data: bytes) -> bool:
    """Whether an upload of format ``fmt`` is large enough to parse in a child process."""
    if fmt not in FORMATS:
        return False
    if fmt == "xlsx":
        try:
            unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            unpacked = 0  # not a zip: refused in process, quickly
        return max(len(data), unpacked) > ISOLATE_ABOVE
    return len(data) > ISOLATE_ABOVE


def _mp_context() -> Any:
    """A fork-server context, started once: children fork from a small single-threaded
    process holding the readers, never from the threaded server itself."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx: Any = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["loaders.documents"])
            else:  # Windows: a fresh interpreter per upload
                ctx = multiprocessing.get_context("spawn")
            _context = ctx
        return _context


def _child(conn: Connection, fmt: str, name: str) -> None:
    """The child: read the upload from ``conn``, send its rows back in batches, then
    ``("done",)``; a refusal is sent as ``("refused", message)``."""
    if hasattr(os, "nice"):
        os.nice(CHILD_NICENESS)  # the server's own threads come first on a busy machine
    readers = _READERS
    try:
        data = conn.recv_bytes()
        batch: list[tuple[Any, ...]] = []
        try:
            for row in readers[fmt](data, name):
                batch.append(tuple(getattr(row, f) for f in _FIELDS))
                if len(batch) >= BATCH_ROWS:
                    conn.send(("rows", batch))
                    batch = []
        except LoadError as exc:
            conn.send(("rows", batch))
            conn.send(("refused", str(exc)))
            return
        except Exception as exc:  # a reader's bug: said as such, not as a bad upload
            conn.send(("rows", batch))
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
            return
        conn.send(("rows", batch))
        conn.send(("done",))
    except (BrokenPipeError, EOFError, OSError):
        pass  # the parent stopped reading: nothing more to do
    finally:
        conn.close()


def rows_in_child(fmt: str, data: bytes, name: str) -> Generator[SourceRow, None, None]:
    """The rows of a ``json``, ``yaml``, ``graphml`` or ``xlsx`` upload, read by a child
    process, in file order; refusals are raised as the same :class:`LoadError`. Closing
    the generator (or leaving it on an exception) kills the child."""
    ctx = _mp_context()
    parent, child = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_child, args=(child, fmt, name), name=CHILD_NAME, daemon=True)
    try:
        proc.start()
    except OSError as exc:  # no processes to spare (a sandbox, a process limit): parse here
        parent.close()
        child.close()
        log.warning("%s: parsed in process: no child process could start (%s)", name, exc)
        yield from _READERS[fmt](data, name)
        return
    child.close()
    try:
        try:
            parent.send_bytes(data)
        except OSError:  # the child is already gone
            raise LoadError(_stopped(name, proc.exitcode)) from None
        while True:
            while not parent.poll(POLL_S):  # a Python-level wait: a cancel can land in it
                if not proc.is_alive() and not parent.poll(0):
                    raise LoadError(_stopped(name, proc.exitcode))
            try:
                message = parent.recv()
            except EOFError:
                raise LoadError(_stopped(name, proc.exitcode)) from None
            if message[0] == "rows":
                for values in message[1]:
                    yield SourceRow(*values)
            elif message[0] == "refused":
                raise LoadError(message[1])
            elif message[0] == "failed":
                raise RuntimeError(f"{name}: the document reader failed: {message[1]}")
            else:
                return
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)


def _stopped(name: str, exitcode: int | None) -> str:
    return (
        f"{name}: refused: the document reader stopped before the end of the document "
        f"(exit code {exitcode}; out of memory?)"
    )
