"""The demo workspace behind `make demo`: a real encrypted workspace with one operator per role.

It is built through the same services as any workspace (nothing is faked). Because it is a
demo, its credentials — which would be secrets anywhere else — are written beside it in
`demo-credentials.json` and the workspace is marked `demo=true`, so the sign-in screen can
offer them. Never use a demo workspace for real data.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.clock import Clock, SystemClock
from app.context import AppContext
from app.keystore import KeyringStore
from app.security import operators, totp
from app.security.auth import AuthService, Principal
from models.workspace import WorkspaceInfo

CREDENTIALS_NAME = "demo-credentials.json"
DEMO_PASSWORD = "demo workspace only 2026"
DEMO_OPERATORS = (
    ("ada", "Ada Lovelace", "administrator"),
    ("priya", "Priya Raman", "privacy_officer"),
    ("ivan", "Ivan Petrov", "incident_lead"),
    ("rosa", "Rosa Diaz", "redaction_admin"),
    ("audrey", "Audrey Hale", "auditor"),
)


@dataclass(frozen=True)
class DemoCredentials:
    folder: Path
    recovery_passphrase: str
    operators: dict[str, dict[str, str]]

    def code_for(self, username: str, clock: Clock | None = None) -> str:
        """The code of the NEXT time step (inside the ±1 window), so a sign-in straight after
        the demo was built — whose setup used the current step — is not refused as a replay."""
        secret = self.operators[username]["totp_secret"]
        soon = (clock or SystemClock()).now() + timedelta(seconds=totp.INTERVAL)
        return totp.current_code(secret, soon)


def default_folder() -> Path:
    from platformdirs import user_data_path

    return user_data_path("privdesk", appauthor=False) / "demo"


def read_credentials(folder: Path) -> DemoCredentials | None:
    """The demo credentials if `folder` is a demo workspace, else None."""
    path = Path(folder) / CREDENTIALS_NAME
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return DemoCredentials(Path(folder), data["recovery_passphrase"], data["operators"])


def import_demo_data(ctx: AppContext, principal: Principal, *, seed: int = 7) -> None:
    """Generate the demo Zendesk export and load it through the real importers."""
    from app.demodata import generate
    from app.helpdesk import HelpdeskService

    with tempfile.TemporaryDirectory(prefix="privdesk-demo-") as tmp:
        out = Path(tmp)
        generate(out, seed=seed)
        roster = out / "roster.csv"
        moved = out.parent / f"{out.name}-roster.csv"
        roster.rename(moved)  # the roster is a CSV import of its own, not part of the export
        try:
            service = HelpdeskService(ctx, principal)
            service.import_zendesk(out, complete=True)  # the generator writes it all
            service.import_csv("roster", moved)
        finally:
            moved.unlink(missing_ok=True)


def _sign_in(ctx: AppContext, username: str, secret: str) -> Principal:
    return (
        AuthService(ctx)
        .login(username, DEMO_PASSWORD, totp.current_code(secret, ctx.clock.now()))
        .principal
    )


def seed_demo_activity(ctx: AppContext, creds: dict[str, dict[str, str]]) -> None:
    """Give each work pane something to show: a review campaign, two DSARs, a drill, and
    the alerts the demo's access and audit logs raise."""
    from app.drills.runs import RunService
    from app.dsar.records import NewRequest
    from app.dsar.requests import DsarService
    from app.helpdesk import HelpdeskService
    from app.monitoring.service import AlertService
    from app.review import ReviewService

    now = ctx.clock.now()
    priya = _sign_in(ctx, "priya", creds["priya"]["totp_secret"])
    ReviewService(ctx, priya).create_campaign(
        reviewers=["priya"], due_date=(now + timedelta(days=21)).date()
    )
    people = HelpdeskService(ctx, priya).directory(
        role="end-user", limit=2, reveal=True, reason="demo: seed example requests"
    )
    dsar = DsarService(ctx, priya)
    for person, (kind, regime, days_ago) in zip(
        people, (("access", "uk-gdpr", 9), ("erasure", "eu-gdpr", 24)), strict=False
    ):
        if person.email:
            dsar.create(
                NewRequest(
                    requester_name=person.name or "Unknown requester",
                    request_type=kind,
                    regime=regime,
                    received_at=now - timedelta(days=days_ago),
                    emails=[person.email],
                    notes="Demo request",
                )
            )
    AlertService(ctx, priya).run()  # the admin imported the logs; the officer runs the rules
    AuthService(ctx).logout(priya)
    ivan = _sign_in(ctx, "ivan", creds["ivan"]["totp_secret"])
    RunService(ctx, ivan).start("vendor-breach", "drill", "Quarterly vendor-breach exercise")
    AuthService(ctx).logout(ivan)


def create_demo(
    folder: Path, *, keyring_store: KeyringStore | None = None, seed: int = 7
) -> DemoCredentials:
    clock = SystemClock()
    new = AppContext.create(folder, keyring_store=keyring_store, clock=clock)
    ctx = new.ctx
    creds: dict[str, dict[str, str]] = {}
    try:
        auth = AuthService(ctx)
        admin_name, admin_display, _role = DEMO_OPERATORS[0]
        enrol = auth.bootstrap_admin(admin_name, admin_display, DEMO_PASSWORD)

        # Confirm with the previous step's code (inside the ±1 window) so the sign-in below
        # can use the current one without waiting 30 s.
        def earlier() -> datetime:
            return clock.now() - timedelta(seconds=totp.INTERVAL)

        auth.confirm_enrolment(admin_name, totp.current_code(enrol.secret, earlier()))
        creds[admin_name] = {
            "password": DEMO_PASSWORD,
            "totp_secret": enrol.secret,
            "role": "administrator",
        }
        admin = auth.login(
            admin_name, DEMO_PASSWORD, totp.current_code(enrol.secret, clock.now())
        ).principal
        service = operators.OperatorService(ctx, admin)
        for username, display, role in DEMO_OPERATORS[1:]:
            new_op = service.add(username, display, [role])
            op_enrol = operators.activate(ctx, username, new_op.enrolment_code, DEMO_PASSWORD)
            auth.confirm_enrolment(username, totp.current_code(op_enrol.secret, earlier()))
            creds[username] = {
                "password": DEMO_PASSWORD,
                "totp_secret": op_enrol.secret,
                "role": role,
            }
        import_demo_data(ctx, admin, seed=seed)
        auth.logout(admin)
        seed_demo_activity(ctx, creds)
        with ctx.session() as s:
            s.add(WorkspaceInfo(key="demo", value="true"))
    finally:
        ctx.close()
    path = Path(folder) / CREDENTIALS_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "recovery_passphrase": new.recovery_passphrase,
                "operators": creds,
                "note": "demo workspace: these credentials are not secret",
            },
            fh,
            indent=2,
        )
    kit = Path(folder) / "exports" / "audit-verifier-kit.json"
    from app.audit.anchors import save_kit

    save_kit(kit, new.verifier_kit)
    return DemoCredentials(Path(folder), new.recovery_passphrase, creds)
