"""Dialogs of the access review pane: new campaign, decision, reassign, sign-off, settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from app.settings import SETTINGS
from app.wording import counted
from views.common.widgets import MARGIN, Banner, heading, vbox, wrapped

if TYPE_CHECKING:
    from app.review.records import BulkPreview, ItemRow, ReviewSettings

SCOPES = (
    ("All agents and admins", "all"),
    ("Admins only", "admins"),
    ("A group", "group"),
    ("A custom role", "custom_role"),
)


def _buttons(dialog: QDialog, ok: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class CreateCampaignDialog(QDialog):
    def __init__(
        self,
        default_name: str,
        roles: list[str],
        groups: list[str],
        reviewers: list[str],
        me: str,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New access review")
        self._roles, self._groups = roles, groups
        self.name = QLineEdit(default_name)
        self.scope = QComboBox()
        for label, value in SCOPES:
            self.scope.addItem(label, value)
        self.scope_value = QComboBox()
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self.reviewers = QListWidget()
        for name in reviewers:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name == me else Qt.CheckState.Unchecked)
            self.reviewers.addItem(item)
        self.reviewers.setMaximumHeight(110)
        self.due = QDateEdit(QDate(*(today + timedelta(days=30)).timetuple()[:3]))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Scope", self.scope)
        form.addRow("", self.scope_value)
        form.addRow("Reviewers", self.reviewers)
        form.addRow("Due", self.due)
        self.setLayout(
            vbox(
                heading("New access review", size_delta=2),
                wrapped("One review item per agent of the latest help-desk snapshot."),
                form,
                _buttons(self, "Create"),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self._scope_changed()
        self.setMinimumWidth(420)

    def _scope_changed(self) -> None:
        kind = self.scope.currentData()
        self.scope_value.clear()
        values = {"group": self._groups, "custom_role": self._roles}.get(kind, [])
        self.scope_value.addItems(values)
        self.scope_value.setVisible(bool(values))

    def values(self) -> dict[str, object]:
        picked = self.due.date()
        kind = self.scope.currentData()
        named = kind in ("group", "custom_role")
        return {
            "name": self.name.text().strip() or None,
            "scope": kind,
            "scope_value": self.scope_value.currentText() if named else None,
            "reviewers": [
                self.reviewers.item(i).text()
                for i in range(self.reviewers.count())
                if self.reviewers.item(i).checkState() == Qt.CheckState.Checked
            ],
            "due_date": date(picked.year(), picked.month(), picked.day()),
        }


class DecisionDialog(QDialog):
    """Justification (and the target role for modify) for one item, a bulk decision, or a
    change of one decided item (`change`: the item; then a reason for the change is asked).

    `needs_justification(decision)` is the service's rule for these items (revoke, modify,
    and keep on items with findings); the service checks it again. `preview` is the text
    saying what a bulk decision will do, shown above the form."""

    def __init__(
        self,
        decision: str,
        count: int,
        roles: list[str],
        parent: QWidget | None = None,
        *,
        choose: bool = False,
        needs_justification: Callable[[str], bool] | None = None,
        preview: str | None = None,
        change: ItemRow | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change decision" if change else "Decision")
        self._needs = needs_justification or (lambda d: d in ("revoke", "modify"))
        self.decision = QComboBox()
        self.decision.addItems(["keep", "revoke", "modify"])
        self.decision.setCurrentText(decision)
        self.decision.setEnabled(choose or change is not None)
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.addItems(roles)
        self.justification = QPlainTextEdit()
        self.justification.setMaximumHeight(90)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why does the earlier decision change? (required)")
        self.banner = Banner()
        form = QFormLayout()
        form.addRow("Decision", self.decision)
        form.addRow("Target role", self.target)
        form.addRow("Justification", self.justification)
        if change is not None:
            form.addRow("Reason for the change", self.reason)
        self.decision.currentTextChanged.connect(self._changed)
        what = "1 agent" if count == 1 else f"{count} agents"
        parts: list[QWidget] = [heading(f"Decide for {what}", size_delta=2)]
        if change is not None:
            who = change.name or f"item #{change.id}"
            parts = [
                heading(f"Change the decision for {who}", size_delta=2),
                wrapped(
                    f"Now: <b>{escape(_decision_text(change))}</b> by "
                    f"{escape(change.decided_by or '')} at {escape(change.decided_at or '')}. "
                    "The earlier decision stays in the item's history and the evidence pack."
                ),
            ]
        self.preview = wrapped(preview or "")
        self.preview.setVisible(bool(preview))
        ok = (
            "Change decision" if change else ("Record decision" if count == 1 else f"Decide {what}")
        )
        self.setLayout(
            vbox(
                *parts,
                self.preview,
                self.banner,
                form,
                _buttons(self, ok),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self._change = change
        self._changed()
        self.setMinimumWidth(460)

    def _changed(self) -> None:
        decision = self.decision.currentText()
        self.target.setEnabled(decision == "modify")
        self.justification.setPlaceholderText(
            "Why? (required)" if self._needs(decision) else "Why? (optional: no findings)"
        )

    def accept(self) -> None:
        decision = self.decision.currentText()
        if self._needs(decision) and not self.justification.toPlainText().strip():
            why = " on items with findings" if decision == "keep" else ""
            self.banner.show_error(f"A {decision} decision{why} needs a justification.")
            return
        if decision == "modify" and not self.target.currentText().strip():
            self.banner.show_error("Choose the role to move this agent to.")
            return
        if self._change is not None and not self.reason.text().strip():
            self.banner.show_error("Say why the earlier decision changes (Reason for the change).")
            return
        super().accept()

    def values(self) -> tuple[str, str | None, str | None]:
        decision = self.decision.currentText()
        target = self.target.currentText().strip() if decision == "modify" else None
        return decision, target or None, self.justification.toPlainText().strip() or None


def _decision_text(it: ItemRow) -> str:
    text = (it.decision or "open").replace("_", " ")
    return text + (f" → {it.target_role}" if it.target_role else "")


def bulk_preview_text(preview: BulkPreview) -> str:
    """What a bulk decision will do, from the service's preview (the same code decides)."""
    n, m = preview.will_decide, preview.already_decided
    text = (
        f"<b>Decides {counted(n, 'open item')}.</b> Leaves "
        f"{counted(m, 'already-decided item')} alone: a decision is never overwritten."
    )
    if preview.own_account:
        text += " Your own help-desk account is left to another reviewer."
    if preview.with_findings:
        text += (
            f"<br>{preview.with_findings} of them have findings: a keep needs one "
            "justification, recorded on each of them."
        )
    return text


