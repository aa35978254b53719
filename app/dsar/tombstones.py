"""Tombstones: erased subjects stay erased when an export that still holds them is imported.

An erasure keeps, for each erased person, keyed hashes of their Zendesk user id, e-mail
addresses, phone numbers and external id (``ds_tombstones``). The hash is HMAC-SHA256 under
a key only this workspace can make (HKDF from its KEK, info ``privdesk-tombstone/1``) over
``kind NUL normalised value``: the table holds no clear value, and without the key a list
of candidate e-mails cannot be tested against it.

A retention run that deletes tickets keeps the same kind of hash of each ticket id
(kind ``ticket_id``), so re-importing an older export does not bring them back.

Normalisation: user and ticket ids as decimal text; e-mails trimmed and lower-cased; phones as their
digits only, a leading international ``00`` dropped (``+1 (555) 123-4567`` and
``001 555 123 4567`` are both ``15551234567``); external ids trimmed.

What an import does with them (mirroring what the erasure did) is in
``app.importers.erased``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.dsar import DsarTombstone
from models.helpdesk import Identity, Person

if TYPE_CHECKING:
    from app.workspace import Workspace

INFO = b"privdesk-tombstone/1"
KINDS = ("user_id", "email", "phone", "external_id", "ticket_id")
_NOT_DIGIT = re.compile(r"\D+")


def key_for(workspace: Workspace) -> bytes:
    """The workspace's tombstone key (never stored; derived on each use)."""
    return workspace.subkey(INFO)


def normalise(kind: str, value: object) -> str | None:
    """The form a value is hashed in, or None when there is nothing to hash."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if kind == "email":
        text = text.lower()
    elif kind == "phone":
        text = _NOT_DIGIT.sub("", text)
        if text.startswith("00"):
            text = text[2:]
        if len(text) < 5:  # too short to identify anyone
            return None
    elif kind not in ("user_id", "external_id", "ticket_id"):
        raise ValueError(f"unknown tombstone kind {kind!r}")
    return text or None


def digest(key: bytes, kind: str, value: object) -> str | None:
    norm = normalise(kind, value)
    if norm is None:
        return None
    return hmac.digest(key, f"{kind}\x00{norm}".encode(), "sha256").hex()


class Tombstones:
    """The workspace's tombstones in memory, for checks during one import."""

    def __init__(self, key: bytes, digests: Iterable[tuple[str, str]] = ()) -> None:
        self._key = key
        self._digests = set(digests)
        self.kinds = frozenset(kind for kind, _ in self._digests)

    @classmethod
    def load(cls, s: Session, key: bytes) -> Tombstones:
        rows = s.execute(select(DsarTombstone.kind, DsarTombstone.digest))
        return cls(key, ((kind, d) for kind, d in rows))

    def __bool__(self) -> bool:
        return bool(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def has(self, kind: str, value: object) -> bool:
        if kind not in self.kinds or value is None:
            return False
        d = digest(self._key, kind, value)
        return d is not None and (kind, d) in self._digests


def subject_identifiers(s: Session, zids: Iterable[int]) -> list[tuple[str, object]]:
    """(kind, value) of everything that identifies these people, read before they go."""
    people = sorted(set(zids))
    out: list[tuple[str, object]] = [("user_id", z) for z in people]
    if not people:
        return out
    for email, phone, external_id in s.execute(
        select(Person.email, Person.phone, Person.external_id).where(Person.zendesk_id.in_(people))
    ):
        out += [("email", email), ("phone", phone), ("external_id", external_id)]
    for kind, value in s.execute(
        select(Identity.type, Identity.value).where(Identity.user_id.in_(people))
    ):
        if kind == "email":
            out.append(("email", value))
        elif kind == "phone_number":
            out.append(("phone", value))
    return out


def add(
    s: Session,
    key: bytes,
    values: Iterable[tuple[str, object]],
    *,
    request_id: int | None,
    now: str,
) -> int:
    """Keep tombstones for `values` (new ones only); returns how many were added."""
    wanted = {(kind, d) for kind, value in values if (d := digest(key, kind, value)) is not None}
    if not wanted:
        return 0
    rows = s.execute(
        select(DsarTombstone.kind, DsarTombstone.digest).where(
            DsarTombstone.digest.in_([d for _, d in wanted])
        )
    )
    have = {(kind, d) for kind, d in rows}
    new = sorted(wanted - have)
    for kind, d in new:
        s.add(DsarTombstone(kind=kind, digest=d, request_id=request_id, created_at=now))
    s.flush()
    return len(new)
