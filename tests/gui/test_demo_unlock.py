"""On a keyring-less machine the demo workspace's passphrase is offered, real ones never."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.errors import PassphraseRequired
from tests.conftest import make_workspace
from views.flow import _open
from views.start.passphrase import PassphraseDialog
from views.tasks import SyncTaskRunner


def _passphrase_error(folder: Path) -> PassphraseRequired:
    with pytest.raises(PassphraseRequired) as info:
        _open(folder)
    return info.value


def test_demo_passphrase_is_filled_in(qtbot, tmp_path: Path, no_keyring) -> None:
    made = make_workspace(tmp_path / "demo")
    made.ws.close()
    (made.folder / "demo-credentials.json").write_text(
        json.dumps({"recovery_passphrase": made.passphrase, "operators": {}})
    )
    exc = _passphrase_error(made.folder)
    dialog = PassphraseDialog(
        made.folder,
        exc.keyring_status,
        SyncTaskRunner(),
        demo_passphrase=exc.demo_passphrase,  # type: ignore[attr-defined]
    )
    qtbot.addWidget(dialog)
    assert dialog.passphrase.text() == made.passphrase
    assert "Demo workspace" in dialog.reason.text()


def test_real_workspace_gets_an_empty_field(qtbot, tmp_path: Path, no_keyring) -> None:
    made = make_workspace(tmp_path / "real")
    made.ws.close()
    exc = _passphrase_error(made.folder)
    assert exc.demo_passphrase is None  # type: ignore[attr-defined]
    dialog = PassphraseDialog(made.folder, exc.keyring_status, SyncTaskRunner())
    qtbot.addWidget(dialog)
    assert dialog.passphrase.text() == ""
