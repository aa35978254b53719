"""The rule library: every rule (built-in and custom), an editor with live RE2 checks,
the rule's versions with a diff, and "what changed" over the sample set."""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QWidget,
)

from views.common.table_model import SORT_ROLE, RowTableModel
from views.common.widgets import hbox, heading, table_view, vbox
from views.redaction.columns import rule_columns, version_columns

if TYPE_CHECKING:
    from app.redaction.store import RuleInfo, RuleVersionInfo
    from app.redaction.types import Rule

VALIDATORS = ["", "card", "luhn", "ssn", "iban", "mod97", "email", "phone", "ip", "secret"]


def _csv(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


class RulesTab(QWidget):
    saveRequested = Signal(object)  # Rule
    toggleRequested = Signal(str, bool)
    revertRequested = Signal(str, int)
    ruleSelected = Signal(str)
    tryRequested = Signal(object)  # Rule: compare hits with/without this edit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: RowTableModel[RuleInfo] = RowTableModel(rule_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=-1)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.versions: RowTableModel[RuleVersionInfo] = RowTableModel(version_columns(), self)
        self.version_table = table_view(self.versions, sort_column=0, descending=True)
        self.version_table.selectionModel().currentRowChanged.connect(self._show_diff)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setFont(QFont("monospace"))
        self.diff.setPlaceholderText("Select a version to see what it changed.")
        self.revert_button = QPushButton("Make this version current")
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(self._revert)

        self.rule_id = QLineEdit()
        self.name = QLineEdit()
        self.entity = QLineEdit()
        self.pattern = QLineEdit()
        self.pattern.setFont(QFont("monospace"))
        self.pattern_status = QLabel()
        self.pattern_status.setWordWrap(False)
        self.pattern_status.setMinimumHeight(self.pattern_status.fontMetrics().height() * 4 + 8)
        self.validator = QComboBox()
        self.validator.setEditable(True)
        self.validator.addItems(VALIDATORS)
        self.validator.setToolTip("A built-in check, or any python-stdnum format (e.g. nl.bsn)")
        self.context = QLineEdit()
        self.context.setPlaceholderText("context words, comma-separated")
        self.context_required = QCheckBox("context word required")
        self.allow = QLineEdit()
        self.allow.setPlaceholderText("allowed values, comma-separated")
        self.score = QDoubleSpinBox()
        self.score.setRange(0.01, 1.0)
        self.score.setSingleStep(0.05)
        self.mask_style = QComboBox()
        self.mask_style.addItems(["block", "last4", "token", "pseudonym"])
        self.enabled = QCheckBox("enabled")
        self.save_button = QPushButton("Save rule")
        self.save_button.clicked.connect(self._save)
        self.new_button = QPushButton("New rule")
        self.new_button.clicked.connect(self.new_rule)
        self.try_button = QPushButton("What changes?")
        self.try_button.setToolTip("Hits gained and lost across the sample set with this edit")
        self.try_button.clicked.connect(self._try)
        self.changes = QLabel()
        self.changes.setWordWrap(True)
        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(120)
        self._check.timeout.connect(self.check_pattern)
        self.pattern.textChanged.connect(self._check.start)
        self._base: Rule | None = None

        form = QFormLayout()
        form.addRow("Id", self.rule_id)
        form.addRow("Name", self.name)
        form.addRow("Entity type", self.entity)
        form.addRow("Pattern (RE2)", self.pattern)
        form.addRow("", self.pattern_status)
        form.addRow("Validator", self.validator)
        form.addRow("Context", hbox(self.context, self.context_required))
        form.addRow("Allow list", self.allow)
        form.addRow("Score / mask", hbox(self.score, self.mask_style, self.enabled, None))
        editor = QWidget()
        editor.setLayout(
            vbox(
                heading("Rule", size_delta=1),
                form,
                hbox(self.new_button, None, self.try_button, self.save_button),
                self.changes,
                heading("Versions", size_delta=1),
                self.version_table,
                hbox(None, self.revert_button),
                self.diff,
            )
        )
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(editor)
        split.setSizes([640, 520])
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        # Long rule names elide (the tooltip has the description) so score, mask and origin
        # stay visible at laptop width.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 220)
        self.setLayout(vbox(split))

    # -- library ------------------------------------------------------------------

    def set_rules(self, infos: list[RuleInfo]) -> None:
        current = self._base.id if self._base else None
        self.model.set_rows(infos)
        if current:
            self.select(current)

    def select(self, rule_id: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).rule_id == rule_id:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.table.setCurrentIndex(index)
                return

    def _selected(self, current, _previous) -> None:
        if not current.isValid():
            return
        info = self.model.row_at(self.proxy.mapToSource(current).row())
        self.edit(info.rule)
        self.ruleSelected.emit(info.rule_id)

    def edit(self, rule: Rule) -> None:
        self._base = rule
        self.rule_id.setText(rule.id)
        self.rule_id.setReadOnly(True)
        self.name.setText(rule.name)
        self.entity.setText(rule.entity_type)
        self.pattern.setText(rule.pattern)
        self.validator.setCurrentText(rule.validator or "")
        self.context.setText(", ".join(rule.context))
        self.context_required.setChecked(rule.context_required)
        self.allow.setText(", ".join(rule.allow))
        self.score.setValue(rule.score)
        self.mask_style.setCurrentText(str(rule.style))
        self.enabled.setChecked(rule.enabled)
        people = rule.id == "known_people"
        for w in (self.pattern, self.validator, self.context, self.allow, self.entity):
            w.setEnabled(not people)
        self.changes.clear()
        self.check_pattern()

    def new_rule(self) -> None:
        from app.redaction.types import Rule

        self.table.clearSelection()
        self.edit(Rule(id="new_rule", entity_type="CUSTOM_ID", pattern=r"\bID-\d{6}\b"))
        self._base = None
        self.rule_id.setReadOnly(False)
        self.rule_id.selectAll()
        self.rule_id.setFocus()
        self.versions.set_rows([])
        self.diff.clear()

    def check_pattern(self) -> bool:
        from app.redaction.rules import pattern_error

        problem = pattern_error(self.pattern.text()) if self.pattern.text() else ("empty", 0)
        if problem is None:
            self.pattern_status.setStyleSheet("color: #1e5b2b;")
            self.pattern_status.setText("Valid RE2 pattern (runs in linear time).")
            self.pattern.setStyleSheet("")
            return True
        self.pattern_status.setStyleSheet("color: #8a1c1c;")
        pointer = " " * problem[1] + "^"
        message = problem[0].replace(" (", "\n(", 1)
        self.pattern_status.setText(f"{message}\n{self.pattern.text()}\n{pointer}")
        self.pattern_status.setFont(QFont("monospace"))
        self.pattern.setStyleSheet("QLineEdit { border: 1px solid #b3261e; }")
        return False

    def current_rule(self) -> Rule:
        from app.redaction.rules import check_rule
        from app.redaction.types import MaskStyle, Rule

        base = self._base or Rule(id="x", entity_type="XX", pattern="x")
        rule = base.with_changes(
            id=self.rule_id.text().strip(),
            name=self.name.text().strip(),
            entity_type=self.entity.text().strip().upper(),
            pattern=self.pattern.text(),
            validator=self.validator.currentText().strip() or None,
            context=_csv(self.context.text()),
            context_required=self.context_required.isChecked(),
            allow=_csv(self.allow.text()),
            score=round(self.score.value(), 3),
            style=MaskStyle(self.mask_style.currentText()),
            enabled=self.enabled.isChecked(),
        )
        if rule.id != "known_people":
            check_rule(rule)
        return rule

    def _rule_or_message(self) -> Rule | None:
        from app.errors import PrivDeskError

        try:
            return self.current_rule()
        except PrivDeskError as exc:
            self.changes.setText(exc.message)
            return None

    def _save(self) -> None:
        rule = self._rule_or_message()
        if rule is None:
            return
        if self._base is not None and rule.id == "known_people":
            self.toggleRequested.emit(rule.id, rule.enabled)
        else:
            self.saveRequested.emit(rule)

    def _try(self) -> None:
        rule = self._rule_or_message()
        if rule is not None:
            self.changes.setText("Comparing over the sample set…")
            self.tryRequested.emit(rule)

    # -- versions -----------------------------------------------------------------

    def set_versions(self, versions: list[RuleVersionInfo]) -> None:
        self.versions.set_rows(versions)
        self.diff.clear()
        self.revert_button.setEnabled(False)

    def _show_diff(self, current, _previous) -> None:
        if not current.isValid():
            return
        rows = sorted(self.versions.rows(), key=lambda v: v.version)
        chosen = self.versions.row_at(current.row())
        before = next((v for v in reversed(rows) if v.version < chosen.version), None)

        def lines(v: RuleVersionInfo | None) -> list[str]:
            if v is None:
                return []
            return [f"{k} = {json.dumps(val)}" for k, val in sorted(v.definition.items())]

        old_name = f"v{before.version}" if before else "shipped/none"
        diff = difflib.unified_diff(
            lines(before), lines(chosen), old_name, f"v{chosen.version}", lineterm=""
        )
        self.diff.setPlainText("\n".join(diff) or "(no change in the definition)")
        self.revert_button.setEnabled(True)

    def _revert(self) -> None:
        index = self.version_table.currentIndex()
        if index.isValid() and self._base is not None:
            self.revertRequested.emit(self._base.id, self.versions.row_at(index.row()).version)
