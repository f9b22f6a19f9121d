"""The loader's speed and memory on a large contacts CSV, against the store's bare upsert.

    python bench/loader.py [--rows 1000000] [--skip-bolt] [--quick] [--json]

Generates a CRM contacts export (Contact ID, Full Name, Email, Company, Job Title, Since;
ROWS people across ROWS/100 companies), then loads it with the shipped mapping
(loaders/mappings/contacts.yaml) into the embedded store and through the Bolt store
(ArcadeDB, started here): rows/s and peak memory. Beside it, the same store's own upsert of
the same people, organizations and WORKS_AT rows handed over ready-made (no reading,
mapping, validation passes or resolution): ``ratio`` = loader rate / bare upsert rate, the
loader's overhead. Each load runs in its own process so peak memory is its own (VmHWM:
``ru_maxrss`` would carry over the peak of the parent, which runs the Bolt server's JVM).
The Bolt server gets an untimed warm-up load first, so that neither measured run pays for
the JVM's start (the first run on a cold server was up to twice as slow). The clock starts
once the modules are imported, for both runs. Beside the wall time, the CPU time of the
whole load and of its main thread: on the embedded store the main thread runs pass 1 while
a writing process (graph/write_process.py, for a file this large) writes on the other
core; its CPU and peak memory are its own figures, and the load's peak is the two peaks
added (they run at once). The clock stops when the load returns: the import is committed
and visible then; the writing process may still be copying its write-ahead log into the
database file (a checkpoint, which holds up no reader or writer), and its CPU for that
is counted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit_json, print_table, scratch_dir  # noqa: E402

MAPPING = Path(__file__).resolve().parents[1] / "loaders" / "mappings" / "contacts.yaml"
WARM_UP_ROWS = 50_000


def write_csv(path: Path, rows: int) -> None:
    companies = max(1, rows // 100)
    with path.open("w", encoding="utf-8") as f:
        f.write("Contact ID,Full Name,Email,Company,Job Title,Since\n")
        for i in range(rows):
            f.write(
                f"{i},Person {i},p{i}@example.org,Company {i % companies} Ltd,Analyst,2020-01-01\n"
            )


def _peak_mb() -> float:
    """This process's own peak resident memory in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _store(kind: str, where: str, bolt: dict[str, str] | None) -> Any:
    if kind == "embedded":
        from graph.sqlite_store import SQLiteStore

        return SQLiteStore(where)
    from graph.bolt_store import BoltStore

    assert bolt is not None
    store = BoltStore(
        bolt["uri"], user=bolt["user"], password=bolt["password"], database=bolt["database"]
    )
    store.clear()
    return store


