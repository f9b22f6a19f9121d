"""What the pages show, computed from the key's own view (pure functions, no HTML).

Everything here reads :class:`~api.access.Access`: a node the key may not see is never
named, a confidential property never copied (``access.props``), so the templates cannot
leak what the API would not answer.
"""

from __future__ import annotations

import csv
import io
import weakref
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from api.access import Access
from api.routers.entities import detail
from graph.vocabulary import RelType
from queries.findings import Finding
from queries.portfolio import PortfolioReport
from queries.portfolio_context import marked_focal

#: how each relationship type reads from either end, for the entity pages
TIE_TITLES: dict[str, tuple[str, str]] = {
    RelType.MEMBER_OF: ("Member of", "Members"),
    RelType.BELONGS_TO: ("Boundary networks", "Organizations in this network"),
    RelType.WORKS_AT: ("Works at", "Staff (people working here)"),
    RelType.STAFFS: ("Staffs alliances", "Alliance staff"),
    RelType.KNOWS: ("Knows", "Known by"),
    RelType.FUNDS: ("Funds", "Funded by"),
    RelType.RELATES_TO: ("Relates to", "Related from"),
    RelType.COLLABORATED_WITH: ("Collaborated with", "Collaborated with (as partner)"),
    RelType.HAS_CAPABILITY: ("Capabilities", "Organizations with this capability"),
    RelType.ADDRESSES: ("Addresses topics", "Alliances addressing this"),
    RelType.NEEDS: ("Needs topics", "Goals needing this"),
    RelType.PART_OF: ("Part of", "Projects"),
    RelType.PARTICIPATES_IN: ("Participates in", "Participants"),
    RelType.ASSESSES: ("Assesses", "Assessments"),
}
#: the fields that date a tie, shown first ("over time")
DATE_FIELDS = (
    "joined",
    "left",
    "since",
    "until",
    "started",
    "ended",
    "date",
    "year",
    "last_contact",
)


@dataclass
class Tie:
    """One relationship as a row of an entity page."""

    other: str
    other_name: str
    other_label: str
    when: str
    details: str


@dataclass
class TieSection:
    title: str
    rel_type: str
    ties: list[Tie] = field(default_factory=list)


@dataclass
class EntityPage:
    id: str
    name: str
    label: str
    properties: dict[str, Any]
    sections: list[TieSection]


def _when(props: dict[str, Any]) -> str:
    parts = []
    for start, end in (("joined", "left"), ("since", "until"), ("started", "ended")):
        if props.get(start) or props.get(end):
            parts.append(f"{props.get(start) or '…'} – {props.get(end) or 'now'}")
    for one in ("date", "year", "last_contact"):
        if props.get(one):
            parts.append(f"{one.replace('_', ' ')} {props[one]}")
    return "; ".join(parts)


