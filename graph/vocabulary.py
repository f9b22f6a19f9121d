"""The closed vocabulary of the graph: node labels, relationship types and domain enums.

Labels and relationship types cannot be Cypher parameters, so every statement that
names one takes it from these enums; anything else is refused before it reaches a store.
"""

from __future__ import annotations

from enum import StrEnum


class NodeLabel(StrEnum):
    """Node labels (PascalCase nouns); the allow-list for every store."""

    ORGANIZATION = "Organization"
    ALLIANCE = "Alliance"
    NETWORK = "Network"
    PERSON = "Person"
    PROJECT = "Project"
    TOPIC = "Topic"
    GOAL = "Goal"
    ASSESSMENT = "Assessment"


class RelType(StrEnum):
    """Relationship types (UPPER_SNAKE_CASE); the allow-list for every store."""

    MEMBER_OF = "MEMBER_OF"
    BELONGS_TO = "BELONGS_TO"
    WORKS_AT = "WORKS_AT"
    STAFFS = "STAFFS"
    KNOWS = "KNOWS"
    FUNDS = "FUNDS"
    RELATES_TO = "RELATES_TO"
    COLLABORATED_WITH = "COLLABORATED_WITH"
    HAS_CAPABILITY = "HAS_CAPABILITY"
    ADDRESSES = "ADDRESSES"
    NEEDS = "NEEDS"
    HAS_GOAL = "HAS_GOAL"
    PART_OF = "PART_OF"
    PARTICIPATES_IN = "PARTICIPATES_IN"
    ASSESSES = "ASSESSES"


L = NodeLabel

#: Which labels each relationship type may connect, (sources, targets).
REL_ENDPOINTS: dict[RelType, tuple[frozenset[NodeLabel], frozenset[NodeLabel]]] = {
    RelType.MEMBER_OF: (frozenset({L.ORGANIZATION}), frozenset({L.ALLIANCE})),
    RelType.BELONGS_TO: (frozenset({L.ORGANIZATION}), frozenset({L.NETWORK})),
    RelType.WORKS_AT: (frozenset({L.PERSON}), frozenset({L.ORGANIZATION})),
    RelType.STAFFS: (frozenset({L.PERSON}), frozenset({L.ALLIANCE})),
    RelType.KNOWS: (frozenset({L.PERSON}), frozenset({L.PERSON})),
    RelType.FUNDS: (frozenset({L.ORGANIZATION}), frozenset({L.ALLIANCE, L.PROJECT})),
    RelType.RELATES_TO: (frozenset({L.ORGANIZATION}), frozenset({L.ORGANIZATION})),
    RelType.COLLABORATED_WITH: (frozenset({L.ORGANIZATION}), frozenset({L.ORGANIZATION})),
    RelType.HAS_CAPABILITY: (frozenset({L.ORGANIZATION}), frozenset({L.TOPIC})),
    RelType.ADDRESSES: (frozenset({L.ALLIANCE}), frozenset({L.TOPIC})),
    RelType.NEEDS: (frozenset({L.GOAL}), frozenset({L.TOPIC})),
    RelType.HAS_GOAL: (frozenset({L.ORGANIZATION}), frozenset({L.GOAL})),
    RelType.PART_OF: (frozenset({L.PROJECT}), frozenset({L.ALLIANCE})),
    RelType.PARTICIPATES_IN: (frozenset({L.ORGANIZATION}), frozenset({L.PROJECT})),
    RelType.ASSESSES: (frozenset({L.ASSESSMENT}), frozenset({L.ALLIANCE})),
}


class AllianceForm(StrEnum):
    """Alliance forms, in rising degree of integration and shared ownership."""

    VENDOR_RELATIONSHIP = "vendor_relationship"
    PASSIVE_CONTRACTUAL = "passive_contractual"
    ACTIVE_CONTRACTUAL = "active_contractual"
    PARTNERSHIP = "partnership"
    COALITION = "coalition"
    KNOWLEDGE_NETWORK = "knowledge_network"
    MINORITY_EQUITY = "minority_equity"
    JOINT_VENTURE = "joint_venture"
    STRATEGIC_ALLIANCE = "strategic_alliance"


class AllianceStatus(StrEnum):
    """Where an alliance is in its life."""

    PLANNED = "planned"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class MemberRole(StrEnum):
    """An organization's role in an alliance."""

    LEAD = "lead"
    MEMBER = "member"
    OBSERVER = "observer"


class StaffRole(StrEnum):
    """A person's role in staffing an alliance."""

    ALLIANCE_DIRECTOR = "alliance_director"
    ALLIANCE_MANAGER = "alliance_manager"
    KM_INTERMEDIARY = "km_intermediary"
    RESEARCHER = "researcher"
    FINANCE = "finance"
    COMMUNICATIONS = "communications"
    BUSINESS_DEVELOPER = "business_developer"


class PartnerKind(StrEnum):
    """A partner's kind relative to a focal organization."""

    COMPETITOR = "competitor"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    COMPLEMENTOR = "complementor"


class FundingModel(StrEnum):
    """How an alliance is financed."""

    OWN_FUNDS = "own_funds"
    LEAD_DISTRIBUTES = "lead_distributes"
    POOLED_FUND = "pooled_fund"


class FundingPurpose(StrEnum):
    """What money is for: running the programme, or managing the relationship itself."""

    PROGRAMME = "programme"
    MANAGEMENT = "management"


class EmploymentKind(StrEnum):
    """How a person is attached to an organization."""

    EMPLOYEE = "employee"
    BOARD = "board"
    ADVISOR = "advisor"
    CONTRACTOR = "contractor"


class SharingLevel(StrEnum):
    """How much of an organization or alliance other API keys may see."""

    HIDDEN = "hidden"
    COUNTS_ONLY = "counts_only"
    VISIBLE = "visible"


def parse_label(value: str) -> NodeLabel:
    """Return the allow-listed label for ``value`` or raise ``ValueError`` naming the choices."""
    try:
        return NodeLabel(value)
    except ValueError:
        raise ValueError(
            f"unknown node label {value!r}; expected one of {', '.join(NodeLabel)}"
        ) from None


def parse_rel_type(value: str) -> RelType:
    """Return the allow-listed relationship type for ``value`` or raise ``ValueError``."""
    try:
        return RelType(value)
    except ValueError:
        raise ValueError(
            f"unknown relationship type {value!r}; expected one of {', '.join(RelType)}"
        ) from None
