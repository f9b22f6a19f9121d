"""Run the ``alliancegraph`` command with a stall probe (``bench/api_hostile.py --stalls``).

A thread sleeps 1 ms at a time; when it wakes more than ``STALL_MS`` late, something held
the interpreter lock (or the machine did not run the process) that long, and it writes the
stall with every thread's innermost frames. Every garbage-collector pass over ``GC_MS`` is
written too. This is how the full collector passes and the 50 MB ``json.loads`` were found
(docs/api.md); the probe itself costs a little latency, so measure figures without it.

    python -m bench._stall_probe OUT.jsonl demo --port 0 ...
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
import traceback
from typing import Any, TextIO

STALL_MS = 25.0
GC_MS = 10.0


def _frames(me: int) -> list[str]:
    names = {t.ident: t.name for t in threading.enumerate()}
    out = []
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        stack = traceback.extract_stack(frame)[-4:]
        where = " <- ".join(
            f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(stack)
        )
        out.append(f"[{names.get(ident, '?')}] {where}")
    return out


def install(out: TextIO) -> None:
    """Start the probe thread and the collector callback, writing JSON lines to ``out``."""
    lock = threading.Lock()

    def write(record: dict[str, Any]) -> None:
        with lock:
            out.write(json.dumps(record) + "\n")
            out.flush()

    started: list[float] = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - started[0]) * 1000
        if ms > GC_MS:
            write({"gc": info["generation"], "ms": round(ms, 1), "at": time.time()})

    def watch() -> None:
        me = threading.get_ident()
        while True:
            start = time.perf_counter()
            time.sleep(0.001)
            ms = (time.perf_counter() - start) * 1000
            if ms > STALL_MS:
                write({"stall_ms": round(ms, 1), "at": time.time(), "threads": _frames(me)})

    gc.callbacks.append(on_gc)
    threading.Thread(target=watch, name="stall-probe", daemon=True).start()


def summary(path: str, since: float, until: float, top: int = 5) -> list[str]:
    """Lines for the stalls and collector passes between two wall-clock times."""
    stalls: list[dict[str, Any]] = []
    passes: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if not since <= record["at"] <= until:
                continue
            (stalls if "stall_ms" in record else passes).append(record)
    lines = [
        f"stalls over {STALL_MS:g} ms: {len(stalls)}, over 100 ms: "
        f"{sum(s['stall_ms'] > 100 for s in stalls)}; collector passes over {GC_MS:g} ms: "
        f"{len(passes)} (full: {sum(p['gc'] == 2 for p in passes)}, longest "
        f"{max((p['ms'] for p in passes), default=0):.0f} ms)"
    ]
    for s in sorted(stalls, key=lambda s: -s["stall_ms"])[:top]:
        busy = [t for t in s["threads"] if "queue.py" not in t and "selectors" not in t]
        lines.append(f"  {s['stall_ms']:.0f} ms: " + " | ".join(busy)[:300])
    return lines


if __name__ == "__main__":
    install(open(sys.argv[1], "a", encoding="utf-8"))  # noqa: SIM115 (open for the process)
    from api.cli.main import main

    sys.exit(main(sys.argv[2:]))
