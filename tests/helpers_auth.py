"""Helpers for the authentication, RBAC and operator tests (AUTH-5..AUTH-13).

Plain functions plus a module-scoped "world" (one workspace, one signed-in operator per role)
so the RBAC matrix does not pay for a workspace and an argon2 hash per cell.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import keyring
from sqlalchemy import select

from app.security import totp
from app.security.auth import AuthService, Principal
from app.security.permissions import Role
from models.security import AuditEntry, Operator
from tests.conftest import FakeKeyring, SignedIn, sign_in_admin

OPERATOR_PASSWORD = "a sunny day in the office 7"


@dataclass(frozen=True)
class Event:
    seq: int
    action: str
    actor: str | None
    session_id: str | None
    object_type: str | None
    object_id: str | None
    outcome: str
    details: dict[str, Any]
    raw: str  # every column as text, for secret scans


def events(ctx: Any, action: str | None = None, *, after: int = 0) -> list[Event]:
    """Audit rows straight from the table (not through AuditService, which audits itself)."""
    with ctx.read_session() as s:
        stmt = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        out = []
        for r in s.scalars(stmt):
            raw = " ".join(
                str(v)
                for v in (
                    r.ts_utc,
                    r.actor,
                    r.session_id,
                    r.action,
                    r.object_type,
                    r.object_id,
                    r.outcome,
                    r.details_json,
                )
            )
            out.append(
                Event(
                    r.seq,
                    r.action,
                    r.actor,
                    r.session_id,
                    r.object_type,
                    r.object_id,
                    r.outcome,
                    json.loads(r.details_json),
                    raw,
                )
            )
    return out


def last_seq(ctx: Any) -> int:
    all_events = events(ctx)
    return all_events[-1].seq if all_events else 0


def operator_row(ctx: Any, username: str) -> dict[str, Any]:
    with ctx.read_session() as s:
        op = s.scalar(select(Operator).where(Operator.username == username))
        assert op is not None, username
        return {
            "id": op.id,
            "status": op.status,
            "failed_logins": op.failed_logins,
            "hard_locked": op.hard_locked,
            "totp_secret": op.totp_secret,
            "password_hash": op.password_hash,
            "enrolment_code_hash": op.enrolment_code_hash,
            "roles": sorted(r.role for r in op.roles),
        }


def code_at(secret: str, clock: Any, offset_steps: int = 0) -> str:
    """The code an authenticator shows `offset_steps` steps from the clock's current time."""
    return totp.current_code(secret, clock.now() + timedelta(seconds=30 * offset_steps))


def wrong_code(secret: str, clock: Any) -> str:
    """Six digits that match none of the steps t-1..t+1 (so it is wrong, not a replay)."""
    valid = {code_at(secret, clock, k) for k in (-1, 0, 1)}
    n = int(code_at(secret, clock))
    while f"{n:06d}" in valid:
        n = (n + 1) % 1_000_000
    return f"{n:06d}"


@dataclass
class Member:
    """One signed-in operator of the world: a role, their session and TOTP secret."""

    username: str
    principal: Principal
    secret: str


@dataclass
class World:
    """One workspace with an operator per role, all signed in (GUI sessions)."""

    signed: SignedIn
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def ctx(self) -> Any:
        return self.signed.ctx

    @property
    def clock(self) -> Any:
        return self.signed.clock

    def fresh_code(self, secret: str) -> str:
        """Move the shared clock one step so the code is newer than any accepted one."""
        self.clock.advance(30)
        return totp.current_code(secret, self.clock.now())

    def step_up(self, member: Member) -> Principal:
        member.principal = AuthService(self.ctx).step_up(
            member.principal, self.fresh_code(member.secret)
        )
        return member.principal

    def admin(self) -> Member:
        return self.members[Role.ADMINISTRATOR.value]

    def add_member(self, username: str, roles: list[str]) -> Member:
        """A new active, signed-in operator (the administrator steps up first)."""
        self.step_up(self.admin())
        self.signed.principal = self.admin().principal
        principal, secret = self.signed.add_operator(username, roles, OPERATOR_PASSWORD)
        return Member(username, principal, secret)


@contextlib.contextmanager
def install_fake_keyring() -> Iterator[FakeKeyring]:
    """For module-scoped fixtures (the conftest `fake_keyring` is function-scoped)."""
    previous = keyring.get_keyring()
    fake = FakeKeyring()
    keyring.set_keyring(fake)
    try:
        yield fake
    finally:
        keyring.set_keyring(previous)


def make_world(folder: Path) -> World:
    """Admin plus one operator for every other role; idle lock raised to 4 h for long runs."""
    signed = sign_in_admin(folder)
    with signed.ctx.session() as s:
        signed.ctx.settings.set(s, "idle_timeout_s", 4 * 3600)
    world = World(signed)
    world.members[Role.ADMINISTRATOR.value] = Member("admin", signed.principal, signed.secret)
    for role in Role:
        if role is not Role.ADMINISTRATOR:
            name = f"op-{role.value.replace('_', '-')}"
            world.members[role.value] = world.add_member(name, [role.value])
    return world
