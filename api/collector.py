"""Full passes of the cyclic garbage collector at quiet moments, in a serving process.

Automatic full passes stall every thread for as long as they walk the heap, and heavy
requests set them off over and over while they build large structures (see
:mod:`graph.heap`). The server turns them off and runs :meth:`Collector.run` beside the
event loop. A full pass is made when the process has grown by a quarter since the last one
(the interpreter's own rule, "long-lived objects grew by 25 %", measured on resident memory
instead of counted objects) and no heavy work is in flight, so the large structures those
requests built are gone and the pass walks only what stays; and, whatever the load, at
most ``at_most_s`` apart, so cyclic garbage cannot pile up without bound. Young passes
stay automatic: they walk at most a few thousand new objects each.

A full pass still walks every live object that is not frozen (caches of contact networks,
for instance): on the sample portfolio with its caches full, that was 0.8 s once after a
burst of heavy requests, instead of a dozen passes of up to 0.56 s during them.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from pathlib import Path

from graph.heap import manage_full_passes

_STATM = Path("/proc/self/statm")
_PAGE = 4096


def resident_bytes() -> int | None:
    """This process's resident memory (Linux), or ``None`` where it cannot be read."""
    try:
        return int(_STATM.read_text().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


class Collector:
    """Makes the full collector passes of a process whose automatic ones are off."""

    def __init__(
        self,
        busy: Callable[[], bool],
        *,
        every_s: float = 1.0,
        at_most_s: float = 600.0,
        growth: float = 0.25,
        after_young: int = 10,
    ) -> None:
        self.busy = busy
        self.every_s = every_s
        self.at_most_s = at_most_s
        self.growth = growth
        self.after_young = after_young
        self.passes = 0
        self._last = time.monotonic()
        self._size = resident_bytes()
        self._previous: int | None = None

    def install(self) -> None:
        """Turn the interpreter's automatic full passes off (young passes stay on)."""
        if self._previous is None:
            self._previous = manage_full_passes(True)

    def uninstall(self) -> None:
        """Give full passes back to the interpreter, with the threshold it had."""
        if self._previous is not None:
            manage_full_passes(False, self._previous)
            self._previous = None

    def grown(self) -> bool:
        """The process grew by ``growth`` since the last full pass (or cannot tell)."""
        size = resident_bytes()
        return size is None or self._size is None or size >= self._size * (1 + self.growth)

    def step(self, now: float | None = None) -> bool:
        """One check: a full pass when objects were promoted since the last one and either
        the process grew while nothing heavy runs, or the last pass is ``at_most_s`` old.
        True when it collected."""
        now = time.monotonic() if now is None else now
        if gc.get_count()[2] < self.after_young:
            return False  # hardly anything reached the oldest generation: nothing to find
        overdue = now - self._last >= self.at_most_s
        if not overdue and (self.busy() or not self.grown()):
            return False
        gc.collect()
        self._last = now
        self._size = resident_bytes()
        self.passes += 1
        return True

    async def run(self) -> None:
        """Check every ``every_s`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.every_s)
            self.step()
