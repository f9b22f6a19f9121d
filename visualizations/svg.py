"""A map as a static SVG picture: for print-ready reports, notebooks and downloads without a browser.

The same fixed colour and shape per type as the interactive map, the same rule for labels
(most important first, only where they do not touch another label), every text escaped.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from visualizations.layout import force_layout
from visualizations.render import MapSpec

CHAR_WIDTH = 6.6  # an estimate of 12px sans-serif per character, for label boxes


def _shape(shape: str, x: float, y: float, r: float, color: str, stroke: str, dashed: bool) -> str:
    dash = ' stroke-dasharray="3 2"' if dashed else ""
    common = (
        f'fill="{color}" stroke="{stroke}" stroke-width="{2 if stroke != "#ffffff" else 1}"{dash}'
    )
    if shape == "dot":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {common}/>'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {common}/>'
    shapes: dict[str, list[tuple[float, float]]] = {
        "diamond": [(0, -1), (1, 0), (0, 1), (-1, 0)],
        "triangle": [(0, -1), (0.95, 0.8), (-0.95, 0.8)],
        "triangleDown": [(0, 1), (0.95, -0.8), (-0.95, -0.8)],
        "hexagon": [(1, 0), (0.5, 0.87), (-0.5, 0.87), (-1, 0), (-0.5, -0.87), (0.5, -0.87)],
        "star": [
            (0, -1),
            (0.22, -0.3),
            (0.95, -0.3),
            (0.36, 0.12),
            (0.59, 0.81),
            (0, 0.38),
            (-0.59, 0.81),
            (-0.36, 0.12),
            (-0.95, -0.3),
            (-0.22, -0.3),
        ],
    }
    points = shapes.get(shape, shapes["diamond"])
    text = " ".join(f"{x + px * r:.1f},{y + py * r:.1f}" for px, py in points)
    return f'<polygon points="{text}" {common}/>'


def to_svg(spec: MapSpec, *, width: int = 900, height: int = 560, legend: bool = True) -> str:
    """The map drawn into a ``width`` × ``height`` SVG (laid out here when the spec has no
    places), with its legend; labels only where they fit."""
    pos: dict[str, tuple[float, float]] = {}
    if all(n.x is not None and n.y is not None for n in spec.nodes):
        pos = {n.i: (float(n.x or 0), float(n.y or 0)) for n in spec.nodes}
    elif spec.nodes:
        g = nx.Graph()
        g.add_nodes_from(n.i for n in spec.nodes)
        g.add_edges_from((e.f, e.t) for e in spec.edges)
        laid = force_layout(g, scale=60 * len(spec.nodes) ** 0.5, iterations=60)
        pos = {k: (float(v[0]), float(v[1])) for k, v in laid.items()}
    pad, top = 24.0, (30.0 if legend else 0.0)
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    k = min(
        (width - 2 * pad) / max(max(xs) - min(xs), 1e-9 + span / 1e3),
        (height - top - 2 * pad) / max(max(ys) - min(ys), 1e-9 + span / 1e3),
    )
    k = min(k, 4.0)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return width / 2 + (x - cx) * k, top + (height - top) / 2 + (y - cy) * k

    radius = max(2.5, min(1.0, k) * 1.0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(spec.title)}>',
        f"<title>{escape(spec.title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for e in spec.edges:
        if e.f in pos and e.t in pos:
            (x1, y1), (x2, y2) = at(e.f), at(e.t)
            color = "#b3001b" if e.h else "#b8c2cc"
            out.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'stroke="{color}" stroke-width="{min(e.w or 1, 4):.1f}"/>'
            )
    ordered = sorted(spec.nodes, key=lambda n: (not n.h, -(n.s or 0)))
    for n in reversed(ordered):
        g = spec.groups[n.g]
        x, y = at(n.i)
        r = max(radius, (n.s or 10) * min(k, 1.0) * 0.6)
        stroke = "#b3001b" if n.h else ("#1d2733" if g.dashed else "#ffffff")
        shape = _shape(g.shape, x, y, r, g.color, stroke, bool(g.dashed))
        out.append(f"<g><title>{escape(n.l)}</title>{shape}</g>")
    boxes: list[tuple[float, float, float, float]] = []
    for n in ordered:
        x, y = at(n.i)
        w = CHAR_WIDTH * len(n.l) + 4
        box = _label_box(x, y, w, boxes, width, height)
        if box is None:
            continue
        boxes.append(box)
        weight = ' font-weight="bold"' if n.h else ""
        out.append(
            f'<text x="{box[0] + w / 2:.1f}" y="{box[1] + 12:.1f}" text-anchor="middle" '
            f'font-size="12" font-family="sans-serif" fill="#1d2733"{weight}>{escape(n.l)}</text>'
        )
    if legend:
        x = 8.0
        for g in spec.groups:
            out.append(
                _shape(
                    g.shape,
                    x + 6,
                    14,
                    6,
                    g.color,
                    "#1d2733" if g.dashed else "#ffffff",
                    bool(g.dashed),
                )
            )
            label = f"{g.name} ({g.count})"
            out.append(
                f'<text x="{x + 16:.1f}" y="18" font-size="12" font-family="sans-serif" fill="#1d2733">{escape(label)}</text>'
            )
            x += 30 + CHAR_WIDTH * len(label)
    out.append("</svg>")
    return "\n".join(out)


Box = tuple[float, float, float, float]


def _label_box(
    x: float, y: float, w: float, boxes: list[Box], width: float, height: float
) -> Box | None:
    """Where a label of width ``w`` for the node at (x, y) goes: below it, else above,
    right or left, the first place inside the picture that no placed label holds."""
    for box in (
        (x - w / 2, y + 6, w, 15.0),
        (x - w / 2, y - 21, w, 15.0),
        (x + 8, y - 6, w, 12.0),
        (x - 8 - w, y - 6, w, 12.0),
    ):
        if box[0] < 0 or box[0] + box[2] > width or box[1] < 0 or box[1] + box[3] > height:
            continue
        if not any(
            box[0] < b[0] + b[2]
            and b[0] < box[0] + box[2]
            and box[1] < b[1] + b[3]
            and b[1] < box[1] + box[3]
            for b in boxes
        ):
            return box
    return None
