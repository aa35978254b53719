"""Breach record form: facts, the awareness decision, risk, Art. 33(3) items "to follow",
"authority notified" (refused by the service while an item is missing) and the tasks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QWidget,
)

from app.drills.records import ART34_RESOLUTIONS, REQUIRED_ITEMS
from app.security.permissions import Permission
from views.common.widgets import hbox, vbox, wrapped
from views.drills.tab import DrillsTab, when

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.breach import BreachService
    from app.drills.records import RunDetail

NOT_DECIDED = "(not decided)"
FIELDS: tuple[tuple[str, str], ...] = (
    ("nature", "Nature of the breach"),
    ("subject_categories", "Categories of data subjects"),
    ("subjects_approx", "≈ number of data subjects"),
    ("record_categories", "Categories of records"),
    ("records_approx", "≈ number of records"),
    ("data_categories", "Data categories"),
    ("consequences", "Likely consequences"),
    ("measures", "Measures taken / proposed"),
    ("dpo_contact", "DPO / contact point"),
    ("detected_at", "Detected at (ISO; local in the time zone)"),
    ("jurisdictions", "Jurisdictions (EU, UK, US-CA …)"),
    ("residents", "US residents (CA=800, NY=20)"),
)


def system_zone() -> str:
    """This computer's IANA zone when Python knows it too, else empty (offsets needed)."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return name


