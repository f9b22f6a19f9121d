"""Imports (an uploaded file through the loader pipeline), exports, and deletes."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request, UploadFile
from fastapi.responses import Response

from api.access import Access
from api.deps import AccessDep, AdminDep, AnalystDep, PrincipalDep, StateDep
from api.problems import ProblemError, not_found
from api.work import run_bounded
from graph.writer import delete_node
from loaders.export import to_csv_zip, to_graphml, to_json
from loaders.pipeline import FORMATS, load_bytes
from loaders.report import ImportReport
from loaders.rows import LoadError
from loaders.sources import MAX_MAPPING_BYTES, uploaded_mapping

router = APIRouter(tags=["data"])


@router.post(
    "/imports",
    response_model=ImportReport,
    dependencies=[AdminDep],
    summary="Upload a file (with its column mapping, for a CSV or any worksheet); get the "
    "import report",
    description="A portfolio document (JSON, YAML), Excel workbook, GraphML, GEXF, Pajek or "
    "edge-list file; a CSV or text table, or an Excel worksheet, with `mapping` (the YAML "
    "column mapping `alliancegraph load --mapping` takes: docs/loaders.md).",
    responses={413: {"description": "upload too large"}, 422: {"description": "unreadable file"}},
)
async def import_file(
    request: Request,
    state: StateDep,
    principal: PrincipalDep,
    file: UploadFile,
    mapping: UploadFile | None = None,
    dry_run: Annotated[bool, Query()] = False,
    skip_invalid: Annotated[bool, Query()] = False,
) -> ImportReport:
    cap = int(state.settings.max_upload_mb * 1024 * 1024)
    data = await file.read(cap + 1)
    if len(data) > cap:
        raise ProblemError(413, f"the upload is larger than the limit of {cap:,} bytes")
    name = file.filename or "upload"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    columns = None
    if mapping is not None:
        try:
            columns = uploaded_mapping(
                await mapping.read(MAX_MAPPING_BYTES + 1), mapping.filename or ""
            )
        except LoadError as exc:
            raise ProblemError(422, str(exc), slug="bad-mapping") from None
    if suffix not in FORMATS or (FORMATS[suffix] == "csv" and columns is None):
        raise ProblemError(
            422,
            f"{name}: upload one of {', '.join(sorted(FORMATS))} "
            "(a CSV or text table with its column mapping as `mapping`)",
        )

    def load() -> ImportReport:
        with state.cache.lease() as graph:  # resolve against the served graph: no store read
            report = load_bytes(
                state.store,
                data,
                name,
                columns,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                actor=principal.actor,
                graph=graph,
                org_index=state.cache.org_index,
            )
        if not dry_run:
            state.cache.refresh()  # the next request sees the import, applied, not rebuilt
        return report

    try:
        # off the event loop; a dry run is stopped if the request gives up, a real import
        # runs to its end (the writer decides what a reader sees; half a write is worse)
        report = await (
            run_bounded(load, state.heavy_lane)
            if dry_run
            else anyio.to_thread.run_sync(load, limiter=state.heavy_lane)
        )
    except LoadError as exc:
        raise ProblemError(422, str(exc), slug="unreadable-file") from None
    if report.rejections and not skip_invalid:
        raise ProblemError(
            422,
            f"{name}: {report.message}",
            slug="import-failed",
            errors=[p.model_dump(exclude_none=True) for p in report.rejections[:REPORT_ITEMS]],
            extra={
                "rejected": report.problems,
                "counts": {k: c.model_dump() for k, c in report.counts.items()},
            },
        )
    return bounded(report)


#: at most this many rejections, merges, ambiguities and held rows are listed in an answer
REPORT_ITEMS = 100


def bounded(report: ImportReport) -> ImportReport:
    """The report with each list cut to its first ``REPORT_ITEMS`` entries (the counts
    say how many there were): a million bad rows must not make a 200 MB answer."""
    lists = ("rejections", "merges", "ambiguities", "held")
    cut = {
        k: getattr(report, k)[:REPORT_ITEMS]
        for k in lists
        if len(getattr(report, k)) > REPORT_ITEMS
    }
    if not cut:
        return report
    note = ", ".join(f"{len(getattr(report, k)):,} {k}" for k in cut)
    message = f"{report.message} (lists cut to their first {REPORT_ITEMS} of {note})".strip()
    return report.model_copy(update={**cut, "message": message})


@router.get(
    "/exports/graph.{fmt}",
    dependencies=[AnalystDep],
    summary="The graph this key may see as JSON (re-loadable), GraphML or zipped CSV",
    responses={
        200: {"content": {"application/json": {}, "application/xml": {}, "application/zip": {}}}
    },
)
async def export(
    fmt: Annotated[str, Path(pattern="^(json|graphml|csv)$")], state: StateDep, access: AccessDep
) -> Response:
    view = access.named_view()

    def build() -> Response:
        if fmt == "json":
            return Response(to_json(view), media_type="application/json")
        if fmt == "graphml":
            return Response(to_graphml(view), media_type="application/xml")
        return Response(
            to_csv_zip(view),
            media_type="application/zip",
            headers={"Content-Disposition": "attachment; filename=graph-csv.zip"},
        )

    return await run_bounded(build, state.heavy_lane)


@router.delete(
    "/nodes/{node_id}",
    status_code=204,
    dependencies=[AdminDep],
    summary="Delete a node with all its relationships",
)
def delete(
    node_id: Annotated[str, Path(max_length=200)],
    state: StateDep,
    access: AccessDep,
    principal: PrincipalDep,
) -> Response:
    _exists(access, node_id)
    delete_node(state.store, node_id, actor=principal.actor)
    state.cache.refresh()
    return Response(status_code=204)


def _exists(access: Access, node_id: str) -> None:
    if not access.can_see(node_id):
        raise not_found("node", node_id)
