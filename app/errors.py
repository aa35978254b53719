"""Typed errors with messages a person can act on.

Every message here is safe to show and to log: it never carries a key, a passphrase, a
password or personal data. The CLI maps them to exit code 2 (bad input / cannot proceed)
or 1 (a check failed).
"""

from __future__ import annotations

from datetime import datetime


class PrivDeskError(Exception):
    """Base for errors the user is meant to see (one line, no traceback)."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WorkspaceNotFound(PrivDeskError):
    pass


class WorkspaceExists(PrivDeskError):
    pass


class BadWorkspace(PrivDeskError):
    """keys.json missing, unreadable or of an unknown format."""


class NoCodecError(PrivDeskError):
    """The SQLite library linked is not SQLCipher: refuse to run rather than write plaintext."""


class WrongPassphraseError(PrivDeskError):
    """The recovery passphrase does not unwrap the workspace key."""


class WrongKeyError(PrivDeskError):
    """The database did not accept the key: wrong key, or page 1 is damaged (SQLC-3)."""


class IntegrityFailure(PrivDeskError):
    """The file decrypts but a page MAC or the B-tree check failed: tampering or damage."""

    exit_code = 1


class PassphraseRequired(PrivDeskError):
    """The keyring could not supply the key; the caller must ask for the recovery passphrase.

    `keyring_status` says why, so the UI can tell the user ("keyring locked", …).
    """

    def __init__(self, message: str, keyring_status: object) -> None:
        super().__init__(message)
        self.keyring_status = keyring_status


class KeyringUnavailable(PrivDeskError):
    pass


class BackupError(PrivDeskError):
    pass


class WorkspaceBusy(PrivDeskError):
    """Another writer holds the database's write lock longer than the busy timeout.

    The message names the long operation from the workspace's lock record, e.g. "the
    workspace is busy: an import is running (started 10:42 by priya)"; exit code 2.
    """


class StaleEdit(PrivDeskError):
    """Someone else changed the record since the operator read it (optimistic concurrency).

    Nothing was written. The message names who and when, in local time, and says what to
    do: "Review item #12 changed by priya at 10:42 — reload" (an operator username and a
    time only, never personal data). `current_version` is the version now stored.
    """

    def __init__(
        self,
        what: str,
        changed_by: str | None,
        changed_at: str | None,
        *,
        current_version: int,
        now: datetime,
    ) -> None:
        who = changed_by or "another operator"
        super().__init__(f"{what} changed by {who}{_local_at(changed_at, now)} — reload")
        self.changed_by = changed_by
        self.current_version = current_version


def _local_at(changed_at: str | None, now: datetime) -> str:
    """ " at 10:42" in the machine's local time ("" when unknown); another day adds the date."""
    if not changed_at:
        return ""
    try:
        when = datetime.fromisoformat(changed_at.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ""
    same_day = when.date() == now.astimezone().date()
    return f" at {when:%H:%M}" if same_day else f" at {when:%Y-%m-%d %H:%M}"
