"""Time to a stabilised, interactive map in headless Chromium: our maps against pyvis's
defaults on the same graph.

    python bench/maps.py [--sizes 200 2000 20000] [--cap 30] [--quick] [--json]

For each size a random small-world graph is drawn (two links per node). Times are totals:
building the HTML in Python plus navigation until the map is stabilised and interactive.
Ours: the map the API serves (above 2,000 nodes its communities are drawn as clusters and
the map says so; above 400 the layout is computed in Python and physics is off), timed warm as in a running
server; the one-time load of the compiled layout is printed on its own. pyvis:
``Network()`` with its defaults (physics on, nothing aggregated), its CDN links pointed at
the vis-network copy packaged in the pyvis wheel. Both pages are served from a loopback
HTTP server; "did not stabilise" means not within ``--cap`` seconds, and then the share of
pyvis's 1,000 stabilisation iterations it had reached is printed. Also printed: our HTML
bytes per node and edge on the page.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402

from bench._common import emit_json, print_table, scratch_dir  # noqa: E402
from tests.support.chromium import ARGS, CHROMIUM  # noqa: E402
from visualizations import ASSETS_DIR, build_spec, render  # noqa: E402
from visualizations.layout import force_layout  # noqa: E402
from visualizations.render import OWN_ASSETS, asset_path  # noqa: E402


def graph(n: int) -> nx.MultiDiGraph:
    base = nx.connected_watts_strogatz_graph(n, 4, 0.1, seed=1)
    g = nx.MultiDiGraph()
    for v in base:
        g.add_node(f"n{v}", label="Organization" if v % 10 else "Alliance", name=f"Node {v}")
    for u, v in base.edges():
        g.add_edge(f"n{u}", f"n{v}", key="COLLABORATED_WITH", type="COLLABORATED_WITH", rel_key="")
    return g


def pyvis_network(g: nx.MultiDiGraph, *, direct: bool) -> Any:
    """pyvis's ``Network`` with its defaults filled from ``g`` by ``from_nx``, or (``direct``)
    with the very same nodes and edges appended without ``from_nx``'s duplicate checks,
    which scan every node and edge per edge and take many minutes at 20,000 nodes."""
    from pyvis.edge import Edge
    from pyvis.network import Network
    from pyvis.node import Node

    net = Network(height="800px", width="100%", cdn_resources="remote")
    simple = nx.Graph(g)
    if not direct:
        net.from_nx(simple)
        return net
    for n, data in simple.nodes(data=True):
        options = {**data, "size": 10}
        label = options.pop("label", None) or n
        node = Node(n, "dot", label=label, color="#97c2fc", font_color=net.font_color, **options)
        net.nodes.append(node.options)
        net.node_ids.append(n)
        net.node_map[n] = node.options
    for u, v, data in simple.edges(data=True):
        net.edges.append(Edge(u, v, net.directed, **{**data, "width": 1}).options)
    return net


def pyvis_html(g: nx.MultiDiGraph) -> str:
    """pyvis's default page for ``g``, its CDN links pointed at the packaged files."""
    net = pyvis_network(g, direct=g.number_of_nodes() > 2_000)
    html = net.generate_html()
    # pyvis pins the CDN file with a Subresource Integrity hash that the packaged copy does
    # not match, so the browser would refuse it and the page would never draw
    html = re.sub(r'\s(integrity|crossorigin|referrerpolicy)="[^"]*"', "", html)
    html = re.sub(r'https://[^"\']+vis-network[^"\']*\.js', "vis-network.min.js", html)
    html = re.sub(r'https://[^"\']+vis-network[^"\']*\.css', "vis-network.css", html)
    return re.sub(r"<(link|script)[^>]+https://[^>]+>(</script>)?", "", html)  # bootstrap etc.


