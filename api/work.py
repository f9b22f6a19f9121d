"""Heavy work off the event loop, and stopped when its request gives up.

Reports, metrics, deep ego networks, maps, exports and imports run on a small lane of
worker threads (:attr:`api.deps.AppState.heavy_lane`), so ``/health`` and cheap reads keep
answering while they run. When the request is cancelled (the 504 of
:class:`api.limits.LimitsMiddleware`, or a client that went away) the work is stopped:
:class:`WorkCancelled` is raised inside the worker thread at its next Python instruction,
so no core stays busy for minutes on an answer nobody will read.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from anyio import CapacityLimiter

T = TypeVar("T")

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int


class WorkCancelled(BaseException):
    """Raised inside a worker thread whose request was cancelled (a BaseException, so that
    ``except Exception`` in analytics code does not swallow it)."""


_running_lock = threading.Lock()
_running = 0


def jobs_running() -> int:
    """Calls of :func:`run_bounded` still executing, including those whose request has
    gone and which have not yet reached the point where they stop."""
    return _running


class _Job:
    """One call on a worker thread that the awaiting side may stop."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.lock = threading.Lock()
        self.thread: int | None = None
        self.done = False

    def run(self) -> object:
        global _running
        with _running_lock:
            _running += 1
        try:
            return self._run()
        finally:  # no stop can be pending here: _run withdrew any, and done is set
            with _running_lock:
                _running -= 1

    def _run(self) -> object:
        with self.lock:
            self.thread = threading.get_ident()
        try:
            return self.fn()
        finally:
            with self.lock:
                self.done = True
                # a stop that arrived too late to be raised is withdrawn, so it can never
                # fire in whatever this pooled thread runs next
                _set_async_exc(ctypes.c_ulong(threading.get_ident()), ctypes.py_object())

    def stop(self) -> bool:
        """Raise :class:`WorkCancelled` in the thread if the call is still running."""
        with self.lock:
            if self.done or self.thread is None:
                return False
            _set_async_exc(ctypes.c_ulong(self.thread), ctypes.py_object(WorkCancelled))
            return True


async def run_bounded(fn: Callable[[], T], limiter: CapacityLimiter | None = None) -> T:
    """Run ``fn`` on a worker thread; if the awaiting request is cancelled, stop ``fn`` too
    (instead of waiting for it, as a plain ``to_thread.run_sync`` does)."""
    job = _Job(fn)
    try:
        result = await anyio.to_thread.run_sync(job.run, limiter=limiter, abandon_on_cancel=True)
    except anyio.get_cancelled_exc_class():
        job.stop()
        raise
    return result  # type: ignore[return-value]
