"""The one CSV writer of every export (OWASP "CSV injection").

A spreadsheet treats a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``, ``@SUM(1+1)``), so text
from tickets, names or audit details must never reach a CSV cell as typed. Such a text
cell gets a leading single quote (``'=HYPERLINK(...)``), which spreadsheets show as text
and a reader can strip. Only real numbers (``int``/``float``, not ``bool``) keep their
sign: a count of ``-3`` stays ``-3``; the *text* ``"-2+3"`` becomes ``'-2+3``.

Every CSV the product writes (DSAR package, review evidence and remediation, audit
export, the demo roster, any future export) goes through `writer` / `dict_writer` /
`render`; a test greps app/ so no other ``csv.writer`` appears.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """The value as it may go into a CSV cell: None → "", real numbers unchanged,
    any other value as text, quoted with ``'`` when it would start a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class SafeWriter:
    """`csv.writer` whose every row is neutralised (the header too).

    Rows are formatted with a CRLF terminator, so the csv module quotes every cell holding
    a CR or LF (with a bare "\n" terminator it would leave a lone CR unquoted, and a
    spreadsheet would start a new row there: `'\r=1+1` would become `=1+1`); only then is
    the row's own terminator swapped for `lineterminator`."""

    def __init__(self, fh: IO[str], *, lineterminator: str = "\r\n") -> None:
        self._fh = fh
        self._end = lineterminator
        self._buf = io.StringIO()
        self._w = csv.writer(self._buf, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._buf.seek(0)
        self._buf.truncate()
        self._w.writerow([cell(v) for v in row])
        self._fh.write(self._buf.getvalue()[:-2] + self._end)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """`csv.DictWriter` (extra keys ignored, missing keys empty), neutralised."""

    def __init__(
        self, fh: IO[str], fieldnames: Sequence[str], *, lineterminator: str = "\r\n"
    ) -> None:
        self.fieldnames = list(fieldnames)
        self._w = SafeWriter(fh, lineterminator=lineterminator)

    def writeheader(self) -> None:
        self._w.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._w.writerow([row.get(k) for k in self.fieldnames])


def writer(fh: IO[str], *, lineterminator: str = "\r\n") -> SafeWriter:
    return SafeWriter(fh, lineterminator=lineterminator)


def dict_writer(
    fh: IO[str], fieldnames: Sequence[str], *, lineterminator: str = "\r\n"
) -> SafeDictWriter:
    return SafeDictWriter(fh, fieldnames, lineterminator=lineterminator)


def render(
    header: Sequence[str], rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n"
) -> str:
    """A whole CSV document as text."""
    buf = io.StringIO()
    w = SafeWriter(buf, lineterminator=lineterminator)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()
