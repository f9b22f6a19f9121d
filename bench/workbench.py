"""The workbench in the browser: time to interactive, search as you type, label overlap.

    python bench/workbench.py [--entities 100000] [--queries 300] [--quick] [--json]

- ``dashboard_interactive_s``: the portfolio dashboard (``/app/portfolio/org-focal``, the
  sample portfolio) from navigation until its page is interactive, warm (median of 5 after
  one load); baseline: the same report fetched as bare JSON by the same browser.
- ``map_2000_interactive_s``: building, rendering and opening a 2,000-node map until it is
  drawn and interactive, warm (median of 3); baseline: the same at 200 nodes.
- ``search_p95_ms``: ``/app/search.json`` over HTTP on loopback with 100,000 entities, one
  request per keystroke of names typed letter by letter; baseline: the API's name filter
  (``/organizations?q=``, a scan of every node) on the same keystrokes (fewer of them).
- ``label_overlap_ratio``: on the sample portfolio map at its initial zoom, the share of
  drawn labels whose box (measured in the browser) overlaps another drawn label; baseline:
  the same for every node's label, as vis-network drew them before.

The machine is shared: figures move by tens of percent from run to run.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bench._common import emit_json, print_table, scratch_dir  # noqa: E402
from tests.support.chromium import ARGS, CHROMIUM  # noqa: E402

WORDS = ["alpha", "amber", "andes", "aqua", "atlas", "aurora", "beacon", "birch", "blue", "boreal", "cedar", "civic", "clear", "coastal", "delta", "ember", "falcon", "fjord", "forest", "gamma", "granite", "green", "harbor", "helix", "horizon", "indigo", "iris", "juniper", "kestrel", "lumen", "maple", "meridian", "nimbus", "nordic", "north", "oak", "opal", "orbit", "pioneer", "quarry", "quantum", "river", "sierra", "solace", "summit", "tidal", "umbra", "unity", "verde", "vista", "willow", "yarrow", "zenith"]
SUFFIXES = ["GmbH", "Ltd", "Foundation", "Partners", "Institute", "S.A.", "Trust", "Group", "AG"]
FIRST = ["Ana", "Omar", "Leila", "Malik", "Elif", "Pierre", "Hugo", "Sakura", "Søren", "Tomás", "Li", "Amara", "Petra", "Ivan", "Noor"]
LAST = ["Zhang", "Costa", "Eriksen", "Nguyen", "Gómez", "Wei", "Osei", "Schmidt", "Fernández", "Rossi", "Mensah", "Novak"]


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def _app(db: Path, fill: Any) -> Any:
    from api.app import create_app
    from api.settings import Settings
    from graph.sqlite_store import SQLiteStore

    store = SQLiteStore(db)
    fill(store)
    return create_app(Settings(auth="none", db_path=db), store=store), store


def _big(store: Any, n: int, seed: int = 7) -> list[str]:
    """``n`` organizations and people with realistic-looking, repeating names."""
    rng = random.Random(seed)
    orgs = [
        {"id": f"o{i}", "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {rng.choice(SUFFIXES)}"}
        for i in range(n // 2)
    ]
    people = [{"id": f"p{i}", "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}"} for i in range(n - n // 2)]
    for start in range(0, len(orgs), 20_000):
        store.upsert_nodes("Organization", orgs[start : start + 20_000])
    for start in range(0, len(people), 20_000):
        store.upsert_nodes("Person", people[start : start + 20_000])
    return [d["name"] for d in orgs[:500] + people[:500]]


def _keystrokes(names: list[str], count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        name = rng.choice(names)
        out += [name[:k] for k in range(1, min(len(name), 14) + 1)]
    return out[:count]


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[94] if len(samples) > 1 else samples[0]


def bench_search(entities: int, queries: int) -> tuple[float, float, int]:
    tmp = scratch_dir()
    names: list[str] = []
    app, store = _app(tmp / "big.db", lambda s: names.extend(_big(s, entities)))
    server, thread, url = _serve(app)
    try:
        typed = _keystrokes(names, queries)
        with httpx.Client(base_url=url, timeout=60) as client:
            client.get("/app/search.json", params={"q": "a"})  # builds the index once
            ours = []
            for q in typed:
                start = time.perf_counter()
                r = client.get("/app/search.json", params={"q": q})
                ours.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200
            base = []
            for q in typed[: max(20, queries // 10)]:
                start = time.perf_counter()
                client.get("/organizations", params={"q": q, "page_size": 10})
                base.append((time.perf_counter() - start) * 1000)
        return _p95(ours), _p95(base), len(typed)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _ready(page: Any, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=120_000)
    return time.perf_counter() - start


def bench_pages(browser: Any, quick: bool) -> dict[str, float]:
    from bench.maps import graph, serve
    from samples import load_sample
    from visualizations import ASSETS_DIR, build_spec, render
    from visualizations.render import OWN_ASSETS, asset_path

    tmp = scratch_dir()
    app, store = _app(tmp / "sample.db", lambda s: load_sample(s, scale=1))
    server, thread, url = _serve(app)
    figures: dict[str, float] = {}
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        dash = url + "/app/portfolio/org-focal"
        _ready(page, dash)
        figures["dashboard_interactive_s"] = statistics.median(_ready(page, dash) for _ in range(3 if quick else 5))
        json_times = []
        for _ in range(3 if quick else 5):
            start = time.perf_counter()
            page.goto(url + "/portfolio/org-focal/report")
            json_times.append(time.perf_counter() - start)
        figures["dashboard_json_s"] = statistics.median(json_times)

        _ready(page, url + "/maps/portfolio")
        overlap = page.evaluate("window.agMap.labelOverlap()")
        boxes = page.evaluate("window.agMap.labels()")
        figures["label_overlap_ratio"] = _overlap_ratio(boxes)
        figures["labels_drawn"] = float(overlap["drawn"])
        every = page.evaluate(ALL_LABELS)
        figures["label_overlap_all_labels_ratio"] = _overlap_ratio(every)
        figures["labels_all"] = float(len(every))

        root = tmp / "maps"
        root.mkdir()
        for name in ("vis-network.min.js", "vis-network.css", *OWN_ASSETS):
            path = asset_path(name) or ASSETS_DIR / name
            (root / name).write_bytes(path.read_bytes())
        base, httpd = serve(root)

        def open_map(n: int, tag: str) -> float:
            g = graph(n)
            start = time.perf_counter()
            html = render(build_spec(g, list(g), title=f"{n} nodes"), assets_url=".")
            (root / f"{tag}.html").write_text(html, encoding="utf-8")
            return (time.perf_counter() - start) + _ready(page, f"{base}/{tag}.html")

        try:
            for n, key in ((2000, "map_2000_interactive_s"), (200, "map_200_interactive_s")):
                open_map(n, f"warm{n}")
                figures[key] = statistics.median(open_map(n, f"m{n}-{i}") for i in range(3))
        finally:
            httpd.shutdown()
    finally:
        page.close()
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
    return figures


#: every visible node's label box, placed as vis-network placed its own (under the node)
ALL_LABELS = """() => { const m = window.agMap, n = m.network, scale = n.getScale();
  const c = document.querySelector('#network canvas').getContext('2d'); c.font = '12px system-ui, sans-serif';
  const ids = m.nodeView.getIds(), pos = n.getPositions(ids);
  return ids.map(id => { const raw = m.raw(id), d = n.canvasToDOM(pos[id]), w = c.measureText(raw.l).width;
    return {x: d.x - w / 2 - 2, y: d.y + (raw.s || 10) * scale + 2, w: w + 4, h: 16}; }); }"""


def _overlap_ratio(boxes: list[dict[str, float]]) -> float:
    """The share of boxes that overlap at least one other box."""
    if not boxes:
        return 0.0
    hit = 0
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes):
            if i != j and a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]:
                hit += 1
                break
    return hit / len(boxes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="10,000 entities, fewer runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    entities = 10_000 if args.quick else args.entities
    queries = 100 if args.quick else args.queries

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            figures = bench_pages(browser, args.quick)
        finally:
            browser.close()
    ours, base, typed = bench_search(entities, queries)
    figures["search_p95_ms"] = ours
    figures["search_scan_p95_ms"] = base
    figures["search_entities"] = float(entities)

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    print_table(
        "The workbench in headless Chromium (warm; shared machine: expect noise)",
        ["measure", "ours", "baseline", "baseline is", "ratio"],
        [
            ["dashboard interactive (s)", figures["dashboard_interactive_s"], figures["dashboard_json_s"], "the report as bare JSON", ratio(figures["dashboard_interactive_s"], figures["dashboard_json_s"])],
            ["2,000-node map interactive (s)", figures["map_2000_interactive_s"], figures["map_200_interactive_s"], "the same at 200 nodes", ratio(figures["map_2000_interactive_s"], figures["map_200_interactive_s"])],
            [f"search p95 (ms, {entities:,} entities, {typed} keystrokes)", ours, base, "scan of every name (API q=)", ratio(ours, base)],
            [f"labels overlapping (share of {int(figures['labels_drawn'])} drawn)", figures["label_overlap_ratio"], figures["label_overlap_all_labels_ratio"], f"all {int(figures['labels_all'])} labels drawn", ratio(figures["label_overlap_ratio"], figures["label_overlap_all_labels_ratio"])],
        ],
    )
    if args.json:
        out = {k: round(v, 4) for k, v in figures.items() if k.endswith(("_s", "_ms", "ratio"))}
        out["search_to_scan_ratio"] = round(ratio(ours, base), 4)
        out["dashboard_to_json_ratio"] = round(ratio(figures["dashboard_interactive_s"], figures["dashboard_json_s"]), 4)
        out["map_2000_to_200_ratio"] = round(ratio(figures["map_2000_interactive_s"], figures["map_200_interactive_s"]), 4)
        emit_json(out)


if __name__ == "__main__":
    main()
