"""Full-text search over tickets, comments and people (issue 4; DESIGN §2, §5).

Pipeline: `parse_query` → `SearchBackend.search` → `SearchService` (permission, masking,
audit). The backend is the only SQLite-specific part: a server database replaces
`Fts5Backend`, not the service.

Query handling (`parse_query`). User input never reaches FTS5 as syntax: the MATCH
expression is built only from double-quoted phrases of tokens we extracted, so quotes,
parentheses, ``AND``/``OR``/``NEAR`` and ``*`` are plain words or dropped.

- ``email`` — the whole query is an address: one phrase (the tokenizer splits
  ``a.b@c.com`` into ``a b c com`` on both sides); candidates are confirmed on the stored
  text with a bounded, case-insensitive match, so ``x.a.b@c.com`` does not count.
- ``phone`` — digits with phone separators, a leading ``+``/``00``, or a bare 10-digit
  (11 with a leading 1 or 0) number. Split into (country code, national number); FTS gets
  an OR of its common spellings (full digits with/without country code or trunk 0,
  3-3-4, 3-7, 6-4, 4-4, 2-2-2-2 and 3-4 groupings, and the query's own groups); every
  candidate is then confirmed by comparing digit-only forms of the digit groups in the
  text, so ``(415) 555-0132`` matches ``+1 415 555 0132`` and vice versa.
- ``id`` — any other bare number: the token, confirmed as a whole number, plus people and
  tickets whose external id (people: also Zendesk id) equals it.
- ``text`` — the words (and any email inside) ANDed, ranked by bm25.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.context import AppContext
from app.errors import PrivDeskError
from app.masking import excerpt, mask_text
from app.security.auth import Principal
from app.security.guard import PermissionDenied, Service
from app.security.permissions import Permission

KINDS = ("ticket", "comment", "person")
QueryKind = Literal["email", "phone", "id", "text"]
MAX_LIMIT = 1000
MAX_TERMS = 32


class SearchError(PrivDeskError):
    pass


# ---------------------------------------------------------------- query parsing

EMAIL_RE = re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE_QUERY_RE = re.compile(r"(?:\+|00)?[\d\s().\-/]+", re.ASCII)
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
WORD_RE = re.compile(r"\w+")
DIGIT_CHAIN_RE = re.compile(r"\d+(?:[ \t().\-/]{1,3}\d+)*")
# E.164 codes of two digits; other codes starting 2-9 are three digits (1 and 7: one).
_CC2 = frozenset(
    re.findall(
        r"\d+",
        "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
        "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98",
    )
)
# Country codes tried as a glued prefix ("+14155550132") when the query names none.
_COMMON_CC = ("1", "44", "33", "49", "31", "34", "39", "61", "91", "353")


def is_country_code(p: str) -> bool:
    if p in ("1", "7") or p in _CC2:
        return True
    return len(p) == 3 and p[0] in "2345689" and p[:2] not in _CC2


def _split_cc(digits: str) -> tuple[str, str]:
    for size in (1, 2, 3):
        if is_country_code(digits[:size]):
            return digits[:size], digits[size:]
    return "", digits


@dataclass(frozen=True)
class PhoneKey:
    """A phone number as (country code or None, national number without trunk 0)."""

    cc: str | None
    national: str
    groups: tuple[str, ...] = ()  # as the user typed it

    def matches(self, digits: str) -> bool:
        """Do these digits (one spelling from some text) denote the same number?"""
        n = self.national
        if not digits.endswith(n):
            return False
        prefix = digits[: -len(n)]
        if prefix in ("", "0"):
            return True
        for intl in ("00", "011", ""):
            if intl and not prefix.startswith(intl):
                continue
            p = prefix[len(intl) :]
            for cc in (p, p[:-1] if p.endswith("0") else None):  # "+44 (0)20 …"
                if cc and (cc == self.cc if self.cc else is_country_code(cc)):
                    return True
        return False

    def phrases(self) -> list[str]:
        n = self.national
        tokens = {n, "0" + n, n[-7:], n[-8:]}
        tokens |= {c + n for c in ((self.cc,) if self.cc else _COMMON_CC)}
        grouped = {tuple(self.groups)}
        if len(self.groups) > 1 and self.groups[0] in (self.cc, "0"):
            grouped.add(tuple(self.groups[1:]))
        if len(n) == 10:
            grouped |= {(n[:3], n[3:6], n[6:]), (n[:3], n[3:]), (n[:6], n[6:])}
        if len(n) >= 8:
            m = n[-8:]
            grouped |= {(m[:4], m[4:]), (m[:2], m[2:4], m[4:6], m[6:])}
        grouped.add((n[-7:-4], n[-4:]))
        phrases = {(t,) for t in tokens} | grouped
        return sorted({" ".join(p for p in g if p) for g in phrases} - {""})

    def locate(self, body: str) -> tuple[int, int] | None:
        for chain in DIGIT_CHAIN_RE.finditer(body):
            runs = list(re.finditer(r"\d+", chain.group()))
            for i in range(len(runs)):
                digits = ""
                for j in range(i, len(runs)):
                    digits += runs[j].group()
                    if len(digits) > len(self.national) + 6:
                        break
                    if self.matches(digits):
                        return chain.start() + runs[i].start(), chain.start() + runs[j].end()
        return None


@dataclass(frozen=True)
class ParsedQuery:
    """What the user asked for, as the backends need it (see the module docstring)."""

    kind: QueryKind
    fts: str  # an FTS5 MATCH expression made only of quoted phrases; "" finds nothing
    terms: tuple[str, ...] = ()  # words, to place a free-text snippet
    email: str | None = None
    phone: PhoneKey | None = None
    number: str | None = None  # a bare number: also compared with external ids

    @property
    def exact(self) -> bool:
        return self.kind != "text"

    def locate(self, body: str | None) -> tuple[int, int] | None:
        """Where this query occurs in `body` (identifiers: None if it does not)."""
        if not body:
            return None
        if self.email is not None:
            m = re.search(rf"(?<![\w.%+-]){re.escape(self.email)}(?![\w-]|\.\w)", body, re.I)
            return m.span() if m else None
        if self.phone is not None:
            span = self.phone.locate(body)
            if span is not None or self.number is None:
                return span
        if self.number is not None:
            m = re.search(rf"(?<![^\W_]){self.number}(?![^\W_])", body)
            return m.span() if m else None
        return _first_term(body, self.terms)


def _first_term(body: str, terms: tuple[str, ...]) -> tuple[int, int] | None:
    found = [m.span() for t in terms if (m := re.search(rf"\b{re.escape(t)}", body, re.I))]
    return min(found) if found else None


def _phrase(words: Iterable[str]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def parse_query(query: str) -> ParsedQuery:
    q = query.strip()
    bare = q.removeprefix("mailto:").strip("<>")
    if EMAIL_RE.fullmatch(bare):
        email = bare.lower()
        return ParsedQuery("email", _phrase([email]), email=email)
    digits = re.sub(r"\D", "", q)
    if re.fullmatch(r"[0-9]+", q):
        phone = len(q) == 10 or (len(q) == 11 and q[0] in "01")
        key = _phone_key(q, [q]) if phone else None
        return ParsedQuery(
            "phone" if phone else "id",
            " OR ".join(_phrase([p]) for p in key.phrases()) if key else _phrase([q]),
            phone=key,
            number=q,
        )
    if PHONE_QUERY_RE.fullmatch(q) and 7 <= len(digits) <= 15 and not DATE_RE.fullmatch(q):
        key = _phone_key(q, re.findall(r"\d+", q))
        if len(key.national) < 6:
            return _text_query(q)
        return ParsedQuery("phone", " OR ".join(_phrase([p]) for p in key.phrases()), phone=key)
    return _text_query(q)


def _phone_key(q: str, groups: list[str]) -> PhoneKey:
    digits = "".join(groups)
    if q.startswith("+") or q.startswith("00"):
        digits = digits[2:] if q.startswith("00") else digits
        if len(groups) > 1 and is_country_code(groups[0].removeprefix("00")):
            cc, national = groups[0].removeprefix("00"), "".join(groups[1:])
        else:
            cc, national = _split_cc(digits)
        return PhoneKey(cc or None, national.removeprefix("0"), tuple(groups))
    if digits.startswith("0"):
        return PhoneKey(None, digits[1:], tuple(groups))
    if len(digits) == 11 and digits.startswith("1"):
        return PhoneKey("1", digits[1:], tuple(groups))
    return PhoneKey(None, digits, tuple(groups))


def _text_query(q: str) -> ParsedQuery:
    emails = [m.group().lower() for m in EMAIL_RE.finditer(q)]
    rest = EMAIL_RE.sub(" ", q)
    words = [w.lower() for w in WORD_RE.findall(rest)]
    terms = tuple(dict.fromkeys(emails + words))[:MAX_TERMS]
    return ParsedQuery("text", " ".join(_phrase([t]) for t in terms), terms=terms)


# ---------------------------------------------------------------- results and backends


@dataclass(frozen=True)
class RawHit:
    """A confirmed match as a backend found it: the whole field text, unmasked."""

    kind: str
    id: int | str | None
    ticket_id: int | None
    field: str
    body: str
    start: int
    end: int
    score: float  # lower is better (bm25)


@dataclass(frozen=True)
class Hit:
    kind: str  # ticket | comment | person
    id: int | str | None  # the help desk's id (person: Zendesk id, else external id)
    ticket_id: int | None  # None for people
    field: str  # subject | description | body | name | emails | phones | external_id | id
    snippet: str  # personal data masked unless revealed

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "ticket_id": self.ticket_id,
            "field": self.field,
            "snippet": self.snippet,
        }


class SearchBackend(Protocol):
    def search(
        self, session: Session, query: ParsedQuery, kinds: Iterable[str], limit: int
    ) -> list[RawHit]: ...


_LATEST_DIRECTORY = "(SELECT max(id) FROM hd_snapshots WHERE kind = 'directory')"
_SQL = {
    "ticket": (
        "SELECT t.id, t.id, f.score, t.subject, t.description FROM "
        "(SELECT rowid, bm25(fts_tickets, 3.0, 1.0) AS score FROM fts_tickets "
        "WHERE fts_tickets MATCH :q ORDER BY score {limit}) f "
        "JOIN hd_tickets t ON t.id = f.rowid ORDER BY f.score",
        ("subject", "description"),
    ),
    "comment": (
        "SELECT c.id, c.ticket_id, f.score, c.body FROM "
        "(SELECT rowid, bm25(fts_comments) AS score FROM fts_comments "
        "WHERE fts_comments MATCH :q ORDER BY score {limit}) f "
        "JOIN hd_comments c ON c.id = f.rowid ORDER BY f.score",
        ("body",),
    ),
    "person": (
        "SELECT coalesce(p.zendesk_id, p.external_id), NULL, f.score, f.name, f.emails, "
        "f.phones FROM (SELECT rowid, name, emails, phones, "
        "bm25(fts_people, 2.0, 1.0, 1.0) AS score FROM fts_people "
        "WHERE fts_people MATCH :q) f JOIN hd_people p ON p.id = f.rowid "
        f"WHERE p.snapshot_id = {_LATEST_DIRECTORY} ORDER BY f.score {{limit}}",
        ("name", "emails", "phones"),
    ),
}
_BY_NUMBER = {
    "ticket": "SELECT id, id, external_id FROM hd_tickets WHERE external_id = :n LIMIT :limit",
    "person": (
        "SELECT coalesce(zendesk_id, external_id), NULL, external_id "
        f"FROM hd_people WHERE snapshot_id = {_LATEST_DIRECTORY} "
        "AND (external_id = :n OR zendesk_id = :i) LIMIT :limit"
    ),
}


class Fts5Backend:
    """SQLite FTS5 (tables and triggers of migration 0003)."""

    def search(
        self, session: Session, query: ParsedQuery, kinds: Iterable[str], limit: int
    ) -> list[RawHit]:
        hits: list[RawHit] = []
        for kind in kinds:
            if query.number is not None and kind in _BY_NUMBER:
                hits += self._by_number(session, kind, query.number, limit)
            if query.fts:
                hits += self._fts(session, kind, query, limit)
        seen: set[tuple[str, object]] = set()
        unique = []
        for h in sorted(hits, key=lambda h: h.score):
            if (h.kind, h.id) not in seen:
                seen.add((h.kind, h.id))
                unique.append(h)
        return unique[:limit]

    def _fts(self, s: Session, kind: str, q: ParsedQuery, limit: int) -> Iterator[RawHit]:
        sql, fields = _SQL[kind]
        # Identifier candidates are few and each is confirmed: fetch until `limit` confirm.
        stmt = text(sql.format(limit="" if q.exact else "LIMIT :limit"))
        found = 0
        for row in s.execute(stmt, {"q": q.fts, "limit": limit}):
            hit = _confirm(kind, row, fields, q)
            if hit is not None:
                yield hit
                found += 1
                if found >= limit:
                    return

    def _by_number(self, s: Session, kind: str, number: str, limit: int) -> Iterator[RawHit]:
        params = {"n": number, "i": int(number) if len(number) <= 18 else -1, "limit": limit}
        for hid, ticket_id, external_id in s.execute(text(_BY_NUMBER[kind]), params):
            field = "external_id" if external_id == number else "id"
            yield RawHit(kind, hid, ticket_id, field, number, 0, len(number), float("-inf"))


def _confirm(kind: str, row: Any, fields: tuple[str, ...], q: ParsedQuery) -> RawHit | None:
    best: tuple[int, str, str, tuple[int, int]] | None = None
    for name, body in zip(fields, row[3:], strict=True):
        span = q.locate(body)
        if span is None:
            continue
        if q.exact:
            return RawHit(kind, row[0], row[1], name, body, *span, row[2])
        found = sum(1 for t in q.terms if re.search(rf"\b{re.escape(t)}", body, re.I))
        if best is None or found > best[0]:
            best = (found, name, body, span)
    if best is not None:
        return RawHit(kind, row[0], row[1], best[1], best[2], *best[3], row[2])
    if q.exact:
        return None  # FTS candidate that the stored text does not confirm
    name, body = next(((n, b) for n, b in zip(fields, row[3:], strict=True) if b), ("", ""))
    return RawHit(kind, row[0], row[1], name or fields[0], body, 0, 0, row[2])


# ---------------------------------------------------------------- the service


class SearchService(Service):
    """Search for the signed-in operator: `helpdesk.view`; snippets masked by default."""

    def __init__(
        self, ctx: AppContext, principal: Principal, backend: SearchBackend | None = None
    ) -> None:
        super().__init__(ctx, principal)
        self.backend: SearchBackend = backend or Fts5Backend()

    def search(
        self,
        query: str,
        kinds: Iterable[str] = KINDS,
        limit: int = 50,
        *,
        reveal: bool = False,
        reason: str | None = None,
    ) -> list[Hit]:
        """Hits for `query`, best first. `reveal` (needs `pii.reveal` and a reason) shows
        snippets unmasked and is audited as ``pii.reveal``. The query text is never
        audited, only its kind (email/phone/id/text)."""
        wanted = tuple(dict.fromkeys(kinds))
        if not wanted or any(k not in KINDS for k in wanted):
            raise SearchError(f"kinds must be among {', '.join(KINDS)}")
        if limit < 1:
            raise SearchError("limit must be at least 1")
        if reveal and not (reason and reason.strip()):
            raise PermissionDenied("Give a reason to reveal personal data.", Permission.PII_REVEAL)
        parsed = parse_query(query)
        permission = Permission.PII_REVEAL if reveal else Permission.HELPDESK_VIEW
        denied: PermissionDenied | None = None
        hits: list[Hit] = []
        with self.authorized(permission, action="search") as (s, actor):
            if not actor.principal.can(Permission.HELPDESK_VIEW):
                denied = PermissionDenied(
                    "You don't have permission to view help-desk data.", Permission.HELPDESK_VIEW
                )
            else:
                raw = self.backend.search(s, parsed, wanted, min(limit, MAX_LIMIT))
                hits = [_to_hit(h, masked=not reveal) for h in raw]
                self._audit(s, parsed, wanted, hits, reason if reveal else None)
        if denied is not None:
            self._record_denial(Permission.HELPDESK_VIEW, "search", denied)
            raise denied
        return hits

    def _audit(
        self,
        s: Session,
        parsed: ParsedQuery,
        kinds: tuple[str, ...],
        hits: list[Hit],
        reason: str | None,
    ) -> None:
        details = {"kinds": list(kinds), "hits": len(hits), "query_kind": parsed.kind}
        self.audit(s, "search", object_type="helpdesk", details=details)
        if reason is not None:
            self.audit(
                s,
                "pii.reveal",
                object_type="helpdesk",
                details={
                    "context": "search",
                    "reason": reason,
                    "objects": [f"{h.kind}:{h.id}" for h in hits],
                },
            )


def _to_hit(h: RawHit, *, masked: bool) -> Hit:
    if h.field in ("name", "emails", "phones", "external_id", "id"):
        snippet = mask_text(h.body) if masked else h.body  # short person fields: whole
    else:
        snippet = excerpt(h.body, h.start, h.end, masked=masked)
    return Hit(h.kind, h.id, h.ticket_id, h.field, snippet)
