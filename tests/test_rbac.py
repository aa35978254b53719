"""Role-based access control in the service layer (SECURITY.md §3, AUTH-11; ASVS 8.2/8.3).

The expected allow/deny of every cell is derived from ROLE_PERMISSIONS and the explicit
method → permission table below, so a change on either side shows up here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from app.admin import AdminService
from app.audit.service import AuditService
from app.security.auth import AuthService, SessionExpired, StepUpRequired
from app.security.guard import PermissionDenied, Service
from app.security.operators import OperatorService
from app.security.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.helpers_auth import (
    OPERATOR_PASSWORD,
    Member,
    World,
    code_at,
    events,
    install_fake_keyring,
    last_seq,
    make_world,
    operator_row,
)

P = Permission
Call = Callable[[Any, str], object]  # (service, role tag) -> result


@dataclass(frozen=True)
class Method:
    service: type[Service]
    needs: frozenset[Permission]  # all of these are required
    step_up: bool
    write: bool
    call: Call


def _m(service: type[Service], needs: set[Permission], call: Call, *, step_up=False, write=False):
    return Method(service, frozenset(needs), step_up, write, call)


# Targets named t-<method>-<role> are created (and, for enable, disabled) by the fixture.
METHODS: dict[str, Method] = {
    "OperatorService.list": _m(OperatorService, {P.OPERATORS_VIEW}, lambda s, r: s.list()),
    "OperatorService.add": _m(
        OperatorService,
        {P.OPERATORS_MANAGE},
        lambda s, r: s.add(f"new-{r}", "New", ["auditor"]),
        step_up=True,
        write=True,
    ),
    "OperatorService.disable": _m(
        OperatorService,
        {P.OPERATORS_MANAGE},
        lambda s, r: s.disable(f"t-disable-{r}"),
        step_up=True,
        write=True,
    ),
    "OperatorService.enable": _m(
        OperatorService,
        {P.OPERATORS_MANAGE},
        lambda s, r: s.enable(f"t-enable-{r}"),
        step_up=True,
        write=True,
    ),
    "OperatorService.set_roles": _m(
        OperatorService,
        {P.OPERATORS_MANAGE},
        lambda s, r: s.set_roles(f"t-roles-{r}", ["auditor", "incident_lead"]),
        step_up=True,
        write=True,
    ),
    "OperatorService.reset_mfa": _m(
        OperatorService,
        {P.OPERATORS_MANAGE},
        lambda s, r: s.reset_mfa(f"t-mfa-{r}"),
        step_up=True,
        write=True,
    ),
    "OperatorService.unlock": _m(
        OperatorService, {P.OPERATORS_MANAGE}, lambda s, r: s.unlock(f"t-unlock-{r}"), write=True
    ),
    "AuditService.query": _m(AuditService, {P.AUDIT_VIEW}, lambda s, r: s.query()),
    "AuditService.page": _m(AuditService, {P.AUDIT_VIEW}, lambda s, r: s.page()),
    "AuditService.actors_and_actions": _m(
        AuditService, {P.AUDIT_VIEW}, lambda s, r: s.actors_and_actions()
    ),
    "AuditService.verify": _m(AuditService, {P.AUDIT_VERIFY}, lambda s, r: s.verify()),
    "AuditService.export": _m(AuditService, {P.AUDIT_EXPORT}, lambda s, r: s.export("json")),
    # Workspace health includes the audit chain check under the same permission.
    "AdminService.verify": _m(AdminService, {P.WORKSPACE_VERIFY}, lambda s, r: s.verify()),
    "AdminService.backup": _m(AdminService, {P.BACKUP_CREATE}, lambda s, r: s.backup(), write=True),
    "AdminService.list_backups": _m(AdminService, {P.BACKUP_VIEW}, lambda s, r: s.list_backups()),
    "AdminService.rekey": _m(
        AdminService, {P.KEYS_MANAGE}, lambda s, r: s.rekey(), step_up=True, write=True
    ),
    "AdminService.keyring_status": _m(
        AdminService, {P.SETTINGS_VIEW}, lambda s, r: s.keyring_status()
    ),
    "AdminService.enrol_keyring": _m(
        AdminService, {P.KEYS_MANAGE}, lambda s, r: s.enrol_keyring(), write=True
    ),
    "AdminService.forget_keyring": _m(
        AdminService, {P.KEYS_MANAGE}, lambda s, r: s.forget_keyring(), step_up=True, write=True
    ),
    "AdminService.idle_timeout_s": _m(
        AdminService, {P.SETTINGS_VIEW}, lambda s, r: s.idle_timeout_s()
    ),
    # 4 h keeps every session in this module's shared workspace from idling out.
    "AdminService.set_idle_timeout_s": _m(
        AdminService, {P.SETTINGS_MANAGE}, lambda s, r: s.set_idle_timeout_s(4 * 3600), write=True
    ),
}

TARGETED = ("disable", "enable", "roles", "mfa", "unlock")
ROLES = [r.value for r in Role]


def allowed(role: str, method: str) -> bool:
    return METHODS[method].needs <= ROLE_PERMISSIONS[Role(role)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with install_fake_keyring():
        w = make_world(tmp_path_factory.mktemp("rbac") / "ws")
        ops = OperatorService(w.ctx, w.admin().principal)  # sign-in counts as a step-up
        for role in ROLES:
            for kind in TARGETED:
                ops.add(f"t-{kind}-{role}", "Target", ["auditor"])
            ops.disable(f"t-enable-{role}")
        try:
            yield w
        finally:
            w.ctx.close()


def test_method_table_covers_every_public_service_method() -> None:
    """AUTH-11: a new public service method without a row here fails this test."""
    found = {
        f"{cls.__name__}.{name}"
        for cls in (OperatorService, AuditService, AdminService)
        for name, fn in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(fn)
    }
    assert found == set(METHODS)


def test_auditor_may_never_write() -> None:
    """AUTH-11: the auditor role is read-only (DESIGN.md §3): every write cell is denied."""
    writes = [name for name, m in METHODS.items() if m.write]
    assert len(writes) == 11
    assert [w for w in writes if allowed(Role.AUDITOR.value, w)] == []


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(world: World, role: str, method: str) -> None:
    """AUTH-11: allowed cells succeed without an access.denied event; denied cells raise
    PermissionDenied naming a missing permission and write `access.denied` (outcome denied)
    with the operator, session and attempted action."""
    spec = METHODS[method]
    member = world.members[role]
    if spec.step_up:  # so a denial can only come from the permission check
        world.step_up(member)
    service = spec.service(world.ctx, member.principal)
    before = last_seq(world.ctx)

    if allowed(role, method):
        spec.call(service, role)
        assert events(world.ctx, "access.denied", after=before) == []
        return

    with pytest.raises(PermissionDenied) as info:
        spec.call(service, role)
    assert info.value.permission in spec.needs - ROLE_PERMISSIONS[Role(role)]
    denied = events(world.ctx, "access.denied", after=before)
    assert len(denied) == 1
    event = denied[0]
    assert (event.actor, event.session_id, event.outcome) == (
        member.username,
        member.principal.session_id,
        "denied",
    )
    assert event.details["permission"] == info.value.permission.value
    assert event.details["reason"] == "PermissionDenied"
    # The action's own transaction was rolled back: nothing but the denial was recorded.
    others = [e.action for e in events(world.ctx, after=before) if e.action != "access.denied"]
    assert others == []


def test_step_up_applies_exactly_to_the_sensitive_methods(world: World) -> None:
    """AUTH-10/AUTH-11: with a stale step-up the administrator gets StepUpRequired from
    exactly the methods marked step_up, and every other permitted method still works."""
    admin = world.admin()
    world.clock.advance(301)
    for name, spec in METHODS.items():
        if not allowed(Role.ADMINISTRATOR.value, name):
            continue
        service = spec.service(world.ctx, admin.principal)
        if spec.step_up:
            with pytest.raises(StepUpRequired):
                spec.call(service, Role.ADMINISTRATOR.value)
        else:
            spec.call(service, Role.ADMINISTRATOR.value)


def test_role_change_applies_to_the_next_call_without_relogin(world: World) -> None:
    """AUTH-11 (ASVS 8.3.2): when the administrator removes a role, the operator's very next
    call with the same session is denied and audited."""
    member = world.add_member("role-changer", ["auditor", "incident_lead"])
    audit = AuditService(world.ctx, member.principal)
    assert audit.query()

    world.step_up(world.admin())
    OperatorService(world.ctx, world.admin().principal).set_roles("role-changer", ["incident_lead"])
    before = last_seq(world.ctx)
    with pytest.raises(PermissionDenied):
        audit.query()
    assert [e.actor for e in events(world.ctx, "access.denied", after=before)] == ["role-changer"]
    # Granting works the same way: no sign-in needed to pick up a new role either.
    OperatorService(world.ctx, world.admin().principal).set_roles("role-changer", ["auditor"])
    assert audit.query()


def test_disabling_an_operator_ends_their_session_at_once(world: World) -> None:
    """AUTH-11 (ASVS 7.4.2): disable ends every session of the operator; the next call with
    the old session raises SessionExpired (audited) and a CLI token stops working."""
    member = world.add_member("soon-disabled", ["auditor"])
    auth = AuthService(world.ctx)
    cli = auth.login(
        "soon-disabled", OPERATOR_PASSWORD, world.fresh_code(member.secret), kind="cli"
    )
    audit = AuditService(world.ctx, member.principal)
    audit.query()

    world.step_up(world.admin())
    OperatorService(world.ctx, world.admin().principal).disable("soon-disabled")
    disabled = events(world.ctx, "operator.disable")[-1]
    assert disabled.details == {"sessions_ended": 2}
    before = last_seq(world.ctx)
    with pytest.raises(SessionExpired):
        audit.query()
    denied = events(world.ctx, "access.denied", after=before)
    assert [(e.actor, e.details["reason"]) for e in denied] == [("soon-disabled", "SessionExpired")]
    assert cli.token is not None
    with pytest.raises(SessionExpired):
        auth.resume(cli.token)
    assert operator_row(world.ctx, "soon-disabled")["status"] == "disabled"
    with pytest.raises(Exception, match="Sign-in failed"):
        auth.login("soon-disabled", OPERATOR_PASSWORD, code_at(member.secret, world.clock, 1))


def test_members_fixture_is_what_the_matrix_assumes(world: World) -> None:
    """AUTH-11: one active operator per role, holding exactly that role."""
    for role, member in world.members.items():
        assert isinstance(member, Member)
        row = operator_row(world.ctx, member.username)
        assert (row["status"], row["roles"]) == ("active", [role])
