"""Pydantic models for every node and relationship of the graph: pure data, no I/O.

Each model validates one row as the stores will hold it: strings trimmed, enums from
:mod:`graph.vocabulary`, ranges checked (tie strength 0..1, scores 1..5, money >= 0),
dates as ISO partial dates. Extra properties are allowed when they are scalars or lists
of scalars under a plain identifier key, so real data keeps what the model does not name.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from graph.dates import normalize_partial_date
from graph.vocabulary import (
    AllianceForm,
    AllianceStatus,
    EmploymentKind,
    FundingModel,
    FundingPurpose,
    MemberRole,
    NodeLabel,
    PartnerKind,
    RelType,
    SharingLevel,
    StaffRole,
)

#: Property keys are stored as given; they must be plain identifiers.
PROPERTY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: Keys the stores own; rows may not set them as properties.
RESERVED_KEYS = frozenset({"id", "label", "type", "source", "target", "key"})
MAX_TEXT = 10_000


# strings are trimmed by the models' ``str_strip_whitespace`` (in pydantic-core, before
# the length checks), not by a Python validator per field
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Id = Annotated[str, Field(min_length=1, max_length=200)]
PartialDate = Annotated[str, BeforeValidator(normalize_partial_date)]
Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Score = Annotated[float, Field(ge=1, le=5, allow_inf_nan=False)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Year = Annotated[int, Field(ge=1800, le=2200)]

_SCALARS = (str, int, float, bool)


class _Row(BaseModel):
    """Common behaviour: strict about known fields, tolerant of extra scalar properties."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, use_enum_values=True)

    @model_validator(mode="before")
    @classmethod
    def _check_extra(cls, data: Any) -> Any:
        # on the raw row, before the model is built: a third of the cost of an "after" check
        if not isinstance(data, dict):
            return data
        known = cls.__pydantic_fields__
        for key, value in data.items():
            if key in known:
                continue
            if not isinstance(key, str) or not PROPERTY_KEY.match(key) or key in RESERVED_KEYS:
                raise ValueError(f"property name {key!r} is not allowed")
            if value is None or isinstance(value, _SCALARS):
                continue
            if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
                continue
            raise ValueError(f"property {key!r} must be a scalar or a list of scalars")
        return data

    def properties(self) -> dict[str, Any]:
        """The row as flat store properties: only fields the row set, no None values.

        Defaults are left out so that a partial row never overwrites a stored value;
        readers apply the defaults (see :func:`graph.schema.default_of`).
        """
        data = self.model_dump(mode="json", exclude_none=True, exclude_unset=True)
        for key in ("id", "source", "target", "key"):
            data.pop(key, None)
        return data


# ---------------------------------------------------------------- nodes


class Node(_Row):
    """Every node has a stable ``id`` (unique across the graph) and a ``name``."""

    label: ClassVar[NodeLabel]
    id: Id
    name: Text


class Organization(Node):
    label: ClassVar[NodeLabel] = NodeLabel.ORGANIZATION
    aliases: list[str] = Field(default_factory=list)
    industry: str | None = None
    country: str | None = None
    website: str | None = None
    focal: bool = False
    sharing: SharingLevel = SharingLevel.VISIBLE


class Alliance(Node):
    label: ClassVar[NodeLabel] = NodeLabel.ALLIANCE
    form: AllianceForm | None = None
    status: AllianceStatus = AllianceStatus.ACTIVE
    funding_model: FundingModel | None = None
    objective: str | None = None
    started: PartialDate | None = None
    ended: PartialDate | None = None
    sharing: SharingLevel = SharingLevel.VISIBLE


class Network(Node):
    label: ClassVar[NodeLabel] = NodeLabel.NETWORK
    kind: str | None = None


class Person(Node):
    label: ClassVar[NodeLabel] = NodeLabel.PERSON
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    linkedin: str | None = None


class Project(Node):
    label: ClassVar[NodeLabel] = NodeLabel.PROJECT
    started: PartialDate | None = None
    ended: PartialDate | None = None


class Topic(Node):
    label: ClassVar[NodeLabel] = NodeLabel.TOPIC


class Goal(Node):
    label: ClassVar[NodeLabel] = NodeLabel.GOAL
    priority: Annotated[int, Field(ge=1, le=5)] | None = None


class Assessment(Node):
    """A dated scorecard entry: the five relational-capital scores and outcome markers."""

    label: ClassVar[NodeLabel] = NodeLabel.ASSESSMENT
    date: PartialDate
    trust: Score | None = None
    social_interaction: Score | None = None
    transparency: Score | None = None
    commitment: Score | None = None
    compatibility: Score | None = None
    outcome: Score | None = None
    progress: Unit | None = None


NODE_MODELS: dict[NodeLabel, type[Node]] = {
    m.label: m for m in (Organization, Alliance, Network, Person, Project, Topic, Goal, Assessment)
}

# ---------------------------------------------------------------- relationships


