"""A TOTP code is accepted once across every use (AUTH-8 replay; SECURITY.md §3.6).

Sign-in, unlock of an idle-locked session, step-up and enrolment confirmation share one
last-used time step per operator: a code accepted for any of them is refused by every
other (and by itself), and the refusal is audited as ``auth.totp_replay`` naming the use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.clock import utc_iso
from app.security import operators, totp
from app.security.auth import (
    AuthService,
    EnrolmentError,
    LoginFailed,
    Principal,
    SessionLocked,
    StepUpRequired,
)
from models.security import OperatorSession
from tests.conftest import FakeKeyring, SignedIn, sign_in_admin
from tests.helpers_auth import OPERATOR_PASSWORD, events, last_seq

USES = ("sign-in", "unlock", "step-up")


class Desk:
    """One operator, `sam`, activated but not yet confirmed, on an admin's workspace."""

    def __init__(self, signed: SignedIn) -> None:
        self.signed = signed
        self.ctx = signed.ctx
        self.clock = signed.clock
        self.auth = AuthService(self.ctx)
        new = operators.OperatorService(self.ctx, signed.principal).add("sam", "Sam", ["auditor"])
        self.secret = operators.activate(
            self.ctx, "sam", new.enrolment_code, OPERATOR_PASSWORD
        ).secret
        self.principal: Principal | None = None

    def code(self) -> str:
        return totp.current_code(self.secret, self.clock.now())

    def confirm(self, code: str) -> None:
        self.auth.confirm_enrolment("sam", code)

    def sign_in(self, code: str) -> None:
        self.principal = self.auth.login("sam", OPERATOR_PASSWORD, code).principal

    def idle(self) -> None:
        """The session sat idle past the lock time (the clock, and so the code, stay put)."""
        assert self.principal is not None
        with self.ctx.session() as s:
            row = s.get(OperatorSession, self.principal.session_id)
            assert row is not None
            row.last_seen_at = utc_iso(self.clock.now() - timedelta(hours=2))
        with pytest.raises(SessionLocked):
            self.auth.check(self.principal)

    def unlock(self, code: str) -> None:
        assert self.principal is not None
        self.principal = self.auth.unlock(self.principal, OPERATOR_PASSWORD, code)

    def step_up(self, code: str) -> None:
        assert self.principal is not None
        self.principal = self.auth.step_up(self.principal, code)


@pytest.fixture
def desk(tmp_path: Path, fake_keyring: FakeKeyring) -> Iterator[Desk]:
    signed = sign_in_admin(tmp_path / "ws")
    try:
        yield Desk(signed)
    finally:
        signed.ctx.close()


REFUSED = {"sign-in": LoginFailed, "unlock": LoginFailed, "step-up": StepUpRequired}


@pytest.mark.parametrize("replayed_in", USES)
@pytest.mark.parametrize("used_in", ("enrolment", *USES))
def test_a_code_accepted_once_is_refused_everywhere_else(
    desk: Desk, used_in: str, replayed_in: str
) -> None:
    """AUTH-8: a code used in X and replayed in Y is refused and audited as a replay, for
    every pair; each earlier step of the scenario uses its own fresh code."""
    if used_in != "enrolment":
        desk.confirm(desk.code())
        desk.clock.advance(30)
    if used_in in ("unlock", "step-up"):
        desk.sign_in(desk.code())
        desk.clock.advance(30)
    if used_in == "unlock":
        desk.idle()
    uses: dict[str, Callable[[str], None]] = {
        "enrolment": desk.confirm,
        "sign-in": desk.sign_in,
        "unlock": desk.unlock,
        "step-up": desk.step_up,
    }
    code = desk.code()
    uses[used_in](code)  # accepted

    if replayed_in != "sign-in" and desk.principal is None:
        desk.clock.advance(30)  # a session to replay into, opened with the next code
        desk.sign_in(desk.code())
    if replayed_in == "unlock":
        desk.idle()
    # Still inside the ±1 step window: only the one-use rule can refuse it.
    assert totp.verify_code(desk.secret, code, now=desk.clock.now(), last_step=None).ok
    before = last_seq(desk.ctx)
    with pytest.raises(REFUSED[replayed_in]):
        uses[replayed_in](code)
    replays = events(desk.ctx, "auth.totp_replay", after=before)
    assert [(e.actor, e.details["use"]) for e in replays] == [("sam", replayed_in)]


def test_a_confirmed_enrolment_cannot_be_confirmed_again(desk: Desk) -> None:
    """AUTH-7/AUTH-8: the confirmation code cannot confirm twice (the account is active)."""
    code = desk.code()
    desk.confirm(code)
    with pytest.raises(EnrolmentError):
        desk.confirm(code)
