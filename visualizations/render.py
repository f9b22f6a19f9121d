"""Render a map to HTML with our own template: data as escaped JSON, assets served locally.

pyvis 0.3.2's template pulls vis-network and Bootstrap from CDNs, switches tooltips to
``innerHTML`` when a title contains "href" and inserts headings unescaped; this template
loads only packaged files, builds every tooltip with ``textContent`` and escapes every
value (``<``, ``>``, ``&`` inside the JSON block are ``\\u003c``, ``\\u003e``, ``\\u0026``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, Field

TEMPLATE = Path(__file__).with_name("template.html")
ASSET_FILES = ("vis-network.min.js", "vis-network.css")
#: our own map assets (behaviour and look), served beside vis-network's
OWN_ASSETS = ("map.js", "map.css")
#: one fixed colour and shape per node type on every map (the legend draws the same);
#: colours from a colour-blind-safe set, shapes tell the types apart without colour
TYPE_STYLES: dict[str, tuple[str, str]] = {
    "Organization": ("#2f6f9f", "dot"),
    "Alliance": ("#d9661f", "diamond"),
    "Network": ("#3a9d5d", "triangle"),
    "Person": ("#8e5bb5", "square"),
    "Project": ("#b5a22b", "triangleDown"),
    "Topic": ("#1f9aa5", "star"),
    "Goal": ("#c8414b", "hexagon"),
    "Assessment": ("#7a5230", "square"),
}
#: groups that stand for many nodes: grey, dashed border
AGGREGATE_STYLE = ("#6b7c8d", "dot")
PALETTE = [
    "#2f6f9f",
    "#e07a1f",
    "#3a9d5d",
    "#8e5bb5",
    "#c8414b",
    "#6b7c8d",
    "#b5a22b",
    "#1f9aa5",
    "#d45d99",
    "#7a5230",
]


def asset_path(name: str) -> Path | None:
    """The file of a map asset served by name (vis-network's or ours), ``None`` if unknown."""
    if name in ASSET_FILES:
        return ASSETS_DIR / name
    if name in OWN_ASSETS:
        return TEMPLATE.with_name(name)
    return None


def assets_dir() -> Path:
    """Where the packaged vis-network files are (shipped inside the pyvis wheel)."""
    return Path(str(resources.files("pyvis") / "lib" / "vis-9.1.2"))


ASSETS_DIR = assets_dir()


class MapNode(BaseModel):
    i: str = Field(description="id")
    l: str = Field(description="label shown")  # noqa: E741
    g: int = Field(description="index of the group (colour and legend)")
    s: float | None = Field(None, description="size")
    h: bool | None = Field(None, description="highlighted")
    x: float | None = None
    y: float | None = None
    t0: str | None = Field(None, description="first day it exists (ISO)")
    t1: str | None = Field(None, description="last day it exists (ISO)")
    p: dict[str, Any] | None = Field(None, description="tooltip fields")


class MapEdge(BaseModel):
    f: str
    t: str
    w: float | None = None
    s: float | None = Field(None, description="tie strength, for the strength filter")
    h: bool | None = None
    t0: str | None = None
    t1: str | None = None


class MapGroup(BaseModel):
    name: str
    color: str
    count: int = 0
    shape: str = "dot"
    dashed: bool | None = Field(None, description="a group of aggregates (clusters)")


def group_style(name: str) -> tuple[str, str, bool]:
    """The fixed colour, shape and dashing of a legend group: a node type keeps its own
    on every map; "<Type> cluster" keeps its type's, dashed; other aggregates are grey."""
    if name in TYPE_STYLES:
        return (*TYPE_STYLES[name], False)
    base = name.removesuffix(" cluster")
    if base in TYPE_STYLES:
        return (*TYPE_STYLES[base], True)
    return (*AGGREGATE_STYLE, True)


def type_rank(name: str) -> int:
    """Where a group sits in the legend: node types in a fixed order, then the rest."""
    order = list(TYPE_STYLES)
    base = name.removesuffix(" cluster")
    return order.index(base) if base in order else len(order)


class MapSpec(BaseModel):
    """Everything a map shows; rendering turns it into one HTML page."""

    title: str
    subtitle: str = ""
    note: str = ""
    groups: list[MapGroup]
    nodes: list[MapNode]
    edges: list[MapEdge]
    physics: bool = True
    directed: bool = False


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` block (no tag can close it early)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE.read_text(encoding="utf-8"))


@cache
def _asset(name: str) -> str:
    path = asset_path(name)
    if path is None:
        raise KeyError(name)
    return path.read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    """A CSP source expression allowing exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


#: the policy of a served map: scripts and styles from this server only, nothing inline
SERVED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'none'; base-uri 'none'; form-action 'none'"
)


def render(
    spec: MapSpec,
    *,
    assets_url: str = "/maps/assets",
    standalone: bool = False,
    loaded_at: datetime | None = None,
) -> str:
    """The map as one HTML page; ``standalone`` inlines the assets so the file opens offline.

    No inline script runs without being allowed by name: a served page loads its scripts
    from ``assets_url``; a standalone page allows its two inline scripts by their SHA-256
    in its own Content-Security-Policy (no ``'unsafe-inline'`` either way).
    """
    when = (loaded_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = f"{spec.subtitle} · data loaded {when}" if spec.subtitle else f"data loaded {when}"
    payload = spec.model_dump(exclude_none=True, exclude={"title", "subtitle", "note"})
    if standalone:
        scripts = [
            _asset("vis-network.min.js").replace("</script", "<\\/script"),
            _asset("map.js").replace("</script", "<\\/script"),
        ]
        styles = [
            _asset("vis-network.css").replace("</style", "<\\/style"),
            _asset("map.css").replace("</style", "<\\/style"),
        ]
        csp = (
            "default-src 'none'; script-src "
            + " ".join(_sha256(t) for t in scripts)
            + "; style-src "
            + " ".join(_sha256(t) for t in styles)
            + "; img-src data: blob:; connect-src 'none'; base-uri 'none'; form-action 'none'"
        )
    else:
        scripts, styles, csp = [], [], SERVED_CSP
    return _template().render(
        title=spec.title,
        subtitle=subtitle,
        note=spec.note,
        data_json=script_json(payload),
        assets_url=assets_url.rstrip("/"),
        standalone=standalone,
        csp=csp,
        inline_scripts=scripts,
        inline_styles=styles,
    )
