"""No key, passphrase or password in logs, exception text or reprs (SQLC-10, SQLC-11, AUTH-12)."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest

from app import demo
from app.errors import PrivDeskError
from app.security.auth import AuthService
from app.workspace import Workspace
from tests.conftest import FakeKeyring, MadeWorkspace, keys_of


def _needles(made: MadeWorkspace) -> list[str]:
    kek, dek = keys_of(made.folder, made.passphrase)
    return [
        dek.hex(),
        dek.hex().upper(),
        kek.hex(),
        made.passphrase,
        made.passphrase.replace("-", ""),
    ]


def test_engine_and_workspace_reprs_hide_the_key(made: MadeWorkspace) -> None:
    """SQLC-10: repr(engine), str(url) and repr(workspace) never show the key."""
    dek_hex = keys_of(made.folder, made.passphrase)[1].hex()
    engine = made.ws.engine
    for text in (repr(engine), str(engine.url), repr(engine.url), repr(made.ws)):
        assert dek_hex not in text


def test_only_raw_hex_keys_reach_sqlcipher(made: MadeWorkspace) -> None:
    """SQLC-11 (policy): the URL password is `x'<64 hex>'`, so nothing typed is interpolated."""
    assert re.fullmatch(r"x'[0-9a-f]{64}'", made.ws.engine.url.password or "")


def test_failures_leak_nothing(
    made: MadeWorkspace,
    fake_keyring: FakeKeyring,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Wrong passphrase, wrong key, damaged file: messages and logs stay clean."""
    caplog.set_level(logging.DEBUG)
    needles = _needles(made)
    made.ws.close()
    fake_keyring.items.clear()
    messages: list[str] = []
    with pytest.raises(PrivDeskError) as wrong:
        Workspace.open(made.folder, passphrase="ABCDE-ABCDE-ABCDE-ABCDE-ABCDE-ABCDE")
    messages.append(str(wrong.value))
    damaged = tmp_path / "damaged"
    shutil.copytree(made.folder, damaged)
    with open(damaged / "privdesk.db", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\xff\xff\xff")
    with pytest.raises(PrivDeskError) as broken:
        Workspace.open(damaged, passphrase=made.passphrase)
    messages.append(str(broken.value))
    out, err = capfd.readouterr()
    haystack = "\n".join([*messages, caplog.text, out, err])
    for needle in needles:
        assert needle not in haystack


def test_demo_workspace_signs_in_with_its_own_credentials(tmp_path: Path, fake_keyring) -> None:
    """`make demo`: a real workspace whose demo operators can sign in (one per role)."""
    from app.context import AppContext

    creds = demo.create_demo(tmp_path / "demo")
    assert set(creds.operators) == {"ada", "priya", "ivan", "rosa", "audrey"}
    assert demo.read_credentials(tmp_path / "demo") == creds
    ws = Workspace.open(tmp_path / "demo")
    with AppContext.for_workspace(ws) as ctx:
        assert ws.info()["demo"] == "true"
        for name in ("priya", "audrey"):
            # The demo's own setup signed priya in; code_for gives the next step's code.
            result = AuthService(ctx).login(name, demo.DEMO_PASSWORD, creds.code_for(name))
            assert result.principal.roles == {creds.operators[name]["role"]}
            if name == "priya":  # the Monitoring pane opens on the demo logs' alerts
                from app.monitoring.service import AlertService

                alerts = AlertService(ctx, result.principal).list_alerts()
                assert alerts and all(a.status == "new" for a in alerts)
