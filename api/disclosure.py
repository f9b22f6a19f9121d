"""Totals that would give away one counted-only amount by subtraction are withheld.

A key may count an organization it may not name (sharing ``counts_only``): its amounts
stay in an alliance's totals while its own line is dropped. When, in some currency, it is
the only such contributor to a total, that total minus the lines shown (or the total
alone) is its amount, so the total is withheld instead (``Contributions.withheld`` says
which); with two or more the sum of theirs is all a subtraction gives. A zero gives
nothing away and hides nothing, so it does not count as a contribution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from queries.scorecards import UNSPECIFIED, Contributions


def withhold_single_hidden(blocks: Iterable[Contributions], counted_only: frozenset[str]) -> None:
    """Empty, in place, each total of ``blocks`` to which, in some currency, exactly one of
    ``counted_only`` contributes, and name it in the block's ``withheld``."""
    if not counted_only:
        return
    for block in blocks:
        for total in ("cash", "in_kind"):
            givers: dict[str, dict[str, float]] = {}
            for member, given in block.by_member.items():
                amount = getattr(given, total)
                if amount:
                    givers.setdefault(given.currency or UNSPECIFIED, {})[member] = amount
            _withhold(block, total, givers.values(), counted_only)
        for purpose in ("programme", "management"):
            _withhold(block, f"{purpose}_funding", block.funders(purpose), counted_only)


def _withhold(
    block: Contributions,
    total: str,
    per_currency: Iterable[Mapping[str, float]],
    counted_only: frozenset[str],
) -> None:
    """Withhold ``total`` when a currency's givers hold exactly one counted-only one."""
    for givers in per_currency:
        hidden = [g for g, amount in givers.items() if amount and g in counted_only]
        if len(hidden) == 1 and getattr(block, total):
            setattr(block, total, {})
            block.withheld.append(total)
            return
