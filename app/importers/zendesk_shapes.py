"""Which Zendesk response shapes a file holds, and the ones recognised but not imported.

A file's own kind comes from its name (``users.json``) or its content; an API page may
hold more kinds next to it: side-loads (``{"tickets": [...], "users": [...]}`` from
``include=users``, ``{"user": {...}, "roles": [...]}`` from ``include=roles``), or the
typed records of a search response (``{"results": [{"result_type": "user", …}]}``).
Pagination envelopes (``next_page``/``previous_page``/``count``, ``meta``/``links``,
``end_time``, ``after_cursor``/``end_of_stream``) carry no records and are ignored.
Ticket audits and ticket events are recognised and named, with the reason, as not imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.importers import sources
from app.importers.sources import (
    SourceFile,
    is_ndjson,
    is_page,
    load_document,
    page_lines,
    peek,
)
from app.importers.zendesk import (
    AUDITS_REASON,
    BY_NAME,
    KINDS,
    NOT_IMPORTED,
    PAGE_KEYS,
    Kind,
    kind_from_name,
    kind_of_record,
    name_matches,
    stem_of,
)

RESULT_TYPES: dict[str, Kind] = {k.result_type: k for k in KINDS if k.result_type is not None}

NOT_IMPORTED_NAMES = {
    "ticket_audits": AUDITS_REASON,
    "audits": AUDITS_REASON,
    "ticket_events": NOT_IMPORTED["ticket_events"],
}


def not_imported_from_name(name: str) -> str | None:
    """Why a file named like a recognised, not imported response is skipped."""
    stem = stem_of(name)
    for alias, reason in sorted(NOT_IMPORTED_NAMES.items(), key=lambda p: -len(p[0])):
        if name_matches(stem, alias):
            return reason
    return None


@dataclass(frozen=True)
class Shape:
    """What one file holds: the kinds it has records of, and what it holds unread."""

    kinds: tuple[Kind, ...]  # the first is the file's own kind
    reason: str | None = None  # set when nothing in it is imported


def _main_first(page: dict[str, object], kinds: list[Kind]) -> list[Kind]:
    """The page's main kind first: Zendesk writes the main list before its side-loads."""

    def position(kind: Kind) -> int:
        keys = list(page)
        return min((keys.index(k) for k in kind.keys if k in page), default=len(keys))

    return sorted(kinds, key=position)


def _kinds_of_pages(src: SourceFile, first: dict[str, Any]) -> list[Kind]:
    """The kinds of every page: a side-load or a result type may first appear on a later
    page line, and the placeholders of a large page (see :func:`peek`) hide result types."""
    if is_ndjson(src):
        found: list[Kind] = []
        for page in page_lines(src):
            if is_page(page, PAGE_KEYS):
                found += [k for k in page_kinds(page) if k not in found]
        return sorted(found, key=KINDS.index)
    if first.get("results") == [] and src.size > sources.PEEK_WHOLE:
        doc = load_document(src)  # a search page: the run loads it whole anyway
        return page_kinds(doc) if isinstance(doc, dict) else []
    return page_kinds(first)


def shape_of(src: SourceFile) -> Shape | None:
    """The kinds `src` holds, from its name and its first page (or record)."""
    named = kind_from_name(src.name)
    reason = None if named else not_imported_from_name(src.name)
    if reason is not None:
        return Shape((), reason)
    first = peek(src)
    if first is None:
        return Shape((named,)) if named else None
    if is_page(first, PAGE_KEYS):
        kinds = _main_first(first, _kinds_of_pages(src, first))
        if named in kinds:
            kinds = [named, *(k for k in kinds if k is not named)]
        if kinds:
            return Shape(tuple(kinds))
        unread = [NOT_IMPORTED[k] for k in first if k in NOT_IMPORTED]
        if unread:
            return Shape((), unread[0])
        if "results" in first:  # a search page with no results of an imported type
            return Shape((BY_NAME["tickets"],))
        return Shape((named,)) if named else None
    if named is not None:
        return Shape((named,))
    name = kind_of_record(first)
    if name == "ticket_audits":
        return Shape((), AUDITS_REASON)
    return Shape((BY_NAME[name],)) if name else None


def page_kinds(page: Mapping[str, Any]) -> list[Kind]:
    """The kinds an API page holds records of, in import order."""
    found = [
        k
        for k in KINDS
        if any(isinstance(page.get(key), list | dict) for key in k.keys)
        and not (k.name == "account_settings" and isinstance(page.get("settings"), list))
    ]
    results = page.get("results")
    if isinstance(results, list):
        for item in results:
            kind = (
                RESULT_TYPES.get(str(item.get("result_type"))) if isinstance(item, dict) else None
            )
            if kind is not None and kind not in found:
                found.append(kind)
    return sorted(found, key=KINDS.index)


def kind_from_content(src: SourceFile) -> Kind | None:
    first = peek(src)
    if first is None:
        return None
    if is_page(first, PAGE_KEYS):
        kinds = page_kinds(first)
        return kinds[0] if kinds else None
    name = kind_of_record(first)
    return BY_NAME.get(name) if name else None
