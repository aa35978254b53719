"""Records of erased subjects are skipped on import, mirroring what the erasure did.

A DSAR erasure (``app.dsar.erasure``) deletes the person and their identities, the tickets
they requested or submitted (with every comment), their access-log records and group
memberships; it replaces the text of comments they wrote on other tickets and removes their
id from other tickets' CC / follower / collaborator lists; anything under an active hold is
kept as it was. An import of an export that still holds them converges to that state:

- users: skipped when the Zendesk id, the e-mail or the external id is a tombstone (a
  phone alone does not match: Zendesk lets people share a phone number);
- identities: skipped when their user is erased, or an e-mail identity's address is;
- group memberships and access-log records of an erased user: skipped;
- tickets whose requester or submitter is erased: skipped with all their comments, unless
  the ticket is under an active hold (then imported as it is, like the erasure kept it);
- comments an erased person wrote on other tickets: skipped (the erasure's placeholder
  stays; a held ticket's comments are imported);
- any other ticket: an erased user as assignee is not a dangling reference, and erased ids
  are dropped from its CC / follower / collaborator lists;
- text of kept tickets and comments (not held ones): an e-mail address or phone number that
  is a tombstone becomes ``[erased]``, as the erasure scrubbed mentions. Names are not
  (only keyed hashes are kept, and a name is no identifier); a phone matches when written
  with the same digits (``+1 555 987 6543`` and ``1-555-987-6543``, not ``555 987 6543``).

Skipped records are counted per kind; nothing of them is written. The ticket's row hash is
the hash of the record as exported, so an unchanged export reads as unchanged.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.dsar.tombstones import Tombstones
from app.importers.fields import dumps, row_hash
from app.importers.loader import IdSet
from models.dsar import DsarHold

ORDER = (
    "users",
    "people",
    "agents",
    "identities",
    "group_memberships",
    "tickets",
    "ticket_comments",
    "access_logs",
)
ERASED = "[erased]"  # what app.dsar.erasure writes in place of a mention
TEXT_COLUMNS = ("subject", "description", "body", "html_body", "plain_body")  # as erasure
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")
CC_COLUMNS = ("email_cc_ids_json", "follower_ids_json", "collaborator_ids_json")


class ErasedFilter:
    """One import's view of the tombstones: which records to skip, and how many were."""

    def __init__(self, tombstones: Tombstones | None = None, held: set[int] | None = None):
        self.tombstones = tombstones
        self.active = bool(tombstones)
        self.held = held or set()  # tickets under an active hold
        self.users = IdSet()  # erased user ids met in this import
        self._not_erased = IdSet()  # user ids checked already (one HMAC per id, not per use)
        self.tickets = IdSet()  # skipped ticket ids
        self.skipped: Counter[str] = Counter()
        self.scrubbed = 0  # kept records whose text had an erased subject's identifier

    @classmethod
    def load(cls, s: Session, tombstones: Tombstones) -> ErasedFilter:
        if not tombstones:
            return cls()
        held = s.scalars(
            select(DsarHold.object_ref).where(
                DsarHold.object_type == "ticket", DsarHold.released_at.is_(None)
            )
        )
        return cls(tombstones, {int(t) for t in held})

    def counts(self) -> dict[str, int]:
        """Skipped records per kind, in import order (whatever order the files had)."""
        return {k: self.skipped[k] for k in ORDER if self.skipped[k]}

    def _skip(self, kind: str, n: int = 1) -> bool:
        self.skipped[kind] += n
        return True

    def _has(self, kind: str, value: object) -> bool:
        return self.tombstones is not None and self.tombstones.has(kind, value)

    def user(self, zid: Any) -> bool:
        """Is `zid` an erased subject's Zendesk user id?"""
        if not self.active or zid is None:
            return False
        if zid in self.users:
            return True
        if zid in self._not_erased:
            return False
        if self._has("user_id", zid):
            self.users.add(zid)
            return True
        self._not_erased.add(zid)
        return False

    def _deleted_ticket(self, tid: Any) -> bool:
        """Was ticket `tid` deleted by a retention run (a ``ticket_id`` tombstone)?"""
        if tid is None or self.tombstones is None or "ticket_id" not in self.tombstones.kinds:
            return False
        if tid in self.tickets:
            return True
        return self._has("ticket_id", tid)

    # ------------------------------------------------------------ directory

    def directory(self, kind: str, row: dict[str, Any]) -> bool:
        """True (and counted) when a directory row belongs to an erased subject."""
        if not self.active:
            return False
        if kind in ("users", "people", "agents"):
            zid = row.get("zendesk_id")
            hit = (
                self.user(zid)
                or self._has("email", row.get("email"))
                or self._has("external_id", row.get("external_id"))
            )
            if hit and zid is not None:
                self.users.add(zid)
            return hit and self._skip(kind)
        if kind == "identities":
            email = row.get("value") if row.get("type") == "email" else None
            return (self.user(row.get("user_id")) or self._has("email", email)) and self._skip(kind)
        if kind in ("group_memberships", "access_logs"):
            return self.user(row.get("user_id")) and self._skip(kind)
        return False

    # ------------------------------------------------------------ tickets and comments

    def ticket(self, row: dict[str, Any], comments: int = 0) -> bool:
        """True when the ticket is skipped (its `comments` embedded ones counted too);
        otherwise erased ids leave its CC lists."""
        if not self.active:
            return False
        tid = row.get("id")
        if tid not in self.held and (
            self.user(row.get("requester_id"))
            or self.user(row.get("submitter_id"))
            or self._deleted_ticket(tid)
        ):
            self.tickets.add(tid)
            if comments:
                self._skip("ticket_comments", comments)
            return self._skip("tickets")
        if tid in self.held:
            return False
        lists = {c: json.loads(row.get(c) or "[]") for c in CC_COLUMNS}
        kept = {c: [v for v in ids if not self.user(v)] for c, ids in lists.items()}
        if kept != lists:
            row["row_hash"] = row_hash(row)  # the record as exported
            row.update({c: dumps(v) for c, v in kept.items()})
        self._scrub(row)
        return False

    def comment(self, row: dict[str, Any]) -> bool:
        if not self.active:
            return False
        tid = row.get("ticket_id")
        if tid in self.tickets or (tid not in self.held and self._deleted_ticket(tid)):
            return self._skip("ticket_comments")
        if tid in self.held:
            return False
        if self.user(row.get("author_id")):
            return self._skip("ticket_comments")
        self._scrub(row)
        return False

    def _scrub(self, row: dict[str, Any]) -> None:
        """Erased subjects' e-mails and phones in the row's text become [erased]."""

        def sub(kind: str) -> Any:
            return lambda m: ERASED if self._has(kind, m.group()) else m.group()

        kinds = self.tombstones.kinds if self.tombstones is not None else frozenset()
        emails, phones = "email" in kinds, "phone" in kinds
        changed = {}
        for column in TEXT_COLUMNS:
            value = row.get(column)
            if not isinstance(value, str) or not value:
                continue
            new = _EMAIL.sub(sub("email"), value) if emails and "@" in value else value
            new = _PHONE.sub(sub("phone"), new) if phones else new
            if new != value:
                changed[column] = new
        if changed:
            if "row_hash" not in row:
                row["row_hash"] = row_hash(row)  # the record as exported
            row.update(changed)
            self.scrubbed += 1
