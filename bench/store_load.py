"""Store load rates against each backend's own ceiling, measured in the same run.

    python bench/store_load.py [--nodes 100000] [--rels 500000] [--sweep] [--quick] [--json]

For each store: upsert N nodes and M relationships (rows/s), handed over as validated
records (what the writer gives the stores; validation is the caller's and is timed apart,
``validation_s``), then the projection's build time and peak memory. Beside it, the
ceilings for the same rows and transaction size: on the embedded side a bare
``executemany`` into the store's own schema, and the *physical* ceiling, a bare
``executemany`` into a minimal schema (nodes keyed on an integer, relationships on the
integer keys of their ends, properties as JSON text, no other index); on the Bolt side one
bare ``UNWIND ... MERGE`` statement per batch on the same server (ArcadeDB from the
arcadedb-embedded wheel, started here). ``ratio`` = our rate / the ceiling's. The embedded
rates are also given per second of this process's CPU time (``*_cpu_*``), which other
jobs on a shared machine disturb less than wall time. ``--sweep`` tries Bolt batch sizes.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit_json, print_table, scratch_dir  # noqa: E402
from graph.bolt_store import BoltStore  # noqa: E402
from graph.records import (  # noqa: E402
    NodeRecord,
    RelRecord,
    validate_nodes,
    validate_relationships,
)
from graph.sqlite_store import CONNECTION_PRAGMAS, SQLiteStore  # noqa: E402
from graph.store import GraphStore, Row  # noqa: E402


def make_rows(n: int, m: int, seed: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    nodes = [{"id": f"p{i}", "name": f"Person {i}", "email": f"p{i}@example.org"} for i in range(n)]
    rels = []
    seen = set()
    while len(rels) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b and (a, b) not in seen:
            seen.add((a, b))
            rels.append({"source": f"p{a}", "target": f"p{b}", "strength": round(rng.random(), 2)})
    return nodes, rels


def as_records(
    nodes: list[dict[str, Any]], rels: list[dict[str, Any]]
) -> tuple[list[NodeRecord], list[RelRecord], float]:
    """The rows validated as the writer hands them to a store, and the seconds it took."""
    start = time.perf_counter()
    node_recs = validate_nodes("Person", nodes)
    rel_recs = validate_relationships("KNOWS", rels)
    return node_recs, rel_recs, time.perf_counter() - start


def timed_upsert(
    store: GraphStore, nodes: Sequence[Row], rels: Sequence[Row], batch: int
) -> tuple[float, float]:
    start = time.perf_counter()
    for i in range(0, len(nodes), batch):
        store.upsert_nodes("Person", nodes[i : i + batch])
    mid = time.perf_counter()
    for i in range(0, len(rels), batch):
        store.upsert_relationships("KNOWS", rels[i : i + batch])
    return mid - start, time.perf_counter() - mid


def sqlite_ceiling(
    path: Path, nodes: list[dict[str, Any]], rels: list[dict[str, Any]], batch: int
) -> tuple[float, float]:
    """Bare executemany of the same rows into the same schema, a transaction per batch."""
    SQLiteStore(path).close()  # same schema, same pragmas
    return _bare_executemany(path, nodes, rels, batch)


PHYSICAL_SCHEMA = """
CREATE TABLE nodes (nk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
                    props TEXT NOT NULL);
CREATE TABLE rels (source INTEGER NOT NULL, target INTEGER NOT NULL, type TEXT NOT NULL,
                   key TEXT NOT NULL, props TEXT NOT NULL,
                   PRIMARY KEY (source, target, type, key)) WITHOUT ROWID;
"""


def physical_ceiling(
    path: Path, nodes: list[dict[str, Any]], rels: list[dict[str, Any]], batch: int
) -> tuple[float, float]:
    """Bare executemany of the same rows into the minimal integer-keyed schema."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(PHYSICAL_SCHEMA)
    conn.close()
    return _bare_executemany(path, nodes, rels, batch)