class Relationship(_Row):
    """A typed, directed relationship; identity is (type, source, target, key)."""

    type: ClassVar[RelType]
    source: Id
    target: Id
    key: Annotated[str, Field(max_length=200)] = ""


class _Dated(Relationship):
    since: PartialDate | None = None
    until: PartialDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _Dated:
        from graph.dates import period_end, period_start

        if self.since and self.until and period_end(self.until) < period_start(self.since):
            raise ValueError(f"until ({self.until}) is before since ({self.since})")
        return self


class MemberOf(Relationship):
    type: ClassVar[RelType] = RelType.MEMBER_OF
    role: MemberRole = MemberRole.MEMBER
    joined: PartialDate | None = None
    left: PartialDate | None = None
    cash_contribution: Money | None = None
    in_kind_contribution: Money | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MemberOf:
        from graph.dates import period_end, period_start

        if self.joined and self.left and period_end(self.left) < period_start(self.joined):
            raise ValueError(f"left ({self.left}) is before joined ({self.joined})")
        return self


class BelongsTo(_Dated):
    type: ClassVar[RelType] = RelType.BELONGS_TO


class WorksAt(_Dated):
    type: ClassVar[RelType] = RelType.WORKS_AT
    title: str | None = None
    kind: EmploymentKind = EmploymentKind.EMPLOYEE


class Staffs(_Dated):
    type: ClassVar[RelType] = RelType.STAFFS
    role: StaffRole


class Knows(_Dated):
    """A tie between people: a stored ``strength`` is used as given; otherwise it is
    derived from ``interactions`` and ``last_contact`` (see queries/ties)."""

    type: ClassVar[RelType] = RelType.KNOWS
    strength: Unit | None = None
    last_contact: PartialDate | None = None
    interactions: Annotated[int, Field(ge=0)] | None = None
    source_system: str | None = None


class Funds(Relationship):
    type: ClassVar[RelType] = RelType.FUNDS
    amount: Money
    # no assumed currency: an amount recorded without one is kept apart ("unspecified"),
    # never added to dollars
    currency: Currency | None = None
    year: Year | None = None
    purpose: FundingPurpose = FundingPurpose.PROGRAMME


class RelatesTo(Relationship):
    type: ClassVar[RelType] = RelType.RELATES_TO
    kind: PartnerKind


class CollaboratedWith(Relationship):
    type: ClassVar[RelType] = RelType.COLLABORATED_WITH
    project: str | None = None
    year: Year | None = None
    outcome: str | None = None


class HasCapability(Relationship):
    type: ClassVar[RelType] = RelType.HAS_CAPABILITY
    level: Unit = 1.0


class Addresses(Relationship):
    type: ClassVar[RelType] = RelType.ADDRESSES
    weight: Unit = 1.0


class Needs(Relationship):
    type: ClassVar[RelType] = RelType.NEEDS
    weight: Unit = 1.0


class HasGoal(Relationship):
    type: ClassVar[RelType] = RelType.HAS_GOAL


class PartOf(Relationship):
    type: ClassVar[RelType] = RelType.PART_OF


class ParticipatesIn(_Dated):
    type: ClassVar[RelType] = RelType.PARTICIPATES_IN


class Assesses(Relationship):
    type: ClassVar[RelType] = RelType.ASSESSES


REL_MODELS: dict[RelType, type[Relationship]] = {
    m.type: m
    for m in (
        MemberOf,
        BelongsTo,
        WorksAt,
        Staffs,
        Knows,
        Funds,
        RelatesTo,
        CollaboratedWith,
        HasCapability,
        Addresses,
        Needs,
        HasGoal,
        PartOf,
        ParticipatesIn,
        Assesses,
    )
}

#: Properties that viewers never see (contribution amounts, contact details, scores).
CONFIDENTIAL_PROPERTIES = frozenset(
    {
        "cash_contribution",
        "in_kind_contribution",
        "amount",
        "email",
        "phone",
        "linkedin",
        "trust",
        "social_interaction",
        "transparency",
        "commitment",
        "compatibility",
        "outcome",
        "progress",
    }
)


#: Properties a viewer may receive: the fields the graph model names, less the confidential
#: ones, and the keys the projection adds (``label``, ``type``, ``rel_key``). A property a
#: mapping adds (``mobile``, ``work_email``, ``deal_value``, ...) is for analysts and admins
#: only: its name cannot tell whether it is a contact detail, an amount or a score.
PUBLIC_PROPERTIES = (
    frozenset({"label", "type", "rel_key"})
    | {
        name
        for model in (*NODE_MODELS.values(), *REL_MODELS.values())
        for name in model.model_fields
    }
) - CONFIDENTIAL_PROPERTIES


def default_of(model: type[_Row], field: str) -> Any:
    """The documented default of ``field`` on ``model`` (``None`` if it has none)."""
    info = model.model_fields.get(field)
    if info is None:
        return None
    value = info.get_default(call_default_factory=True)
    return getattr(value, "value", value)
