"""How an import's outcome is shown: the counts table, the headlines, the located problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from views.common.table_model import Column

if TYPE_CHECKING:
    from app.importers.result import ImportResult


@dataclass(frozen=True)
class CountRow:
    kind: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    removed: int = 0


def count_rows(result: ImportResult) -> list[CountRow]:
    """One row per kind of record the files held (kinds with nothing read are noise)."""
    return [
        CountRow(kind, c["read"], c["inserted"], c["updated"], c["unchanged"], c.get("removed", 0))
        for kind, c in result.counts.items()
        if c["read"] or c.get("removed", 0)
    ]


def _number(title: str, value: Any) -> Column[CountRow]:
    return Column(title, lambda r: str(value(r)), value, align_right=True)


def count_columns() -> list[Column[CountRow]]:
    return [
        Column("Records", lambda r: r.kind.replace("_", " ").capitalize()),
        _number("Read", lambda r: r.read),
        _number("New", lambda r: r.inserted),
        _number("Changed", lambda r: r.updated),
        _number("Unchanged", lambda r: r.unchanged),
        _number("Removed", lambda r: r.removed),
    ]


def _erased(result: ImportResult) -> str:
    """ "3 records of erased subjects skipped (…)." after the headline, if any were."""
    text = result.erased_text()
    return f" {text}" if text else ""


def preview_headline(result: ImportResult) -> str:
    records = sum(c["read"] for c in result.counts.values())
    files = len(result.files)
    found = (
        f"{records} record{'' if records == 1 else 's'} in {files} file{'' if files == 1 else 's'}"
    )
    if result.unchanged:
        return f"Checked {found}: all already imported, importing again changes nothing." + _erased(
            result
        )
    what = ""
    if result.merged:
        what = (
            f" They will be merged into a copy of snapshot #{result.base_snapshot_id}; "
            "nobody is removed."
        )
    elif result.complete and any(c.get("removed", 0) for c in result.counts.values()):
        what = " They replace the directory: whoever they lack is removed (see Removed)."
    return f"Checked {found}: no problems. Nothing has been written yet.{what}" + _erased(result)


def done_headline(result: ImportResult) -> str:
    if result.unchanged:
        current = f" Snapshot #{result.snapshot_id} stays current." if result.snapshot_id else ""
        return f"Nothing changed: every record was already imported.{current}" + _erased(result)
    people = result.totals.get("users")
    size = f" ({people} {'person' if people == 1 else 'people'})" if people is not None else ""
    if result.merged:
        snapshot = (
            f"Merged into snapshot #{result.snapshot_id}{size}, a copy of "
            f"#{result.base_snapshot_id}: nobody was removed."
        )
    elif result.snapshot_created:
        snapshot = f"New snapshot #{result.snapshot_id}{size}."
    else:
        snapshot = "The directory snapshot is unchanged."
    return f"Imported: {result.changes} records new or changed. {snapshot}" + _erased(result)


def problems_of(exc: BaseException) -> list[str] | None:
    """The located problems of a failed import, or None for any other error."""
    from app.importers.problems import ImportFailed

    if isinstance(exc, ImportFailed):
        return [str(p) for p in exc.problems]
    return None
