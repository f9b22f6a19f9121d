"""Who decides when the cyclic garbage collector makes its full passes.

CPython's collector holds the interpreter lock for a whole pass, and a full pass walks every
tracked object that is not frozen. By default it starts one whenever the objects that
survived young passes grow by a quarter, so a request that builds a large structure (a
contact network, a map, a parsed upload) triggers a series of full passes over that growing
structure, each longer than the last: 70 ms to 560 ms in one ``/metrics`` call, every one a
stall of every other thread, the event loop included.

A serving process therefore turns *automatic* full passes off (:func:`manage_full_passes`;
young passes stay automatic and cost little, their size bounded by the thresholds) and makes
its full passes itself at quiet moments (:class:`api.collector.Collector`). Code that used to
switch the collector off around bulk allocation (:func:`collector_paused`) then leaves it
on: switched off, every object allocated meanwhile, by any thread, would pile up in the
youngest generation and the next young pass would walk all of them in one go.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: a third-generation threshold no process reaches: full passes never start on their own
NEVER = 1 << 30

_lock = threading.Lock()
_pausers = 0
_resume = False


def full_passes_managed() -> bool:
    """True when this process makes its full passes itself (automatic ones are off)."""
    return gc.get_threshold()[2] >= NEVER


def manage_full_passes(managed: bool, previous: int = 10) -> int:
    """Turn automatic full passes off (``managed``) or back on with threshold ``previous``;
    returns the third-generation threshold that was in force."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER if managed else previous)
    return old


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while bulk work allocates many objects that hold no cycles
    (the command line's loads), unless full passes are managed (then nothing to pause).

    Counted across threads: the collector is switched back on when the last pauser ends,
    and only if it was on when the first began.
    """
    global _pausers, _resume
    if full_passes_managed():
        yield
        return
    with _lock:
        if _pausers == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pausers += 1
    try:
        yield
    finally:
        with _lock:
            _pausers -= 1
            if _pausers == 0 and _resume:
                gc.enable()
