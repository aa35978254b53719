"""Playbook library: the list, a readable preview, the TOML editor with versions, import/export,
and the buttons that start a drill or a real incident from the selected playbook."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.drills.playbooks import PHASES, TEAM_ROLES
from app.security.permissions import Permission
from views.common.files import save_path
from views.common.table_model import ROW_ROLE, SORT_ROLE, Column, RowTableModel
from views.common.widgets import SPACING, hbox, table_view, vbox, wrapped
from views.drills.tab import DrillsTab, when

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.library import PlaybookService
    from app.drills.playbooks import PlaybookSpec, Step
    from app.drills.records import PlaybookInfo, PlaybookVersionInfo, RunSummary


SHORT_DECISIONS = {
    "personal_data": "Personal data?",
    "awareness": "Aware?",
    "risk": "Risk / high risk?",
    "notify": "Notify?",
}


def playbook_columns() -> list[Column[PlaybookInfo]]:
    return [
        Column("Playbook", lambda p: p.title),
        Column("Version", lambda p: f"v{p.version}", lambda p: p.version, align_right=True),
        Column("Steps", lambda p: str(p.steps), lambda p: p.steps, align_right=True),
        Column("Injects", lambda p: str(p.injects), lambda p: p.injects, align_right=True),
        Column("Source", lambda p: "built-in" if p.builtin else "custom"),
    ]


def step_columns() -> list[Column[Step]]:
    return [
        Column("Phase", lambda s: PHASES[s.phase][0]),
        Column("CSF 2.0", lambda s: PHASES[s.phase][1]),
        Column("Step", lambda s: s.title, tooltip=lambda s: s.title),
        Column("Owner", lambda s: TEAM_ROLES[s.owner]),
        Column("Min", lambda s: str(s.minutes), lambda s: s.minutes, align_right=True),
        Column(
            "Decision",
            lambda s: SHORT_DECISIONS.get(s.decision, ""),
            tooltip=lambda s: s.decision_text,
        ),
        Column("After", lambda s: ", ".join(s.depends_on)),
    ]


class PlaybookLibrary(DrillsTab):
    runStarted = Signal(object)  # RunSummary

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model: RowTableModel[PlaybookInfo] = RowTableModel(playbook_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=0)
        self.table.setAccessibleName("Playbooks")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())

        self.steps: RowTableModel[Step] = RowTableModel(step_columns(), self)
        self.steps_table = table_view(self.steps)
        self.steps_table.setAccessibleName("Playbook steps")
        self.steps_table.setSortingEnabled(False)  # the playbook's own order is the meaning
        self.steps_table.horizontalHeader().setSortIndicatorShown(False)
        self.summary = wrapped(selectable=True)
        self.editor = QPlainTextEdit()
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setAccessibleName("Playbook TOML")
        self.note = QLineEdit()
        self.note.setPlaceholderText("What changed? (kept with the new version)")
        self.save_button = QPushButton("Save as new version")
        self.save_button.clicked.connect(self.save)
        self.history = QListWidget()
        self.history.setAccessibleName("Version history")
        self.history.itemActivated.connect(lambda item: self._load_version(item.text()))
        self.enable_for((self.save_button, self.note, self.editor), Permission.DRILLS_RUN)

        editor_box = QWidget()
        editor_box.setLayout(
            vbox(
                self.editor,
                hbox(self.note, self.save_button),
                QLabel("Versions (Enter on one to load it into the editor):"),
                self.history,
            )
        )
        preview = QWidget()
        preview.setLayout(vbox(self.summary, self.steps_table))
        self.tabs = QTabWidget()
        self.tabs.addTab(preview, "Steps")
        self.tabs.addTab(editor_box, "Edit (TOML)")

        self.start_drill = QPushButton("Start &drill")
        self.start_drill.setToolTip("An exercise: tagged everywhere, never in real metrics")
        self.start_incident = QPushButton("Start real &incident")
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        self.enable_for(
            (self.start_drill, self.start_incident, self.import_button), Permission.DRILLS_RUN
        )
        self.start_drill.clicked.connect(lambda: self.start("drill"))
        self.start_incident.clicked.connect(lambda: self.start("incident"))
        self.import_button.clicked.connect(self._import_dialog)
        self.export_button.clicked.connect(self._export_dialog)

        left = QWidget()
        left.setLayout(
            vbox(
                self.table,
                hbox(self.import_button, self.export_button, None),
                hbox(self.start_drill, self.start_incident, None),
            )
        )
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 2)
        split.setSizes([260, 1000])
        self.setLayout(vbox(split, spacing=SPACING))

    def _service(self) -> PlaybookService:
        from app.drills.library import PlaybookService

        return PlaybookService(self.ctx, self.principal())

    def refresh(self) -> None:
        service = self._service()
        self.run(lambda c: service.list_playbooks(), self._loaded, "reading playbooks")

    def _loaded(self, rows: list[PlaybookInfo]) -> None:
        current = self.current_key()
        self.model.set_rows(rows)
        keys = [r.key for r in rows]
        self.select(current if current in keys else (keys[0] if keys else None))

    def select(self, key: str | None) -> None:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ROW_ROLE).key == key:
                self.table.selectRow(row)
                self._selected()
                return

    def current_key(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        info: PlaybookInfo = self.proxy.index(index.row(), 0).data(ROW_ROLE)
        return info.key

    def _selected(self) -> None:
        key = self.current_key()
        if key is None:
            return
        service = self._service()

        def job(control: object) -> tuple[PlaybookSpec, str, list[PlaybookVersionInfo]]:
            return service.get(key)[1], service.text(key), service.history(key)

        self.run(job, self._show, "reading the playbook")

    def _show(self, result: tuple[PlaybookSpec, str, list[PlaybookVersionInfo]]) -> None:
        spec, text, history = result
        targets = ", ".join(f"{k.replace('_', ' ')} ≤ {v} min" for k, v in spec.targets.items())
        self.summary.setText(
            f"<b>{spec.title}</b> — {spec.summary}<br><i>Scenario:</i> {spec.scenario}"
            f"<br><i>Decision targets:</i> {targets}; {len(spec.injects)} drill injects."
        )
        self.steps.set_rows(spec.steps)
        header = self.steps_table.horizontalHeader()
        # The step text is what people read: it takes the spare width; phase, CSF function
        # and decision get fixed widths (they wrap) so a narrow window cannot squash it.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column, width in ((0, 95), (1, 95), (5, 95), (6, 70)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.steps_table.setWordWrap(True)
        self.steps_table.resizeRowsToContents()
        self.editor.setPlainText(text)
        self.history.clear()
        for v in history:
            self.history.addItem(
                f"v{v.version} — {when(v.created_at)} — {v.created_by}: {v.change_note}"
            )

    def _load_version(self, text: str) -> None:
        key = self.current_key()
        if key is None or not text.startswith("v"):
            return
        version = int(text[1:].split(" ", 1)[0])
        service = self._service()
        self.run(
            lambda c: service.text(key, version),
            self.editor.setPlainText,
            "reading that version",
        )

    def save(self) -> None:
        service, text, note = self._service(), self.editor.toPlainText(), self.note.text()

        def done(info: PlaybookInfo) -> None:
            self.note.clear()
            self.say(f"Saved {info.title} as version {info.version}.", "ok")
            self.refresh()

        self.run(lambda c: service.save(text, note), done, "saving the playbook")

    def start(self, kind: str) -> None:
        key = self.current_key()
        if key is None:
            return
        from app.drills.runs import RunService

        service = RunService(self.ctx, self.principal())
        self.run(lambda c: service.start(key, kind), self._started, "starting the run")

    def _started(self, run: RunSummary) -> None:
        self.runStarted.emit(run)

    def import_from(self, path: Path) -> None:
        service = self._service()

        def done(info: PlaybookInfo) -> None:
            self.say(f"Imported {info.title} (v{info.version}).", "ok")
            self.refresh()

        self.run(lambda c: service.import_file(path), done, "importing the playbook")

    def export_to(self, path: Path) -> None:
        key = self.current_key()
        if key is None:
            return
        service = self._service()
        self.run(
            lambda c: service.export_file(key, path),
            lambda p: self.say(f"Playbook exported to {p}.", "ok"),
            "exporting the playbook",
        )

    def _import_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import playbook", "", "Playbooks (*.toml)")
        if name:
            self.import_from(Path(name))

    def _export_dialog(self) -> None:
        key = self.current_key() or "playbook"
        name = save_path(self, self.ctx, "Export playbook", f"{key}.toml", "Playbooks (*.toml)")
        if name:
            self.export_to(Path(name))
