"""Response models shared by the routers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Only ``YYYY-MM-DD`` (pydantic would also read ``0`` as 1970-01-01)."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date as YYYY-MM-DD")
    return value


#: a query date: ISO text only, as the OpenAPI document says (``format: date``)
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

T = TypeVar("T")


class NodeOut(BaseModel):
    """A node as a key may see it."""

    id: str
    label: str
    name: str
    properties: dict[str, Any] = Field(default_factory=dict)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "org-00042",
                    "label": "Organization",
                    "name": "Aqua Water GmbH",
                    "properties": {"industry": "water", "country": "DE"},
                }
            ]
        }
    )


class RelationshipOut(BaseModel):
    """A relationship as a key may see it; ``id`` is its evidence id."""

    id: str
    type: str
    source: str
    target: str
    properties: dict[str, Any] = Field(default_factory=dict)


class NodeDetail(BaseModel):
    """A node with its neighbourhood."""

    node: NodeOut
    relationships: list[RelationshipOut]
    neighbours: list[NodeOut]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    page: int
    page_size: int


class Health(BaseModel):
    status: str
    store: str
    store_version: int


class VersionInfo(BaseModel):
    version: str
    api: int


class Counts(BaseModel):
    labels: dict[str, int]
    types: dict[str, int]
