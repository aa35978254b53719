"""Workspace administration on behalf of an operator: verify, backup, rekey, keyring, settings.

Each call checks its permission, requires step-up where the action is sensitive, and is
audited. Long-running calls are plain functions the GUI runs through its task runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.audit.verify import VerifyResult
from app.keystore import KeyringStatus
from app.security.guard import Service
from app.security.permissions import Permission, permissions_for
from app.settings import SettingError, SettingSpec
from app.store import IntegrityReport
from app.workspace_backup import BACKUP_SUFFIX, BackupResult


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    modified_utc: datetime


@dataclass(frozen=True)
class HealthReport:
    store: IntegrityReport
    audit: VerifyResult
    # What a killed backup or restore left that could not be removed (a warning: they
    # hold only an encrypted database copy; the workspace itself is unaffected).
    leftovers: tuple[Path, ...] = ()
    # Such leftovers removed since the workspace was opened (on open or by this check).
    swept: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return self.store.ok and self.audit.ok


class AdminService(Service):
    def verify(self, kit_path: Path | None = None) -> HealthReport:
        """Both SQLCipher checks and the audit chain (`privdesk verify`), one permission."""
        from app.audit.service import load_kit_info, verify_audit

        kit = load_kit_info(kit_path, self.ctx.workspace.workspace_id) if kit_path else None
        with self.authorized(Permission.WORKSPACE_VERIFY, action="workspace.verify") as (s, _):
            report = self.ctx.workspace.verify()
            audit = verify_audit(self.ctx, s, kit, None)
            self.audit(
                s,
                "workspace.verify",
                outcome="ok" if report.ok and audit.ok else "error",
                details={
                    "cipher_problems": len(report.cipher_problems),
                    "integrity_ok": report.integrity == ("ok",),
                    "audit_status": audit.status.name,
                    "audit_seq": audit.seq,
                    "with_kit": kit is not None,
                },
            )
        stuck = self.ctx.workspace.sweep_leftovers()
        return HealthReport(report, audit, stuck, self.ctx.workspace.swept)

    def backup(self, to: Path | None = None) -> BackupResult:
        with self.authorized(Permission.BACKUP_CREATE, action="workspace.backup") as (s, _):
            self.audit(s, "workspace.backup", details={"default_location": to is None})
            self.ctx.audit.checkpoint(s)
        # The backup copies the committed DB, so the event above is inside the backup.
        return self.ctx.workspace.backup(to)

    def list_backups(self) -> list[BackupInfo]:
        with self.authorized(Permission.BACKUP_VIEW, action="backup.list") as _:
            folder = self.ctx.workspace.backups_dir
            found = []
            for path in sorted(folder.glob(f"*{BACKUP_SUFFIX}"), reverse=True):
                st = path.stat()
                found.append(BackupInfo(path, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
        return found

    def rekey(self) -> int:
        with self.authorized(Permission.KEYS_MANAGE, action="keys.rekey", step_up=True) as (s, _):
            self.audit(
                s, "keys.rekey", details={"from_generation": self.ctx.workspace.key_generation}
            )
        generation = self.ctx.workspace.rekey()
        with self.ctx.session() as s:
            self.audit(s, "keys.rekey.done", details={"generation": generation})
        return generation

    def keyring_status(self) -> KeyringStatus:
        with self.authorized(Permission.SETTINGS_VIEW, action="keyring.status"):
            return self.ctx.workspace.keyring_status()

    def enrol_keyring(self) -> KeyringStatus:
        with self.authorized(Permission.KEYS_MANAGE, action="keyring.enrol") as (s, _):
            status = self.ctx.workspace.enrol_keyring()
            self.audit(
                s,
                "keyring.enrol",
                outcome="ok" if status.usable else "error",
                details={"state": status.state.value},
            )
        return status

    def forget_keyring(self) -> bool:
        with self.authorized(Permission.KEYS_MANAGE, action="keyring.forget", step_up=True) as (
            s,
            _,
        ):
            removed = self.ctx.workspace.forget_keyring()
            self.audit(s, "keyring.forget", details={"removed": removed})
        return removed

    def idle_timeout_s(self) -> int:
        with self.authorized(Permission.SETTINGS_VIEW, action="settings.view") as (s, _):
            return int(self.ctx.settings.get(s, "idle_timeout_s"))

    def set_idle_timeout_s(self, seconds: int) -> None:
        SettingsService(self.ctx, self.principal).set("idle_timeout_s", int(seconds))


@dataclass(frozen=True)
class SettingValue:
    """One setting as an operator sees it: what it is, its value, whether it was changed."""

    key: str
    label: str
    help: str
    value: Any
    default: Any
    is_default: bool
    shown: str  # the value as the CLI and GUI print it ("15 min", "90 days")
    can_change: bool


class SettingsService(Service):
    """Read and change any registered setting, with the permissions its declaration names.

    Every change is checked against the declaration before anything is stored and audited
    with the value before and after (settings hold no personal data).
    """

    def list(self, area: str = "") -> list[SettingValue]:
        """The settings (whose key starts with ``area``) this operator may read."""
        specs = self.ctx.settings.in_area(area)
        if not specs:
            raise SettingError(f"no setting's key starts with {area!r}")
        readable = [spec for spec in specs if self._may(spec.view)]
        # Entering with a permission the operator lacks is the audited refusal.
        permission = readable[0].view if readable else specs[0].view
        with self.authorized(permission, action="settings.view") as (s, _):
            return [self._value(s, spec) for spec in specs if self._may(spec.view)]

    def set(self, key: str, value: Any) -> SettingValue:
        spec = self.ctx.settings.spec(key)
        spec.validate(value)  # a bad value is refused before the transaction opens
        with self.authorized(spec.manage, action="settings.change") as (s, _):
            before = self.ctx.settings.set(s, key, value)
            self._audit_change(s, key, before, value)
            return self._value(s, spec)

    def reset(self, key: str) -> SettingValue:
        """Back to the declared default (a no-op, not audited, when it already is)."""
        spec = self.ctx.settings.spec(key)
        with self.authorized(spec.manage, action="settings.change") as (s, _):
            if not self.ctx.settings.is_default(s, key):
                before = self.ctx.settings.reset(s, key)
                self._audit_change(s, key, before, spec.default)
            return self._value(s, spec)

    def _audit_change(self, s: Session, key: str, before: Any, after: Any) -> None:
        self.audit(
            s,
            "settings.change",
            object_type="setting",
            object_id=key,
            details={"before": _brief(before), "after": _brief(after)},
        )

    def _may(self, permission: Permission) -> bool:
        return permission in permissions_for(self.principal.roles)

    def _value(self, s: Session, spec: SettingSpec) -> SettingValue:
        value = self.ctx.settings.get(s, spec.key)
        return SettingValue(
            spec.key,
            spec.label,
            spec.help,
            value,
            spec.default,
            self.ctx.settings.is_default(s, spec.key),
            spec.show(value) if value is not None else "built-in",
            self._may(spec.manage),
        )


def _brief(value: Any) -> Any:
    # A rule list can be long; the audit detail keeps its size, the settings row keeps it all.
    return f"{len(value)} entries" if isinstance(value, list) else value
