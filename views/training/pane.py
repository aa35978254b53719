"""Training pane: each agent's status per programme (overdue and never completed in words
and in the warning colour), the programmes and their audiences, phishing-simulation results
(emails masked). The privacy officer adds programmes and imports an LMS completion export
or GoPhish results; the auditor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QPushButton, QWidget

from app.security.permissions import Permission
from app.training.service import (
    AgentStatus,
    ImportResult,
    PhishingRow,
    ProgrammeInfo,
    QuizExportInfo,
    QuizInfo,
    QuizOutcome,
    TrainingService,
)
from views.common.pane import Pane
from views.common.table_model import Column, RowTableModel
from views.common.widgets import (
    MARGIN,
    LoadView,
    ScrollingTabs,
    hbox,
    heading,
    tab_page,
    table_view,
    vbox,
    wrapped,
)
from views.training.forms import ProgrammeDialog

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import JobControl


@dataclass(frozen=True)
class Loaded:
    programmes: list[ProgrammeInfo]
    status: list[AgentStatus]
    phishing: list[PhishingRow]


def _day(ts: str | None) -> str:
    return ts[:10] if ts else ""


def _time(ts: str | None) -> str:
    return ts[:16].replace("T", " ") if ts else ""


def _lapsed(r: AgentStatus) -> bool:
    return r.state in ("overdue", "never")


class TrainingPane(Pane):
    NAME = "training"
    TITLE = "Training"
    ICON = "applications-education"
    ORDER = 62
    PERMISSION = Permission.TRAINING_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.status: RowTableModel[AgentStatus] = RowTableModel(
            [
                Column("Agent", lambda r: r.agent),
                Column("Email", lambda r: r.email),
                Column("Programme", lambda r: r.programme),
                Column("Status", lambda r: r.state_text, alert=_lapsed),
                Column("Completed", lambda r: _day(r.completed_at)),
                Column("Due", lambda r: _day(r.due_at), alert=_lapsed),
                Column("Score", lambda r: "" if r.score is None else f"{r.score:g}%"),
            ],
            self,
        )
        self.programmes: RowTableModel[ProgrammeInfo] = RowTableModel(
            [
                Column("Programme", lambda r: r.name),
                Column("Every", lambda r: f"{r.recurrence_months} months"),
                Column("Required of", lambda r: r.audience.text()),
                Column("Description", lambda r: r.description),
            ],
            self,
        )
        self.phishing: RowTableModel[PhishingRow] = RowTableModel(
            [
                Column("Campaign", lambda r: r.campaign),
                Column("Recipient", lambda r: r.email),
                Column("Result", lambda r: r.status,
                       alert=lambda r: r.status in ("Clicked Link", "Submitted Data")),
                Column("Sent", lambda r: _day(r.sent_at)),
                Column("Opened", lambda r: _time(r.opened_at)),
                Column("Clicked", lambda r: _time(r.clicked_at)),
                Column("Submitted data", lambda r: _time(r.submitted_at)),
                Column("Reported", lambda r: _time(r.reported_at)),
            ],
            self,
        )  # fmt: skip
        self.summary = wrapped("")
        self.status_table = table_view(self.status)
        self.body = LoadView(
            self.status_table,
            "No agent has required training yet. Add a programme (who must complete it, how "
            "often) and import the help-desk agents; then import completions from your LMS.",
        )
        self.add_button = QPushButton("Add programme…")
        self.add_button.clicked.connect(self.open_programme_form)
        self.completions_button = QPushButton("Import LMS completions…")
        self.completions_button.clicked.connect(self.choose_completions)
        self.phishing_button = QPushButton("Import phishing results…")
        self.phishing_button.clicked.connect(self.choose_phishing)
        self.quiz_button = QPushButton("Import quiz results…")
        self.quiz_button.setToolTip(
            "A results file saved by a quiz page (privdesk training quiz export): verified "
            "and scored from the answer key kept here"
        )
        self.quiz_button.clicked.connect(self.choose_quiz_results)
        self.export_quiz_button = QPushButton("Export quiz for agent…")
        self.export_quiz_button.clicked.connect(self.choose_quiz_export)
        self.import_buttons = (
            self.add_button,
            self.completions_button,
            self.phishing_button,
            self.quiz_button,
        )
        for b in self.import_buttons:
            self.enable_for(b, Permission.TRAINING_MANAGE)
        self.status_table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self._selected()
        self.programme_view = LoadView(
            table_view(self.programmes),
            "No training programmes yet. Add one: for example “Annual privacy training”, "
            "every 12 months, for agents and admins.",
        )
        self.phishing_view = LoadView(
            table_view(self.phishing),
            "No phishing-simulation results yet. Import a GoPhish campaign's results "
            "(its CSV export or the JSON of /api/campaigns/:id/results).",
        )
        self.tabs = ScrollingTabs()
        self.tabs.addTab(
            tab_page(hbox(self.summary, None, self.export_quiz_button), self.body, grow=self.body),
            "Status",
        )
        self.tabs.addTab(tab_page(self.programme_view, grow=self.programme_view), "Programmes")
        self.tabs.addTab(tab_page(self.phishing_view, grow=self.phishing_view), "Phishing tests")
        self.setLayout(
            vbox(
                hbox(heading(self.TITLE), self.banner),
                hbox(*self.import_buttons, None),
                self.tabs,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )

    # ------------------------------------------------------------ loading

    def refresh(self) -> None:
        ctx, who = self.ctx, self.principal()

        def job(_control: JobControl) -> Loaded:
            svc = TrainingService(ctx, who)
            return Loaded(svc.programmes(), svc.status(), svc.phishing_results())

        self.load(job, self._loaded, "loading training status", is_empty=lambda r: not r.status)

    def _loaded(self, r: Loaded) -> None:
        self.status.set_rows(r.status)
        self.programmes.set_rows(r.programmes)
        self.phishing.set_rows(r.phishing)
        for view, rows in ((self.programme_view, r.programmes), (self.phishing_view, r.phishing)):
            if rows:
                view.show_content()
            else:
                view.show_empty()
        overdue = sum(x.state == "overdue" for x in r.status)
        never = sum(x.state == "never" for x in r.status)
        soon = sum(x.state == "due_soon" for x in r.status)
        self.summary.setText(
            f"{len(r.status)} agent–programme pairs: {overdue} overdue, {never} never "
            f"completed, {soon} due within 30 days."
            if r.status
            else ""
        )

    # ------------------------------------------------------------ programmes

    def open_programme_form(self) -> ProgrammeDialog:
        dialog = ProgrammeDialog(self, self._save_programme)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _save_programme(self, dialog: ProgrammeDialog) -> None:
        ctx, who, v = self.ctx, self.principal(), dialog.values()

        def job(_c: JobControl) -> ProgrammeInfo:
            return TrainingService(ctx, who).add_programme(
                str(v["name"]),
                description=str(v["description"]),
                recurrence_months=int(str(v["recurrence_months"])),
                roles=v["roles"],  # type: ignore[arg-type]
                groups=v["groups"],  # type: ignore[arg-type]
                custom_roles=v["custom_roles"],  # type: ignore[arg-type]
            )

        def saved(p: ProgrammeInfo) -> None:
            dialog.saved = p
            dialog.accept()
            self.banner.show_message(f"Added {p.name}.", "info")
            self.refresh()

        self.run(job, saved, "adding the programme", banner=dialog.banner)

    # ------------------------------------------------------------ imports

    def choose_completions(self) -> None:
        names = [p.name for p in self.programmes.rows()]
        if not names:
            self.banner.show_message("Add the programme first: completions belong to one.")
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "LMS completion export (Moodle course completion CSV)", "", "CSV files (*.csv)"
        )
        if not name:
            return
        programme, ok = QInputDialog.getItem(
            self, "Programme", "These completions are of:", names, 0, False
        )
        if ok:
            self.import_completions(Path(name), programme)

    def import_completions(self, path: Path, programme: str) -> None:
        ctx, who = self.ctx, self.principal()
        self.run(
            lambda _c: TrainingService(ctx, who).import_completions(path, programme=programme),
            self._imported,
            "importing completions",
        )

    def choose_phishing(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "GoPhish results", "", "GoPhish results (*.csv *.json)"
        )
        if not name:
            return
        campaign = None
        if not name.lower().endswith(".json"):
            campaign, ok = QInputDialog.getText(self, "Campaign", "Campaign name:")
            if not ok:
                return
        self.import_phishing(Path(name), campaign)

    def import_phishing(self, path: Path, campaign: str | None = None) -> None:
        ctx, who = self.ctx, self.principal()
        self.run(
            lambda _c: TrainingService(ctx, who).import_phishing(path, campaign=campaign),
            self._imported,
            "importing phishing results",
        )

    def selected_status(self) -> AgentStatus | None:
        rows = self.status_table.selectionModel().selectedRows()
        return self.status.row_at(rows[0].row()) if rows else None

    def _selected(self) -> None:
        if self.enable_for(self.export_quiz_button, Permission.TRAINING_MANAGE) and (
            self.selected_status() is None
        ):
            self.export_quiz_button.setEnabled(False)
            self.export_quiz_button.setToolTip("Select the agent who will take the quiz first.")

    def choose_quiz_export(self) -> None:
        """Pick a quiz and a file, then write the self-contained quiz page for the agent."""
        row = self.selected_status()
        if row is None:
            return
        ctx, who = self.ctx, self.principal()
        self.run(
            lambda _c: TrainingService(ctx, who).quizzes(),
            lambda quizzes: self._pick_quiz(row, quizzes),
            "listing the quizzes",
        )

    def _pick_quiz(self, row: AgentStatus, quizzes: list[QuizInfo]) -> None:
        if not quizzes:
            self.banner.show_message("No quiz is installed (resources/training/quizzes/).", "warn")
            return
        labels = [
            f"{q.title} ({q.questions} questions, pass mark {q.pass_mark:g}%)" for q in quizzes
        ]
        label, ok = QInputDialog.getItem(
            self, "Export quiz", f"Quiz for {row.agent}:", labels, 0, False
        )
        if not ok:
            return
        quiz = quizzes[labels.index(label)]
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the quiz page", f"quiz-{quiz.name}.html", "Quiz page (*.html)"
        )
        if name:
            self.export_quiz(quiz.name, row, Path(name))

    def export_quiz(self, quiz: str, row: AgentStatus, out: Path) -> None:
        ctx, who, person = self.ctx, self.principal(), row.person_id

        def done(info: QuizExportInfo) -> None:
            self.banner.show_message(
                f"Quiz page for {row.agent} written to {info.path} (export {info.export_id}). "
                "Send it to them; import the results file their browser saves.",
                "info",
            )

        self.run(
            lambda _c: TrainingService(ctx, who).export_quiz(quiz, person, out),
            done,
            "exporting the quiz",
        )

    def choose_quiz_results(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Quiz results", "", "Quiz results (*.json)")
        if name:
            self.import_quiz(Path(name))

    def import_quiz(self, path: Path) -> None:
        ctx, who = self.ctx, self.principal()

        def done(r: QuizOutcome) -> None:
            verdict = "passed" if r.passed else f"not passed (pass mark {r.pass_mark:g}%)"
            extra = "; completion recorded" if r.completion_recorded else ""
            self.banner.show_message(f"Quiz {r.quiz}: {r.score:g}% {verdict}{extra}.", "info")
            self.refresh()

        self.run(
            lambda _c: TrainingService(ctx, who).import_quiz_results(path),
            done,
            "importing quiz results",
        )

    def _imported(self, r: ImportResult) -> None:
        if r.kind == "completions":
            text = (
                f"Imported {r.added} completions ({r.updated} already known, "
                f"{r.skipped} not complete)."
            )
        else:
            text = f"Imported {r.campaign}: {r.added} results added, {r.updated} updated."
        self.banner.show_message(text, "info")
        self.refresh()
