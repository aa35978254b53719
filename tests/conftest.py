"""Shared fixtures: a fake in-memory keyring (never the real one), fast workspaces, a cheap
password hasher for every test not marked ``real_hasher``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Before anything imports keyring: CI and developers' machines never touch a real keychain
# (KR-7). Individual tests install the fake backend below with keyring.set_keyring.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("PRIVDESK_PASSPHRASE", "PRIVDESK_WORKSPACE", "PRIVDESK_SESSION"):
    os.environ.pop(_var, None)

import keyring  # noqa: E402
import keyring.backend  # noqa: E402
import keyring.errors  # noqa: E402
import pytest  # noqa: E402

from app.context import AppContext  # noqa: E402
from app.crypto import envelope  # noqa: E402
from app.crypto.envelope import ScryptParams  # noqa: E402
from app.keystore import KeyringStore  # noqa: E402
from app.security.passwords import Argon2idHasher, Argon2Params  # noqa: E402
from app.workspace import Created, Workspace  # noqa: E402

# Test-only cost so a suite of hundreds of unlocks stays fast; production uses N=2^17
# (asserted in test_workspace_keys.py).
FAST_SCRYPT = ScryptParams(n=2**12, r=8, p=1)
# Test-only argon2id cost: production costs ~0.2 s per hash and the suite hashes hundreds
# of times. The production parameters are asserted in test_passwords.py.
FAST_ARGON2 = Argon2Params(time_cost=1, memory_cost=1024, parallelism=1)
PRODUCT_HASHER = AppContext.default_hasher  # what the application itself gives a context


def _cheap_hasher() -> Argon2idHasher:
    return Argon2idHasher(FAST_ARGON2)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher() -> Iterator[None]:
    """Every AppContext made in the suite hashes passwords cheaply; session-scoped so that
    module-scoped workspaces (the RBAC world) get it too."""
    patch = pytest.MonkeyPatch()
    patch.setattr(AppContext, "default_hasher", _cheap_hasher)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _real_hasher_if_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """``@pytest.mark.real_hasher``: the test is about the hashing cost itself, so its
    AppContexts get the application's own hasher (module-scoped fixtures are not affected)."""
    if request.node.get_closest_marker("real_hasher") is not None:
        monkeypatch.setattr(AppContext, "default_hasher", PRODUCT_HASHER)


class FakeKeyring(keyring.backend.KeyringBackend):
    """In-memory backend; `fail_with` makes every call raise, as a locked keyring does."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.fail_with: BaseException | None = None

    def get_password(self, service: str, username: str) -> str | None:
        if self.fail_with is not None:
            raise self.fail_with
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.items[(service, username)]


@pytest.fixture
def fake_keyring() -> Iterator[FakeKeyring]:
    previous = keyring.get_keyring()
    fake = FakeKeyring()
    keyring.set_keyring(fake)
    try:
        yield fake
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A headless machine: keyring's own `fail` backend."""
    import keyring.backends.fail

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@dataclass
class MadeWorkspace:
    folder: Path
    passphrase: str
    created: Created

    @property
    def ws(self) -> Workspace:
        return self.created.workspace


def make_workspace(folder: Path, **kwargs: Any) -> MadeWorkspace:
    kwargs.setdefault("scrypt_params", FAST_SCRYPT)
    kwargs.setdefault("keyring_store", KeyringStore())
    created = Workspace.create(folder, **kwargs)
    return MadeWorkspace(folder, created.recovery_passphrase, created)


@pytest.fixture
def made(tmp_path: Path, fake_keyring: FakeKeyring) -> Iterator[MadeWorkspace]:
    m = make_workspace(tmp_path / "ws")
    try:
        yield m
    finally:
        m.ws.close()


def keys_of(folder: Path, passphrase: str) -> tuple[bytes, bytes]:
    """(KEK, DEK) unwrapped the way an attacker with the passphrase would: test scans only."""
    keys = json.loads((folder / "keys.json").read_text())
    wrap = keys["kek"]
    pk = envelope.stretch(
        passphrase, envelope.b64d(wrap["salt"]), ScryptParams.from_json(wrap["params"])
    )
    wid = keys["workspace_id"]
    kek = envelope.unwrap(pk, wrap, f"privdesk:{wid}:kek".encode())
    gen = keys["dek"]["generation"]
    dek = envelope.unwrap(kek, keys["dek"], f"privdesk:{wid}:dek:{gen}".encode())
    return kek, dek


def scan_for_secrets(folder: Path, secrets_: list[bytes]) -> list[str]:
    """Files under `folder` containing any secret as raw bytes, hex or base64."""
    import base64

    needles: list[bytes] = []
    for s in secrets_:
        needles += [s, s.hex().encode(), s.hex().upper().encode(), base64.b64encode(s)]
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n in data for n in needles):
                hits.append(str(path.relative_to(folder)))
    return hits


# ---------------------------------------------------------------- operators & sign-in

ADMIN_PASSWORD = "correct horse battery staple 42"


@dataclass
class SignedIn:
    ctx: Any
    principal: Any
    secret: str
    clock: Any
    kit: dict[str, str]
    passphrase: str

    def code(self) -> str:
        """A fresh TOTP code: moves the clock one step so each code is new (no replay)."""
        from app.security import totp

        self.clock.advance(30)
        return totp.current_code(self.secret, self.clock.now())

    def add_operator(self, username: str, roles: list[str], password: str | None = None):
        """Admin adds `username`; they activate and confirm. Returns (principal, secret)."""
        from app.security import operators, totp
        from app.security.auth import AuthService

        new = operators.OperatorService(self.ctx, self.principal).add(
            username, username.title(), roles
        )
        password = password or "a sunny day in the office 7"
        enrol = operators.activate(self.ctx, username, new.enrolment_code, password)
        self.clock.advance(30)
        AuthService(self.ctx).confirm_enrolment(
            username, totp.current_code(enrol.secret, self.clock.now())
        )
        self.clock.advance(30)
        result = AuthService(self.ctx).login(
            username, password, totp.current_code(enrol.secret, self.clock.now())
        )
        return result.principal, enrol.secret


def sign_in_admin(folder: Path) -> SignedIn:
    from app.clock import FixedClock
    from app.context import AppContext
    from app.security import totp
    from app.security.auth import AuthService

    clock = FixedClock()
    new = AppContext.create(
        folder, keyring_store=KeyringStore(), scrypt_params=FAST_SCRYPT, clock=clock
    )
    ctx = new.ctx
    auth = AuthService(ctx)
    enrol = auth.bootstrap_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    auth.confirm_enrolment("admin", totp.current_code(enrol.secret, clock.now()))
    clock.advance(30)
    result = auth.login("admin", ADMIN_PASSWORD, totp.current_code(enrol.secret, clock.now()))
    return SignedIn(
        ctx, result.principal, enrol.secret, clock, new.verifier_kit, new.recovery_passphrase
    )


@pytest.fixture
def admin(tmp_path: Path, fake_keyring: FakeKeyring) -> Iterator[SignedIn]:
    signed = sign_in_admin(tmp_path / "ws")
    try:
        yield signed
    finally:
        signed.ctx.close()
