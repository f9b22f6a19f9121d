"""The browser app's pages: search, entities, the portfolio dashboard, who-knows-whom,
maps, exports and the admin pages for imports and the review queue.

Thin handlers: each reads the key's :class:`~api.access.Access` (through
:mod:`api.web.auth`), asks :mod:`api.web.views` or ``queries`` for what to show and renders
one template. Maps are the same builders as ``/maps/...``, served under ``/app/map/...`` so
that a signed-in browser (cookie, not header) can open them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
import jinja2
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.access import Access
from api.deps import StateDep
from api.keys import Role
from api.problems import ProblemError
from api.routers.maps import SECURITY_HEADERS as MAP_HEADERS
from api.routers.maps import map_options
from api.routers.paths import check_path_ends
from api.routers.portfolio import AsOf as ReportAsOf
from api.routers.portfolio import report_for
from api.web import views
from api.web.auth import (
    COOKIE,
    NotAllowed,
    PageNotFound,
    SignInRequired,
    WebAccess,
    check_form_token,
    form_token,
    need,
    sessions,
    verify_key,
)
from api.web.search import describe, index_for
from api.web.sessions import LIFETIME_S
from loaders.pipeline import FORMATS, load_bytes
from loaders.report import ImportReport
from loaders.review import StoredReviewQueue, decide
from loaders.rows import LoadError
from loaders.sources import MAX_MAPPING_BYTES, uploaded_mapping
from queries.neighbourhoods import brokers
from queries.paths import introduction_paths
from visualizations import (
    MapSpec,
    alliance_contacts_map,
    ego_map,
    finding_map,
    path_map,
    portfolio_map,
    render,
)
from visualizations.svg import to_svg

TEMPLATES = Path(__file__).with_name("templates")
#: pages: our own scripts and styles only, JSON fetched from this server only, no framing
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
Id = Annotated[str, Query(min_length=1, max_length=200)]

router = APIRouter(prefix="/app", include_in_schema=False)
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_env.filters["q"] = lambda v: quote(str(v), safe="")
_env.filters["shown"] = views.shown


def page(
    request: Request, access: Access | None, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """One template rendered for this key (navigation shows what its role may open)."""
    principal = access.principal if access else None
    html = _env.get_template(name).render(
        principal=principal,
        role=principal.role.value if principal else None,
        analyst=bool(principal and principal.at_least(Role.ANALYST)),
        admin=bool(principal and principal.at_least(Role.ADMIN)),
        token=form_token(request, principal) if principal else "",
        focal=views.focal_organization(access) if access else None,
        served=request.app.state.ag.settings.auth == "keys",
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _need_node(access: Access, node: str, label: str | None = None) -> None:
    if not access.can_see(node) or (label and access.graph.nodes[node].get("label") != label):
        what = (label or "node").lower()
        # the id is not repeated: a page must read the same for a hidden id and an unknown one
        raise PageNotFound(f"No such {what} (or not one your key may see).")


# ---- sign-in ---------------------------------------------------------------------------


@router.get("/signin")
def signin_form(request: Request, next: str = "/app") -> HTMLResponse:
    return page(request, None, "signin.html", next=_local(next), error="")


@router.post("/signin")
def signin(
    request: Request,
    state: StateDep,
    key: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form(max_length=2000)] = "/app",
) -> Response:
    try:
        principal = verify_key(state, request, key.strip())
    except ProblemError as exc:  # too many wrong keys from this address this minute
        refused = page(
            request,
            None,
            "signin.html",
            exc.status,
            next=_local(next),
            error="Too many failed sign-ins from this address; wait a minute and retry.",
        )
        refused.headers.update(exc.headers or {})
        return refused
    if principal is None:
        return page(
            request,
            None,
            "signin.html",
            401,
            next=_local(next),
            error="That key is not valid (unknown or revoked).",
        )
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        COOKIE,
        sessions(request).start(key.strip()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        max_age=LIFETIME_S,
    )
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    """End the session on the server too: a copy of the cookie signs nobody in."""
    sessions(request).end(request.cookies.get(COOKIE))
    response = RedirectResponse("/app/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _local(url: str) -> str:
    """Only a path on this site to go back to (never another host)."""
    return url if url.startswith("/app") and not url.startswith("//") else "/app"


# ---- search and entities -----------------------------------------------------------------


@router.get("")
def home(request: Request, access: WebAccess) -> HTMLResponse:
    return page(request, access, "home.html")


@router.get("/search.json")
def search_json(
    access: WebAccess,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> JSONResponse:
    hits = index_for(access.graph).search(q, limit=limit, allowed=access.can_see)
    return JSONResponse(
        [
            {
                "id": h.id,
                "name": h.name,
                "label": h.label,
                "detail": describe(access.graph, h.id, access.can_see),
                "url": f"/app/entity/{quote(h.id, safe='')}",
            }
            for h in hits
        ],
        headers={"Cache-Control": "no-store"},
    )


@router.get("/search")
def search(
    request: Request, access: WebAccess, q: Annotated[str, Query(max_length=200)] = ""
) -> HTMLResponse:
    hits = index_for(access.graph).search(q, limit=50, allowed=access.can_see)
    details = {h.id: describe(access.graph, h.id, access.can_see) for h in hits}
    return page(request, access, "search.html", q=q, hits=hits, details=details)


@router.get("/entity/{node_id}")
def entity(request: Request, node_id: str, access: WebAccess) -> HTMLResponse:
    _need_node(access, node_id)
    info = views.entity_page(access, node_id)
    findings: list[Any] = []
    focal = views.focal_organization(access)
    if info.label == "Alliance" and focal and access.principal.at_least(Role.ANALYST):
        report = report_for(request.app.state.ag, access, focal, date.today())
        findings = [(f, i) for f, i in views.findings_by_kind_index(report) if node_id in f.subject]
    return page(request, access, "entity.html", e=info, findings=findings, focal_id=focal)


# ---- the portfolio dashboard and its exports ---------------------------------------------


@router.get("/portfolio/{org}")
def dashboard(
    request: Request, org: str, state: StateDep, access: WebAccess, as_of: ReportAsOf
) -> HTMLResponse:
    need(access, Role.ANALYST)
    _need_node(access, org, "Organization")
    report = report_for(state, access, org, as_of)
    cards = [c for c in report.scorecards if c.points]
    indexed = views.findings_by_kind_index(report)
    groups = [
        ("Synergies", "synergy", [(f, i) for f, i in indexed if f.category == "synergy"]),
        ("Constraints", "constraint", [(f, i) for f, i in indexed if f.category == "constraint"]),
        ("Gaps", "gap", [(f, i) for f, i in indexed if f.category == "gap"]),
    ]
    return page(
        request,
        access,
        "dashboard.html",
        report=report,
        groups=groups,
        coverage=views.coverage(access, report),
        cards=cards,
        measures=sorted({m for c in cards for m in c.points[-1].scores}),
        as_of=as_of.isoformat() if as_of else "",
        names=lambda ids: views.names_of(access.graph, ids),
    )


@router.get("/portfolio/{org}/report.csv")
def report_csv(org: str, state: StateDep, access: WebAccess, as_of: ReportAsOf) -> Response:
    need(access, Role.ANALYST)
    report = report_for(state, access, org, as_of)
    return Response(
        views.report_csv(access.graph, report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="portfolio-{quote(org, safe="")}.csv"'
        },
    )


@router.get("/portfolio/{org}/report.xlsx")
def report_xlsx(
    org: str, state: StateDep, access: WebAccess, as_of: ReportAsOf
) -> Response:
    need(access, Role.ANALYST)
    report = report_for(state, access, org, as_of)
    return Response(
        views.report_xlsx(access.graph, report, money=not access.confidential),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="portfolio-{quote(org, safe="")}.xlsx"'
        },
    )


@router.get("/portfolio/{org}/print")
def report_print(
    request: Request,
    org: str,
    state: StateDep,
    access: WebAccess,
    as_of: ReportAsOf,
    top: Annotated[int, Query(ge=0, le=10)] = 3,
) -> HTMLResponse:
    """A print-ready page for a board pack: the findings and the evidence map (as a static
    picture) of the most valuable ones of each category."""
    need(access, Role.ANALYST)
    _need_node(access, org, "Organization")
    report = report_for(state, access, org, as_of)
    view = access.named_view()
    options = map_options(access)
    sections = []
    for title, findings in (
        ("Synergies", report.synergies),
        ("Constraints", report.constraints),
        ("Gaps", report.gaps),
    ):
        pictures = [
            (f, to_svg(finding_map(view, f, **options), width=760, height=420))
            for f in findings[:top]
        ]
        sections.append((title, findings, pictures))
    return page(
        request,
        access,
        "print.html",
        report=report,
        sections=sections,
        coverage=views.coverage(access, report),
        names=lambda ids: views.names_of(access.graph, ids),
    )


# ---- who knows whom ----------------------------------------------------------------------


@router.get("/paths")
async def paths(
    request: Request,
    state: StateDep,
    access: WebAccess,
    source: Annotated[str, Query(max_length=200)] = "",
    target: Annotated[str, Query(max_length=200)] = "",
    k: Annotated[int, Query(ge=1, le=10)] = 3,
) -> HTMLResponse:
    result, error = None, ""
    source = source or (views.focal_organization(access) or "")
    if source and target:
        if not (access.can_see(source) and access.can_see(target)):
            error = "No such person or organization (or not visible to your key)."
        elif {access.graph.nodes[n].get("label") for n in (source, target)} - {
            "Person",
            "Organization",
        }:
            error = "Paths run between people or organizations."
        else:
            view = access.named_view()
            hops = state.settings.max_path_hops
            result = await anyio.to_thread.run_sync(
                lambda: introduction_paths(
                    view, source, target, min(k, state.settings.max_paths), max_hops=hops
                ),
                limiter=state.path_lane,
            )
    name = lambda n: str(access.graph.nodes[n].get("name", n)) if n and access.can_see(n) else ""  # noqa: E731
    # an id the key may not see is not written back into the form: a hidden id and an
    # unknown one read the same
    return page(
        request,
        access,
        "paths.html",
        source=source if access.can_see(source) else "",
        target=target if access.can_see(target) else "",
        k=k,
        result=result,
        error=error,
        source_name=name(source),
        target_name=name(target),
    )


@router.get("/brokers")
def brokers_page(
    request: Request,
    access: WebAccess,
    a: Annotated[str, Query(max_length=200)] = "",
    b: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    result, error = None, ""
    if a and b:
        if not (access.can_see(a) and access.can_see(b)):
            error = "No such alliance or organization (or not visible to your key)."
        elif {access.graph.nodes[n].get("label") for n in (a, b)} - {"Alliance", "Organization"}:
            error = "Brokers are found between alliances or organizations."
        else:
            result = brokers(access.named_view(), a, b)
    name = lambda n: str(access.graph.nodes[n].get("name", n)) if n and access.can_see(n) else ""  # noqa: E731
    return page(
        request,
        access,
        "brokers.html",
        a=a if access.can_see(a) else "",  # never write back an id the key may not see
        b=b if access.can_see(b) else "",
        result=result,
        error=error,
        a_name=name(a),
        b_name=name(b),
    )


# ---- maps (the same builders as /maps, for a signed-in browser) ----------------------------


def _map_page(spec: MapSpec, fmt: str) -> Response:
    if fmt == "svg":
        return Response(
            to_svg(spec),
            media_type="image/svg+xml",
            headers={
                "Content-Disposition": "attachment; filename=map.svg",
                "X-Content-Type-Options": "nosniff",
            },
        )
    return HTMLResponse(render(spec, assets_url="/maps/assets"), headers=MAP_HEADERS)


Fmt = Annotated[str, Query(pattern="^(html|svg)$")]


@router.get("/map/portfolio/{org}")
def map_portfolio(
    org: str, access: WebAccess, as_of: date | None = None, format: Fmt = "html"
) -> Response:
    _need_node(access, org, "Organization")
    return _map_page(
        portfolio_map(access.named_view(), org, as_of=as_of, **map_options(access)), format
    )


@router.get("/map/ego/{node_id}")
def map_ego(
    node_id: str,
    state: StateDep,
    access: WebAccess,
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    format: Fmt = "html",
) -> Response:
    _need_node(access, node_id)
    depth = min(depth, state.settings.max_ego_depth)
    return _map_page(
        ego_map(access.named_view(), node_id, depth=depth, **map_options(access)), format
    )


@router.get("/map/alliance/{alliance}")
def map_alliance(alliance: str, access: WebAccess, format: Fmt = "html") -> Response:
    _need_node(access, alliance, "Alliance")
    return _map_page(
        alliance_contacts_map(access.named_view(), alliance, **map_options(access)), format
    )


@router.get("/map/path")
async def map_path(
    state: StateDep,
    access: WebAccess,
    source: Id,
    target: Id,
    k: Annotated[int, Query(ge=1, le=10)] = 3,
    format: Fmt = "html",
) -> Response:
    _need_node(access, source)
    _need_node(access, target)
    check_path_ends(access, source, target)
    view = access.named_view()
    result = await anyio.to_thread.run_sync(
        lambda: introduction_paths(view, source, target, k), limiter=state.path_lane
    )
    return _map_page(path_map(view, result, **map_options(access)), format)


@router.get("/map/finding/{org}/{kind}")
def map_finding(
    org: str,
    kind: str,
    state: StateDep,
    access: WebAccess,
    as_of: ReportAsOf,
    index: Annotated[int, Query(ge=0)] = 0,
    format: Fmt = "html",
) -> Response:
    """A finding of the dashboard's report (the same report, so the same numbering) with
    exactly its evidence highlighted."""
    need(access, Role.ANALYST)
    _need_node(access, org, "Organization")
    chosen = [f for f in report_for(state, access, org, as_of).findings() if f.kind == kind]
    if index >= len(chosen):
        raise ProblemError(404, f"no {kind} finding #{index} for {org}", slug="not-found")
    return _map_page(
        finding_map(access.named_view(), chosen[index], **map_options(access)), format
    )


# ---- admin: imports and the review queue -------------------------------------------------


@router.get("/admin/import")
def import_form(request: Request, access: WebAccess) -> HTMLResponse:
    need(access, Role.ADMIN)
    return page(request, access, "import.html", report=None, error="", formats=sorted(FORMATS))


@router.post("/admin/import")
async def import_upload(
    request: Request,
    state: StateDep,
    access: WebAccess,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
    mapping: Annotated[UploadFile | None, File()] = None,
    dry_run: Annotated[bool, Form()] = False,
    skip_invalid: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    need(access, Role.ADMIN)
    if not check_form_token(request, access.principal, csrf):
        raise ProblemError(
            403, "this form has expired or did not come from this site; reload the page"
        )
    cap = int(state.settings.max_upload_mb * 1024 * 1024)
    data = await file.read(cap + 1)
    if len(data) > cap:
        raise ProblemError(413, f"the upload is larger than the limit of {cap:,} bytes")
    name = Path(file.filename or "upload").name
    error, report = "", None
    try:
        parsed = None
        if mapping is not None and mapping.filename:
            raw = await mapping.read(MAX_MAPPING_BYTES + 1)
            parsed = uploaded_mapping(raw, mapping.filename)
        suffix = Path(name).suffix.lower()
        if suffix not in FORMATS:
            raise LoadError(
                f"{name}: unknown file type {suffix or '(none)'}; upload one of {', '.join(sorted(FORMATS))}"
            )
        if FORMATS[suffix] == "csv" and parsed is None:
            raise LoadError(f"{name}: a CSV file needs a mapping file (which column is which)")
        def run() -> ImportReport:
            with state.cache.lease() as graph:
                result = load_bytes(
                    state.store,
                    data,
                    name,
                    parsed,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    actor=access.principal.actor,
                    graph=graph,
                    org_index=state.cache.org_index,
                )
            state.cache.refresh()  # the next page shows the import
            return result

        report = await anyio.to_thread.run_sync(run)
    except LoadError as exc:
        error = str(exc)
    return page(
        request,
        access,
        "import.html",
        422 if error else 200,
        report=report,
        error=error,
        formats=sorted(FORMATS),
    )


@router.get("/admin/review")
def review_queue(request: Request, access: WebAccess, done: str = "") -> HTMLResponse:
    need(access, Role.ADMIN)
    queue = StoredReviewQueue(request.app.state.ag.store)
    return page(
        request,
        access,
        "review.html",
        items=queue.open_items(),
        origins=queue.origin,
        done=done[:200],
    )


@router.post("/admin/review/{review_id}")
def review_decide(
    request: Request,
    review_id: str,
    access: WebAccess,
    decision: Annotated[str, Form(max_length=300)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    need(access, Role.ADMIN)
    if not check_form_token(request, access.principal, csrf):
        raise ProblemError(
            403, "this form has expired or did not come from this site; reload the page"
        )
    state = request.app.state.ag
    queue = StoredReviewQueue(state.store)
    if review_id not in queue.items:
        raise ProblemError(404, f"no review item {review_id!r}")
    actor = access.principal.actor
    try:
        applied = decide(state.store, queue, review_id, decision, actor=actor)
    except ValueError as exc:
        raise ProblemError(422, str(exc)) from None
    state.cache.refresh()
    rows = sum(r.written for r in applied.written.values())
    return RedirectResponse(
        f"/app/admin/review?done={quote(f'{applied.review_id}: {applied.decision}; {rows} held row(s) written')}",
        status_code=303,
    )


def install_handlers(app: Any) -> None:
    """Sign-in redirects and role refusals as pages (the API keeps its problem documents)."""

    async def to_signin(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse("/app/signin?next=" + quote(exc.next_url, safe=""), status_code=303)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotAllowed)
        return page(request, None, "refused.html", 403, message=str(exc), heading="Not allowed")

    async def not_found(request: Request, exc: Exception) -> Response:
        return page(request, None, "refused.html", 404, message=str(exc), heading="Not found")

    app.add_exception_handler(SignInRequired, to_signin)
    app.add_exception_handler(PageNotFound, not_found)
    app.add_exception_handler(NotAllowed, refused)
