"""AllianceGraph in a notebook: open a store, load files, read reports and paths, draw maps.

    from api.notebook import Workbench
    wb = Workbench.open("portfolio.db")          # the embedded store (a file; made if absent)
    wb.load("partners.xlsx")                     # an import report, shown as a table
    report = wb.report("org-focal")              # synergies, constraints, gaps: shown inline
    wb.paths("org-focal", "org-00500")           # who can introduce me, every hop explained
    wb.map("portfolio", "org-focal")             # an interactive map, inline
    report.to_xlsx("board.xlsx"); wb.map("ego", "alliance-001").save("ego.html")

Every result renders itself in Jupyter (``_repr_html_``), names escaped. Each map is a
complete standalone page inside an ``<iframe srcdoc>`` with ``sandbox="allow-scripts"``:
its scripts, styles and element ids are its own, so several maps share a notebook without
colliding, and nothing is fetched from anywhere (vis-network is inlined).

A notebook is one analyst at their own store: it sees everything (no keys, no sharing
levels); use the served API or app to share with others.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from graph.store import GraphStore
from loaders.report import ImportReport
from queries.findings import Finding
from queries.paths import PathsResult, introduction_paths
from queries.portfolio import PortfolioReport, build_report
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

MAP_KINDS = ("portfolio", "ego", "path", "alliance", "finding")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


class Workbench:
    """One store and its projection (rebuilt only when the store has changed)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._graph: nx.MultiDiGraph | None = None
        self._version: object = None

    @classmethod
    def open(cls, path: str | Path | None = None) -> Workbench:
        """The embedded store in ``path`` (created if missing), or the configured store
        (``ALLIANCEGRAPH_*`` settings, e.g. a Neo4j server) when no path is given."""
        if path is None:
            from api.settings import get_settings

            return cls(get_settings().open_store())
        from graph.sqlite_store import SQLiteStore

        return cls(SQLiteStore(Path(path)))

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The projection of the store as it is now."""
        version = self.store.version()
        if self._graph is None or version != self._version:
            self._graph = self.store.projection()
            self._version = version
        return self._graph

    def load(self, path: str | Path, mapping: str | Path | None = None, **options: Any) -> ImportView:
        """Load a file (JSON/YAML/CSV/Excel/GraphML...; CSV needs a ``mapping`` file), with
        the options of ``alliancegraph load`` (``dry_run``, ``skip_invalid``)."""
        from loaders.pipeline import load_path

        return ImportView(load_path(self.store, Path(path), Path(mapping) if mapping else None, **options))

    def load_sample(self, scale: int = 1) -> None:
        """Fill the store with the sample portfolio (a focal organization, ~60 alliances)."""
        from samples import load_sample

        load_sample(self.store, scale=scale)

    def search(self, query: str, limit: int = 10) -> list[tuple[str, str, str]]:
        """``(id, name, type)`` of entities whose name has words starting with the query's."""
        from api.web.search import index_for

        return [(h.id, h.name, h.label) for h in index_for(self.graph).search(query, limit=limit)]

    def report(self, org: str, as_of: date | str | None = None) -> ReportView:
        """The portfolio report of a focal organization (synergies, constraints, gaps...)."""
        when = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        return ReportView(build_report(self.graph, org, when), self)

    def paths(self, source: str, target: str, k: int = 3, as_of: date | None = None) -> PathsView:
        """The best introduction paths from ``source`` to ``target``, every hop explained."""
        return PathsView(introduction_paths(self.graph, source, target, k, as_of=as_of), self)

    def map(self, kind: str, *ids: str, **options: Any) -> MapView:
        """A map: ``portfolio ORG``, ``ego ID`` (``depth=``), ``path FROM TO``,
        ``alliance ID``, ``finding ORG KIND`` (``index=``)."""
        g = self.graph
        if kind == "portfolio" and len(ids) == 1:
            spec = portfolio_map(g, ids[0], **options)
        elif kind == "ego" and len(ids) == 1:
            spec = ego_map(g, ids[0], **options)
        elif kind == "alliance" and len(ids) == 1:
            spec = alliance_contacts_map(g, ids[0], **options)
        elif kind == "path" and len(ids) == 2:
            k = int(options.pop("k", 3))
            spec = path_map(g, introduction_paths(g, ids[0], ids[1], k), **options)
        elif kind == "finding" and len(ids) == 2:
            index = int(options.pop("index", 0))
            chosen = [f for f in build_report(g, ids[0]).findings() if f.kind == ids[1]]
            if index >= len(chosen):
                raise LookupError(f"no {ids[1]} finding #{index} for {ids[0]} ({len(chosen)} found)")
            spec = finding_map(g, chosen[index], **options)
        else:
            raise ValueError(
                f"map({kind!r}, {', '.join(map(repr, ids))}): use portfolio ORG, ego ID, "
                "path FROM TO, alliance ID or finding ORG KIND"
            )
        return MapView(spec)


