"""Render the README screenshots offscreen from a demo workspace, so they never go stale.

    .venv/bin/python packaging/screenshots.py                 # builds a demo in a temp folder
    .venv/bin/python packaging/screenshots.py -w /tmp/demo    # reuse (or build) a demo there

Writes docs/screenshots/pane-<pane>.png (light) and pane-<pane>-dark.png for every pane of
views.navigation at 1366×768, a common laptop screen (each shown to an operator whose role
may open it), plus the first-run picker (light and dark) and the About and Keyboard
shortcuts dialogs. The system keyring is never touched: the demo is opened with
its published recovery passphrase. A pane that fails to render is reported and skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
os.environ.setdefault("PRIVDESK_THEME", "light")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (1366, 768)  # the smallest common laptop screen: every pane must fit it
# Who shows each pane: the first of these whose role may open it.
OPERATORS = ("priya", "ada", "ivan", "rosa", "audrey")


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.02)


def save(widget: QWidget, name: str, app: QApplication) -> Path:
    settle(app)
    path = OUT / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"could not write {path}")
    print(f"  {path.relative_to(ROOT)}")
    return path


def start_screens(app: QApplication, tmp: Path) -> None:
    from views.start.picker import WorkspacePicker
    from views.start.recent import RecentWorkspaces
    from views.theme import ThemeFollower

    follower = ThemeFollower(app)
    for theme in ("light", "dark"):
        os.environ["PRIVDESK_THEME"] = theme
        follower.apply()
        settings = QSettings(str(tmp / f"settings-{theme}.ini"), QSettings.Format.IniFormat)
        picker = WorkspacePicker(RecentWorkspaces(settings))
        picker.show()
        save(picker, f"welcome-{theme}", app)
        picker.close()
        picker.deleteLater()
    os.environ["PRIVDESK_THEME"] = "light"
    follower.apply()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workspace", type=Path, help="demo workspace folder (reused)")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("PrivDesk")
    from views.theme import apply_theme

    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="privdesk-shots-") as tmp:
        print("start screens:")
        start_screens(app, Path(tmp))
        folder = args.workspace or Path(tmp) / "demo"
        return render_panes(app, folder)


def render_panes(app: QApplication, folder: Path) -> int:
    from app.context import AppContext
    from app.demo import create_demo, read_credentials
    from app.security.auth import AuthService
    from app.workspace import Workspace
    from views.about import AboutDialog
    from views.help import ShortcutsDialog
    from views.main_window import MainWindow
    from views.navigation import all_panes
    from views.session import CurrentOperator
    from views.tasks import SyncTaskRunner

    creds = read_credentials(folder)
    if creds is None:
        print(f"building the demo workspace in {folder} …")
        started = time.monotonic()
        creds = create_demo(folder)
        print(f"  done in {time.monotonic() - started:.0f} s")
    ctx = AppContext.for_workspace(Workspace.open(folder, passphrase=creds.recovery_passphrase))
    tasks = SyncTaskRunner()
    auth = AuthService(ctx)
    principals = {
        name: auth.login(name, creds.operators[name]["password"], creds.code_for(name)).principal
        for name in OPERATORS
    }
    failed: list[str] = []
    shown_by: dict[str, list[str]] = {name: [] for name in OPERATORS}
    print("panes:")
    for pane in all_panes():
        who = next(
            (n for n in OPERATORS if pane.PERMISSION is None or principals[n].can(pane.PERMISSION)),
            None,
        )
        if who is None:
            print(f"  {pane.NAME}: no demo operator may open it, skipped")
        else:
            shown_by[who].append(pane.NAME)
    ctx.tasks = tasks
    window: MainWindow | None = None
    from views.theme import ThemeFollower

    follower = ThemeFollower(app)
    try:
        for theme, suffix in (("light", ""), ("dark", "-dark")):
            os.environ["PRIVDESK_THEME"] = theme
            follower.apply()
            # One window at a time: the context holds one signed-in operator, like the app.
            for who, names in shown_by.items():
                if not names:
                    continue
                if window is not None:
                    window.close()
                    settle(app)
                ctx.operator = CurrentOperator(principals[who])
                window = MainWindow(ctx)
                window.idle.stop()  # a screenshot run must not lock itself
                window.resize(*SIZE)
                window.show()
                for name in names:
                    try:
                        window.show_pane(name)
                        save(window, f"pane-{name}{suffix}", app)
                    except Exception as exc:  # one broken pane must not cost the others'
                        failed.append(name)
                        print(f"  {name}: FAILED ({type(exc).__name__}: {exc})")
        os.environ["PRIVDESK_THEME"] = "light"
        follower.apply()
        print("dialogs:")
        about = AboutDialog(tasks, workspace=folder, parent=window)
        about.show()
        save(about, "about", app)
        about.close()
        shortcuts = ShortcutsDialog(window)
        shortcuts.show()
        save(shortcuts, "shortcuts", app)
        shortcuts.close()
    finally:
        if window is not None:
            window.idle.stop()
            window.close()
        settle(app)
        for principal in principals.values():
            auth.logout(principal)
        ctx.close()
    if failed:
        print(f"{len(failed)} pane(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
