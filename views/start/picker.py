"""The first window: pick a recent workspace, open a folder, or create a new one.

On first run (no recent workspaces) it shows the welcome panel: the key model, the panes,
and "Open demo workspace" / "Create workspace". The Welcome button shows it again later.

Imports only Qt so it can be on screen before SQLAlchemy and the crypto stack load.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QListView,
    QPushButton,
    QWidget,
)

from views.common.widgets import MARGIN, Banner, BusyOverlay, hbox, heading, vbox, wrapped
from views.start.recent import RecentWorkspaces
from views.start.welcome import WelcomePanel


class WorkspacePicker(QWidget):
    openRequested = Signal(Path)
    createRequested = Signal()
    demoRequested = Signal()
    closed = Signal()

    def __init__(self, recent: RecentWorkspaces, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PrivDesk — open a workspace")
        self._recent = recent
        self._model = QStringListModel()
        self.list = QListView()
        self.list.setModel(self._model)
        self.list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.list.doubleClicked.connect(self._open_selected)
        self.list.setAccessibleName("Recent workspaces")
        self.empty = wrapped(
            "No recent workspaces. Open an existing workspace folder or create a new one."
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner = Banner()
        self.open_button = QPushButton("Open")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self._open_selected)
        browse = QPushButton("Open folder…")
        browse.clicked.connect(self._browse)
        create = QPushButton("Create new…")
        create.clicked.connect(self.createRequested)
        self.welcome = WelcomePanel()
        self.welcome.demoRequested.connect(self.demoRequested)
        self.welcome.createRequested.connect(self.createRequested)
        self.welcome_button = QPushButton("Welcome")
        self.welcome_button.setCheckable(True)
        self.welcome_button.setToolTip("What PrivDesk is, how its key works, the demo workspace")
        self.welcome_button.toggled.connect(self.welcome.setVisible)
        self.setLayout(
            vbox(
                heading("PrivDesk"),
                wrapped("Help-desk privacy office console. Choose the workspace to open."),
                self.banner,
                self.welcome,
                self.list,
                self.empty,
                hbox(self.welcome_button, create, None, browse, self.open_button),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.busy = BusyOverlay(self)
        self.resize(640, 380)
        self.reload()

    def reload(self) -> None:
        paths = [str(p) for p in self._recent.paths()]
        self._model.setStringList(paths)
        self.list.setVisible(bool(paths))
        self.empty.setVisible(not paths)
        self.open_button.setEnabled(bool(paths))
        self.welcome_button.setChecked(not paths)  # first run: welcome; later on request
        self.welcome.setVisible(not paths)
        if paths:
            self.list.setCurrentIndex(self._model.index(0))

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()

    def _open_selected(self) -> None:
        index = self.list.currentIndex()
        if index.isValid():
            self.openRequested.emit(Path(index.data()))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a PrivDesk workspace folder")
        if folder:
            self.openRequested.emit(Path(folder))
