"""Maps that read well, on the spec: fixed type styles and legend order, finding context by
relevance, alliance maps of members and staff with counts, static SVG with escaped text."""

from __future__ import annotations

import networkx as nx

from queries.findings import Finding
from visualizations import alliance_contacts_map, build_spec, ego_map, finding_map
from visualizations.render import TYPE_STYLES, render
from visualizations.svg import to_svg


def _g() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("all-1", label="Alliance", name="Wind Coalition")
    for i in range(3):
        g.add_node(f"org-{i}", label="Organization", name=f"Member {i}")
        g.add_edge(f"org-{i}", "all-1", key="MEMBER_OF", type="MEMBER_OF")
    for i in range(40):  # many employees of one member
        g.add_node(f"p-{i:02d}", label="Person", name=f"Employee {i}")
        g.add_edge(f"p-{i:02d}", "org-0", key="WORKS_AT", type="WORKS_AT")
    g.add_node("staff-1", label="Person", name="Sam Staff")
    g.add_node("org-home", label="Organization", name="Staff Employer")
    g.add_edge("staff-1", "all-1", key="STAFFS", type="STAFFS")
    g.add_edge("staff-1", "org-home", key="WORKS_AT", type="WORKS_AT")
    g.add_node("net-1", label="Network", name="<b>Net</b>")
    g.add_edge("org-1", "net-1", key="BELONGS_TO", type="BELONGS_TO")
    return g


def test_each_type_has_one_colour_and_shape_whatever_the_order_met() -> None:
    g = _g()
    a = ego_map(g, "all-1", depth=2)
    b = build_spec(g, ["net-1", "p-00", "org-2", "all-1"], title="reversed order")
    for spec in (a, b):
        for group in spec.groups:
            assert (group.color, group.shape) == TYPE_STYLES[group.name]
        names = [grp.name for grp in spec.groups]
        assert names == sorted(names, key=list(TYPE_STYLES).index)  # legend in a fixed order
        for node in spec.nodes:  # nodes point at the renumbered groups
            assert spec.groups[node.g].name == g.nodes[node.i]["label"]


def test_size_grows_with_importance() -> None:
    spec = ego_map(_g(), "all-1", depth=2)
    size = {n.i: n.s for n in spec.nodes}
    assert size["org-0"] > size["org-1"] > size["p-00"]  # 41 ties, 2 ties, 1 tie


def test_finding_context_is_chosen_by_relevance_not_by_id() -> None:
    g = nx.MultiDiGraph()
    for n in ("ev-a", "ev-b"):
        g.add_node(n, label="Alliance", name=n)
    for i in range(6):  # low ids, each tied to one evidence node only
        g.add_node(f"a-{i}", label="Organization", name=f"a {i}")
        g.add_edge(f"a-{i}", "ev-a", key="MEMBER_OF", type="MEMBER_OF")
    g.add_node("z-shared", label="Organization", name="tied to both")
    g.add_edge("z-shared", "ev-a", key="MEMBER_OF", type="MEMBER_OF")
    g.add_edge("z-shared", "ev-b", key="MEMBER_OF", type="MEMBER_OF")
    finding = Finding(kind="partner_overlap", category="synergy", subject=["ev-a", "ev-b"], score=1,
                      explanation="x", evidence_nodes=["ev-a", "ev-b"])
    spec = finding_map(g, finding, context=1)
    shown = {n.i for n in spec.nodes}
    assert "z-shared" in shown
    assert sorted(n.i for n in spec.nodes if n.h) == ["ev-a", "ev-b"]


def test_alliance_map_shows_members_and_staff_with_counts_not_every_employee() -> None:
    spec = alliance_contacts_map(_g(), "all-1")
    shown = {n.i for n in spec.nodes}
    assert shown == {"all-1", "org-0", "org-1", "org-2", "staff-1", "org-home"}
    people = {n.i: (n.p or {}).get("people") for n in spec.nodes if n.i.startswith("org-") and n.i != "org-home"}
    assert people == {"org-0": 40, "org-1": 0, "org-2": 0}
    assert "3 members (40 people), 1 staff" in spec.subtitle
    assert {n.i for n in spec.nodes if n.h} == {"all-1", "staff-1"}


def test_svg_escapes_names_and_draws_the_legend() -> None:
    svg = to_svg(ego_map(_g(), "org-1"))
    assert "<b>Net</b>" not in svg and "&lt;b&gt;Net&lt;/b&gt;" in svg
    assert "Network (1)" in svg and svg.startswith("<svg")


def test_standalone_page_allows_exactly_its_own_inline_scripts() -> None:
    page = render(ego_map(_g(), "org-1"), standalone=True)
    head = page.split("</head>")[0]
    assert "unsafe-inline" not in head and head.count("sha256-") == 4
    served = render(ego_map(_g(), "org-1"))
    assert '<script src="/maps/assets/map.js"></script>' in served
    assert "<script>" not in served


def test_a_label_moves_round_its_node_before_it_is_dropped() -> None:
    from visualizations.svg import _label_box

    below = _label_box(100, 100, 40, [], 400, 300)
    assert below == (80, 106, 40, 15.0)
    above = _label_box(100, 100, 40, [below], 400, 300)  # a neighbour's label is below
    assert above is not None and above[1] + above[3] <= 100
    right = _label_box(100, 100, 40, [below, above], 400, 300)
    assert right is not None and right[0] > 100
    left = _label_box(100, 100, 40, [below, above, right], 400, 300)
    assert left is not None and left[0] + left[2] < 100
    assert _label_box(100, 100, 40, [below, above, right, left], 400, 300) is None
    assert _label_box(5, 100, 40, [], 400, 300) == (13, 94, 40, 12.0)  # kept inside
