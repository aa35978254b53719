"""Lockout messages do not reveal which usernames exist (AUTH-5, AUTH-6)."""

from __future__ import annotations

import pytest

from app.security.auth import AuthService, LoginFailed
from tests.conftest import SignedIn


def _fail_six_times(auth: AuthService, name: str, code: str) -> list[str]:
    messages = []
    for _ in range(6):
        with pytest.raises(LoginFailed) as info:
            auth.login(name, "not the password at all", code)
        messages.append(info.value.message)
    return messages


def test_unknown_and_real_accounts_are_throttled_alike(admin: SignedIn) -> None:
    """After five failures both a real and an unknown name say 'try again in 30 s'."""
    auth = AuthService(admin.ctx)
    code = admin.code()
    real = _fail_six_times(auth, "admin", code)
    unknown = _fail_six_times(auth, "nobody-here", code)
    assert real == unknown
    assert real[-1] == "Too many failed sign-ins: try again in 30 s."
    admin.clock.advance(31)
    with pytest.raises(LoginFailed) as info:
        auth.login("nobody-here", "still wrong", admin.code())
    assert info.value.message.startswith("Sign-in failed")
