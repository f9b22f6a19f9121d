"""Full passes of the cyclic garbage collector at quiet moments, in a serving process.

Automatic full passes stall every thread for as long as they walk the heap, and heavy
requests set them off over and over while they build large structures (see
:mod:`graph.heap`): a dozen passes of up to 0.56 s during one burst of ``/metrics`` calls.
The server turns them off and runs :meth:`Collector.run` beside the event loop instead:

- a **pass** runs when the process has grown by a quarter since the last one (the
  interpreter's own rule, "long-lived objects grew by 25 %", measured on resident memory
  instead of counted objects) and no heavy work has been in flight for ``quiet_s``: the
  structures those requests built are garbage by then, and are walked once, not a dozen
  times. What survives the pass (caches, the app) is then frozen (``gc.freeze``), so the
  next pass walks only what is new;
- a **deep pass** (unfreeze, collect, freeze) every ``deep_every_s`` reclaims cycles that
  died after they were frozen (an evicted cache entry), so nothing leaks for longer;
- under constant load a pass runs anyway once the last one is ``at_most_s`` old.

Young passes stay automatic: each walks at most a few thousand new objects.
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
        quiet_s: float = 2.0,
        growth: float = 0.25,
        at_most_s: float = 600.0,
        deep_every_s: float = 600.0,
        after_young: int = 10,
    ) -> None:
        self.busy = busy
        self.every_s = every_s
        self.quiet_s = quiet_s
        self.growth = growth
        self.at_most_s = at_most_s
        self.deep_every_s = deep_every_s
        self.after_young = after_young
        self.passes = 0
        self.deep_passes = 0
        self._last = self._last_deep = time.monotonic()
        self._quiet_since: float | None = None
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
        """The process grew by ``growth`` since the last pass (or cannot tell)."""
        size = resident_bytes()
        return size is None or self._size is None or size >= self._size * (1 + self.growth)

    def step(self, now: float | None = None) -> bool:
        """One check; True when it made a pass (see the module's docstring for when)."""
        now = time.monotonic() if now is None else now
        if self.busy():
            self._quiet_since = None
        elif self._quiet_since is None:
            self._quiet_since = now
        quiet = self._quiet_since is not None and now - self._quiet_since >= self.quiet_s
        if gc.get_count()[2] < self.after_young:
            return False  # hardly anything reached the oldest generation: nothing to find
        overdue = now - self._last >= self.at_most_s
        if not overdue and not (quiet and self.grown()):
            return False
        if now - self._last_deep >= self.deep_every_s:
            gc.unfreeze()
            self._last_deep = now
            self.deep_passes += 1
        gc.collect()
        gc.freeze()
        self._last = now
        self._size = resident_bytes()
        self.passes += 1
        return True

    async def run(self) -> None:
        """Check every ``every_s`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.every_s)
            self.step()
