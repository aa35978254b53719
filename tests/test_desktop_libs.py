"""`privdesk selftest` names the missing desktop libraries and the one command to install
them, from what ldd says about Qt's xcb plugin (recorded ldd output, no real system)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import machine
from app.desktop_libs import DesktopCheck, missing_from_ldd, packages

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_missing_libraries_of_a_recorded_ldd_become_one_apt_line() -> None:
    missing = missing_from_ldd((FIXTURES / "ldd-libqxcb-missing.txt").read_text())
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]  # listed twice, named once
    check = DesktopCheck(True, missing)
    assert check.apt_line() == "sudo apt-get install libxcb-icccm4 libxcb-keysyms1"
    assert check.dnf_line() == "sudo dnf install xcb-util-wm xcb-util-keysyms"


def test_a_bare_desktop_needs_every_package_the_readme_lists() -> None:
    missing = missing_from_ldd((FIXTURES / "ldd-libqxcb-bare-desktop.txt").read_text())
    assert packages(missing) == [
        "libxkbcommon-x11-0",
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxcb-keysyms1",
        "libegl1",
        "libdbus-1-3",
    ]
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert all(name in readme for name in packages(missing))
    assert all(name in readme for name in packages(missing, debian=False))


def test_an_unknown_library_is_named_as_it_is() -> None:
    assert packages(["libfancy.so.3"]) == ["libfancy"]


def test_nothing_missing_means_no_install_line() -> None:
    check = DesktopCheck(True, missing_from_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n"))
    assert check.ok and check.apt_line() == ""
    assert machine.desktop_text(check) == "every system library the window needs is installed"


def test_selftest_desktop_fails_with_the_install_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli.frontends import Frontends
    from tests.test_cli_parser import run

    monkeypatch.setattr(
        machine, "check_desktop", lambda: DesktopCheck(True, ["libxcb-cursor.so.0"])
    )
    fake = Frontends(
        run_gui=lambda workspace=None: 0, qt_probe=lambda: {"ok": True, "detail": "ok"}
    )
    code, out, _ = run(capsys, "selftest", "--desktop", frontends=fake)
    assert code != 0
    assert "sudo apt-get install libxcb-cursor0" in out
    code, out, _ = run(capsys, "selftest", frontends=fake)  # plain selftest only reports it
    assert "sudo apt-get install libxcb-cursor0" in out


def test_make_demo_draws_on_the_desktop_and_only_the_tests_draw_offscreen() -> None:
    import os
    import shutil
    import subprocess

    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    root = Path(__file__).parent.parent
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}

    def dry_run(target: str) -> str:
        out = subprocess.run(
            [make, "-n", target],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    demo = dry_run("demo")
    assert "offscreen" not in demo and "QT_QPA_PLATFORM" not in demo
    assert demo.index("privdesk selftest --desktop") < demo.index("privdesk demo")
    assert "QT_QPA_PLATFORM=offscreen" in dry_run("unit")
    makefile = (root / "Makefile").read_text()
    assert "export QT_QPA_PLATFORM" not in makefile  # not for every target
