"""The maps benchmark's pyvis baseline: built directly, it is the page ``from_nx`` makes,
and it loads the packaged vis-network with no integrity pin to trip over."""

from __future__ import annotations

from typing import Any

from bench.maps import graph, pyvis_html, pyvis_network


def _canonical(net: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    nodes = sorted(repr(sorted(n.items())) for n in net.nodes)
    edges = sorted(
        (
            tuple(sorted((str(e["from"]), str(e["to"])))),
            repr(sorted((k, v) for k, v in e.items() if k not in ("from", "to"))),
        )
        for e in net.edges
    )
    return nodes, edges


def test_direct_network_equals_from_nx() -> None:
    g = graph(300)
    assert _canonical(pyvis_network(g, direct=True)) == _canonical(pyvis_network(g, direct=False))


def test_baseline_page_is_local_and_unpinned() -> None:
    html = pyvis_html(graph(50))
    assert 'src="vis-network.min.js"' in html
    assert "https://" not in html and "integrity=" not in html
