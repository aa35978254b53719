"""What an operator may do to one DSAR now: the one rule behind the service's guard and the
pane's buttons.

`refusal(s, principal, action, req)` answers "may this principal do `action` to this
request in its current state?" with None (yes) or the reason, in words for a tooltip.
The services call `require` before acting (after the permission check has been audited by
`Service.authorized`); `DsarService.allowed_actions` asks the same rule about every action.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.dsar.errors import DsarError
from app.dsar.vocabulary import CLOSED, EXPORT_TYPES, STATUS_TITLES, TRANSITIONS
from app.security.auth import Principal
from app.security.permissions import Permission, needs_role
from models.dsar import DsarErasure, DsarHold, DsarItem, DsarRequest

P = Permission

# action → (permission it needs, how the action is named in a sentence)
ACTIONS: dict[str, tuple[Permission, str]] = {
    "verifying": (P.DSAR_MANAGE, "Starting verification"),
    "verify": (P.DSAR_MANAGE, "Recording identity verification"),
    "pause": (P.DSAR_MANAGE, "Asking for clarification"),
    "resume": (P.DSAR_MANAGE, "Recording the clarification"),
    "extend": (P.DSAR_MANAGE, "Extending the deadline"),
    "close": (P.DSAR_MANAGE, "Closing the request"),
    "letter": (P.DSAR_MANAGE, "Saving a letter"),
    "locate": (P.DSAR_MANAGE, "Locating data"),
    "select": (P.DSAR_MANAGE, "Choosing what to include"),
    "export": (P.DSAR_MANAGE, "Export"),
    "erase": (P.DSAR_MANAGE, "Erasure"),
    "reveal": (P.PII_REVEAL, "Revealing personal data"),
    "certificate": (P.DSAR_VIEW, "The erasure certificate"),
}
HOLD_TITLES = {
    "legal-hold": "legal hold",
    "retention-rule": "retention rule",
    "open-dispute": "open dispute",
}


def _closed(req: DsarRequest) -> str | None:
    if req.status in CLOSED:
        return f"{req.reference} is closed ({STATUS_TITLES[req.status].lower()})"
    return None


def _active_hold(s: Session, req: DsarRequest) -> DsarHold | None:
    """An active hold on a person included in this request (erasure must not go ahead)."""
    people = select(DsarItem.ref).where(
        DsarItem.request_id == req.id, DsarItem.kind == "person", DsarItem.included.is_(True)
    )
    return s.scalar(
        select(DsarHold)
        .where(
            DsarHold.released_at.is_(None),
            DsarHold.object_type == "person",
            DsarHold.object_ref.in_(people),
        )
        .limit(1)
    )


def _included(s: Session, req: DsarRequest, *, kind: str | None = None) -> bool:
    q = select(DsarItem.id).where(DsarItem.request_id == req.id, DsarItem.included.is_(True))
    if kind is not None:
        q = q.where(DsarItem.kind == kind)
    return s.scalar(q.limit(1)) is not None


def _state_refusal(s: Session, action: str, req: DsarRequest) -> str | None:
    status = req.status
    if action == "verifying":
        if status != "new":
            return "Verification starts on a new request"
        return None
    if action == "verify":
        return _closed(req) or (
            None if status in ("new", "verifying") else "Identity is already verified"
        )
    if action == "pause":
        if status == "awaiting_clarification":
            return f"{req.reference} is already awaiting clarification"
        return _closed(req) or (
            None
            if "awaiting_clarification" in TRANSITIONS[status]
            else f"{req.reference} is {STATUS_TITLES[status].lower()}: verify identity first"
        )
    if action == "resume":
        return (
            None
            if status == "awaiting_clarification"
            else f"{req.reference} is not awaiting clarification"
        )
    if action == "extend":
        if req.extended:
            return _closed(req) or f"{req.reference} is already extended"
        if status in ("new", "verifying"):
            return "Extending needs identity verified first"
        return _closed(req)
    if action in ("close", "letter", "locate", "select"):
        return _closed(req)
    if action == "export":
        if req.request_type not in EXPORT_TYPES:
            return (
                f"{req.reference} is a {req.request_type} request: export packages are for "
                f"{' and '.join(sorted(EXPORT_TYPES))} requests"
            )
        if not _included(s, req):
            return f"nothing to export for {req.reference}: run locate and include items"
        if status in ("new", "verifying"):
            return "Export needs the requester's identity verified first"
        if status in CLOSED - {"completed"}:
            return f"{req.reference} was {STATUS_TITLES[status].lower()}: nothing is sent"
        return None
    if action == "erase":
        if req.request_type != "erasure":
            return f"{req.reference} is a {req.request_type} request, not erasure"
        if status not in ("in_progress", "extended"):
            return (
                f"{req.reference} must be verified and in progress before erasure "
                f"(it is {STATUS_TITLES[status].lower()})"
            )
        if not _included(s, req, kind="person"):
            return f"No person is included for {req.reference}: locate their data first"
        hold = _active_hold(s, req)
        if hold is not None:
            title = HOLD_TITLES.get(hold.basis, hold.basis)
            return f"Erasure is not possible while a {title} is active on this person"
        return None
    if action == "certificate":
        erased = s.scalar(select(DsarErasure.id).where(DsarErasure.request_id == req.id).limit(1))
        return None if erased is not None else "Nothing has been erased for this request"
    return None  # reveal: the permission is the whole rule


def refusal(s: Session, principal: Principal, action: str, req: DsarRequest) -> str | None:
    """None if `principal` may do `action` to `req` now, else why not (for a tooltip)."""
    permission, title = ACTIONS[action]
    if not principal.can(permission):
        return f"{title} needs {needs_role(permission)}"
    return _state_refusal(s, action, req)


def require(s: Session, principal: Principal, action: str, req: DsarRequest) -> None:
    """Raise the refusal as a DsarError (the permission itself was checked by the guard)."""
    why = refusal(s, principal, action, req)
    if why is not None:
        raise DsarError(why)
