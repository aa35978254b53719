"""The OS keyring as a holder of each workspace's key-encryption key (KEK).

Each failure mode gets its own state and a sentence for the UI, so a locked keyring is
never reported as a wrong password (SECURITY.md §2.5, Vorta #385). Backends below
priority 1 (keyrings.alt's plaintext file, the null backend) are refused unless the
administrator opts in, because they would store the KEK in clear or not at all.
"""

from __future__ import annotations

import base64
import enum
import logging
from dataclasses import dataclass
from typing import Any

SERVICE = "privdesk"

log = logging.getLogger(__name__)


class KeyringState(enum.Enum):
    AVAILABLE = "available"
    NO_BACKEND = "no-backend"
    LOCKED = "locked"
    INSECURE_BACKEND = "insecure-backend"
    NOT_PERSISTENT = "not-persistent"
    ENTRY_MISSING = "entry-missing"
    ERROR = "error"


@dataclass(frozen=True)
class KeyringStatus:
    state: KeyringState
    backend: str
    reason: str

    @property
    def usable(self) -> bool:
        return self.state in (KeyringState.AVAILABLE, KeyringState.ENTRY_MISSING)

    def to_json(self) -> dict[str, str]:
        return {"state": self.state.value, "backend": self.backend, "reason": self.reason}


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


class KeyringStore:
    """Reads and writes KEKs in the system keyring (service `privdesk`, account = workspace id)."""

    def __init__(self, *, allow_insecure: bool = False) -> None:
        self.allow_insecure = allow_insecure

    def _backend(self) -> tuple[Any, KeyringStatus | None]:
        try:
            import keyring
            import keyring.backends.fail
            import keyring.backends.null
        except ImportError:  # pragma: no cover - keyring is a hard dependency
            return None, KeyringStatus(
                KeyringState.NO_BACKEND, "none", "the keyring package is not installed"
            )
        backend = keyring.get_keyring()
        name = _backend_name(backend)
        if isinstance(backend, keyring.backends.fail.Keyring):
            return backend, KeyringStatus(
                KeyringState.NO_BACKEND,
                name,
                "system keyring unavailable: no keyring service is running on this desktop",
            )
        if isinstance(backend, keyring.backends.null.Keyring):
            return backend, KeyringStatus(
                KeyringState.NOT_PERSISTENT, name, "system keyring disabled (null backend)"
            )
        priority = _priority(backend)
        if priority < 1 and not self.allow_insecure:
            return backend, KeyringStatus(
                KeyringState.INSECURE_BACKEND,
                name,
                f"keyring backend {type(backend).__name__} (priority {priority:g}) is not a "
                "secure store; refused (set allow_insecure_keyring to override)",
            )
        return backend, None

    def status(self, workspace_id: str) -> KeyringStatus:
        """Probe without side effects: is there a usable backend, and does it hold our entry?"""
        backend, problem = self._backend()
        if problem is not None:
            return problem
        try:
            value = backend.get_password(SERVICE, workspace_id)
        except Exception as exc:
            return _classify(exc, _backend_name(backend))
        name = _backend_name(backend)
        if value is None:
            return KeyringStatus(
                KeyringState.ENTRY_MISSING, name, "the system keyring has no key for this workspace"
            )
        return KeyringStatus(KeyringState.AVAILABLE, name, "key held by the system keyring")

    def get_kek(self, workspace_id: str) -> tuple[bytes | None, KeyringStatus]:
        backend, problem = self._backend()
        if problem is not None:
            return None, problem
        name = _backend_name(backend)
        try:
            value = backend.get_password(SERVICE, workspace_id)
        except Exception as exc:
            return None, _classify(exc, name)
        if value is None:
            return None, KeyringStatus(
                KeyringState.ENTRY_MISSING, name, "the system keyring has no key for this workspace"
            )
        try:
            kek = base64.b64decode(value.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            return None, KeyringStatus(
                KeyringState.ERROR, name, "the keyring entry for this workspace is not a key"
            )
        if len(kek) != 32:
            return None, KeyringStatus(
                KeyringState.ERROR, name, "the keyring entry for this workspace is not a key"
            )
        return kek, KeyringStatus(KeyringState.AVAILABLE, name, "key held by the system keyring")

    def put_kek(self, workspace_id: str, kek: bytes) -> KeyringStatus:
        """Store and read back; a write that does not persist is reported, not trusted (KR-2)."""
        backend, problem = self._backend()
        if problem is not None:
            return problem
        name = _backend_name(backend)
        encoded = base64.b64encode(kek).decode("ascii")
        try:
            backend.set_password(SERVICE, workspace_id, encoded)
            echoed = backend.get_password(SERVICE, workspace_id)
        except Exception as exc:
            return _classify(exc, name)
        if echoed != encoded:
            return KeyringStatus(
                KeyringState.NOT_PERSISTENT,
                name,
                "the system keyring accepted the key but did not keep it",
            )
        return KeyringStatus(KeyringState.AVAILABLE, name, "key stored in the system keyring")

    def delete_kek(self, workspace_id: str) -> bool:
        """Forget this machine's copy (KR-8); an absent entry is not an error."""
        backend, problem = self._backend()
        if problem is not None:
            return False
        try:
            import keyring.errors

            backend.delete_password(SERVICE, workspace_id)
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception as exc:
            log.warning("keyring delete failed: %s", type(exc).__name__)
            return False
        return True


def _priority(backend: Any) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return -1.0


def _classify(exc: BaseException, backend: str) -> KeyringStatus:
    import keyring.errors

    # Only the exception type is reported: backend messages can echo service/account names.
    if isinstance(exc, keyring.errors.KeyringLocked):
        return KeyringStatus(
            KeyringState.LOCKED, backend, "keyring locked: unlock your system keyring"
        )
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeyringStatus(
            KeyringState.NO_BACKEND, backend, "system keyring unavailable: NoKeyringError"
        )
    if isinstance(exc, keyring.errors.KeyringError | RuntimeError):
        return KeyringStatus(
            KeyringState.ERROR, backend, f"system keyring error: {type(exc).__name__}"
        )
    return KeyringStatus(KeyringState.ERROR, backend, f"system keyring error: {type(exc).__name__}")