def serve(root: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
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


# Installed before pyvis's own script runs: whatever it assigns to ``network`` gets the
# stabilisation listeners at once, so nothing has to reach a page busy with physics.
# Progress goes out as console messages, which arrive even when the page is too busy to
# answer a query.
HOOK = """
Object.defineProperty(window, 'network', {
  configurable: true,
  get() { return window.__net; },
  set(v) {
    window.__net = v;
    const done = () => { window.__stabilised = true; };
    v.once('stabilizationIterationsDone', done);
    v.once('stabilized', done);
    v.on('stabilizationProgress', (p) => console.log('ag-progress ' + p.iterations + ' ' + p.total));
  },
});
"""


def time_pyvis(page: Any, url: str, cap: float) -> tuple[float | None, str]:
    """Navigation until pyvis reports its physics stabilised, and how far its stabilisation
    got; ``None`` past ``cap`` seconds (Playwright enforces the timeout outside the page,
    which may be too busy to answer)."""
    progress = ["no stabilisation iteration reported"]

    def on_console(message: Any) -> None:
        if message.text.startswith("ag-progress "):
            done, total = message.text.split()[1:]
            progress[0] = f"{int(done):,} of {int(total):,} iterations"
            print(json.dumps({"progress": progress[0]}), flush=True)  # in case we are killed

    page.on("console", on_console)
    page.add_init_script(HOOK)
    start = time.perf_counter()
    try:
        page.goto(url, timeout=cap * 1000, wait_until="commit")
        left = max(0.1, cap - (time.perf_counter() - start))
        page.wait_for_function("window.__stabilised === true", timeout=left * 1000)
    except Exception:  # noqa: BLE001 - Playwright's timeout
        return None, progress[0]
    return time.perf_counter() - start, progress[0]


def _probe_main(url: str, cap: float) -> None:
    """``--probe``: time one pyvis page in a browser of its own and print the seconds."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        seconds, progress = time_pyvis(page, url, cap)
        print(json.dumps({"seconds": seconds, "progress": progress}), flush=True)
        os._exit(0)  # a renderer still busy with physics must not hold the exit


def probe_pyvis(url: str, cap: float) -> tuple[float | None, str]:
    """Time pyvis's page in its own process group, killed with its browser past the cap:
    a page busy with physics can stop answering Playwright altogether."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--probe", url, "--cap", str(cap)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=cap + 30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()  # keeps what the probe printed before the kill
        progress = [json.loads(line)["progress"] for line in out.splitlines() if line[:1] == "{"]
        last = progress[-1] if progress else "no stabilisation iteration reported"
        return None, f"{last}; page stopped answering, killed at {cap + 30:g} s"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    results = [json.loads(line) for line in out.splitlines() if line.startswith('{"seconds"')]
    if not results:
        return None, "probe printed nothing"
    return results[-1]["seconds"], results[-1]["progress"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2_000, 20_000])
    parser.add_argument(
        "--cap", type=float, default=30.0, help="seconds before 'did not stabilise'"
    )
    parser.add_argument("--quick", action="store_true", help="sizes 200 and 2,000, cap 15 s")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        _probe_main(args.probe, args.cap)
    if args.quick:
        args.sizes, args.cap = [200, 2_000], 15.0
    root = scratch_dir()
    for name in ("vis-network.min.js", "vis-network.css", *OWN_ASSETS):  # ours: map.js, map.css
        shutil.copy(asset_path(name) or ASSETS_DIR / name, root / name)
    url, server = serve(root)
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    force_layout(nx.path_graph(3))  # loads the compiled layout once, as a server does
    figures: dict[str, Any] = {"layout_load_once_s": round(time.perf_counter() - t0, 3)}
    rows: list[list[Any]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for n in args.sizes:
            g = graph(n)
            t0 = time.perf_counter()
            spec = build_spec(g, list(g), title=f"{n:,} nodes")
            ours_html = render(spec, assets_url=".")
            build_s = time.perf_counter() - t0
            shown_elements = len(spec.nodes) + len(spec.edges)
            (root / f"ours-{n}.html").write_text(ours_html, encoding="utf-8")
            t0 = time.perf_counter()
            theirs_html = pyvis_html(g)
            theirs_build_s = time.perf_counter() - t0
            (root / f"pyvis-{n}.html").write_text(theirs_html, encoding="utf-8")
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            ours = time_ours(page, f"{url}/ours-{n}.html", args.cap)
            page.close()
            theirs, progress = probe_pyvis(f"{url}/pyvis-{n}.html", args.cap)
            per = len(ours_html.encode()) / shown_elements
            ours_total = build_s + ours if ours is not None else None
            theirs_total = theirs_build_s + theirs if theirs is not None else None
            ratio = (theirs_total / ours_total) if (theirs_total and ours_total) else None
            if theirs_total is not None:
                shown: Any = theirs_total
            else:
                shown = f"did not stabilise in {args.cap:g} s ({progress})"
            rows.append(
                [
                    n,
                    f"{len(spec.nodes):,} + {len(spec.edges):,}",
                    build_s,
                    ours if ours is not None else f"> {args.cap:g} s",
                    ours_total if ours_total is not None else f"> {args.cap:g} s",
                    theirs_build_s,
                    shown,
                    ratio if ratio else (f"> {args.cap / ours_total:.1f}" if ours_total else "-"),
                    per,
                ]
            )
            figures[f"ours_{n}_shown_nodes"] = len(spec.nodes)
            figures[f"ours_{n}_shown_edges"] = len(spec.edges)
            figures[f"ours_{n}_build_s"] = round(build_s, 3)
            figures[f"ours_{n}_page_s"] = round(ours, 3) if ours is not None else None
            figures[f"ours_{n}_total_s"] = round(ours_total, 3) if ours_total is not None else None
            figures[f"ours_{n}_html_mb"] = round(len(ours_html.encode()) / 1e6, 3)
            figures[f"ours_{n}_html_bytes_per_element"] = round(per, 1)
            figures[f"pyvis_{n}_build_s"] = round(theirs_build_s, 3)
            figures[f"pyvis_{n}_total_s"] = round(theirs_total, 3) if theirs_total else None
            figures[f"pyvis_{n}_stabilised"] = theirs_total is not None
            figures[f"pyvis_{n}_progress"] = progress
            figures[f"pyvis_{n}_html_mb"] = round(len(theirs_html.encode()) / 1e6, 3)
            figures[f"speedup_{n}_ratio"] = round(ratio, 2) if ratio else None
            if ratio is None and ours_total:  # pyvis never stabilised: at least cap / ours
                figures[f"speedup_{n}_min_ratio"] = round(args.cap / ours_total, 2)
        browser.close()
    server.shutdown()
    print_table(
        f"navigation to a stabilised, interactive map (headless Chromium; cap {args.cap:g} s)",
        [
            "nodes",
            "ours shows nodes + edges",
            "our build s",
            "our page s",
            "ours total s",
            "pyvis build s",
            "pyvis default total s",
            "speed-up ratio",
            "our HTML bytes per node+edge",
        ],
        rows,
    )
    print(
        f"one-time load of the compiled layout (first map in a process): "
        f"{figures['layout_load_once_s']:.3f} s, not in the totals"
    )
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()
