"""The welcome panel of the picker (first run): the key model, the panes, two ways in.

Imports only Qt at module level, like the picker. Building the demo workspace can take a
minute (key derivation, 1,500 generated tickets through the real importers), so it runs
as a job; the folder check is a disk access and runs in the job too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QWidget

from views.common.widgets import MARGIN, hbox, heading, vbox, wrapped

if TYPE_CHECKING:
    from app.jobs import JobControl, TaskRunner
    from views.start.picker import WorkspacePicker

KEY_MODEL = (
    "Everything PrivDesk holds sits in one encrypted workspace folder, and its key is kept "
    "in your system keyring, so on this computer the workspace opens without a prompt. "
    "A recovery passphrase, shown once when you create the workspace, opens it wherever "
    "the keyring cannot (another computer, a new user profile): write it down and keep it "
    "offline, because nobody can recover it for you."
)

# What each pane is for, in navigation order. Static text: importing the pane registry would
# load the services, and the picker must appear before they do.
PANES = (
    ("Access review", "quarterly reviews of who can see customer data in the help desk"),
    ("Redaction", "rules that find personal data in tickets and mask it"),
    ("DSAR queue", "data subject requests, their identity checks and legal deadlines"),
    ("Drills", "breach-response exercises with notification clocks"),
    ("Directory", "the help-desk people and agents imported from Zendesk or CSV"),
    ("Operators, Audit log, Security", "who may use PrivDesk, what they did, keys and backups"),
)

DEMO_HINT = (
    "The demo workspace has generated help-desk data and one operator per role; their "
    "credentials are offered at sign-in. It is built the first time, which can take a minute."
)


class NotADemoFolder(Exception):
    """The demo folder exists but holds something else; we never overwrite it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder


class WelcomePanel(QFrame):
    demoRequested = Signal()
    createRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.key_model = wrapped(KEY_MODEL)
        items = "".join(f"<li><b>{name}</b> — {what}</li>" for name, what in PANES)
        self.panes = QLabel(f"<ul style='margin-left: -20px'>{items}</ul>")
        self.panes.setTextFormat(Qt.TextFormat.RichText)
        self.panes.setWordWrap(True)
        self.demo_button = QPushButton("Open demo workspace")
        self.demo_button.setToolTip(DEMO_HINT)
        self.demo_button.clicked.connect(self.demoRequested)
        self.create_button = QPushButton("Create workspace…")
        self.create_button.clicked.connect(self.createRequested)
        hint = wrapped(DEMO_HINT)
        self.setLayout(
            vbox(
                heading("Welcome to PrivDesk", size_delta=2),
                self.key_model,
                wrapped("The console has a pane for each part of the privacy office's work:"),
                self.panes,
                hbox(self.demo_button, self.create_button, None),
                hint,
                margin=MARGIN,
                spacing=MARGIN // 2,
            )
        )


def prepare_demo(folder: Path | None = None) -> Path:
    """Job: the demo workspace's folder, built first if it does not exist yet."""
    from app import demo

    folder = folder or demo.default_folder()
    if demo.read_credentials(folder) is None:
        if folder.exists() and any(folder.iterdir()):
            raise NotADemoFolder(folder)
        demo.create_demo(folder)
    return folder


def open_demo(
    picker: WorkspacePicker,
    tasks: TaskRunner,
    open_workspace: Callable[[Path], None],
    *,
    folder: Path | None = None,
) -> None:
    """Build the demo workspace in the background if needed, then open it like any other."""
    picker.banner.clear()
    picker.busy.start("Preparing the demo workspace… (up to a minute the first time)")

    def job(control: JobControl) -> Path:
        return prepare_demo(folder)

    def done(path: Path) -> None:
        picker.busy.stop()
        open_workspace(path)

    def failed(exc: BaseException) -> None:
        picker.busy.stop()
        if isinstance(exc, NotADemoFolder):
            picker.banner.show_error(
                f"{exc.folder} already holds something that is not a demo workspace; "
                "move it away to build the demo there."
            )
        else:
            picker.banner.show_error(exc, doing="building the demo workspace")

    tasks.submit(job, on_done=done, on_error=failed)
