"""Time to a stabilised, interactive map in headless Chromium: our maps against pyvis's
defaults on the same graph.

    python bench/maps.py [--sizes 200 2000 20000] [--cap 30] [--quick] [--json]

For each size a random small-world graph is drawn (two links per node). Ours: the map the
API serves (above 2,000 nodes it keeps the best-connected and says so; above 400 the layout
is computed in Python and physics is off). pyvis: ``Network()`` with its defaults (physics
on, nothing aggregated), its CDN links pointed at the same local files. Both pages are
served from a loopback HTTP server; "did not stabilise" means not within ``--cap`` seconds.
Also printed: HTML bytes per node and edge.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402

from bench._common import emit_json, print_table  # noqa: E402
from tests.support.chromium import ARGS, CHROMIUM  # noqa: E402
from visualizations import ASSETS_DIR, build_spec, render  # noqa: E402


def graph(n: int) -> nx.MultiDiGraph:
    base = nx.connected_watts_strogatz_graph(n, 4, 0.1, seed=1)
    g = nx.MultiDiGraph()
    for v in base:
        g.add_node(f"n{v}", label="Organization" if v % 10 else "Alliance", name=f"Node {v}")
    for u, v in base.edges():
        g.add_edge(f"n{u}", f"n{v}", key="COLLABORATED_WITH", type="COLLABORATED_WITH", rel_key="")
    return g


def pyvis_html(g: nx.MultiDiGraph) -> str:
    from pyvis.network import Network

    net = Network(height="800px", width="100%", cdn_resources="remote")
    net.from_nx(nx.Graph(g))
    html = net.generate_html()
    html = re.sub(r'https://[^"\']+vis-network[^"\']*\.js', "vis-network.min.js", html)
    html = re.sub(r'https://[^"\']+vis-network[^"\']*\.css', "vis-network.css", html)
    return re.sub(r"<(link|script)[^>]+https://[^>]+>(</script>)?", "", html)  # bootstrap etc.


def serve(root: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def time_ours(page: Any, url: str, cap: float) -> float | None:
    start = time.perf_counter()
    page.goto(url)
    try:
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=cap * 1000)
    except Exception:  # noqa: BLE001 - Playwright's timeout
        return None
    return time.perf_counter() - start


def time_pyvis(page: Any, url: str, cap: float) -> float | None:
    start = time.perf_counter()
    page.goto(url, timeout=cap * 1000)
    try:
        page.wait_for_function("typeof network !== 'undefined'", timeout=cap * 1000)
    except Exception:  # noqa: BLE001 - Playwright's timeout: the page never even drew
        return None
    left = max(0.1, cap - (time.perf_counter() - start))
    done = page.evaluate(
        """(ms) => new Promise(resolve => {
            if (network.physics && network.physics.stabilized) { resolve(true); return; }
            const t = setTimeout(() => resolve(false), ms);
            network.once('stabilized', () => { clearTimeout(t); resolve(true); });
            network.once('stabilizationIterationsDone', () => { clearTimeout(t); resolve(true); });
        })""",
        int(left * 1000),
    )
    return time.perf_counter() - start if done else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2_000, 20_000])
    parser.add_argument(
        "--cap", type=float, default=30.0, help="seconds before 'did not stabilise'"
    )
    parser.add_argument("--quick", action="store_true", help="sizes 200 and 2,000, cap 15 s")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.cap = [200, 2_000], 15.0
    root = Path(tempfile.mkdtemp())
    for name in ("vis-network.min.js", "vis-network.css"):
        shutil.copy(ASSETS_DIR / name, root / name)
    url, server = serve(root)
    from playwright.sync_api import sync_playwright

    rows, figures = [], {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for n in args.sizes:
            g = graph(n)
            elements = g.number_of_nodes() + g.number_of_edges()
            t0 = time.perf_counter()
            ours_html = render(build_spec(g, list(g), title=f"{n:,} nodes"), assets_url=".")
            build_s = time.perf_counter() - t0
            (root / f"ours-{n}.html").write_text(ours_html, encoding="utf-8")
            (root / f"pyvis-{n}.html").write_text(pyvis_html(g), encoding="utf-8")
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            ours = time_ours(page, f"{url}/ours-{n}.html", args.cap)
            page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            theirs = time_pyvis(page, f"{url}/pyvis-{n}.html", args.cap)
            page.close()
            per = len(ours_html.encode()) / elements
            shown = "did not stabilise" if theirs is None else theirs
            ratio = (theirs / ours) if (theirs and ours) else None
            rows.append(
                [
                    n,
                    build_s,
                    ours if ours is not None else f"> {args.cap:g} s",
                    shown,
                    ratio if ratio else "-",
                    per,
                ]
            )
            figures[f"ours_{n}_s"] = round(ours, 3) if ours is not None else None
            figures[f"pyvis_{n}_s"] = round(theirs, 3) if theirs is not None else None
            figures[f"speedup_{n}_ratio"] = round(ratio, 2) if ratio else None
            figures[f"html_bytes_per_element_{n}"] = round(per, 1)
        browser.close()
    server.shutdown()
    print_table(
        f"navigation to a stabilised, interactive map (headless Chromium; cap {args.cap:g} s)",
        [
            "nodes",
            "our build s",
            "ours s",
            "pyvis default s",
            "speed-up ratio",
            "our HTML bytes per node+edge",
        ],
        rows,
    )
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()
