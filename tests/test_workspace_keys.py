"""Key envelope and unlock paths: each keyring state has its own message (KR-1..KR-8)."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import keyring.backends.null
import keyring.errors
import pytest

from app.crypto import envelope
from app.crypto.envelope import ScryptParams
from app.errors import PassphraseRequired, WrongPassphraseError
from app.keystore import KeyringState, KeyringStore
from app.workspace import Workspace
from tests.conftest import FakeKeyring, MadeWorkspace, keys_of, make_workspace, scan_for_secrets


def _reopen(made: MadeWorkspace, **kw) -> Workspace:
    made.ws.close()
    return Workspace.open(made.folder, **kw)


def test_keyring_unlock_needs_no_passphrase(made: MadeWorkspace, fake_keyring: FakeKeyring) -> None:
    assert made.created.keyring.state is KeyringState.AVAILABLE
    assert ("privdesk", made.ws.workspace_id) in fake_keyring.items
    with _reopen(made) as ws:
        assert ws.unlock.mode == "keyring"
        assert "system keyring" in ws.unlock.describe()


def test_headless_machine_asks_for_passphrase(tmp_path: Path, no_keyring) -> None:
    """KR-1: fail backend → 'system keyring unavailable', passphrase unlock, no key on disk."""
    m = make_workspace(tmp_path / "ws")
    assert m.created.keyring.state is KeyringState.NO_BACKEND
    kek, dek = keys_of(m.folder, m.passphrase)
    m.ws.close()
    with pytest.raises(PassphraseRequired) as info:
        Workspace.open(m.folder)
    assert "system keyring unavailable" in info.value.message
    assert info.value.keyring_status.state is KeyringState.NO_BACKEND
    with Workspace.open(m.folder, passphrase=m.passphrase) as ws:
        assert ws.unlock.mode == "passphrase"
        assert "system keyring unavailable" in ws.unlock.describe()
    assert scan_for_secrets(m.folder, [kek, dek]) == []


def test_null_backend_write_is_detected(tmp_path: Path) -> None:
    """KR-2: a keyring that accepts and forgets is not reported as holding the key."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    try:
        m = make_workspace(tmp_path / "ws")
        m.ws.close()
        assert m.created.keyring.state is KeyringState.NOT_PERSISTENT
        assert m.created.workspace.unlock.mode == "passphrase"
        with pytest.raises(PassphraseRequired, match="null backend"):
            Workspace.open(m.folder)
    finally:
        keyring.set_keyring(previous)


def test_locked_keyring_says_locked_not_wrong_password(
    made: MadeWorkspace, fake_keyring: FakeKeyring
) -> None:
    """KR-3."""
    fake_keyring.fail_with = keyring.errors.KeyringLocked("user dismissed the prompt")
    with pytest.raises(PassphraseRequired) as info:
        _reopen(made)
    assert info.value.keyring_status.state is KeyringState.LOCKED
    assert "keyring locked" in info.value.message
    assert "wrong" not in info.value.message
    with Workspace.open(made.folder, passphrase=made.passphrase) as ws:
        assert ws.unlock.keyring.state is KeyringState.LOCKED


class LowPriorityKeyring(FakeKeyring):
    priority = 0.5  # type: ignore[assignment]  # what keyrings.alt's PlaintextKeyring reports


def test_low_priority_backend_refused_unless_allowed(tmp_path: Path) -> None:
    """KR-4: a plaintext-file style backend is not trusted with the KEK by default."""
    previous = keyring.get_keyring()
    low = LowPriorityKeyring()
    keyring.set_keyring(low)
    try:
        m = make_workspace(tmp_path / "ws")
        m.ws.close()
        assert m.created.keyring.state is KeyringState.INSECURE_BACKEND
        assert low.items == {}
        assert "not a secure store" in m.created.keyring.reason
        allowed = make_workspace(tmp_path / "ws2", keyring_store=KeyringStore(allow_insecure=True))
        allowed.ws.close()
        assert allowed.created.keyring.state is KeyringState.AVAILABLE
        assert len(low.items) == 1
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize(
    ("exc", "state"),
    [
        (keyring.errors.KeyringError("backend exploded"), KeyringState.ERROR),
        (RuntimeError("old keyring versions raise bare RuntimeError"), KeyringState.ERROR),
        (keyring.errors.NoKeyringError("none"), KeyringState.NO_BACKEND),
    ],
)
def test_backend_errors_become_states(
    made: MadeWorkspace, fake_keyring: FakeKeyring, exc: BaseException, state: KeyringState
) -> None:
    """KR-5: KeyringError and RuntimeError are both caught; only the type is reported."""
    fake_keyring.fail_with = exc
    with pytest.raises(PassphraseRequired) as info:
        _reopen(made)
    assert info.value.keyring_status.state is state
    assert str(exc) not in info.value.message


