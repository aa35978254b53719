"""Import problems located by file, line or record and field, and the error that carries them.

Messages name the file, the line (NDJSON, CSV) or record (API-shaped JSON) and the field.
They quote a value only when it cannot be personal data (ids, timestamps, flags, codes);
for names, emails, phones and text they say what is wrong without echoing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.errors import PrivDeskError

MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Location:
    """Where a record came from: ``tickets.json line 812``, ``users.json record 3``."""

    file: str
    line: int | None = None
    record: int | None = None
    detail: str | None = None  # e.g. "comment 2" for a comment embedded in a ticket

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.detail:
            parts.append(self.detail)
        return " ".join(parts)

    def sub(self, detail: str) -> Location:
        return Location(self.file, self.line, self.record, detail)


@dataclass(frozen=True)
class ImportProblem:
    location: Location
    message: str  # "requester_id 'abc' is not an integer"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ImportFailed(PrivDeskError):
    """An import found problems; nothing was written. `message` is one line for the CLI."""

    def __init__(self, problems: list[ImportProblem], *, records_read: int = 0) -> None:
        first = str(problems[0])
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(first + suffix)
        self.problems = tuple(problems)
        self.records_read = records_read
        self.file = problems[0].location.file


class TooManyProblems(Exception):
    """Internal: stop reading once MAX_PROBLEMS were found."""


@dataclass
class Problems:
    items: list[ImportProblem] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.items.append(ImportProblem(location, message))
        if len(self.items) >= MAX_PROBLEMS:
            raise TooManyProblems

    def __bool__(self) -> bool:
        return bool(self.items)

    def merged(self, exc: ImportFailed) -> ImportFailed:
        """`exc` with the problems found before it (each reported once)."""
        extra = [p for p in exc.problems if p not in self.items]
        return ImportFailed([*self.items, *extra], records_read=exc.records_read)

    def fail(self, records_read: int = 0) -> ImportFailed:
        return ImportFailed(self.items, records_read=records_read)


def fail_now(location: Location, message: str) -> ImportFailed:
    return ImportFailed([ImportProblem(location, message)])
