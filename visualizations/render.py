"""Render a map to HTML with our own template: data as escaped JSON, assets served locally.

pyvis 0.3.2's template pulls vis-network and Bootstrap from CDNs, switches tooltips to
``innerHTML`` when a title contains "href" and inserts headings unescaped; this template
loads only packaged files, builds every tooltip with ``textContent`` and escapes every
value (``<``, ``>``, ``&`` inside the JSON block are ``\\u003c``, ``\\u003e``, ``\\u0026``).
"""

from __future__ import annotations

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
    return (ASSETS_DIR / name).read_text(encoding="utf-8")


def render(
    spec: MapSpec,
    *,
    assets_url: str = "/maps/assets",
    standalone: bool = False,
    loaded_at: datetime | None = None,
) -> str:
    """The map as one HTML page; ``standalone`` inlines the assets so the file opens offline."""
    when = (loaded_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = f"{spec.subtitle} · data loaded {when}" if spec.subtitle else f"data loaded {when}"
    payload = spec.model_dump(exclude_none=True, exclude={"title", "subtitle", "note"})
    return _template().render(
        title=spec.title,
        subtitle=subtitle,
        note=spec.note,
        data_json=script_json(payload),
        assets_url=assets_url.rstrip("/"),
        standalone=standalone,
        vis_js=_asset("vis-network.min.js").replace("</script", "<\\/script") if standalone else "",
        vis_css=_asset("vis-network.css").replace("</style", "<\\/style") if standalone else "",
    )
