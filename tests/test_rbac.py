"""Role-based access control in the service layer (SECURITY.md §3, AUTH-11; ASVS 8.2/8.3):
role changes and disabling take effect at once.

The (role × method) matrix over every service is tests/test_permissions.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.audit.service import AuditService
from app.security.auth import AuthService, SessionExpired
from app.security.guard import PermissionDenied
from app.security.operators import OperatorService
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


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with install_fake_keyring():
        w = make_world(tmp_path_factory.mktemp("rbac") / "ws")
        try:
            yield w
        finally:
            w.ctx.close()


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
