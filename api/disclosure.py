"""Totals that would give away one counted-only amount by subtraction are withheld.

A key may count an organization it may not name (sharing ``counts_only``): its amounts
stay in an alliance's totals while its own line is dropped. When it is the only such
contributor to a total, that total minus the lines shown is its amount, so the total is
withheld instead (``Contributions.withheld`` says which); with two or more the sum of
theirs is all a subtraction gives.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from graph.schema import RelType
from queries.scorecards import Contributions


def withhold_single_hidden(
    blocks: Iterable[Contributions], graph: nx.MultiDiGraph, counted_only: frozenset[str]
) -> None:
    """Empty, in place, each total of ``blocks`` to which exactly one of ``counted_only``
    contributes, and name it in the block's ``withheld``."""
    if not counted_only:
        return
    for block in blocks:
        hidden = {m: c for m, c in block.by_member.items() if m in counted_only}
        for total in ("cash", "in_kind"):
            givers = [m for m, c in hidden.items() if getattr(c, total) is not None]
            if len(givers) == 1 and getattr(block, total):
                setattr(block, total, {})
                block.withheld.append(total)
        for purpose in ("programme", "management"):
            funders = _hidden_funders(graph, block.alliance, purpose, counted_only)
            total = f"{purpose}_funding"
            if len(funders) == 1 and getattr(block, total):
                setattr(block, total, {})
                block.withheld.append(total)


def _hidden_funders(
    graph: nx.MultiDiGraph, alliance: str, purpose: str, counted_only: frozenset[str]
) -> set[str]:
    """The counted-only funders of ``alliance`` for ``purpose``."""
    if alliance not in graph:
        return set()
    return {
        funder
        for funder, _, data in graph.in_edges(alliance, data=True)
        if funder in counted_only
        and data.get("type") == RelType.FUNDS
        and str(data.get("purpose") or "programme") == purpose  # (the report's default)
    }