def _bare_executemany(
    path: Path, nodes: list[dict[str, Any]], rels: list[dict[str, Any]], batch: int
) -> tuple[float, float]:
    """Insert the rows with one executemany per batch, a transaction each; relationships
    reference the nodes' integer keys (known from the node inserts)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in CONNECTION_PRAGMAS:  # the store's own page cache and checkpoints: fair
        conn.execute(pragma)
    dumps = json.dumps
    key: dict[str, int] = {}
    start = time.perf_counter()
    for i in range(0, len(nodes), batch):
        part = nodes[i : i + batch]
        rows = []
        for r in part:
            nk = key[r["id"]] = len(key) + 1
            rows.append((nk, r["id"], dumps({"name": r["name"], "email": r["email"]})))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO nodes(nk, id, label, props) VALUES (?, ?, 'Person', ?)", rows)
        conn.execute("COMMIT")
    mid = time.perf_counter()
    for i in range(0, len(rels), batch):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO rels(source, target, type, key, props) VALUES (?, ?, 'KNOWS', '', ?)",
            [
                (key[r["source"]], key[r["target"]], dumps({"strength": r["strength"]}))
                for r in rels[i : i + batch]
            ],
        )
        conn.execute("COMMIT")
    end = time.perf_counter()
    conn.close()
    return mid - start, end - mid


def bolt_ceiling(
    store: BoltStore, nodes: list[dict[str, Any]], rels: list[dict[str, Any]], batch: int
) -> tuple[float, float]:
    """One bare UNWIND ... MERGE statement per batch, on the same server and driver."""
    driver = store._driver
    node_q = "UNWIND $rows AS row MERGE (n:Person {id: row.id}) SET n += row.props"
    rel_q = (
        "UNWIND $rows AS row MATCH (a:Person {id: row.source}) MATCH (b:Person {id: row.target}) "
        "MERGE (a)-[r:KNOWS {key: ''}]->(b) SET r += row.props"
    )
    start = time.perf_counter()
    for i in range(0, len(nodes), batch):
        rows = [
            {"id": r["id"], "props": {"name": r["name"], "email": r["email"]}}
            for r in nodes[i : i + batch]
        ]
        driver.execute_query(node_q, rows=rows, database_=store.database)
    mid = time.perf_counter()
    for i in range(0, len(rels), batch):
        rows = [
            {"source": r["source"], "target": r["target"], "props": {"strength": r["strength"]}}
            for r in rels[i : i + batch]
        ]
        driver.execute_query(rel_q, rows=rows, database_=store.database)
    return mid - start, time.perf_counter() - mid


def projection_cost(store: GraphStore) -> tuple[float, float]:
    """Build time, and how much the process's peak resident memory grew while building."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    g = store.projection()
    elapsed = time.perf_counter() - start
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    del g
    return elapsed, grew


