"""Builders for donors and funding: programme money from donors, one major donor, and
management funding from the focal organization (missing for a planted block)."""

from __future__ import annotations

from graph.vocabulary import NodeLabel, RelType
from samples import names
from samples.builder import FOCAL_ID, Builder, World


def add_donors(w: World) -> None:
    """``15 * scale`` donor organizations; donor-000 is the major one."""
    w.donors = [
        w.b.node(
            NodeLabel.ORGANIZATION,
            {
                "id": f"donor-{i:03d}",
                "name": f"{w.rng.choice(names.ORG_CORES)} Philanthropies {i}",
                "industry": "philanthropy",
            },
        )
        for i in range(15 * w.scale)
    ]


def add_funding(w: World) -> tuple[set[str], float]:
    """Two donors per alliance, the major donor on every other one, management money from
    the focal organization except on a planted block.

    Returns the alliances without management funding and the major donor's share of
    programme funding.
    """
    rng, b = w.rng, w.b
    no_mgmt = set(w.block("no_management_funding", 4))
    major = w.donors[0]
    programme_total = major_total = 0.0
    for i, alliance in enumerate(w.alliances):
        for donor in rng.sample(w.donors[1:], 2):
            amount = float(rng.randint(10, 120) * 1000)
            programme_total += amount
            _fund(b, donor, alliance, amount)
        if i % 2 == 0:
            amount = float(rng.randint(400, 600) * 1000)
            programme_total += amount
            major_total += amount
            _fund(b, major, alliance, amount)
        if alliance not in no_mgmt:
            amount = float(rng.choice([1, 5, 20, 60]) * 1000)  # small amounts still count
            _fund(b, FOCAL_ID, alliance, amount, key="2025-mgmt", purpose="management")
    return no_mgmt, major_total / programme_total


def _fund(
    b: Builder,
    funder: str,
    alliance: str,
    amount: float,
    *,
    key: str = "2025",
    purpose: str = "programme",
) -> None:
    """One FUNDS relationship in the base sample's single year and currency (2025, USD);
    :mod:`samples.realism` adds the other currencies."""
    b.rel(
        RelType.FUNDS,
        funder,
        alliance,
        key=key,
        amount=amount,
        currency="USD",
        year=2025,
        purpose=purpose,
    )
