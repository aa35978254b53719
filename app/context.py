"""AppContext: what every service needs, passed explicitly (no module-level singletons).

It holds the unlocked workspace (session factory and key material, kept private there),
the clock, the audit log, the password hasher and the settings registry (`ctx.settings`).
Tests build one with a FixedClock. A front end also puts its task runner and the signed-in
operator on it (see `operator`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.audit import spool
from app.audit.log import AuditLog, mask_details
from app.audit.spool import PendingEvent
from app.clock import Clock, SystemClock, utc_iso
from app.crypto.envelope import ScryptParams
from app.errors import WorkspaceBusy
from app.keystore import KeyringState, KeyringStore
from app.security.passwords import Argon2idHasher
from app.settings import SETTINGS, Settings
from app.workspace import Workspace

if TYPE_CHECKING:
    from app.jobs import TaskRunner
    from app.security.current import CurrentPrincipal


@dataclass(frozen=True)
class NewWorkspace:
    ctx: AppContext
    recovery_passphrase: str
    verifier_kit: dict[str, str]


class AppContext:
    # ---- password hashing (AUTH-3): the hasher every new context gets; the test suite
    # swaps this factory for a cheap one (tests/conftest.py, fast_password_hasher).
    default_hasher: ClassVar[Callable[[], Argon2idHasher]] = Argon2idHasher

    def __init__(self, workspace: Workspace, clock: Clock | None = None) -> None:
        self.workspace = workspace
        self.clock = clock or workspace.clock
        self.audit = AuditLog(workspace.folder, workspace.workspace_id, self.clock)
        # Every setting's declaration; values are read inside the caller's transaction.
        self.settings: Settings = SETTINGS
        # The front end's session: set after sign-in (views.flow), read by panes.
        self._operator: CurrentPrincipal | None = None
        self._tasks: TaskRunner | None = None
        # When this process last saw each session valid (exact; the stored value is coarse).
        self.last_seen: dict[str, datetime] = {}

        # ---- password hashing: operator and sign-in services hash through this object.
        self.passwords: Argon2idHasher = type(self).default_hasher()

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def create(
        cls,
        folder: Path,
        *,
        keyring_store: KeyringStore | None = None,
        scrypt_params: ScryptParams | None = None,
        clock: Clock | None = None,
    ) -> NewWorkspace:
        """A new workspace with its audit chain; K0 is returned once, for the verifier kit."""
        clock = clock or SystemClock()
        created = Workspace.create(
            folder, keyring_store=keyring_store, scrypt_params=scrypt_params, clock=clock
        )
        ctx = cls(created.workspace, clock)
        with ctx.session() as s:
            k0 = ctx.audit.initialise(s)
            ctx.audit.record(
                s,
                action="workspace.create",
                object_type="workspace",
                object_id=ctx.workspace.workspace_id,
                details={"keyring": created.keyring.state.value},
            )
        return NewWorkspace(ctx, created.recovery_passphrase, ctx.audit.kit(k0))

    @classmethod
    def for_workspace(cls, workspace: Workspace, clock: Clock | None = None) -> AppContext:
        """Wrap an opened workspace: evolve the audit key and record how it was unlocked.

        While another process holds the write lock (a long import), the workspace still
        opens for reading: the key evolves at the next start and the unlock events are
        spooled (app.audit.spool) rather than waited for.
        """
        ctx = cls(workspace, clock)
        unlock = workspace.unlock
        events = [
            ctx.pending(
                "workspace.unlock",
                object_type="workspace",
                object_id=workspace.workspace_id,
                details={"mode": unlock.mode, "keyring": unlock.keyring.state.value},
            )
        ]
        if unlock.keyring.state is KeyringState.LOCKED:
            events.append(ctx.pending("keyring.locked", outcome="error"))
        elif unlock.mode == "passphrase":
            events.append(
                ctx.pending(
                    "keyring.unavailable",
                    outcome="error",
                    details={"state": unlock.keyring.state.value},
                )
            )
        try:
            with ctx.session(nowait=True) as s:
                if not ctx.audit.initialised(s):
                    ctx._start_audit_chain(s)
                ctx.audit.start_epoch(s)
                for e in events:
                    ctx.record_pending(s, e)
        except WorkspaceBusy:
            ctx.defer(events)
        return ctx

    def _start_audit_chain(self, s: Session) -> None:
        """A workspace from before the audit log (schema 0001): start its chain now.

        The verifier kit cannot be shown in a dialog from here, so it is written to
        exports/, like `privdesk init` does, and the event says so.
        """
        from app.audit.anchors import save_kit

        k0 = self.audit.initialise(s)
        stamp = self.clock.now().strftime("%Y%m%dT%H%M%SZ")
        kit_path = self.workspace.exports_dir / f"audit-verifier-kit-{stamp}.json"
        self.workspace.exports_dir.mkdir(mode=0o700, exist_ok=True)
        save_kit(kit_path, self.audit.kit(k0))
        self.audit.record(
            s,
            action="audit.initialise",
            object_type="workspace",
            object_id=self.workspace.workspace_id,
            details={"reason": "upgraded-workspace", "kit_file": kit_path.name},
        )

    def close(self) -> None:
        """Clean shutdown: a signed anchor of the chain head, the audit key evolved (so the
        key left at rest has sealed nothing), then close the store.

        Skipped, not waited for, while another process writes; it anchors at its end."""
        with contextlib.suppress(Exception), self.session(nowait=True) as s:
            self.audit.shutdown(s)
        self.workspace.close()

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ signed-in front end
    # Services never read these: they take their principal as an argument. Panes do, so
    # they need only the context.

    @property
    def operator(self) -> CurrentPrincipal:
        """The live holder of the signed-in operator; calling it gives the principal."""
        if self._operator is None:
            raise RuntimeError("nobody has signed in on this context yet")
        return self._operator

    @operator.setter
    def operator(self, holder: CurrentPrincipal) -> None:
        self._operator = holder

    @property
    def tasks(self) -> TaskRunner:
        """The background task runner of the front end (``views.tasks`` in the GUI)."""
        if self._tasks is None:
            raise RuntimeError("no task runner has been set on this context")
        return self._tasks

    @tasks.setter
    def tasks(self, runner: TaskRunner) -> None:
        self._tasks = runner

    # ------------------------------------------------------------ sessions

    @contextlib.contextmanager
    def session(self, *, nowait: bool = False) -> Iterator[Session]:
        """A write transaction; audit events other processes spooled are sealed first.

        Waits up to the busy timeout for another writer, then raises WorkspaceBusy (at
        once with `nowait`)."""
        with self.workspace.session(nowait=nowait) as s:
            self._merge_spool(s)
            yield s

    @contextlib.contextmanager
    def read_session(self) -> Iterator[Session]:
        """A deferred read transaction: takes no write lock and never waits for a writer."""
        with self.workspace.read_session() as s:
            yield s

    # ------------------------------------------------------------ deferred audit events

    def pending(
        self,
        action: str,
        *,
        actor: str | None = None,
        session_id: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
    ) -> PendingEvent:
        """An audit event to write after a read (see `defer`), stamped now."""
        return PendingEvent(
            ts_utc=utc_iso(self.clock.now()),
            action=action,
            actor=actor,
            session_id=session_id,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            details=mask_details(details or {}),
        )

    def record_pending(self, s: Session, e: PendingEvent, **extra: str) -> int:
        return self.audit.record(
            s,
            action=e.action,
            actor=e.actor,
            session_id=e.session_id,
            object_type=e.object_type,
            object_id=e.object_id,
            outcome=e.outcome,
            details={**e.details, **extra},
        )

    def defer(
        self, events: list[PendingEvent], also: Callable[[Session], None] | None = None
    ) -> None:
        """Write a reader's audit events (and `also`, e.g. a session touch) if the write
        lock is free now; if it is not, spool the events and skip `also`."""
        if not events and also is None:
            return
        try:
            with self.session(nowait=True) as s:
                for e in events:
                    self.record_pending(s, e)
                if also is not None:
                    also(s)
        except WorkspaceBusy:
            if events:
                spool.write(self.workspace.folder, self._spool_key(), events)

    def _spool_key(self) -> bytes:
        return self.workspace.subkey(spool.KEY_PURPOSE)

    def _merge_spool(self, s: Session) -> None:
        folder = self.workspace.folder
        if not spool.waiting(folder) or not self.audit.initialised(s):
            return
        key = self._spool_key()
        taken = spool.Claimed()
        invalid: list[tuple[Path, str]] = []
        for stem, path in spool.claim(folder):
            taken.files.append((path, spool.spool_dir(folder) / f"{stem}{spool.SUFFIX}"))
            events = spool.read(path, key, stem)
            if events is None:
                invalid.append((path, stem))
                self.audit.record(
                    s, action="audit.spool_invalid", outcome="error", details={"spool": stem}
                )
                continue
            for e in events:
                self.record_pending(s, e, deferred_from=e.ts_utc, spool=stem)

        def committed(_s: Session) -> None:
            for path, stem in invalid:
                spool.set_aside(path, stem)
            taken.done()

        sa_event.listen(s, "after_commit", committed, once=True)
        sa_event.listen(s, "after_rollback", lambda _s: taken.release(), once=True)
