"""Who-knows-whom query speed on a large contact network, against plain NetworkX.

    python bench/paths.py [--orgs 10000] [--ties 1000000] [--pairs 200] [--quick] [--json]

Builds a projection of ORGS organizations, 10 people each, and TIES KNOWS ties (mostly
within organizations and their neighbourhoods, some long-range), then times top-3
introduction paths for random pairs (including unreachable people and pairs 5+ hops apart):
p50/p95 per query and peak memory. Beside it, on 20 of those pairs, the baseline
``islice(nx.shortest_simple_paths(G, s, t, weight="cost"), 3)`` on the same contact graph,
and the speed-up.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402

from bench._common import emit_json, peak_rss_mb, print_table  # noqa: E402
from graph.projection import build_projection  # noqa: E402
from graph.records import NodeRecord, RelRecord  # noqa: E402
from graph.vocabulary import NodeLabel, RelType  # noqa: E402
from queries.contact_graph import CACHE  # noqa: E402
from queries.paths import SOURCE, TARGET, introduction_paths  # noqa: E402


def synthetic(orgs: int, ties: int, seed: int = 3) -> nx.MultiDiGraph:
    """Organizations with 10 people each; ties mostly local (small-world), some random."""
    rng = random.Random(seed)
    people = orgs * 10
    nodes = [NodeRecord(NodeLabel.ORGANIZATION, f"o{i}", {"name": f"Org {i}"}) for i in range(orgs)]
    nodes += [NodeRecord(NodeLabel.PERSON, f"p{i}", {"name": f"Person {i}"}) for i in range(people)]
    rels = [RelRecord(RelType.WORKS_AT, f"p{i}", f"o{i // 10}", "", {}) for i in range(people - 50)]
    seen: set[tuple[int, int]] = set()
    while len(seen) < ties:
        a = rng.randrange(people - 50)  # the last 50 people know nobody: unreachable pairs
        b = (
            (a + rng.randint(1, 400)) % (people - 50)
            if rng.random() < 0.9
            else rng.randrange(people - 50)
        )
        if a != b and (a, b) not in seen:
            seen.add((a, b))
    rels += [
        RelRecord(
            RelType.KNOWS, f"p{a}", f"p{b}", "", {"strength": round(rng.uniform(0.1, 0.95), 2)}
        )
        for a, b in seen
    ]
    return build_projection(nodes, rels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--baseline-pairs", type=int, default=20)
    parser.add_argument(
        "--quick", action="store_true", help="1,000 organizations, 50,000 ties, 40 pairs"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.orgs, args.ties, args.pairs, args.baseline_pairs = 1_000, 50_000, 40, 5
    t0 = time.perf_counter()
    g = synthetic(args.orgs, args.ties)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    contacts = CACHE.get(g).graph
    contact_s = time.perf_counter() - t0
    rng = random.Random(11)
    n_people = args.orgs * 10
    pairs = [
        (f"p{rng.randrange(n_people)}", f"p{rng.randrange(n_people)}") for _ in range(args.pairs)
    ]
    pairs[:5] = [(f"p{n_people - 1 - i}", "p0") for i in range(5)]  # unreachable
    times: list[float] = []
    hops: list[int] = []
    for s, t in pairs:
        start = time.perf_counter()
        result = introduction_paths(g, s, t, k=3, max_hops=100)
        times.append((time.perf_counter() - start) * 1000)
        hops.append(len(result.paths[0].hops) if result.paths else 0)
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[18]
    base: list[float] = []
    ours_same: list[float] = []
    for s, t in pairs[5 : 5 + args.baseline_pairs]:
        h = contacts  # the baseline runs on the same contact graph (endpoints added, then removed)
        h.add_edge(SOURCE, s, cost=0.0)
        h.add_edge(t, TARGET, cost=0.0)
        start = time.perf_counter()
        list(islice(nx.shortest_simple_paths(h, SOURCE, TARGET, weight="cost"), 3))
        base.append((time.perf_counter() - start) * 1000)
        h.remove_node(SOURCE)
        h.remove_node(TARGET)
        start = time.perf_counter()
        introduction_paths(g, s, t, k=3, max_hops=100)
        ours_same.append((time.perf_counter() - start) * 1000)
    speedup = statistics.mean(base) / statistics.mean(ours_same)
    far = sum(1 for x in hops if x >= 5)
    print_table(
        f"top-3 introduction paths: {args.orgs:,} organizations, {n_people:,} people, "
        f"{args.ties:,} KNOWS ties (projection {build_s:.1f} s, contact graph {contact_s:.1f} s)",
        ["measure", "value"],
        [
            ["pairs", len(pairs)],
            ["unreachable pairs", sum(1 for x in hops if x == 0)],
            ["pairs 5+ hops apart", far],
            ["p50 ms", p50],
            ["p95 ms", p95],
            ["peak memory MB", peak_rss_mb()],
            [f"baseline mean ms ({len(base)} pairs)", statistics.mean(base)],
            ["ours on the same pairs, mean ms", statistics.mean(ours_same)],
            ["speed-up ratio", speedup],
        ],
    )
    if args.json:
        figures: dict[str, Any] = {
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "peak_mb": round(peak_rss_mb(), 1),
            "baseline_mean_ms": round(statistics.mean(base), 2),
            "ours_mean_ms": round(statistics.mean(ours_same), 2),
            "speedup_ratio": round(speedup, 2),
            "projection_build_s": round(build_s, 2),
            "contact_graph_s": round(contact_s, 2),
            "pairs": len(pairs),
        }
        emit_json(figures)


if __name__ == "__main__":
    main()
