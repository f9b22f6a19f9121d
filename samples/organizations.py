"""Builders for topics, the focal organization, other organizations, partner kinds,
capabilities and boundary networks."""

from __future__ import annotations

from graph.vocabulary import NodeLabel, PartnerKind, RelType
from samples import names
from samples.builder import FOCAL_ID, Row, World


def add_topics(w: World) -> None:
    """Topics; the last two are needed by goals and addressed by no alliance."""
    w.topics = [
        w.b.node(NodeLabel.TOPIC, {"id": f"topic-{i:03d}", "name": t})
        for i, t in enumerate(names.TOPICS)
    ]
    w.orphan_topics = w.topics[-2:]
    w.alliance_topics = w.topics[:-2]


def add_organizations(w: World) -> None:
    """The focal organization and ``1000 * scale`` others, some with aliases."""
    rng = w.rng
    w.b.node(
        NodeLabel.ORGANIZATION,
        {
            "id": FOCAL_ID,
            "name": "Northwind Foundation",
            "focal": True,
            "aliases": ["Northwind", "Fundación Northwind"],
            "industry": "philanthropy",
        },
    )
    for i in range(1000 * w.scale):
        core = rng.choice(names.ORG_CORES)
        kind = rng.choice(names.ORG_KINDS)
        suffix = rng.choice(names.LEGAL_SUFFIXES)
        name = f"{core} {kind} {suffix}".strip() + ("" if i < 900 * w.scale else f" {i}")
        row: Row = {
            "id": f"org-{i:05d}",
            "name": name,
            "industry": rng.choice(names.INDUSTRIES),
            "country": rng.choice(["DE", "FR", "KE", "BR", "IN", "US", "JP", "ES", "NG"]),
        }
        if rng.random() < 0.15:
            row["aliases"] = [f"{core} {kind}", f"{core.upper()} {kind[:3].upper()}"]
        w.orgs.append(w.b.node(NodeLabel.ORGANIZATION, row))


def add_partner_kinds(w: World) -> None:
    """About 40 % of organizations classified relative to the focal one (RELATES_TO)."""
    rng = w.rng
    kinds = [
        PartnerKind.COMPETITOR,
        PartnerKind.SUPPLIER,
        PartnerKind.CUSTOMER,
        PartnerKind.COMPLEMENTOR,
    ]
    for org in w.orgs:
        if rng.random() < 0.4:
            kind_ = rng.choices(kinds, weights=[3, 2, 2, 3])[0]
            w.partner_kind[org] = str(kind_)
            w.b.rel(RelType.RELATES_TO, FOCAL_ID, org, kind=str(kind_))
    w.competitors = [o for o, k in w.partner_kind.items() if k == PartnerKind.COMPETITOR]
    w.non_competitors = [o for o in w.orgs if w.partner_kind.get(o) != PartnerKind.COMPETITOR]


def add_capabilities(w: World) -> None:
    """``120 * scale`` organizations with one to three capabilities."""
    rng = w.rng
    for org in rng.sample(w.orgs, 120 * w.scale):
        for topic in rng.sample(w.topics, rng.randint(1, 3)):
            w.b.rel(RelType.HAS_CAPABILITY, org, topic, level=round(rng.uniform(0.3, 1.0), 2))


def add_networks(w: World) -> None:
    """``20 * scale`` boundary networks, ``400 * scale`` organizations in one or two."""
    rng = w.rng
    for i in range(20 * w.scale):
        base = names.NETWORK_NAMES[i % len(names.NETWORK_NAMES)]
        w.networks.append(
            w.b.node(
                NodeLabel.NETWORK,
                {
                    "id": f"net-{i:03d}",
                    "name": f"{base} {i // len(names.NETWORK_NAMES) + 1}",
                    "kind": names.NETWORK_KINDS[i % len(names.NETWORK_KINDS)],
                },
            )
        )
    for org in rng.sample(w.orgs, 400 * w.scale):
        for net in rng.sample(w.networks, rng.randint(1, 2)):
            w.b.rel(RelType.BELONGS_TO, org, net, since=str(rng.randint(2012, 2024)))