def test_lost_keyring_entry_then_reenrol(made: MadeWorkspace, fake_keyring: FakeKeyring) -> None:
    """KR-6: entry deleted → passphrase opens it → re-enrolment restores keyring unlock."""
    fake_keyring.items.clear()
    with pytest.raises(PassphraseRequired, match="no key for this workspace"):
        _reopen(made)
    with Workspace.open(made.folder, passphrase=made.passphrase) as ws:
        assert ws.keyring_status().state is KeyringState.ENTRY_MISSING
        assert ws.enrol_keyring().state is KeyringState.AVAILABLE
    with Workspace.open(made.folder) as ws:
        assert ws.unlock.mode == "keyring"
        assert ws.info()["workspace_id"] == ws.workspace_id


def test_keyring_holding_another_key_is_not_trusted(
    made: MadeWorkspace, fake_keyring: FakeKeyring
) -> None:
    fake_keyring.items[("privdesk", made.ws.workspace_id)] = envelope.b64e(envelope.new_key())
    with pytest.raises(PassphraseRequired, match="different key"):
        _reopen(made)


def test_forget_removes_entry_and_tolerates_absence(
    made: MadeWorkspace, fake_keyring: FakeKeyring
) -> None:
    """KR-8."""
    assert made.ws.forget_keyring() is True
    assert fake_keyring.items == {}
    assert made.ws.forget_keyring() is False


def test_wrong_passphrase_is_reported_as_such(made: MadeWorkspace, fake_keyring) -> None:
    fake_keyring.items.clear()
    with pytest.raises(WrongPassphraseError, match="wrong recovery passphrase"):
        _reopen(made, passphrase="AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")


def test_passphrase_tolerates_case_spacing_and_lookalikes(
    made: MadeWorkspace, fake_keyring
) -> None:
    fake_keyring.items.clear()
    typed = made.passphrase.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    with _reopen(made, passphrase=typed) as ws:
        assert ws.unlock.mode == "passphrase"


def test_recovery_passphrase_shape_and_strength() -> None:
    phrase = envelope.new_recovery_passphrase()
    groups = phrase.split("-")
    assert len(groups) == 6 and all(len(g) == 5 for g in groups)
    assert len(envelope.normalise_recovery(phrase)) * 5 >= 128
    assert envelope.new_recovery_passphrase() != phrase


def test_keys_json_holds_only_wrapped_material(made: MadeWorkspace) -> None:
    kek, dek = keys_of(made.folder, made.passphrase)
    keys = json.loads((made.folder / "keys.json").read_text())
    assert keys["kek"]["kdf"] == "scrypt"
    assert keys["kek"]["alg"] == keys["dek"]["alg"] == "AES-256-GCM"
    assert scan_for_secrets(made.folder, [kek, dek]) == []


def test_production_scrypt_cost_meets_asvs() -> None:
    """ASVS 5.0 Appendix C: scrypt N>=2^17, r=8, p=1 for the recovery passphrase."""
    params = ScryptParams()
    assert (params.n, params.r, params.p) == (2**17, 8, 1)


def test_wrap_is_bound_to_its_workspace(made: MadeWorkspace, tmp_path: Path, fake_keyring) -> None:
    """A DEK wrap copied from another workspace's keys.json does not authenticate."""
    other = make_workspace(tmp_path / "other")
    other.ws.close()
    kek, _dek = keys_of(made.folder, made.passphrase)
    other_keys = json.loads((other.folder / "keys.json").read_text())
    with pytest.raises(envelope.UnwrapError):
        envelope.unwrap(kek, other_keys["dek"], f"privdesk:{made.ws.workspace_id}:dek:1".encode())