def main() -> None:
    parser = argparse.ArgumentParser(description="store load rates vs each backend's ceiling")
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--rels", type=int, default=500_000)
    parser.add_argument("--batch", type=int, default=None, help="default: each store's default")
    parser.add_argument("--sweep", action="store_true", help="sweep Bolt batch sizes 1k-50k")
    parser.add_argument("--skip-bolt", action="store_true")
    parser.add_argument("--quick", action="store_true", help="5,000 nodes and 25,000 relationships")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.nodes, args.rels = 5_000, 25_000
    nodes, rels = make_rows(args.nodes, args.rels)
    total = len(nodes) + len(rels)
    figures: dict[str, Any] = {"nodes": len(nodes), "relationships": len(rels)}
    rows = []
    tmp = scratch_dir()

    node_recs, rel_recs, validation_s = as_records(nodes, rels)
    batch = args.batch or 20_000
    store = SQLiteStore(tmp / "ours.db")
    cpu = time.process_time()
    tn, tr = timed_upsert(store, node_recs, rel_recs, batch)
    ours_cpu = time.process_time() - cpu
    proj_s, proj_mb = projection_cost(store)
    store.close()
    cn, cr = sqlite_ceiling(tmp / "bare.db", nodes, rels, batch)
    cpu = time.process_time()
    pn, pr = physical_ceiling(tmp / "physical.db", nodes, rels, batch)
    physical_cpu = time.process_time() - cpu
    ours, ceiling, physical = total / (tn + tr), total / (cn + cr), total / (pn + pr)
    rows.append(
        [
            "embedded (SQLite)",
            batch,
            len(nodes) / tn,
            len(rels) / tr,
            ours,
            f"{ceiling:,.0f} / {physical:,.0f}",
            f"{ours / ceiling:.3f} / {ours / physical:.3f}",
            proj_s,
            proj_mb,
        ]
    )
    figures.update(
        {
            "validation_s": round(validation_s, 3),
            "embedded_rows_per_s": round(ours),
            "embedded_ceiling_rows_per_s": round(ceiling),
            "embedded_ratio": round(ours / ceiling, 3),
            "embedded_physical_rows_per_s": round(physical),
            "embedded_physical_ratio": round(ours / physical, 3),
            # on CPU time too, which other jobs on a shared machine disturb less
            "embedded_cpu_rows_per_s": round(total / ours_cpu),
            "embedded_physical_cpu_rows_per_s": round(total / physical_cpu),
            "embedded_physical_cpu_ratio": round(physical_cpu / ours_cpu, 3),
            "embedded_projection_s": round(proj_s, 3),
            "embedded_projection_peak_mb": round(proj_mb, 1),
        }
    )

    if not args.skip_bolt:
        from tests.support.arcadedb import arcadedb_server

        with arcadedb_server(tmp / "arcadedb") as server:

            def bolt(size: int) -> BoltStore:
                s = BoltStore(
                    server.uri,
                    user=server.user,
                    password=server.password,
                    database=server.database,
                    batch_size=size,
                )
                s.clear()
                return s

            from graph.bolt_store import DEFAULT_BATCH_SIZE

            sizes = (
                [1_000, 5_000, 20_000, 50_000] if args.sweep else [args.batch or DEFAULT_BATCH_SIZE]
            )
            sweep = []
            few_nodes, few_rels = (
                nodes[: len(nodes) // 2],
                [
                    r
                    for r in rels[: len(rels) // 5]
                    if int(r["source"][1:]) < len(nodes) // 2
                    and int(r["target"][1:]) < len(nodes) // 2
                ],
            )
            for size in sizes if args.sweep else []:  # the sweep runs on a part of the rows
                s = bolt(size)
                few_n, few_r, _ = as_records(few_nodes, few_rels)
                tn, tr = timed_upsert(s, few_n, few_r, size)
                sweep.append((size, (len(few_nodes) + len(few_rels)) / (tn + tr)))
                s.close()
            size = args.batch or DEFAULT_BATCH_SIZE
            s = bolt(size)
            # untimed warm-up of both write paths (the JVM compiles what it runs), so the
            # one measured first does not pay for it
            warm_nodes = nodes[: len(nodes) // 10]
            warm_ids = {r["id"] for r in warm_nodes}
            warm_rels = [r for r in rels if r["source"] in warm_ids and r["target"] in warm_ids]
            warm_n, warm_r, _ = as_records(warm_nodes, warm_rels)
            timed_upsert(s, warm_n, warm_r, size)
            s.clear()
            bolt_ceiling(s, warm_nodes, warm_rels, size)
            s.clear()
            tn, tr = timed_upsert(s, node_recs, rel_recs, size)
            ours = total / (tn + tr)
            proj_s, proj_mb = projection_cost(s)
            s.clear()
            cn, cr = bolt_ceiling(s, nodes, rels, size)
            s.close()
            ceiling = total / (cn + cr)
            rows.append(
                [
                    "Bolt (ArcadeDB)",
                    size,
                    len(nodes) / tn,
                    len(rels) / tr,
                    ours,
                    ceiling,
                    ours / ceiling,
                    proj_s,
                    proj_mb,
                ]
            )
            figures.update(
                {
                    "bolt_rows_per_s": round(ours),
                    "bolt_ceiling_rows_per_s": round(ceiling),
                    "bolt_ratio": round(ours / ceiling, 3),
                    "bolt_projection_s": round(proj_s, 3),
                    "bolt_projection_peak_mb": round(proj_mb, 1),
                    "bolt_batch": size,
                }
            )
            if sweep:
                best = max(r for _, r in sweep)
                at_default = dict(sweep).get(size)
                print_table(
                    f"Bolt batch-size sweep ({len(few_nodes):,} nodes + {len(few_rels):,} rels each)",
                    ["batch", "rows/s", "ratio to best"],
                    [[b, r, r / best] for b, r in sweep],
                )
                if at_default:
                    figures["bolt_default_vs_best_ratio"] = round(at_default / best, 3)

    print_table(
        f"store load: {len(nodes):,} nodes + {len(rels):,} relationships",
        [
            "store",
            "batch",
            "nodes/s",
            "rels/s",
            "rows/s",
            "ceiling rows/s (same schema / physical)",
            "ratio",
            "projection s",
            "projection peak RSS growth MB",
        ],
        rows,
    )
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()
