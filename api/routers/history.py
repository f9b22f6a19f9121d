"""The store's history and review queue, for admins: imports, deletes and decisions."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import AdminDep, PrincipalDep, StateDep
from api.problems import ProblemError, not_found
from loaders.review import StoredReviewQueue, decide, decide_many

router = APIRouter(tags=["data"])


class HistoryEntry(BaseModel):
    """One event: when, what, who, on what, and its details."""

    at: str
    action: str
    actor: str
    subject: str
    detail: dict[str, Any]


class ReviewItem(BaseModel):
    """An organization held back until a person says whether it is an existing one."""

    review_id: str
    incoming_name: str
    candidates: list[dict[str, Any]]
    decision: str | None
    held_rows: int
    origin: dict[str, Any] = Field(default_factory=dict)


class ReviewDecision(BaseModel):
    """``accept`` (the best candidate), ``accept`` with ``into``, or ``reject``."""

    action: Literal["accept", "reject"]
    into: str | None = Field(None, min_length=1, max_length=200)


class BulkDecision(ReviewDecision):
    """A decision for every open item matching the filters."""

    min_score: float | None = Field(None, ge=0, le=100, strict=True)
    file: str | None = Field(None, max_length=500)
    mapping: str | None = Field(None, max_length=500)


class Decided(BaseModel):
    """What a decision did: the items decided and the held rows written."""

    decided: list[str]
    written: int


@router.get(
    "/history",
    response_model=list[HistoryEntry],
    dependencies=[AdminDep],
    summary="Imports, deletes and review decisions, newest first",
)
def history(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
) -> list[HistoryEntry]:
    return [
        HistoryEntry(**dataclasses.asdict(e)) for e in state.store.history(limit=limit, offset=offset)
    ]


@router.get(
    "/review",
    response_model=list[ReviewItem],
    dependencies=[AdminDep],
    summary="Open review items: organizations held until someone decides",
)
def review_list(state: StateDep) -> list[ReviewItem]:
    queue = StoredReviewQueue(state.store)
    return [
        ReviewItem(
            review_id=d.review_id,
            incoming_name=d.incoming_name,
            candidates=d.candidates,
            decision=d.decision,
            held_rows=len(queue.held.get(d.review_id, [])),
            origin=queue.origin.get(d.review_id, {}),
        )
        for d in queue.open_items()
    ]


def _decision(body: ReviewDecision) -> str:
    if body.action == "reject":
        return "reject"
    return f"accept:{body.into}" if body.into else "accept"


@router.post(
    "/review/bulk",
    response_model=Decided,
    dependencies=[AdminDep],
    summary="Decide every open review item matching the filters (bulk)",
)
async def review_bulk(body: BulkDecision, state: StateDep, principal: PrincipalDep) -> Decided:
    def run() -> Decided:
        queue = StoredReviewQueue(state.store)
        done = decide_many(
            state.store,
            queue,
            _decision(body),
            actor=principal.actor,
            min_score=body.min_score,
            file=body.file,
            mapping=body.mapping,
        )
        return Decided(
            decided=[d.review_id for d in done],
            written=sum(r.written for d in done for r in d.written.values()),
        )

    result = await anyio.to_thread.run_sync(run)
    await anyio.to_thread.run_sync(state.cache.refresh)
    return result


@router.post(
    "/review/{review_id}",
    response_model=Decided,
    dependencies=[AdminDep],
    summary="Decide one review item; the rows it held are written at once",
    responses={404: {"description": "no such review item"}, 422: {"description": "not a candidate"}},
)
async def review_decide(
    review_id: Annotated[str, Path(max_length=64, pattern="^[0-9a-f]{1,64}$")],
    body: ReviewDecision,
    state: StateDep,
    principal: PrincipalDep,
) -> Decided:
    def run() -> Decided:
        queue = StoredReviewQueue(state.store)
        if review_id not in queue.items:
            raise not_found("review item", review_id)
        try:
            applied = decide(state.store, queue, review_id, _decision(body), actor=principal.actor)
        except ValueError as exc:
            raise ProblemError(422, str(exc)) from None
        return Decided(decided=[review_id], written=sum(r.written for r in applied.written.values()))

    result = await anyio.to_thread.run_sync(run)
    await anyio.to_thread.run_sync(state.cache.refresh)
    return result