def _run(
    mode: str, kind: str, where: str, csv_path: str, bolt: dict[str, str] | None, out: Any
) -> None:
    with open(csv_path, encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    store = _store(kind, where, bolt)
    from loaders.pipeline import load_path  # imported before the clock starts, as the store is

    start, cpu, main_cpu = time.perf_counter(), time.process_time(), time.thread_time()
    if mode == "loader":
        report = load_path(store, csv_path, MAPPING, batch_size=20_000)
        assert report.written and not report.rejections, report.table()
    else:
        companies = max(1, rows // 100)
        orgs = [
            {"id": f"org-company-{c}-ltd", "name": f"Company {c} Ltd"} for c in range(companies)
        ]
        store.upsert_nodes("Organization", orgs)
        for i in range(0, rows, 20_000):
            chunk = range(i, min(rows, i + 20_000))
            store.upsert_nodes(
                "Person",
                [
                    {
                        "id": f"person-{j}",
                        "name": f"Person {j}",
                        "email": f"p{j}@example.org",
                        "title": "Analyst",
                    }
                    for j in chunk
                ],
            )
        for i in range(0, rows, 20_000):
            chunk = range(i, min(rows, i + 20_000))
            store.upsert_relationships(
                "WORKS_AT",
                [
                    {
                        "source": f"person-{j}",
                        "target": f"org-company-{j % companies}-ltd",
                        "title": "Analyst",
                        "since": "2020-01-01",
                    }
                    for j in chunk
                ],
            )
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    main_cpu = time.thread_time() - main_cpu
    store.close()
    from graph.write_process import wait_for_writers

    # the writing process of a large import (graph/write_process.py): committed when the
    # load returned, maybe still checkpointing; waited for, so that its CPU is counted
    wait_for_writers()
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    writer_peak = child.ru_maxrss / 1024
    out.put(
        {
            "rows": rows,
            "seconds": elapsed,
            "cpu_seconds": cpu + child.ru_utime + child.ru_stime,
            "main_cpu_seconds": main_cpu,
            "writer_cpu_seconds": child.ru_utime + child.ru_stime,
            "writer_peak_mb": writer_peak,
            # both run at once: their peaks added bound the import's memory from above
            "peak_mb": _peak_mb() + writer_peak,
        }
    )


def measure(
    mode: str, kind: str, where: Path, csv_path: Path, bolt: dict[str, str] | None
) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run, args=(mode, kind, str(where), str(csv_path), bolt, queue))
    proc.start()
    result = queue.get(timeout=7200)
    proc.join()
    return result


def _row(
    table: list[list[Any]], store: str, loader: dict[str, float], bare: dict[str, float]
) -> float:
    """Add one store's line to the table; the loader's rate over the bare upsert's."""
    ratio = (loader["rows"] / loader["seconds"]) / (bare["rows"] / bare["seconds"])
    table.append(
        [
            store,
            loader["rows"],
            loader["rows"] / loader["seconds"],
            loader["seconds"],
            loader["cpu_seconds"],
            loader["main_cpu_seconds"],
            loader["writer_cpu_seconds"],
            loader["peak_mb"],
            bare["rows"] / bare["seconds"],
            ratio,
        ]
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--bolt-rows", type=int, default=None, help="rows for the Bolt store (default: --rows)"
    )
    parser.add_argument("--skip-bolt", action="store_true")
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rows = 20_000
    tmp = scratch_dir()
    csv_path = tmp / "contacts.csv"
    write_csv(csv_path, args.rows)
    rows_table, figures = [], {"rows": args.rows}
    loader = measure("loader", "embedded", tmp / "loader.db", csv_path, None)
    bare = measure("bare", "embedded", tmp / "bare.db", csv_path, None)
    ratio = _row(rows_table, "embedded", loader, bare)
    figures.update(
        {
            "embedded_rows_per_s": round(loader["rows"] / loader["seconds"]),
            "embedded_s": round(loader["seconds"], 2),
            # CPU seconds of the loader's process and its writing process: above the wall
            # time when the write overlapped pass 1 on the second core
            "embedded_cpu_s": round(loader["cpu_seconds"], 2),
            # of which the main thread's: pass 1 (read, map, validate, resolve)
            "embedded_main_thread_cpu_s": round(loader["main_cpu_seconds"], 2),
            # and the writing process's: the batches' Python and SQLite
            "embedded_writer_cpu_s": round(loader["writer_cpu_seconds"], 2),
            # the loader's peak plus its writing process's
            "embedded_peak_mb": round(loader["peak_mb"]),
            "embedded_writer_peak_mb": round(loader["writer_peak_mb"]),
            "embedded_overhead_ratio": round(ratio, 3),
            "embedded_bare_rows_per_s": round(bare["rows"] / bare["seconds"]),
        }
    )
    if not args.skip_bolt:
        from tests.support.arcadedb import arcadedb_server

        bolt_csv = csv_path
        if args.bolt_rows and args.bolt_rows != args.rows:
            bolt_csv = tmp / "contacts-bolt.csv"
            write_csv(bolt_csv, args.bolt_rows)
        warm_csv = tmp / "contacts-warm-up.csv"
        write_csv(warm_csv, min(WARM_UP_ROWS, args.bolt_rows or args.rows))
        with arcadedb_server(tmp / "arcadedb") as server:
            bolt = {
                "uri": server.uri,
                "user": server.user,
                "password": server.password,
                "database": server.database,
            }
            measure("bare", "bolt", tmp, warm_csv, bolt)  # untimed: JIT and caches warm
            loader = measure("loader", "bolt", tmp, bolt_csv, bolt)
            bare = measure("bare", "bolt", tmp, bolt_csv, bolt)
        ratio = _row(rows_table, "Bolt (ArcadeDB)", loader, bare)
        figures.update(
            {
                "bolt_rows_per_s": round(loader["rows"] / loader["seconds"]),
                "bolt_peak_mb": round(loader["peak_mb"]),
                "bolt_overhead_ratio": round(ratio, 3),
            }
        )
    load = os.getloadavg()[0]
    print_table(
        f"contacts CSV through the loader vs the store's bare upsert (load average {load:.2f})",
        [
            "store",
            "CSV rows",
            "loader rows/s",
            "loader wall s",
            "loader CPU s",
            "main thread CPU s",
            "writing process CPU s",
            "loader peak MB",
            "bare upsert rows/s",
            "ratio",
        ],
        rows_table,
    )
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()