def shown(value: Any) -> str:
    """A property as a page shows it: a list as its items, yes/no, amounts (floats, as the
    model keeps money) grouped ("74,000", not "74000.0"), anything else as text (an int
    may be a year or a code: 1997 stays 1997)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() and abs(value) < 1e15 else f"{value:,}"
    return str(value)


def _details(props: dict[str, Any]) -> str:
    shown_ = [
        f"{k.replace('_', ' ')}: {shown(v)}"
        for k, v in sorted(props.items())
        if k not in DATE_FIELDS and k not in ("source_ref", "provenance") and v not in (None, "")
    ]
    return "; ".join(shown_)


def entity_page(access: Access, node: str) -> EntityPage:
    """A node with its ties grouped by type, dated ties oldest first (its memberships,
    staff, funding and contacts over time) — only what the key may see."""
    graph = access.graph
    d = detail(graph, node, access)
    names = {n.id: n for n in d.neighbours}
    sections: dict[tuple[str, bool], TieSection] = {}
    for rel in d.relationships:
        outgoing = rel.source == node
        other = rel.target if outgoing else rel.source
        titles = TIE_TITLES.get(rel.type, (rel.type, rel.type))
        key = (rel.type, outgoing)
        section = sections.setdefault(
            key, TieSection(titles[0] if outgoing else titles[1], rel.type)
        )
        n = names[other]
        section.ties.append(
            Tie(other, n.name, n.label, _when(rel.properties), _details(rel.properties))
        )
    for section in sections.values():
        section.ties.sort(key=lambda t: (t.when == "", t.when, t.other_name.casefold(), t.other))
    order = list(TIE_TITLES)
    ordered = sorted(
        sections.items(),
        key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order else 99, not kv[0][1]),
    )
    props = {
        k: v for k, v in d.node.properties.items() if k not in ("id", "sharing") and v is not None
    }
    return EntityPage(node, d.node.name, d.node.label, props, [s for _, s in ordered])


_focal: weakref.WeakKeyDictionary[Access, str | None] = weakref.WeakKeyDictionary()


def focal_organization(access: Access) -> str | None:
    """The organization marked focal, if the key may see it (found once per view: every
    page's navigation asks)."""
    if access in _focal:
        return _focal[access]
    found = marked_focal(access.named_view())
    _focal[access] = found
    return found


@dataclass
class Coverage:
    """How much of the portfolio the data describes: a sparse record is a fact to show,
    not a pile of findings."""

    what: str
    have: int
    of: int

    @property
    def share(self) -> int:
        return round(100 * self.have / self.of) if self.of else 0


def coverage(access: Access, report: PortfolioReport) -> list[Coverage]:
    """Per alliance of the portfolio: staff, funding, assessments and topics recorded;
    per partner: people recorded."""
    g = access.view()
    alliances = [a for a in report.alliances if a in g]

    def has_in(a: str, rel: str) -> bool:
        return any(d.get("type") == rel for _, _, d in g.in_edges(a, data=True))

    def funded(a: str) -> bool:
        return has_in(a, RelType.FUNDS) or any(
            d.get("type") == RelType.MEMBER_OF
            and (d.get("cash_contribution") or d.get("in_kind_contribution"))
            for _, _, d in g.in_edges(a, data=True)
        )

    partners = {
        u
        for a in alliances
        for u, _, d in g.in_edges(a, data=True)
        if d.get("type") == RelType.MEMBER_OF and u != report.focal
    }
    return [
        Coverage(
            "alliances with staff recorded",
            sum(has_in(a, RelType.STAFFS) for a in alliances),
            len(alliances),
        ),
        Coverage(
            "alliances with funding recorded", sum(funded(a) for a in alliances), len(alliances)
        ),
        Coverage(
            "alliances with a scorecard assessment",
            sum(has_in(a, RelType.ASSESSES) for a in alliances),
            len(alliances),
        ),
        Coverage(
            "alliances with topics recorded",
            sum(
                any(d.get("type") == RelType.ADDRESSES for _, _, d in g.out_edges(a, data=True))
                for a in alliances
            ),
            len(alliances),
        ),
        Coverage(
            "partners with people recorded",
            sum(has_in(p, RelType.WORKS_AT) for p in partners),
            len(partners),
        ),
    ]


def findings_by_kind_index(report: PortfolioReport) -> list[tuple[Finding, int]]:
    """Every finding with its index among the findings of its kind (how maps address it)."""
    seen: dict[str, int] = {}
    out = []
    for f in report.findings():
        out.append((f, seen.get(f.kind, 0)))
        seen[f.kind] = seen.get(f.kind, 0) + 1
    return out


def names_of(graph: nx.MultiDiGraph, ids: list[str]) -> str:
    return ", ".join(str(graph.nodes[n].get("name", n)) if n in graph else n for n in ids)


FINDING_COLUMNS = (
    "category",
    "kind",
    "score",
    "subject",
    "subject_names",
    "explanation",
    "evidence_nodes",
    "evidence_relationships",
)


def finding_rows(g: nx.MultiDiGraph, report: PortfolioReport) -> list[list[Any]]:
    """The report's findings as table rows, most valuable first within each category."""
    return [
        [
            f.category,
            f.kind,
            round(f.score, 4),
            " ".join(f.subject),
            names_of(g, f.subject),
            f.explanation,
            " ".join(f.evidence_nodes),
            " ".join(f.evidence_relationships),
        ]
        for f in report.findings()
    ]


def _safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (names are data, never code)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def report_csv(g: nx.MultiDiGraph, report: PortfolioReport) -> str:
    """The findings as CSV (one row per finding, evidence ids included)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FINDING_COLUMNS)
    for row in finding_rows(g, report):
        writer.writerow([_safe_cell(v) for v in row])
    return out.getvalue()


def report_xlsx(g: nx.MultiDiGraph, report: PortfolioReport, *, money: bool) -> bytes:
    """The report as a workbook: findings, scorecards and (``money``: for keys that may see
    amounts) contributions, one sheet each."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Findings"
    sheet.append(list(FINDING_COLUMNS))
    for row in finding_rows(g, report):
        sheet.append([_safe_cell(v) for v in row])
    cards = book.create_sheet("Scorecards")
    measures = sorted({k for c in report.scorecards for p in c.points for k in p.scores})
    cards.append(["alliance", "name", "date", *measures, *(f"trend {m} / year" for m in measures)])
    for c in report.scorecards:
        for p in c.points:
            cards.append(
                [
                    _safe_cell(c.alliance),
                    _safe_cell(c.name),
                    p.date,
                    *(p.scores.get(m) for m in measures),
                    *(c.trend_per_year.get(m) for m in measures),
                ]
            )
    if money:
        money_sheet = book.create_sheet("Contributions")
        money_sheet.append(
            [
                "alliance",
                "name",
                "funding model",
                "currency",
                "cash",
                "in kind",
                "programme funding",
                "management funding",
                "withheld",
            ]
        )
        for m in report.contributions:
            totals = (m.cash, m.in_kind, m.programme_funding, m.management_funding)
            withheld = ", ".join(m.withheld)
            # one row per currency: amounts in different currencies are never added up
            currencies = sorted({c for t in totals for c in t}) or ([""] if withheld else [])
            for currency in currencies:
                money_sheet.append(
                    [
                        _safe_cell(m.alliance),
                        _safe_cell(m.name),
                        m.funding_model,
                        currency,
                        *(t.get(currency) for t in totals),
                        withheld,
                    ]
                )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
