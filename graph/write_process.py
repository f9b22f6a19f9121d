"""An import's write in a process of its own, while pass 1 reads on: the embedded store's
write of a large file (:meth:`graph.writer.Writer.stream` with ``process=True``).

On a thread the write and pass 1 share one interpreter lock, and each waits for the other's
Python work; a second process runs on a second core instead. Pass 1 hands over the spool's
tuples, or a clean chunk's records as blocks of columns (:func:`graph.batching.column_block`),
pickled through the child's standard input; the child batches and writes them
(:mod:`graph.batching`) in ONE transaction of the store
(:class:`graph.sqlite_store.ImportSession`), committed only when the parent says ``done``.
Any other end (``abort``, the parent gone, an error) rolls it back: nothing is visible or
kept unless the import is written whole, as on the thread.

The child's words back, on its standard output: ``("ready", None)`` once its transaction is
open, then one ``("done", results)`` or ``("error", exception)`` at the end. It reads
everything it is sent, even after an error, so the parent never waits on a full pipe. After
``done`` it copies the write-ahead log into the database file while the parent goes on.
The child's side is :mod:`graph.write_child`.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from graph.batching import Block
from graph.records import UpsertResult

Progress = Callable[[str, int], None]

DONE, ABORT = "done", "abort"
#: pickled messages that may wait for the pipe: pass 1 waits beyond that (memory stays flat)
PIPE_DEPTH = 8
#: the pipe's buffer asked for (Linux allows up to 1 MB unprivileged): each write of the pump
#: takes the interpreter lock back, so the fewer the better
PIPE_BYTES = 1 << 20
#: the writing process's SQLite page cache (KB): it runs beside pass 1, whose indexes hold
#: most of an import's memory; a quarter of a store connection's own, for ~5 % more CPU
CHILD_CACHE_KB = 16_384
#: writing processes that committed and are checkpointing (see :func:`wait_for_writers`)
_checkpointing: list[subprocess.Popen[bytes]] = []
_lock = threading.Lock()
_ROOT = str(Path(__file__).resolve().parents[1])
#: the child's program: :func:`graph.write_child.main` (imported by name, so that what it
#: pickles names its modules, not ``__main__``)
_CHILD = "from graph.write_child import main; main()"


class WriteProcessError(RuntimeError):
    """The writing process ended without a word (killed, or it crashed)."""


class ProcessStream:
    """The parent's end of a writing process: :meth:`put` hands over records, :meth:`finish`
    commits and returns the counts, :meth:`abort` rolls back. The same interface as the
    writer's thread (``graph.writer._Stream``)."""

    def __init__(
        self, path: str | Path, change_log_keep: int, batch_size: int, progress: Progress | None
    ) -> None:
        _reap()
        path_env = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, path_env]))}
        # run from the folder holding this package: `-c` puts the working folder first on
        # the import path, and another folder's `graph` must not be the one imported
        self.proc = subprocess.Popen(  # noqa: S603 - this interpreter, this module, no shell
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=_ROOT,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._to: IO[bytes] = self.proc.stdin
        if fcntl is not None:  # a message a write, not 64 KB at a time (Linux)
            with suppress(OSError, AttributeError):
                fcntl.fcntl(self._to.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._from: IO[bytes] = self.proc.stdout
        self.progress = progress
        self.error: BaseException | None = None
        self.handed = 0
        self._started = False
        self._last: tuple[Any, ...] | None = None
        self._out: queue.Queue[bytes | None] = queue.Queue(PIPE_DEPTH)
        self._pump = threading.Thread(target=self._pumping, name="alliancegraph-pipe", daemon=True)
        self._pump.start()
        self._send((os.path.abspath(path), change_log_keep, batch_size))

    def _send(self, message: Any) -> None:
        """One message for the child, pickled here and written by the pump thread: pass 1
        goes on while the child is busy with a batch (a pipe holds at most 1 MB, about one
        message). Waits while :data:`PIPE_DEPTH` messages wait."""
        if self.error is None:
            self._out.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def _pumping(self) -> None:
        """The pump thread: write each message to the child's input, in order; a child that
        has gone is noted, not raised here (its own word, read at the end, says why)."""
        while (data := self._out.get()) is not None:
            if self.error is not None:
                continue  # drained, so that pass 1 never waits on a full queue
            try:
                self._to.write(data)
                self._to.flush()
            except (ValueError, OSError):
                self.error = WriteProcessError("the writing process has stopped")
        with suppress(OSError):
            self._to.close()

    def _reply(self) -> tuple[Any, ...]:
        """The child's next word, or an error word if it ended without one."""
        try:
            reply: tuple[Any, ...] = pickle.load(self._from)  # our own child's pipe
            return reply
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self.proc.wait()
            return ("error", WriteProcessError(f"the writing process ended (exit code {code})"))

    def _ready(self) -> None:
        """Wait (once) until the child's transaction is open; raise why it could not be."""
        if self._started:
            return
        self._started = True
        reply = self._reply()
        if reply[0] != "ready":
            self._end()
            raise reply[1]

    def put(self, items: list[tuple[Any, ...]] | Block | str) -> None:
        """Hand ``items`` (spooled tuples, a :data:`~graph.batching.Block`, or a last word)
        to the child; waits while :data:`PIPE_DEPTH` messages wait."""
        self._ready()
        self._send(items)
        if isinstance(items, str) or not items:
            return
        if isinstance(items, tuple):  # a block: (kind, what, ..., rows)
            self.handed += len(items[-1])
            what = items[1]
        else:
            self.handed += len(items)
            what = items[-1][1]
        if self.progress:
            self.progress(str(what), self.handed)

    def finish(self) -> dict[str, UpsertResult]:
        """Say ``done`` and wait for the commit; the child's error is raised here (and
        nothing is kept)."""
        self.put(DONE)
        reply = self._end()
        if reply[0] != "done":
            raise reply[1]
        results: dict[str, UpsertResult] = reply[1]
        return results

    def abort(self) -> None:
        """Stop writing and forget everything written (nothing was visible)."""
        if self._last is not None:
            return
        if not self._started:
            self._started = True
            self._reply()  # ready or not, it rolls back on the word below
        self._send(ABORT)
        self._end()

    def _end(self) -> tuple[Any, ...]:
        """Close the child's input, read its last word and wait for it to exit (once); a
        child that committed is left to checkpoint on its own (:func:`wait_for_writers`)."""
        if self._last is None:
            self._out.put(None)  # the pump's last word: it closes the child's input
            self._pump.join()
            self._last = self._reply()
            self._from.close()
            if self._last[0] == "done":
                with _lock:
                    _checkpointing.append(self.proc)
            else:
                self.proc.wait()
        return self._last


def wait_for_writers() -> None:
    """Wait for every writing process still checkpointing an import it committed (the
    bench does, to count their CPU; nothing else needs to: their work is on disk)."""
    with _lock:
        children, _checkpointing[:] = list(_checkpointing), []
    for child in children:
        child.wait()


def _reap() -> None:
    """Forget the writing processes that have ended (each a zombie until waited for)."""
    with _lock:
        _checkpointing[:] = [c for c in _checkpointing if c.poll() is None]
