"""The import report: exactly what a load created, changed, left alone, merged and rejected."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class RowProblem(BaseModel):
    """One rejected value: where it was, what it was, and why."""

    file: str
    sheet: str | None = None
    row: int | None = Field(None, description="1-based row in the file (header = row 1)")
    column: str | None = None
    value: Any = None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        shown = repr(self.value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        value = f" = {shown}" if self.value is not None else ""
        return f"{', '.join(where)}{value}: {self.reason}"


class Merge(BaseModel):
    """An incoming record resolved onto an existing entity."""

    incoming_id: str
    incoming_name: str
    into: str
    into_name: str
    rule: str = Field(
        description="exact_id, exact_alias, email, name_and_organization, fuzzy, review"
    )
    score: float | None = None


class Rename(BaseModel):
    """The same id under another name: which name was kept (the other became an alias)."""

    id: str
    label: str
    old_name: str
    new_name: str
    kept: str
    file: str
    sheet: str | None = None
    row: int | None = None


class Ambiguity(BaseModel):
    """An incoming organization that might be an existing one: left for a person to decide."""

    review_id: str
    incoming_id: str
    incoming_name: str
    candidates: list[dict[str, Any]]


class KindCounts(BaseModel):
    """Rows of one label or type."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    merged: int = 0

    @property
    def balanced(self) -> bool:
        return (
            self.read == self.created + self.updated + self.unchanged + self.rejected + self.merged
        )


#: Problems listed in a report; past this they are counted, not kept (a million bad rows
#: must not take gigabytes to say so).
MAX_LISTED = 10_000


class ImportReport(BaseModel):
    """The whole story of one load (also what ``--dry-run`` prints)."""

    source: str
    format: str
    dry_run: bool
    written: bool = False
    counts: dict[str, KindCounts] = Field(default_factory=dict)
    rejections: list[RowProblem] = Field(
        default_factory=list,
        description=f"the first {10_000:,} problems (``problems`` counts them all)",
    )
    problems: int = Field(0, description="every problem found, listed or not")
    merges: list[Merge] = Field(default_factory=list)
    ambiguities: list[Ambiguity] = Field(default_factory=list)
    renames: list[Rename] = Field(
        default_factory=list, description="ids met under another name, and the name kept"
    )
    held: list[RowProblem] = Field(
        default_factory=list,
        description="rows held back until an ambiguity is reviewed (counted as rejected; "
        "they do not stop the rest of the file)",
    )
    message: str = ""
    import_id: str | None = Field(None, description="the import's id in the history")
    encoding: str | None = Field(
        None,
        description="the text encoding a table was read in (detected, unless the mapping's "
        "reader or --encoding named it); none for other formats",
    )
    header_line: int | None = Field(
        None,
        description="the line (or sheet row) a table's header was found on, when lines "
        "above it were passed over (a title, an export date); none when it is the first",
    )

    def reject(self, problem: RowProblem) -> None:
        """Count a problem, and list it while fewer than ``MAX_LISTED`` are."""
        self.problems += 1
        if len(self.rejections) < MAX_LISTED:
            self.rejections.append(problem)

    def count(self, what: str) -> KindCounts:
        """The counts of one label or type (created on first use)."""
        counts = self.counts.get(what)
        if counts is None:
            counts = self.counts[what] = KindCounts()
        return counts

    @property
    def balanced(self) -> bool:
        """rows read = created + updated + unchanged + rejected (+ merged) for every kind."""
        return all(c.balanced for c in self.counts.values())

    def table(self) -> str:
        """A readable summary for the terminal."""
        head = f"{'':<20}{'read':>9}{'created':>9}{'updated':>9}{'same':>9}{'merged':>8}{'rejected':>9}"
        lines = [
            f"{self.source} ({self.format}{', read as ' + self.encoding if self.encoding else ''}"
            f"{f', header on line {self.header_line}' if self.header_line else ''})"
            f"{' — dry run, nothing written' if self.dry_run else ''}",
            head,
            "-" * len(head),
        ]
        for what, c in self.counts.items():
            lines.append(
                f"{what:<20}{c.read:>9,}{c.created:>9,}{c.updated:>9,}{c.unchanged:>9,}"
                f"{c.merged:>8,}{c.rejected:>9,}"
            )
        for p in self.rejections[:20]:
            lines.append(f"  rejected: {p}")
        if self.problems > 20:
            lines.append(f"  ... {self.problems - 20:,} more rejections (use --json)")
        for m in self.merges[:10]:
            lines.append(
                f"  merged: {m.incoming_name!r} ({m.incoming_id}) -> {m.into_name!r} "
                f"({m.into}, {m.rule})"
            )
        for r in self.renames[:10]:
            lines.append(
                f"  renamed: {r.id} {r.old_name!r} -> {r.new_name!r} (kept {r.kept!r}; "
                f"{r.file} row {r.row})"
            )
        if len(self.renames) > 10:
            lines.append(f"  ... {len(self.renames) - 10} more renames (use --json)")
        if self.held:
            lines.append(f"  held for review: {len(self.held)} row(s) (see `alliancegraph review`)")
        for a in self.ambiguities[:10]:
            names = ", ".join(f"{c['name']!r}" for c in a.candidates)
            why = next((c["reason"] for c in a.candidates if c.get("reason")), None)
            lines.append(
                f"  to review [{a.review_id}]: {a.incoming_name!r} might be {names}"
                + (f" ({why})" if why else "")
            )
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)