class ReassignDialog(QDialog):
    def __init__(self, reviewers: list[str], count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reassign")
        self.reviewer = QComboBox()
        self.reviewer.addItems(reviewers)
        self.setLayout(
            vbox(
                wrapped(f"Give {counted(count, 'selected item')} to:"),
                self.reviewer,
                _buttons(self, "Reassign"),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )


class SignOffDialog(QDialog):
    def __init__(self, name: str, open_items: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign off")
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note for the record (optional)")
        self.carry_over = QCheckBox(f"Carry the {open_items} open items over to the next review")
        self.carry_over.setVisible(open_items > 0)
        self.setLayout(
            vbox(
                heading(f"Sign off {name}", size_delta=2),
                wrapped(
                    "Signing off locks every decision: nothing in this campaign can change "
                    "afterwards. You will be asked for your authenticator code."
                ),
                self.carry_over,
                self.note,
                _buttons(self, "Sign off"),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.setMinimumWidth(440)


class SettingsDialog(QDialog):
    """Dormant-days limit and toxic-combination rules for future campaigns. The dialog only
    collects the values: OK emits `saveRequested(values)`, and the pane closes the dialog
    once the service (which checks the values and the permission) has saved them, or shows
    the service's refusal in `banner` with the edits kept."""

    saveRequested = Signal(dict)

    def __init__(self, current: ReviewSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Access review settings")
        self._custom = current.custom_rules
        self._rules_text = current.rules_json()
        self.banner = Banner()
        self.dormant = QSpinBox()
        spec = SETTINGS.spec("review.dormant_days")
        self.dormant.setRange(spec.minimum or 1, spec.maximum or 3650)
        self.dormant.setSuffix(" days without a login")
        self.dormant.setValue(current.dormant_days)
        self._dormant_before = current.dormant_days
        self.built_in = QCheckBox("Use the built-in toxic-combination rules")
        self.built_in.setChecked(not current.custom_rules)
        self.rules = QPlainTextEdit(self._rules_text)
        self.rules.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.rules.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.rules.setMinimumHeight(220)
        self.built_in.toggled.connect(lambda on: self.rules.setReadOnly(on))
        self.rules.setReadOnly(self.built_in.isChecked())
        form = QFormLayout()
        form.addRow(spec.label, self.dormant)
        self.setLayout(
            vbox(
                heading("Access review settings", size_delta=2),
                self.banner,
                wrapped(
                    "These apply to campaigns created from now on; a running campaign keeps "
                    "the settings it started with."
                ),
                form,
                self.built_in,
                wrapped(
                    "Toxic combinations: a JSON list of rules. An agent holding every "
                    "statement key in <code>all</code> gets a finding with the reason."
                ),
                self.rules,
                _buttons(self, "Save"),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.setMinimumWidth(560)

    def accept(self) -> None:
        self.banner.clear()
        self.saveRequested.emit(self.values())

    def values(self) -> dict[str, object]:
        """Only what changed: `dormant_days`, `toxic_rules_json`, `default_rules`."""
        out: dict[str, object] = {}
        if self.dormant.value() != self._dormant_before:
            out["dormant_days"] = self.dormant.value()
        if self.built_in.isChecked():
            if self._custom:
                out["default_rules"] = True
        elif self._custom is False or self.rules.toPlainText() != self._rules_text:
            out["toxic_rules_json"] = self.rules.toPlainText()
        return out
