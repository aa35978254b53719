"""How service errors reach the user, and which of them are the main window's business.

Every error is matched against the real exception classes. Their modules are imported
when an error arrives, not at startup: by then the service that raised has loaded them,
and the first window stays free of SQLAlchemy and the crypto stack.

What is shown: a PrivDeskError's ``message`` (written to be shown), a polite permission
sentence, or a generic line naming only the exception type — never a traceback, never an
exception's own text, which could carry personal data.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def is_session_problem(exc: BaseException) -> bool:
    """A locked or ended session: the window shows the lock screen or the sign-in instead."""
    from app.security.auth import SessionExpired, SessionLocked

    return isinstance(exc, (SessionLocked, SessionExpired))


def is_permission_denied(exc: BaseException) -> bool:
    """The service refused the operator's role (the GUI only hides what it can)."""
    from app.errors import PrivDeskError

    if not isinstance(exc, PrivDeskError):
        return False
    from app.security.guard import PermissionDenied

    return isinstance(exc, PermissionDenied)


def error_text(exc: BaseException, *, doing: str | None = None) -> str:
    """The sentence shown for an error raised by a service."""
    from app.errors import PrivDeskError

    if is_permission_denied(exc):
        assert isinstance(exc, PrivDeskError)
        return (
            exc.message
            if exc.message.startswith("You don't")
            else (f"You don't have permission to {doing or 'do this'}.")
        )
    if isinstance(exc, PrivDeskError):
        return exc.message
    reason = getattr(exc, "reason", None)  # PasswordRejected carries a showable reason
    if isinstance(reason, str):
        return reason
    # Type name only: the exception text could hold ticket text or e-mail addresses.
    log.error("unexpected %s while %s", type(exc).__name__, doing or "working")
    return (
        f"Something went wrong ({type(exc).__name__}) while {doing or 'working'}. "
        "Nothing was shown to protect personal data; see the log for the error type."
    )
