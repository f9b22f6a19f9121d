"""Health, version and counts."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import anyio.to_thread
import networkx as nx
from fastapi import APIRouter

from api.deps import AccessDep, StateDep, ViewerDep
from api.models import Counts, Health, VersionInfo

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health, summary="Is the service up and the store reachable?")
async def health(state: StateDep) -> Health:
    """Answered on the event loop from the projection already built: no key, so no counts
    (they would count hidden nodes); ``/stats`` counts what a key may count."""
    fresh = state.cache.fresh()
    graph: nx.MultiDiGraph = (
        fresh
        if fresh is not None
        else await anyio.to_thread.run_sync(state.cache.get, limiter=state.check_lane)
    )
    return Health(
        status="ok", store=state.settings.store, store_version=int(graph.graph.get("version", 0))
    )


@router.get("/version", response_model=VersionInfo)
def version_info() -> VersionInfo:
    try:
        v = version("alliancegraph")
    except PackageNotFoundError:
        v = "0+unknown"
    return VersionInfo(version=v, api=1)


@router.get(
    "/stats",
    response_model=Counts,
    dependencies=[ViewerDep],
    summary="Nodes per label and relationships per type that the key may count",
)
def stats(access: AccessDep) -> Counts:
    view = access.graph
    labels: dict[str, int] = {}
    for _, data in view.nodes(data=True):
        labels[data["label"]] = labels.get(data["label"], 0) + 1
    types: dict[str, int] = {}
    for _, _, data in view.edges(data=True):
        types[data["type"]] = types.get(data["type"], 0) + 1
    return Counts(labels=labels, types=types)
