"""Redaction pane: rule library, test bench, labelled set, impact preview and history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QSplitter, QWidget

from app.jobs import JobControl
from app.security.permissions import Permission
from views.common.files import save_path
from views.common.pane import Pane
from views.common.table_model import RowTableModel
from views.common.widgets import (
    MARGIN,
    Banner,
    LoadView,
    ScrollingTabs,
    hbox,
    heading,
    table_view,
    vbox,
)
from views.redaction.bench import TestBench
from views.redaction.columns import example_columns
from views.redaction.impact_tab import ImpactTab
from views.redaction.labels_tab import LabelsTab
from views.redaction.rules_tab import RulesTab

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import TaskHandle
    from app.redaction.corpus import LabelledSet
    from app.redaction.engine import RedactionEngine
    from app.redaction.examples import Evaluation, ExampleResult, Label, Miss
    from app.redaction.history import HistoryService, RunInfo
    from app.redaction.service import CaseInfo, ImpactReport, RedactionService
    from app.redaction.store import RuleInfo, RuleVersionInfo
    from app.redaction.types import Rule


@dataclass(frozen=True)
class Loaded:
    rules: list[RuleInfo]
    engine: RedactionEngine
    examples: list[ExampleResult]
    runs: list[RunInfo]
    changed: str | None = None  # the rule just saved, toggled or reverted
    versions: list[RuleVersionInfo] | None = None  # its versions, read with the rules


class RedactionPane(Pane):
    NAME = "redaction"
    TITLE = "Redaction"
    ICON = "edit-clear"
    ORDER = 40
    PERMISSION = Permission.REDACTION_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.engine: RedactionEngine | None = None
        self.rule_infos: list[RuleInfo] = []
        self.cases: dict[int, CaseInfo] = {}
        # what the misses table's case ids point at: the workspace's cases, or the lines
        # of a loaded labelled set (text, labels)
        self.miss_cases: dict[int, tuple[str, tuple[Label, ...]]] = {}
        self.handle: TaskHandle | None = None
        self._message = ""
        self.rules_tab = RulesTab()
        self.bench = TestBench()
        self.examples: RowTableModel[ExampleResult] = RowTableModel(example_columns(), self)
        self.example_table = table_view(self.examples, sort_column=-1)
        self.example_table.horizontalHeader().setStretchLastSection(True)
        examples = QWidget()
        examples.setLayout(vbox(heading("Rule examples", size_delta=1), self.example_table))
        bench_page = QSplitter(Qt.Orientation.Vertical)
        bench_page.addWidget(self.bench)
        bench_page.addWidget(examples)
        bench_page.setSizes([480, 220])
        self.labels_tab = LabelsTab()
        self.impact_tab = ImpactTab()
        self.tabs = ScrollingTabs()  # a tall tab scrolls: the window must fit 1366×768
        self.tabs.addTab(self.rules_tab, "Rules")
        self.tabs.addTab(bench_page, "Test bench")
        self.tabs.addTab(self.labels_tab, "Labelled set")
        self.tabs.addTab(self.impact_tab, "Impact && history")
        self.body = LoadView(self.tabs, "")  # "Loading…" until the rules arrive
        self.setLayout(
            vbox(
                hbox(heading("Redaction"), self.banner),
                self.body,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )
        manage = self.can(Permission.REDACTION_MANAGE)
        for w in (
            self.rules_tab.save_button,
            self.rules_tab.new_button,
            self.rules_tab.revert_button,
            self.bench.save_button,
            self.labels_tab.import_button,
            self.impact_tab.plan_button,
        ):
            self.enable_for(w, Permission.REDACTION_MANAGE)
        self._manage = manage
        self.rules_tab.ruleSelected.connect(self.load_versions)
        self.rules_tab.saveRequested.connect(self.save_rule)
        self.rules_tab.toggleRequested.connect(self.toggle_rule)
        self.rules_tab.revertRequested.connect(self.revert_rule)
        self.rules_tab.tryRequested.connect(self.what_changes)
        self.bench.saveCase.connect(self.save_case)
        self.bench.largeText.connect(self.scan_large)
        self.labels_tab.importRequested.connect(self.choose_demo_folder)
        self.labels_tab.loadSetRequested.connect(self.choose_labelled_set)
        self.labels_tab.evaluateRequested.connect(self.evaluate)
        self.labels_tab.missOpened.connect(self.open_miss)
        self.impact_tab.previewRequested.connect(self.preview)
        self.impact_tab.planRequested.connect(self.choose_plan_file)
        self.impact_tab.applyRequested.connect(self.apply)
        self.impact_tab.resumeRequested.connect(self.resume)
        self.impact_tab.cancelRequested.connect(self.cancel)

    # -- services -------------------------------------------------------------------

    def _service(self) -> RedactionService:
        from app.redaction.service import RedactionService

        return RedactionService(self.ctx, self.principal())

    def _history(self, principal: Any = None) -> HistoryService:
        from app.redaction.history import HistoryService

        return HistoryService(self.ctx, principal or self.principal())

    def report(self, exc: BaseException, doing: str, banner: Banner | None = None) -> None:
        self.impact_tab.busy(False)  # a failed scan or history run must not leave it busy
        super().report(exc, doing, banner)

    # -- loading --------------------------------------------------------------------

    def refresh(self, message: str = "", changed: str | None = None) -> None:
        """Reload everything; after a change to rule ``changed`` its versions too, so the
        Versions list shows the new version at once."""
        service, history = self._service(), self._history()
        self._message = message

        def job(control: JobControl) -> Loaded:
            from app.redaction.examples import run_examples

            rules = service.rules()
            versions = service.versions(changed) if changed else None
            return Loaded(
                rules,
                service.engine(),
                run_examples([i.rule for i in rules]),
                history.runs(),
                changed,
                versions,
            )

        self.load(job, self._loaded, "loading the rules")

    def _loaded(self, loaded: Loaded) -> None:
        from app.redaction.rules import entity_types

        self.rule_infos = loaded.rules
        self.engine = loaded.engine
        self.rules_tab.set_rules(loaded.rules)
        if loaded.changed and loaded.versions is not None:
            self.rules_tab.select(loaded.changed)
            self.rules_tab.set_versions(loaded.versions)
        self.bench.set_engine(loaded.engine, entity_types([i.rule for i in loaded.rules]))
        self.examples.set_rows(loaded.examples)
        self.impact_tab.set_runs(loaded.runs)
        failed = sum(1 for e in loaded.examples if not e.passed)
        message, self._message = self._message, ""
        if failed:
            self.banner.show_message(
                f"{message} {failed} rule example(s) fail: see the test bench.".strip()
            )
        elif message:
            self.banner.show_message(message, "ok")

    def _rule_types(self) -> dict[str, str]:
        return {i.rule_id: i.rule.entity_type for i in self.rule_infos}

    # -- rules ----------------------------------------------------------------------

    def load_versions(self, rule_id: str) -> None:
        service = self._service()
        self.run(
            lambda control: service.versions(rule_id),
            self.rules_tab.set_versions,
            "reading the rule's versions",
        )

    def _changed(self, what: str, rule_id: str) -> Callable[[Any], None]:
        def done(_: Any) -> None:
            self.refresh(what, rule_id)

        return done

    def save_rule(self, rule: Rule) -> None:
        service = self._service()
        self.run(
            lambda control: service.save_rule(rule),
            self._changed(f"Rule {rule.id} saved as a new version.", rule.id),
            "saving the rule",
        )

    def toggle_rule(self, rule_id: str, enabled: bool) -> None:
        service = self._service()
        self.run(
            lambda control: service.set_enabled(rule_id, enabled),
            self._changed(f"Rule {rule_id} {'enabled' if enabled else 'disabled'}.", rule_id),
            "changing the rule",
        )

    def revert_rule(self, rule_id: str, version: int) -> None:
        service = self._service()
        self.run(
            lambda control: service.revert(rule_id, version),
            self._changed(f"Rule {rule_id}: version {version} is current again.", rule_id),
            "reverting the rule",
        )

    def what_changes(self, edited: Rule) -> None:
        """Hits gained and lost over the labelled cases and the bench text."""
        service = self._service()
        current = [i.rule for i in self.rule_infos]
        trial = [edited if r.id == edited.id else r for r in current]
        if edited.id not in {r.id for r in current}:
            trial.append(edited)
        bench_text = self.bench.text()

        def job(control: JobControl) -> tuple[int, int, int]:
            texts = [c.text for c in service.cases()] + ([bench_text] if bench_text else [])
            before = service.engine(current).scan_many(texts)
            after = service.engine(trial).scan_many(texts)

            def keys(found: list[list[Any]]) -> set[tuple[int, int, int, str]]:
                return {
                    (i, f.start, f.end, f.entity_type) for i, fs in enumerate(found) for f in fs
                }

            old, new = keys(before), keys(after)
            return len(texts), len(new - old), len(old - new)

        def done(result: tuple[int, int, int]) -> None:
            texts, gained, lost = result
            self.rules_tab.changes.setText(
                f"Across {texts:,} sample text(s): {gained:+,} hit(s) gained, {lost:,} lost."
                if texts
                else "No sample texts yet: save test cases or import the demo labels."
            )

        self.run(job, done, "comparing the rules")

    # -- bench and labelled set -------------------------------------------------------

    def scan_large(self) -> None:
        engine, text = self.engine, self.bench.text()
        if engine is None:
            return
        self.run(lambda control: engine.scan(text), self.bench.show_findings, "scanning the text")

    def save_case(self, text: str, labels: list[Any]) -> None:
        if not text.strip():
            self.banner.show_message("Type or paste some text first.", "info")
            return
        service = self._service()
        name = " ".join(text.split())[:40]
        self.run(
            lambda control: service.add_case(name, text, labels),
            lambda case: self.banner.show_message(
                f"Saved as test case {case.id} with {len(case.labels)} label(s).", "ok"
            ),
            "saving the test case",
        )

    def choose_demo_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Demo export folder (with planted.json)")
        if folder:
            self.import_demo(Path(folder))

    def import_demo(self, folder: Path) -> None:
        service = self._service()
        self.run(
            lambda control: service.import_demo_cases(folder),
            self._imported,
            "importing the labelled set",
        )

    def _imported(self, count: int) -> None:
        self.banner.show_message(f"Imported {count} labelled texts.", "ok")
        self.evaluate()

    def evaluate(self) -> None:
        service, engine = self._service(), self.engine
        if engine is None:
            return

        def job(control: JobControl) -> tuple[list[CaseInfo], Any]:
            cases = service.cases()
            return cases, service.evaluate_cases(engine, cases)

        def done(result: tuple[list[CaseInfo], Any]) -> None:
            cases, evaluation = result
            self.cases = {c.id: c for c in cases}
            self.miss_cases = {c.id: (c.text, c.labels) for c in cases}
            self.labels_tab.show_evaluation(evaluation, len(cases))

        self.run(job, done, "evaluating the rules")

    def choose_labelled_set(self) -> None:
        from app.redaction.corpus import shipped_sets

        shipped = shipped_sets()
        start = str(shipped[0][1].parent) if shipped else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Load labelled set", start, "Labelled sets (*.jsonl);;All files (*)"
        )
        if path:
            self.load_labelled_set(Path(path))

    def load_labelled_set(self, path: Path) -> None:
        """Score the current rules on a labelled set file (not stored in the workspace)."""
        engine = self.engine
        if engine is None:
            return

        def job(control: JobControl) -> tuple[LabelledSet, Evaluation]:
            from app.redaction.corpus import evaluate_set, load_labelled_set

            labelled = load_labelled_set(path)
            return labelled, evaluate_set(engine.scan_many, labelled)

        def done(result: tuple[LabelledSet, Evaluation]) -> None:
            labelled, evaluation = result
            self.miss_cases = {c.case_id: (c.text, c.labels) for c in labelled.cases}
            source = f"{labelled.name} ({path.name}; {labelled.licence})"
            self.labels_tab.show_evaluation(evaluation, len(labelled.cases), source)
            self.labels_tab.load_button.setToolTip(f"Last loaded: {labelled.source}")

        self.run(job, done, "loading the labelled set")

    def open_miss(self, miss: Miss) -> None:
        case = self.miss_cases.get(miss.case_id)
        if case is None:
            return
        text, labels = case
        self.bench.load(text, labels, select=(miss.start, miss.end))
        self.tabs.setCurrentIndex(1)

    # -- impact and history ---------------------------------------------------------

    def preview(self) -> None:
        service = self._service()
        self.banner.clear()
        self.impact_tab.busy(True, "scanning")
        self.handle = self.run(
            lambda control: service.impact(None, control),
            self._previewed,
            "previewing the impact",
            on_progress=self.impact_tab.set_progress,
            on_cancelled=lambda: self.impact_tab.busy(False),
        )

    def _previewed(self, report: ImpactReport) -> None:
        self.impact_tab.busy(False)
        self.impact_tab.show_report(report, self._rule_types())
        self.impact_tab.apply_button.setEnabled(self._manage and report.tickets_with_hits > 0)

    def choose_plan_file(self) -> None:
        path = save_path(
            self,
            self.ctx,
            "Export the Zendesk redaction plan",
            "redaction-plan.jsonl",
            "JSON Lines (*.jsonl)",
        )
        if path:
            self.export_plan(path)

    def export_plan(self, path: Path) -> None:
        self.run_guarded(
            lambda p: lambda control: self._history(p).export_plan(path),
            lambda plan: self.banner.show_message(
                f"Plan for {plan.comments} comments written to {plan.path}. It contains the "
                "values: delete it once pushed to the help desk.",
                "info",
            ),
            "exporting the plan",
        )

    def apply(self) -> None:
        self.run_guarded(
            lambda p: lambda control: self._history(p).start(),
            self._run,
            "starting the history run",
        )

    def resume(self, run_id: int) -> None:
        self.run_guarded(
            lambda p: lambda control: self._history(p).resume(run_id),
            self._run,
            "resuming the history run",
        )

    def _run(self, run: RunInfo) -> None:
        history = self._history()
        self.impact_tab.busy(True, f"run #{run.id}")
        self.handle = self.run(
            lambda control: history.run(run.id, control),
            self._ran,
            "redacting history",
            on_progress=self.impact_tab.set_progress,
            on_cancelled=self._run_cancelled,
        )

    def _ran(self, run: RunInfo) -> None:
        self.impact_tab.busy(False)
        self.refresh(
            f"Run #{run.id} done: {run.tickets_changed:,} tickets and "
            f"{run.comments_changed:,} comments rewritten ({run.findings:,} values); the "
            "search index and the database file no longer hold them."
        )

    def _run_cancelled(self) -> None:
        self.impact_tab.busy(False)
        self.refresh(
            "Cancelled at a checkpoint: every ticket is either fully redacted or untouched. "
            "Select the run and resume it when ready."
        )

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
