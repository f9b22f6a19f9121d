"""The API under hostile load: one 50 MB import and six heavy requests in flight, and
``/health`` beside them; then how soon the server's CPU is idle after the 504s.

    python bench/api_hostile.py [--import-mb 50] [--timeout 10] [--quick] [--stalls] [--json]

Starts ``alliancegraph demo`` (the sample portfolio, embedded store) on a free loopback port
with ``ALLIANCEGRAPH_REQUEST_TIMEOUT_S`` set to ``--timeout``. First ``/health`` alone (the
baseline), then the same while a 50 MB portfolio document is imported (a dry run, so every
run sees the same store; it parses and validates every row) and six heavy requests run:
two ``/metrics``, two ``/maps/ego/org-focal?depth=3``, two portfolio reports on dates not
yet cached. Requests past the time limit are answered 504 and their work is stopped;
``cpu_idle_after_504_s`` is how long after the last answer the server process still used
more than a tenth of a core. Every loop is bounded in requests and seconds. ``--stalls``
runs the server under a stall probe and lists the longest stalls of the event loop with
what every thread was doing (figures measured with it are a little worse).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import demo_server, emit_json, print_table, scratch_dir  # noqa: E402

HEAVY = [
    "/metrics",
    "/metrics?top=10",
    "/maps/ego/org-focal?depth=3",
    "/maps/ego/alliance-000?depth=3",
    "/portfolio/org-focal/report?as_of=2024-01-01",
    "/portfolio/org-focal/report?as_of=2023-01-01",
]


def _document(megabytes: float) -> bytes:
    """A portfolio document of about ``megabytes`` MB: topics, each a valid row."""
    rows = []
    size = 0
    i = 0
    while size < megabytes * 1_000_000:
        row = json.dumps({"id": f"topic-bench-{i:08d}", "name": f"Bench topic number {i}"})
        rows.append(row)
        size += len(row) + 1
        i += 1
    head = '{"format":"alliancegraph-portfolio","version":1,"nodes":{"Topic":['
    return (head + ",".join(rows) + "]}}").encode()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _health_probe(url: str, stop: threading.Event, limit: int, out: list[float]) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set() and len(out) < limit:
            start = time.perf_counter()
            client.get("/health")
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.01)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--import-mb", type=float, default=50.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="the server's time limit")
    parser.add_argument("--quick", action="store_true", help="a 5 MB import, a 5 s limit")
    parser.add_argument(
        "--only", choices=("import", "heavy"), help="run only the import or only the six requests"
    )
    parser.add_argument(
        "--heavy-workers", type=int, default=None, help="the server's heavy lane (its default)"
    )
    parser.add_argument(
        "--stalls",
        action="store_true",
        help="run the server with a stall probe (bench/_stall_probe.py) and list what held "
        "the event loop up; the probe adds latency of its own",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    megabytes = 5.0 if args.quick else args.import_mb
    timeout = 5.0 if args.quick else args.timeout
    tmp = scratch_dir()
    env = {
        "ALLIANCEGRAPH_REQUEST_TIMEOUT_S": str(timeout),
        "ALLIANCEGRAPH_MAX_UPLOAD_MB": str(max(60.0, megabytes + 10)),
    }
    if args.heavy_workers:
        env["ALLIANCEGRAPH_HEAVY_WORKERS"] = str(args.heavy_workers)
    stall_log = tmp / "stalls.jsonl"
    command = (
        ("-m", "bench._stall_probe", str(stall_log)) if args.stalls else ("-m", "api.cli.main")
    )
    with demo_server(tmp / "h.db", env=env, command=command) as (url, server):
        import httpx

        document = _document(megabytes)
        httpx.get(url + "/health", timeout=60)

        baseline: list[float] = []
        _health_probe(url, threading.Event(), 300, baseline)

        results: dict[str, tuple[int, float]] = {}
        finished: list[float] = []

        def call(name: str, send: Any) -> None:
            start = time.perf_counter()
            try:
                status = send().status_code
            except httpx.HTTPError:
                status = 0
            results[name] = (status, time.perf_counter() - start)
            finished.append(time.monotonic())

        with httpx.Client(base_url=url, timeout=timeout + 120) as client:
            threads = (
                []
                if args.only == "heavy"
                else [
                    threading.Thread(
                        target=call,
                        args=(
                            f"POST /imports ({megabytes:g} MB, dry run)",
                            lambda: client.post(
                                "/imports?dry_run=true",
                                files={"file": ("bench.json", document)},
                                headers={"X-Requested-With": "bench"},
                            ),
                        ),
                    )
                ]
            )
            threads += [
                threading.Thread(target=call, args=(f"GET {p}", lambda p=p: client.get(p)))
                for p in ([] if args.only == "import" else HEAVY)
            ]
            during: list[float] = []
            stop = threading.Event()
            probe = threading.Thread(target=_health_probe, args=(url, stop, 100_000, during))
            load_started = time.time()
            for t in threads:
                t.start()
            probe.start()
            for t in threads:
                t.join(timeout=timeout + 300)
            stop.set()
            probe.join()
        last = max(finished) if finished else time.monotonic()
        # the server's CPU after the last answer: sampled every 100 ms until below a tenth
        # of a core over the sample, at most 60 s
        idle_after = float("nan")
        before = _cpu_seconds(server.pid)
        mark = time.monotonic()
        while time.monotonic() - last < 60:
            time.sleep(0.1)
            now_cpu, now = _cpu_seconds(server.pid), time.monotonic()
            if (now_cpu - before) / (now - mark) < 0.1:
                idle_after = max(0.0, mark - last)
                break
            before, mark = now_cpu, now

        base_p99 = _p(baseline, 0.99)
        rows: list[list[Any]] = [
            [
                "GET /health alone",
                len(baseline),
                statistics.median(baseline),
                base_p99,
                max(baseline),
                "",
                1.0,
            ],
            [
                "GET /health during the hostile load",
                len(during),
                statistics.median(during),
                _p(during, 0.99),
                max(during),
                "",
                _p(during, 0.99) / base_p99,
            ],
        ]
        for name, (status, seconds) in sorted(results.items()):
            rows.append([name, 1, seconds * 1000, seconds * 1000, seconds * 1000, status, ""])
        print_table(
            f"API under hostile load (sample portfolio, time limit {timeout:g} s; "
            "shared machine: figures are noisy)",
            ["request", "n", "p50 ms", "p99 ms", "max ms", "status", "p99 ratio to alone"],
            rows,
        )
        print(f"server CPU idle {idle_after:.2f} s after the last answer")
        if args.stalls:
            from bench._stall_probe import summary

            print("\nwhile the load ran (bench/_stall_probe.py):")
            print("\n".join(summary(str(stall_log), load_started, time.time())))
        if args.json:
            emit_json(
                {
                    "health_alone_p99_ms": round(base_p99, 1),
                    "health_during_p50_ms": round(statistics.median(during), 1),
                    "health_during_p99_ms": round(_p(during, 0.99), 1),
                    "health_during_max_ms": round(max(during), 1),
                    "health_during_ratio": round(_p(during, 0.99) / base_p99, 2),
                    "timeouts_504": sum(1 for s, _ in results.values() if s == 504),
                    "import_s": round(
                        next((s for n, (_, s) in results.items() if n.startswith("POST")), 0.0), 2
                    ),
                    "cpu_idle_after_504_s": round(idle_after, 2),
                }
            )


if __name__ == "__main__":
    main()
