"""The sample's building blocks: the row accumulator and the world every builder extends.

Each builder in :mod:`samples` takes the :class:`World`, adds rows through its
:class:`Builder` and records what it planted, so one step reads in one screen.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph.vocabulary import NodeLabel, RelType

FORMAT = "alliancegraph-portfolio"
REFERENCE_DATE = date(2026, 6, 30)
FOCAL_ID = "org-focal"
#: Thresholds under which the truth is recorded (the analytics' documented defaults).
TRUTH_THRESHOLDS = {
    "min_shared_members": 3,
    "max_staff_roles": 4,
    "min_score": 2.5,
    "stale_months": 12,
    "donor_share": 0.5,
}

Row = dict[str, Any]


@dataclass
class SamplePortfolio:
    """Rows per label and type, in the portfolio JSON format, and the planted truth."""

    nodes: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    relationships: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    truth: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The portfolio as one JSON-ready document (see docs/loaders.md)."""
        return {
            "format": FORMAT,
            "version": 1,
            "nodes": {k: v for k, v in self.nodes.items() if v},
            "relationships": {k: v for k, v in self.relationships.items() if v},
        }


class Builder:
    """Accumulates rows while keeping ids unique and relationships deduplicated."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.p = SamplePortfolio()
        self._rel_keys: set[tuple[str, str, str, str]] = set()

    def node(self, label: NodeLabel, row: Row) -> str:
        self.p.nodes[str(label)].append(row)
        return str(row["id"])

    def rel(self, type_: RelType, source: str, target: str, **props: Any) -> bool:
        """Add a relationship unless the same (type, source, target, key) is already there."""
        key = str(props.get("key", ""))
        ident = (str(type_), source, target, key)
        if ident in self._rel_keys or source == target:
            return False
        self._rel_keys.add(ident)
        self.p.relationships[str(type_)].append({"source": source, "target": target, **props})
        return True

    def month(self, first: int, last: int) -> str:
        return f"{self.rng.randint(first, last)}-{self.rng.randint(1, 12):02d}"


@dataclass
class World:
    """What the builders have made so far, shared from one builder to the next."""

    b: Builder
    scale: int
    truth: dict[str, Any]
    topics: list[str] = field(default_factory=list)
    orphan_topics: list[str] = field(default_factory=list)
    alliance_topics: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    partner_kind: dict[str, str] = field(default_factory=dict)
    competitors: list[str] = field(default_factory=list)
    non_competitors: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    alliances: list[str] = field(default_factory=list)
    members: dict[str, set[str]] = field(default_factory=dict)
    left: dict[str, set[str]] = field(default_factory=dict)
    blocks: dict[str, list[str]] = field(default_factory=dict)
    cursor: int = 0
    donors: list[str] = field(default_factory=list)
    employer: dict[str, str] = field(default_factory=dict)
    staff_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    people: list[str] = field(default_factory=list)

    @property
    def rng(self) -> random.Random:
        return self.b.rng

    def block(self, name: str, per_scale: int) -> list[str]:
        """The next ``per_scale * scale`` alliances, reserved for one planted kind.

        Planted cases take disjoint blocks after the first 8*scale alliances (used for
        overlaps), so no two planted kinds ever land on one alliance at any scale.
        """
        if not self.cursor:
            self.cursor = 8 * self.scale
        start = self.cursor
        self.cursor += per_scale * self.scale
        self.blocks[name] = self.alliances[start : self.cursor]
        return self.blocks[name]
