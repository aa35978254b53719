"""Operator administration: enrolment codes, activation, last administrator, MFA reset,
username validation and what the audit log and logs may contain (AUTH-1/2, 7, 11, 12, 13;
ASVS 6.4.1, 6.4.6, 16.2.5, 16.4.1)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from app.audit.service import AuditService
from app.security.auth import (
    GENERIC_FAILURE,
    AuthService,
    EnrolmentError,
    LoginFailed,
    SessionExpired,
)
from app.security.operators import ENROLMENT_VALIDITY, OperatorService, activate
from app.security.passwords import PasswordRejected
from tests.conftest import ADMIN_PASSWORD, FakeKeyring, SignedIn, keys_of, sign_in_admin
from tests.helpers_auth import code_at, events, operator_row, wrong_code

NEW_PASSWORD = "maple kettle under the bridge"
CODE_SHAPE = re.compile(r"^[2-9A-HJKMNP-Z]{5}(-[2-9A-HJKMNP-Z]{5}){3}$")


def _ops(admin: SignedIn) -> OperatorService:
    return OperatorService(admin.ctx, admin.principal)


def test_enrolment_code_activation_and_confirmation(admin: SignedIn) -> None:
    """AUTH-7 / ASVS 6.4.1, 6.4.6: add returns a random one-time code (the admin never sets
    the password); a wrong code is refused; the password policy applies with its reason;
    the account stays pending, unable to sign in, until one valid TOTP code confirms it."""
    auth = AuthService(admin.ctx)
    new = _ops(admin).add("carol", "Carol", ["privacy_officer"])
    assert CODE_SHAPE.match(new.enrolment_code), new.enrolment_code
    assert new.enrolment_code != _ops(admin).add("carl", "Carl", ["auditor"]).enrolment_code
    row = operator_row(admin.ctx, "carol")
    assert (row["status"], row["password_hash"], row["totp_secret"]) == ("pending", None, None)
    assert new.enrolment_code not in str(row["enrolment_code_hash"])

    with pytest.raises(EnrolmentError, match="not valid or has expired"):
        activate(admin.ctx, "carol", "AAAAA-BBBBB-CCCCC-DDDDD", NEW_PASSWORD)
    assert events(admin.ctx, "operator.activate")[-1].outcome == "denied"
    with pytest.raises(EnrolmentError):
        activate(admin.ctx, "carl", new.enrolment_code, NEW_PASSWORD)  # someone else's code
    with pytest.raises(PasswordRejected, match="commonly used") as info:
        activate(admin.ctx, "carol", new.enrolment_code, "password1234567")
    assert "commonly used" in info.value.reason
    with pytest.raises(PasswordRejected, match="username"):
        activate(admin.ctx, "carol", new.enrolment_code, "carol likes long walks")

    # Codes are shown grouped; typing them lower-case without dashes is fine.
    typed = new.enrolment_code.replace("-", "").lower()
    enrol = activate(admin.ctx, "carol", typed, NEW_PASSWORD)
    assert len(enrol.secret) >= 32
    assert enrol.uri.startswith("otpauth://totp/") and "issuer=PrivDesk" in enrol.uri
    assert operator_row(admin.ctx, "carol")["status"] == "pending"
    with pytest.raises(EnrolmentError):  # single use: the code cannot set a password again
        activate(admin.ctx, "carol", new.enrolment_code, "another fine passphrase 12")

    admin.clock.advance(30)
    with pytest.raises(LoginFailed) as err:  # pending accounts cannot sign in
        auth.login("carol", NEW_PASSWORD, code_at(enrol.secret, admin.clock))
    assert str(err.value) == GENERIC_FAILURE

    admin.clock.advance(30)
    with pytest.raises(EnrolmentError, match="not valid"):
        auth.confirm_enrolment("carol", wrong_code(enrol.secret, admin.clock))
    assert operator_row(admin.ctx, "carol")["status"] == "pending"
    auth.confirm_enrolment("carol", code_at(enrol.secret, admin.clock))
    assert operator_row(admin.ctx, "carol")["status"] == "active"
    with pytest.raises(EnrolmentError):
        auth.confirm_enrolment("carol", code_at(enrol.secret, admin.clock, 1))
    with pytest.raises(EnrolmentError):  # nor once the account is active
        activate(admin.ctx, "carol", new.enrolment_code, "another fine passphrase 12")

    admin.clock.advance(30)
    result = auth.login("carol", NEW_PASSWORD, code_at(enrol.secret, admin.clock))
    assert result.principal.roles == frozenset({"privacy_officer"})


def test_enrolment_code_expires_after_72_hours(admin: SignedIn) -> None:
    """ASVS 6.4.1: enrolment codes are short-lived (72 h)."""
    assert ENROLMENT_VALIDITY.total_seconds() == 72 * 3600
    early = _ops(admin).add("early", "Early", ["auditor"])
    late = _ops(admin).add("late", "Late", ["auditor"])
    admin.clock.advance(71 * 3600)
    activate(admin.ctx, "early", early.enrolment_code, NEW_PASSWORD)
    admin.clock.advance(2 * 3600)  # 73 h
    with pytest.raises(EnrolmentError, match="expired"):
        activate(admin.ctx, "late", late.enrolment_code, NEW_PASSWORD)
    assert operator_row(admin.ctx, "late")["password_hash"] is None


def test_last_active_administrator_is_protected(admin: SignedIn) -> None:
    """AUTH-11: the last active administrator can be neither disabled nor demoted; a pending
    administrator does not count; with a second active one, demotion works."""
    ops = _ops(admin)
    with pytest.raises(EnrolmentError, match="last active administrator"):
        ops.disable("admin")
    with pytest.raises(EnrolmentError, match="last active administrator"):
        ops.set_roles("admin", ["auditor"])
    ops.add("pending-admin", "Pending", ["administrator"])
    with pytest.raises(EnrolmentError, match="last active administrator"):
        ops.set_roles("admin", ["auditor"])
    row = operator_row(admin.ctx, "admin")
    assert (row["status"], row["roles"]) == ("active", ["administrator"])
    assert events(admin.ctx, "operator.roles") == []
    assert events(admin.ctx, "operator.disable") == []

    admin.add_operator("second-admin", ["administrator"])
    ops = _ops(admin)
    assert ops.set_roles("second-admin", ["administrator", "auditor"]) == (
        "administrator",
        "auditor",
    )
    ops.disable("second-admin")
    with pytest.raises(EnrolmentError, match="last active administrator"):
        ops.set_roles("admin", ["auditor"])  # a disabled admin does not count either
    ops.enable("second-admin")
    assert ops.set_roles("admin", ["administrator", "auditor"])  # keeps the role: fine


def test_reset_mfa_ends_sessions_and_requires_re_enrolment(admin: SignedIn) -> None:
    """AUTH-7/ASVS 6.4.3, 7.4.3: reset_mfa clears password and TOTP, ends the operator's
    sessions, and only a fresh enrolment (new code, new secret) lets them sign in again."""
    principal, old_secret = admin.add_operator("dave", ["auditor"], "a quiet garden at dusk")
    AuditService(admin.ctx, principal).query()
    new = _ops(admin).reset_mfa("dave")
    assert CODE_SHAPE.match(new.enrolment_code)
    row = operator_row(admin.ctx, "dave")
    assert (row["status"], row["password_hash"], row["totp_secret"]) == ("pending", None, None)
    assert events(admin.ctx, "operator.reset_mfa")[-1].details == {"sessions_ended": 1}
    with pytest.raises(SessionExpired):
        AuditService(admin.ctx, principal).query()

    auth = AuthService(admin.ctx)
    with pytest.raises(LoginFailed):
        auth.login("dave", "a quiet garden at dusk", code_at(old_secret, admin.clock, 1))
    enrol = activate(admin.ctx, "dave", new.enrolment_code, "a brand new lantern 77")
    assert enrol.secret != old_secret
    admin.clock.advance(30)
    auth.confirm_enrolment("dave", code_at(enrol.secret, admin.clock))
    admin.clock.advance(30)
    auth.login("dave", "a brand new lantern 77", code_at(enrol.secret, admin.clock))
    with pytest.raises(EnrolmentError, match="another administrator"):
        _ops(admin).reset_mfa("admin")


BAD_USERNAMES = [
    "bad name",
    "evil\nadmin",
    "evil\r\nauth.login ok",
    "tab\tname",
    "nul\x00name",
    "ädmin",
    "x",
    "a" * 65,
    "semi;colon",
]


def test_usernames_that_could_inject_into_logs_are_rejected(admin: SignedIn) -> None:
    """AUTH-12 (ASVS 16.4.1): names with spaces, newlines, control or non-ASCII characters
    are refused before anything is stored or audited, for add and for bootstrap."""
    ops = _ops(admin)
    before = len(events(admin.ctx))
    for name in BAD_USERNAMES:
        with pytest.raises(EnrolmentError, match="username must be"):
            ops.add(name, "Bad", ["auditor"])
        with pytest.raises(EnrolmentError, match="username must be"):
            AuthService(admin.ctx).bootstrap_admin(name, "Bad", "orchid tram velvet 5521")
    assert len(events(admin.ctx)) == before
    assert [v.username for v in ops.list()] == ["admin"]
    assert ops.add("  Mixed.Case_ok-1 ", "Fine", ["auditor"]).username == "mixed.case_ok-1"


def test_audit_events_name_ids_and_roles_but_no_secrets(admin: SignedIn) -> None:
    """AUTH-12 / ASVS 16.2.5: operator.add, activate, roles and disable events carry the
    operator id and role names, never passwords, enrolment codes, TOTP secrets or codes."""
    ops = _ops(admin)
    new = ops.add("erin", "Erin", ["auditor", "incident_lead"])
    enrol = activate(admin.ctx, "erin", new.enrolment_code, NEW_PASSWORD)
    admin.clock.advance(30)
    confirm_code = code_at(enrol.secret, admin.clock)
    AuthService(admin.ctx).confirm_enrolment("erin", confirm_code)
    admin.clock.advance(30)
    login_code = code_at(enrol.secret, admin.clock)
    AuthService(admin.ctx).login("erin", NEW_PASSWORD, login_code)
    with pytest.raises(LoginFailed):
        AuthService(admin.ctx).login("erin", "wrong " + NEW_PASSWORD, login_code)
    ops.set_roles("erin", ["redaction_admin"])
    ops.disable("erin")

    erin_id = str(operator_row(admin.ctx, "erin")["id"])
    added = events(admin.ctx, "operator.add")[-1]
    assert (added.object_type, added.object_id, added.actor) == ("operator", erin_id, "admin")
    assert added.details == {"roles": ["auditor", "incident_lead"]}
    roles = events(admin.ctx, "operator.roles")[-1]
    assert (roles.object_id, roles.details) == (
        erin_id,
        {
            "before": ["auditor", "incident_lead"],
            "after": ["redaction_admin"],
            "added": ["redaction_admin"],
            "removed": ["auditor", "incident_lead"],
            "self": False,
        },
    )
    assert events(admin.ctx, "operator.disable")[-1].object_id == erin_id
    assert events(admin.ctx, "operator.activate")[-1].object_id == erin_id

    secrets_ = [
        NEW_PASSWORD,
        ADMIN_PASSWORD,
        new.enrolment_code,
        new.enrolment_code.replace("-", ""),
        enrol.secret,
        admin.secret,
        admin.passphrase,
    ]
    for event in events(admin.ctx):
        for secret in secrets_:
            assert secret not in event.raw, (event.action, secret[:4])
        for code in (confirm_code, login_code):
            assert not re.search(rf"(?<!\d){code}(?!\d)", event.raw), event.action


def test_no_credentials_in_logs_or_console(
    tmp_path: Path,
    fake_keyring: FakeKeyring,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """AUTH-12 / ASVS 16.2.5: with every logger at DEBUG, a full flow (create, bootstrap,
    sign-in, failures, step-up, operator add/activate/confirm, CLI token) puts no password,
    TOTP code or secret, enrolment code, token or recovery passphrase in logs or output."""
    caplog.set_level(logging.DEBUG)
    # SQL echo (statements + parameters) on; the engine must hide the parameters. SQLAlchemy's
    # own DEBUG level would also print result rows (hashes, TOTP seeds): never enable it.
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    admin = sign_in_admin(tmp_path / "ws")
    try:
        auth = AuthService(admin.ctx)
        codes = [admin.code()]
        cli = auth.login("admin", ADMIN_PASSWORD, codes[-1], kind="cli")
        with pytest.raises(LoginFailed):
            auth.login("admin", "wrong " + ADMIN_PASSWORD, admin.code())
        codes.append(admin.code())
        auth.step_up(admin.principal, codes[-1])
        new = _ops(admin).add("frank", "Frank", ["auditor"])
        enrol = activate(admin.ctx, "frank", new.enrolment_code, NEW_PASSWORD)
        admin.clock.advance(30)
        codes.append(code_at(enrol.secret, admin.clock))
        auth.confirm_enrolment("frank", codes[-1])
        admin.clock.advance(30)
        codes.append(code_at(enrol.secret, admin.clock))
        auth.login("frank", NEW_PASSWORD, codes[-1])
    finally:
        admin.ctx.close()

    out, err = capfd.readouterr()
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    haystack = "\n".join([out, err, logged, caplog.text])
    secrets_ = {
        "admin password": ADMIN_PASSWORD,
        "operator password": NEW_PASSWORD,
        "admin TOTP secret": admin.secret,
        "operator TOTP secret": enrol.secret,
        "enrolment code": new.enrolment_code,
        "enrolment code (raw)": new.enrolment_code.replace("-", ""),
        "recovery passphrase": admin.passphrase,
        "CLI token": cli.token or "",
        "database key": keys_of(tmp_path / "ws", admin.passphrase)[1].hex(),
    }
    leaked = [label for label, s in secrets_.items() if s and s in haystack]
    leaked += [f"TOTP code {c}" for c in codes if re.search(rf"(?<!\d){c}(?!\d)", haystack)]
    assert leaked == []
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)


def test_an_administrator_giving_themself_a_role_is_audited_as_a_self_grant(
    admin: SignedIn,
) -> None:
    """Separation of duties (AUTH-12, ASVS 8.2): when an administrator adds a role to their
    own account, the audit event says so (`self`, what was added, the duty conflict), and
    the operator list carries the warning the Operators pane shows."""
    ops = OperatorService(admin.ctx, admin.principal)
    ops.set_roles("admin", ["administrator", "auditor"])

    event = events(admin.ctx, "operator.roles")[-1]
    assert event.actor == "admin"
    assert event.details == {
        "before": ["administrator"],
        "after": ["administrator", "auditor"],
        "added": ["auditor"],
        "removed": [],
        "self": True,
        "duty_conflict": True,
    }
    (me,) = [o for o in ops.list() if o.username == "admin"]
    assert me.conflicts and "administrator and auditor" in me.conflicts[0]
    # Another administrator changing someone else's roles is not a self-grant.
    admin.add_operator("grace", ["incident_lead"])
    ops.set_roles("grace", ["incident_lead", "auditor"])
    assert events(admin.ctx, "operator.roles")[-1].details["self"] is False