class ImportView:
    """An import report that shows itself as a table."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report

    def __repr__(self) -> str:
        return self.report.table()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{_esc(k)}</td><td>{c.read}</td><td>{c.created}</td><td>{c.updated}</td>"
            f"<td>{c.unchanged}</td><td>{c.merged}</td><td>{c.rejected}</td></tr>"
            for k, c in self.report.counts.items()
        )
        problems = "".join(f"<li>{_esc(p)}</li>" for p in self.report.rejections[:50])
        return (
            f"<div class='ag-import'><b>{_esc(self.report.source)}</b> ({_esc(self.report.format)})"
            "<table><tr><th>what</th><th>read</th><th>created</th><th>updated</th><th>same</th>"
            f"<th>merged</th><th>rejected</th></tr>{rows}</table>"
            + (f"<p>Rejected:</p><ul>{problems}</ul>" if problems else "")
            + "</div>"
        )


class ReportView:
    """A portfolio report that shows itself inline and exports to CSV, Excel and SVG maps."""

    def __init__(self, report: PortfolioReport, workbench: Workbench) -> None:
        self.report = report
        self._wb = workbench

    @property
    def findings(self) -> list[Finding]:
        """Every finding, synergies then constraints then gaps, most valuable first."""
        return list(self.report.findings())

    def finding_map(self, kind: str, index: int = 0) -> MapView:
        """The map of the ``index``-th finding of ``kind`` with its evidence highlighted."""
        chosen = [f for f in self.report.findings() if f.kind == kind]
        return MapView(finding_map(self._wb.graph, chosen[index]))

    def rows(self) -> list[dict[str, Any]]:
        """The findings as plain rows (e.g. ``pandas.DataFrame(report.rows())``)."""
        from api.web.views import FINDING_COLUMNS, finding_rows

        rows = finding_rows(self._wb.graph, self.report)
        return [dict(zip(FINDING_COLUMNS, r, strict=True)) for r in rows]

    def to_csv(self, path: str | Path) -> Path:
        """Write the findings as CSV."""
        from api.web.views import report_csv

        out = Path(path)
        out.write_text(report_csv(self._wb.graph, self.report), encoding="utf-8")
        return out

    def to_xlsx(self, path: str | Path) -> Path:
        """Write findings, scorecards and contributions as an Excel workbook."""
        from api.web.views import report_xlsx

        out = Path(path)
        out.write_bytes(report_xlsx(self._wb.graph, self.report, money=True))
        return out

    def __repr__(self) -> str:
        r = self.report
        return (
            f"<PortfolioReport {r.focal_name}: {len(r.synergies)} synergies, "
            f"{len(r.constraints)} constraints, {len(r.gaps)} gaps>"
        )

    def _repr_html_(self, top: int = 5) -> str:
        r = self.report
        parts = [
            f"<div class='ag-report'><h3>Portfolio of {_esc(r.focal_name)}</h3>"
            f"<p>{len(r.alliances)} alliances · {len(r.synergies)} synergies · "
            f"{len(r.constraints)} constraints · {len(r.gaps)} gaps"
            + (f" · as of {_esc(r.as_of)}" if r.as_of else "")
            + "</p>"
        ]
        for title, items in (("Synergies", r.synergies), ("Constraints", r.constraints), ("Gaps", r.gaps)):
            rows = "".join(
                f"<tr><td>{_esc(f.kind.replace('_', ' '))}</td><td>{f.score:.2f}</td>"
                f"<td>{_esc(f.explanation)}</td></tr>"
                for f in items[:top]
            )
            more = f"<p>… and {len(items) - top} more</p>" if len(items) > top else ""
            parts.append(
                f"<h4>{title} ({len(items)})</h4><table><tr><th>kind</th><th>score</th>"
                f"<th>finding</th></tr>{rows}</table>{more}"
            )
        parts.append("</div>")
        return "".join(parts)


class PathsView:
    """Introduction paths shown as numbered hops with their tie strength and reason."""

    def __init__(self, result: PathsResult, workbench: Workbench) -> None:
        self.result = result
        self._wb = workbench

    def map(self) -> MapView:
        """The paths drawn, highlighted within their surroundings."""
        return MapView(path_map(self._wb.graph, self.result))

    def __repr__(self) -> str:
        return f"<PathsResult {self.result.explanation}>"

    def _repr_html_(self) -> str:
        parts = [f"<div class='ag-paths'><p>{_esc(self.result.explanation)}</p>"]
        for i, p in enumerate(self.result.paths, 1):
            hops = "".join(
                f"<li>{_esc(h.source_name)} → {_esc(h.target_name)}: {_esc(h.kind)}, "
                f"strength {h.strength:.2f} — {_esc(h.explanation)}</li>"
                for h in p.hops
            )
            parts.append(f"<p><b>Path {i}</b> (probability {p.probability:.2f})</p><ol>{hops}</ol>")
        parts.append("</div>")
        return "".join(parts)


class MapView:
    """A map that shows itself inline (isolated in a sandboxed iframe) and saves itself."""

    def __init__(self, spec: MapSpec, *, height: int = 560) -> None:
        self.spec = spec
        self.height = height

    def html(self) -> str:
        """The standalone page (opens offline; its CSP allows only its own inline scripts)."""
        return render(self.spec, standalone=True)

    def svg(self) -> str:
        """The map as a static SVG picture."""
        return to_svg(self.spec)

    def save(self, path: str | Path) -> Path:
        """Write the map as ``.html`` (interactive) or ``.svg`` (a picture)."""
        out = Path(path)
        out.write_text(self.svg() if out.suffix.lower() == ".svg" else self.html(), encoding="utf-8")
        return out

    def __repr__(self) -> str:
        return f"<Map {self.spec.title!r}: {len(self.spec.nodes)} nodes, {len(self.spec.edges)} links>"

    def _repr_html_(self) -> str:
        return (
            f'<iframe class="ag-map" title="{_esc(self.spec.title)}" sandbox="allow-scripts allow-downloads" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #d8dee6" '
            f'srcdoc="{html.escape(self.html(), quote=True)}"></iframe>'
        )


__all__ = ["ImportView", "MapView", "PathsView", "ReportView", "Workbench"]