class BreachForm(DrillsTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.detail: RunDetail | None = None
        self.edits: dict[str, QLineEdit] = {}
        self.follow: dict[str, QCheckBox] = {}
        form = QFormLayout()
        for key, label in FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(label)
            self.edits[key] = edit
            if key in REQUIRED_ITEMS:
                box = QCheckBox("to follow")
                box.setToolTip("Art. 33(4): provide this later; opens a follow-up task")
                box.clicked.connect(lambda checked, k=key: self.to_follow(k, checked))
                self.follow[key] = box
                form.addRow(f"{label} ({REQUIRED_ITEMS[key][1]})", hbox(edit, box))
            else:
                form.addRow(label, edit)
        self.save_button = QPushButton("Save breach record")
        self.save_button.clicked.connect(self.save)
        facts = QGroupBox("Facts (Art. 33(3) items marked a–d)")
        facts.setLayout(vbox(form, hbox(None, self.save_button)))

        self.aware_state = wrapped()
        self.zone = QLineEdit(system_zone())
        self.zone.setAccessibleName("Time zone")
        self.zone.setPlaceholderText("e.g. Europe/London")
        self.zone.setToolTip("Times typed without an offset are read in this zone")
        self.zone.setMaximumWidth(160)
        self.aware_at = QLineEdit()
        self.aware_at.setAccessibleName("Aware at")
        self.aware_at.setPlaceholderText("now, or 2026-05-02T14:20 (local) / …+02:00")
        self.aware_reason = QLineEdit()
        self.aware_reason.setPlaceholderText("Why are we now reasonably certain?")
        self.aware_button = QPushButton("Decide awareness")
        self.aware_button.clicked.connect(self.decide_awareness)
        self.risk = QComboBox()
        self.risk.addItems([NOT_DECIDED, "none", "risk", "high"])
        self.risk.setAccessibleName("Risk level")
        self.risk_button = QPushButton("Record risk decision")
        self.risk_button.clicked.connect(self.decide_risk)
        self.delay = QLineEdit()
        self.delay.setPlaceholderText("Reasons for the delay (needed after 72 h)")
        self.notify_button = QPushButton("Record: authority notified")
        self.notify_button.setToolTip("Records the notification; PrivDesk sends nothing")
        self.notify_button.clicked.connect(self.notified)
        self.missing = wrapped()
        self.missing.setStyleSheet("color: #b3261e;")
        decisions = QGroupBox("Decisions")
        decisions.setLayout(
            vbox(
                self.aware_state,
                hbox(
                    QLabel("Aware at"),
                    self.aware_at,
                    QLabel("in"),
                    self.zone,
                    self.aware_reason,
                    self.aware_button,
                ),
                hbox(QLabel("Risk to individuals"), self.risk, self.risk_button, None),
                hbox(self.delay, self.notify_button),
                self.missing,
            )
        )

        self.tasks = QListWidget()
        self.tasks.setAccessibleName("Tasks")
        self.resolution = QComboBox()
        self.resolution.addItem("information provided", "provided")
        for key, text in ART34_RESOLUTIONS.items():
            self.resolution.addItem(text, key)
        self.justification = QLineEdit()
        self.justification.setPlaceholderText("Justification (needed for an Art. 34(3) exception)")
        self.close_task_button = QPushButton("Close task")
        self.close_task_button.clicked.connect(self.close_task)
        tasks = QGroupBox("Tasks (Art. 33(4) follow-ups, Art. 34)")
        tasks.setLayout(
            vbox(self.tasks, hbox(self.resolution, self.justification, self.close_task_button))
        )
        body = QWidget()
        body.setLayout(vbox(decisions, facts, tasks, None))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setLayout(vbox(scroll))
        self._writers = [
            *self.edits.values(),
            *self.follow.values(),
            self.save_button,
            self.aware_button,
            self.risk_button,
            self.notify_button,
            self.close_task_button,
        ]

    def _service(self) -> BreachService:
        from app.drills.breach import BreachService

        return BreachService(self.ctx, self.principal())

    def set_detail(self, d: RunDetail) -> None:
        self.detail = d
        b = d.breach
        for key, edit in self.edits.items():
            if edit.hasFocus():
                continue
            if key == "jurisdictions":
                edit.setText(", ".join(b.jurisdictions))
            elif key == "residents":
                edit.setText(", ".join(f"{k}={v}" for k, v in b.residents.items()))
            else:
                value = b.value(key)
                edit.setText("" if value is None else str(value))
        for key, box in self.follow.items():
            box.setChecked(key in b.to_follow)
        writable = d.run.status == "active" and self.principal().can(Permission.DRILLS_RUN)
        for w in self._writers:
            w.setEnabled(writable)
        if b.aware_at:
            self.aware_state.setText(
                f"<b>Aware at {when(b.aware_at)} UTC</b>, decided by {b.aware_by}: {b.aware_reason}"
            )
        else:
            self.aware_state.setText("<b>Awareness not decided yet</b> — the 72 hours start there.")
        self.risk.setCurrentText(NOT_DECIDED if b.risk_level == "unknown" else b.risk_level)
        names = [REQUIRED_ITEMS[m][0] for m in b.missing]
        if b.authority_notified_at:
            self.missing.setText(
                f"Authority notification recorded {when(b.authority_notified_at)} UTC."
            )
        elif names:
            self.missing.setText("Before notifying, fill in or mark to follow: " + ", ".join(names))
        else:
            self.missing.setText("")
        self.tasks.clear()
        for t in d.tasks:
            state = "open" if t.status == "open" else f"closed ({t.resolution}) by {t.closed_by}"
            item = QListWidgetItem(f"{t.label} — {state}")
            item.setData(256, t.id)
            self.tasks.addItem(item)

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, edit in self.edits.items():
            text = edit.text().strip()
            if key == "jurisdictions":
                out[key] = [j for j in text.replace(";", ",").split(",") if j.strip()]
            elif key == "residents":
                pairs = {}
                for part in text.replace(";", ",").split(","):
                    state, _, count = part.partition("=")
                    if state.strip():
                        pairs[state.strip()] = count.strip() or "0"
                out[key] = pairs
            else:
                out[key] = text
        return out

    def _after(self, _: object = None) -> None:
        self.changed.emit()

    def _run_id(self) -> int | None:
        return self.detail.run.id if self.detail else None

    def save(self) -> None:
        run_id, service, changes = self._run_id(), self._service(), self.changes()
        if run_id is None:
            return
        try:
            changes["residents"] = {k: int(v) for k, v in changes["residents"].items()}
        except ValueError:
            self.say("US residents: write STATE=NUMBER, e.g. CA=800.")
            return
        if changes["detected_at"]:
            try:
                changes["detected_at"] = self._instant(changes["detected_at"])
            except ValueError as exc:
                self.say(f"Detected at: {exc}")
                return
        self.run(
            lambda c: service.update(run_id, changes),
            self._after,
            "saving the breach record",
        )

    def to_follow(self, key: str, checked: bool) -> None:
        run_id, service = self._run_id(), self._service()
        if run_id is not None:
            self.run(
                lambda c: service.set_to_follow(run_id, key, checked),
                self._after,
                "marking the item",
            )

    def _instant(self, text: str) -> datetime:
        """A typed time: with its offset, or local in the Time zone field (one parser)."""
        from app.drills.clocks import ClockError, parse_instant

        name = self.zone.text().strip()
        try:
            zone = ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            raise ClockError(f"unknown time zone {name!r} (e.g. Europe/London)") from None
        return parse_instant(text, zone, zone_hint="a time zone")

    def decide_awareness(self) -> None:
        run_id, service = self._run_id(), self._service()
        if run_id is None:
            return
        text = self.aware_at.text().strip()
        try:
            at = self.ctx.clock.now() if text in ("", "now") else self._instant(text)
        except ValueError as exc:
            self.say(f"Aware at: {exc}")
            return
        reason = self.aware_reason.text()
        self.run(
            lambda c: service.decide_awareness(run_id, at, reason),
            self._after,
            "recording the awareness decision",
        )

    def decide_risk(self) -> None:
        run_id, service, level = self._run_id(), self._service(), self.risk.currentText()
        if level == NOT_DECIDED:
            self.say("Choose none, risk or high first.", "info")
            return
        if run_id is not None:
            self.run(
                lambda c: service.decide_risk(run_id, level),
                self._after,
                "recording the risk decision",
            )

    def notified(self) -> None:
        run_id, service, delay = self._run_id(), self._service(), self.delay.text()
        if run_id is not None:
            self.run(
                lambda c: service.mark_authority_notified(run_id, delay_reasons=delay),
                self._after,
                "recording the notification",
            )

    def close_task(self) -> None:
        item, run_id, service = self.tasks.currentItem(), self._run_id(), self._service()
        if item is None or run_id is None:
            return
        task_id, resolution = item.data(256), self.resolution.currentData()
        justification = self.justification.text()
        self.run(
            lambda c: service.close_task(run_id, task_id, resolution, justification),
            self._after,
            "closing the task",
        )
