"""What every reader yields: a row for one node or relationship, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class LoadError(ValueError):
    """A file that cannot be read at all (wrong format, bomb, truncated): one clear line."""


@dataclass
class SourceRow:
    """One node or relationship row before validation."""

    kind: str  # "node" or "rel"
    what: str  # label or relationship type, checked against the allow-list later
    data: dict[str, Any]
    file: str
    sheet: str | None = None
    row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field -> source column
    # The identity mode (loaders.mapping.resolve_flags): by_name -> (True, True); by_code ->
    # (False, False) for organizations, (True, False) for people (email is an identity);
    # none -> (False, False).
    resolve: bool = True  # take part in entity resolution (organizations, people)
    derived_id: bool = (
        False  # the id was made from names (a mapping template): resolve within the file too
    )
    error: str | None = None  # the row could not be read at all (e.g. wrong number of cells)
    error_value: Any = None  # the cell the error is about, as read (for the report's value)
    # What a different name under the same id means (loaders.mapping.RENAME_POLICIES):
    # "latest" keeps the name of the latest dated row (file order when undated), "keep_first",
    # "keep_last", or "error"; the other names become aliases.
    renames: str = "latest"
    dated_by: str | None = None  # the row's field that dates its name (for "latest")
