"""What an import did, in numbers and in the sentence the CLI and the GUI show.

Counts per kind are real changes (added, changed, removed) against the previous snapshot,
not rows of the new one; a partial import says which snapshot it was merged into.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.importers.loader import Counts
from app.importers.snapshots import WriterResult

_PEOPLE_KINDS = ("users", "agents", "people")


def _noun(kind: str) -> str:
    if kind in _PEOPLE_KINDS:
        return "people"
    return "roster entries" if kind == "roster" else kind.replace("_", " ")


@dataclass(frozen=True)
class ImportResult:
    """What an import did. Counts per kind: read, inserted (added), updated (changed),
    unchanged, removed (only a complete directory removes: whoever its files lack)."""

    source: str  # zendesk | csv:agents | csv:people | csv:roster
    snapshot_id: int | None  # the snapshot now current (new, or the identical previous one)
    snapshot_created: bool
    counts: Mapping[str, Mapping[str, int]]  # kind -> read / inserted / updated / unchanged
    files: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    preview: bool = False
    complete: bool | None = None  # None: no directory (or roster) records in the import
    base_snapshot_id: int | None = None  # a partial import: the snapshot it was merged into
    totals: Mapping[str, int] = field(default_factory=dict)  # rows of the current snapshot
    erased: Mapping[str, int] = field(default_factory=dict)  # kind -> records skipped
    erased_mentions: int = 0  # kept records whose text had an erased identifier removed

    @property
    def erased_skipped(self) -> int:
        """Records of erased subjects in the files, skipped (see app.importers.erased)."""
        return sum(self.erased.values())

    def erased_text(self) -> str:
        """'3 records of erased subjects skipped (users 1, …).', or '' if none were."""
        n, m = self.erased_skipped, self.erased_mentions
        kinds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.erased.items())
        parts = []
        if n:
            parts.append(f"{n} record{'s' if n != 1 else ''} of erased subjects skipped ({kinds}).")
        if m:
            s = "s" if m != 1 else ""
            parts.append(f"Erased subjects' e-mails or phones removed from {m} other record{s}.")
        return " ".join(parts)

    @property
    def changes(self) -> int:
        return sum(c["inserted"] + c["updated"] + c.get("removed", 0) for c in self.counts.values())

    @property
    def unchanged(self) -> bool:
        return self.changes == 0

    @property
    def merged(self) -> bool:
        return self.base_snapshot_id is not None

    def _read(self) -> str:
        return ", ".join(f"{c['read']} {_noun(k)}" for k, c in self.counts.items() if c["read"])

    def _snapshot_sentence(self, verb: str) -> str:
        people = next((self.totals[k] for k in ("users", "roster") if k in self.totals), 0)
        noun = "person" if people == 1 else "people"
        if "roster" in self.totals:
            noun = "roster entry" if people == 1 else "roster entries"
        size = f" ({people} {noun})"
        if self.complete is None:
            where = f"snapshot #{self.snapshot_id}" if self.snapshot_id else "no snapshot"
            return f"directory unchanged ({where})"
        directory = ", ".join(
            f"{c['read']} {_noun(k)}"
            for k, c in self.counts.items()
            if c["read"] and (k in self.totals or k in _PEOPLE_KINDS)
        )
        if self.merged:
            return (
                f"{verb} {directory or 'nothing'} into snapshot #{self.snapshot_id}{size}, "
                f"a copy of #{self.base_snapshot_id} (a partial import removes nobody)"
            )
        what = "complete directory" if self.complete else "first snapshot"
        if "roster" in self.totals:
            what = "HR roster"
        return f"{what}: new snapshot #{self.snapshot_id}{size}"

    def summary(self) -> str:
        erased = self.erased_text()
        return f"{self._summary()} {erased}" if erased else self._summary()

    def _summary(self) -> str:
        read = self._read()
        if self.preview:
            plan = ""
            if self.merged:
                plan = f" Would merge into a copy of snapshot #{self.base_snapshot_id}."
            elif self.complete and not self.unchanged:
                plan = " Would replace the directory (complete)."
            return f"Preview only, nothing written: {read or 'no records'}.{plan}"
        if self.unchanged:
            where = f"; snapshot #{self.snapshot_id} is current" if self.snapshot_id else ""
            return f"No changes: {read or 'no records'} already up to date{where}."
        parts = []
        for kind, c in self.counts.items():
            what = [
                f"{n} {word}"
                for n, word in (
                    (c["inserted"], "added"),
                    (c["updated"], "changed"),
                    (c.get("removed", 0), "removed"),
                )
                if n
            ]
            if what:
                parts.append(f"{_noun(kind)} {', '.join(what)}")
        skipped = f" Not imported: {'; '.join(self.skipped)}." if self.skipped else ""
        head = self._snapshot_sentence("Merged")
        return f"{head[:1].upper()}{head[1:]}. Changes: {'; '.join(parts)}.{skipped}"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "snapshot_id": self.snapshot_id,
            "snapshot_created": self.snapshot_created,
            "complete": self.complete,
            "merged_into": self.base_snapshot_id,
            "totals": dict(self.totals),
            "changes": self.changes,
            "unchanged": self.unchanged,
            "preview": self.preview,
            "counts": {k: dict(v) for k, v in self.counts.items()},
            "files": list(self.files),
            "skipped": list(self.skipped),
            "erased_skipped": self.erased_skipped,
            "erased_skipped_by_kind": dict(self.erased),
            "erased_mentions_removed": self.erased_mentions,
        }


def import_result(
    source: str,
    snapshot: WriterResult | None,
    counts: Counts,
    *,
    current: int | None,
    files: Sequence[str],
    skipped: Sequence[str] = (),
    preview: bool = False,
    erased: Mapping[str, int] | None = None,
    erased_mentions: int = 0,
) -> ImportResult:
    return ImportResult(
        source=source,
        snapshot_id=snapshot.snapshot_id if snapshot else current,
        snapshot_created=bool(snapshot and snapshot.created),
        counts={k: c.as_dict() for k, c in counts.kinds.items()},
        files=tuple(files),
        skipped=tuple(skipped),
        preview=preview,
        complete=snapshot.complete if snapshot else None,
        base_snapshot_id=snapshot.base_id if snapshot else None,
        totals=dict(snapshot.totals) if snapshot else {},
        erased=dict(erased or {}),
        erased_mentions=erased_mentions,
    )
