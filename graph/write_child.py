"""The writing process's side (started by :class:`graph.write_process.ProcessStream`): open
the import's one transaction, batch and write what the parent sends, commit on ``done``,
roll back on anything else, then checkpoint the committed log into the database file.
Apart from :mod:`graph.write_process` so that the parent's side needs no store module."""

from __future__ import annotations

import pickle
import signal
import sqlite3
import sys
from collections import defaultdict
from typing import IO, Any

from graph.batching import Batcher, block_items, write_columns
from graph.heap import collector_paused
from graph.records import UpsertResult
from graph.sqlite_store import SQLiteStore
from graph.write_process import ABORT, CHILD_CACHE_KB, DONE, WriteProcessError


def checkpoint(path: str) -> None:
    """Copy the store's write-ahead log into the database file (a passive checkpoint: it
    waits for nobody, and a reader or writer meanwhile is not held up)."""
    try:
        conn = sqlite3.connect(path, timeout=0)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # another connection checkpoints: its next commit will


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a plain error saying the same."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return WriteProcessError(f"{type(exc).__name__}: {exc}")


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """The child: open the session, write what comes, commit on ``done``."""
    def say(word: tuple[Any, ...]) -> None:
        try:
            out.write(pickle.dumps(word, protocol=pickle.HIGHEST_PROTOCOL))
            out.flush()
        except OSError:
            pass  # the parent has gone: nothing to tell

    try:
        path, keep, batch_size = pickle.load(inp)  # the parent's first word
    except (EOFError, OSError, pickle.UnpicklingError):
        return  # the parent has gone before it said anything
    try:
        store = SQLiteStore(path, change_log_keep=keep)
        try:
            session = store.import_session(
                threaded=False, cache_kb=CHILD_CACHE_KB, checkpoint_at_commit=False
            )
        finally:
            store.close()
        assert session is not None, "a file store has sessions"
    except BaseException as exc:
        say(("error", _portable(exc)))
        return
    say(("ready", None))
    results: dict[str, UpsertResult] = defaultdict(UpsertResult)
    error: BaseException | None = None

    def write(what: str, items: list[list[Any]]) -> None:
        results[what] += write_columns(session, what, items)

    batcher = Batcher(batch_size, write)
    last: Any = ABORT
    with collector_paused():
        while True:
            try:
                message = pickle.load(inp)  # our own parent's pipe
            except (EOFError, OSError, pickle.UnpicklingError):
                break  # the parent has gone: roll back
            if isinstance(message, str):
                last = message
                break
            if error is None:
                try:
                    batcher.add(block_items(message) if isinstance(message, tuple) else message)
                except BaseException as exc:  # told at the end
                    error = exc
        if last == DONE and error is None:
            try:
                batcher.finish()
                session.commit()
            except BaseException as exc:
                error = exc
    if last != DONE or error is not None:
        session.rollback()
        say(("error", _portable(error) if error else WriteProcessError("aborted")))
        return
    say(("done", dict(results)))
    out.close()  # the parent goes on: the import is committed and visible
    checkpoint(path)


def main() -> None:
    """The child's entry point (started by :class:`ProcessStream`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to decide
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write on the parent's channel
    serve(inp, out)
