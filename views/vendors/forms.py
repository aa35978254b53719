"""The vendor form and the review dialog of the vendors pane.

The vendor form builds a `VendorInput` and checks it (`VendorInput.check`, so the message
names the vendor and the field); the review dialog shows the questionnaire with one answer
per question, the evidence files chosen, the decision and its conditions. The pane saves
both through `VendorService`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QWidget,
)

from app.vendors.questionnaire import ANSWERS, Questionnaire
from app.vendors.records import (
    ACCESS,
    DECISIONS,
    RISK_TIERS,
    ROLES,
    TRANSFERS,
    ReviewRow,
    VendorError,
    VendorInput,
    parse_day,
)
from views.common.widgets import MARGIN, Banner, hbox, scrolled, vbox, wrapped

CERTIFICATION_KINDS = (
    "SOC 2 Type II",
    "SOC 2 Type I",
    "ISO/IEC 27001",
    "ISO/IEC 27701",
    "ISO/IEC 27018",
    "PCI DSS",
    "CSA STAR",
)
TRANSFER_LABELS = {"sccs": "SCCs", "adequacy": "adequacy", "dpf": "DPF", "none": "none"}


class VendorDialog(QDialog):
    """Add a vendor (or, given one, change it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a vendor")
        self.key = QLineEdit()
        self.name = QLineEdit()
        self.purpose = QLineEdit()
        self.categories = QLineEdit()
        self.categories.setPlaceholderText("inventory category keys, comma-separated")
        self.role = QComboBox()
        self.role.addItems(list(ROLES))
        self.dpa_signed = QCheckBox("A DPA is signed")
        self.dpa_date = QLineEdit()
        self.dpa_date.setPlaceholderText("YYYY-MM-DD")
        self.transfer = QComboBox()
        for t in TRANSFERS:
            self.transfer.addItem(TRANSFER_LABELS[t], t)
        self.risk = QComboBox()
        self.risk.addItems(list(RISK_TIERS))
        self.risk.setCurrentText("medium")
        self.access = QComboBox()
        self.access.addItems(list(ACCESS))
        self.owner = QLineEdit()
        self.next_review = QLineEdit()
        self.next_review.setPlaceholderText("YYYY-MM-DD")
        form = QFormLayout()
        for label, widget in (
            ("Key", self.key),
            ("Service", self.name),
            ("Purpose", self.purpose),
            ("Data categories shared", self.categories),
            ("Role", self.role),
            ("", self.dpa_signed),
            ("DPA signed on", self.dpa_date),
            ("Transfer mechanism", self.transfer),
            ("Risk tier", self.risk),
            ("Help-desk access needed", self.access),
            ("Owner", self.owner),
            ("Next review", self.next_review),
        ):
            form.addRow(label, widget)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.vendor: VendorInput | None = None
        self.setLayout(vbox(form, self.banner, self.buttons, margin=MARGIN))

    def values(self) -> VendorInput:
        return VendorInput(
            key=self.key.text().strip(),
            name=self.name.text().strip(),
            purpose=self.purpose.text().strip(),
            categories=tuple(c.strip() for c in self.categories.text().split(",") if c.strip()),
            role=self.role.currentText(),
            dpa_signed=self.dpa_signed.isChecked(),
            dpa_date=self.dpa_date.text().strip() or None,
            transfer=str(self.transfer.currentData()),
            risk_tier=self.risk.currentText(),
            access=self.access.currentText(),
            owner=self.owner.text().strip(),
            next_review=self.next_review.text().strip() or None,
        )

    def submit(self) -> None:
        try:
            vendor = self.values()
            vendor.check()
        except VendorError as exc:
            self.banner.show_message(exc.message, "error")
            return
        self.vendor = vendor
        self.accept()


class ReviewDialog(QDialog):
    """One open review: an answer per question, evidence files, decision, sign-off."""

    save_requested = Signal()
    signoff_requested = Signal()

    def __init__(
        self, review: ReviewRow, service_name: str, template: Questionnaire, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.review = review
        self.setWindowTitle(f"Review of {service_name}")
        self.resize(760, 600)
        self.answers: dict[str, QComboBox] = {}
        form = QFormLayout()
        topic = ""
        for q in template.questions:
            if q.topic != topic:
                topic = q.topic
                title = QLabel(f"<b>{topic}</b>")
                form.addRow(title)
            box = QComboBox()
            box.addItem("(not answered)", "")
            for a in ANSWERS:
                box.addItem(a, a)
            current = review.answers.get(q.id, "")
            box.setCurrentIndex(max(0, box.findData(current)))
            self.answers[q.id] = box
            text = wrapped(f"{q.text} (weight {q.weight})")
            text.setMinimumWidth(440)
            form.addRow(text, box)
        holder = QWidget()
        holder.setLayout(form)
        self.evidence: list[Path] = []
        self.evidence_list = QListWidget()
        self.evidence_list.setMaximumHeight(70)
        for e in review.evidence:
            self.evidence_list.addItem(f"{e.name} ({e.size:,} bytes, sha256 {e.sha256[:12]}…)")
        self.add_evidence = QPushButton("Add evidence file…")
        self.add_evidence.clicked.connect(self.choose_evidence)
        self.score = wrapped(self._score_text(review))
        self.decision = QComboBox()
        self.decision.addItems(list(DECISIONS))
        self.conditions = QLineEdit()
        self.conditions.setPlaceholderText("conditions (needed for approve_with_conditions)")
        self.save_button = QPushButton("Save answers")
        self.save_button.clicked.connect(self.save_requested.emit)
        self.signoff_button = QPushButton("Sign off…")
        self.signoff_button.setToolTip("Saves the answers, then asks for your authenticator code")
        self.signoff_button.clicked.connect(self.signoff_requested.emit)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        self.banner = Banner()
        self.setLayout(
            vbox(
                scrolled(holder),
                hbox(self.add_evidence, self.evidence_list),
                self.score,
                hbox(QLabel("Decision"), self.decision, self.conditions),
                self.banner,
                hbox(None, self.save_button, self.signoff_button, close),
                margin=MARGIN,
            )
        )

    @staticmethod
    def _score_text(review: ReviewRow) -> str:
        score = "not yet scored" if review.score is None else f"{review.score}%"
        return f"Score: {score} ({len(review.answers)} answered)"

    def chosen_answers(self) -> dict[str, str]:
        return {qid: str(b.currentData()) for qid, b in self.answers.items() if b.currentData()}

    def set_answer(self, qid: str, answer: str) -> None:
        box = self.answers[qid]
        box.setCurrentIndex(box.findData(answer))

    def add_evidence_file(self, path: Path) -> None:
        self.evidence.append(path)
        self.evidence_list.addItem(f"{path.name} (to be hashed on save)")

    def choose_evidence(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Evidence files for this review")
        for name in names:
            self.add_evidence_file(Path(name))

    def show_review(self, review: ReviewRow) -> None:
        self.review = review
        self.evidence = []
        self.evidence_list.clear()
        for e in review.evidence:
            self.evidence_list.addItem(f"{e.name} ({e.size:,} bytes, sha256 {e.sha256[:12]}…)")
        self.score.setText(self._score_text(review))


class CertificationDialog(QDialog):
    """Record a certification of the selected vendor: kind, report date, expiry."""

    def __init__(self, service_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Certification of {service_name}")
        self.kind = QComboBox()
        self.kind.setEditable(True)
        self.kind.addItems(list(CERTIFICATION_KINDS))
        self.report_date = QLineEdit()
        self.report_date.setPlaceholderText("YYYY-MM-DD")
        self.expires = QLineEdit()
        self.expires.setPlaceholderText("YYYY-MM-DD (blank if it has none)")
        form = QFormLayout()
        form.addRow("Kind", self.kind)
        form.addRow("Report or certificate date", self.report_date)
        form.addRow("Expires on", self.expires)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.values: tuple[str, str, str | None] | None = None
        self.setLayout(vbox(form, self.banner, self.buttons, margin=MARGIN))

    def submit(self) -> None:
        kind, report = self.kind.currentText().strip(), self.report_date.text().strip()
        expires = self.expires.text().strip() or None
        try:
            if not kind:
                raise VendorError("the kind (e.g. 'SOC 2 Type II') is required")
            if parse_day(report, "report date") is None:
                raise VendorError("the report date is required (YYYY-MM-DD)")
            parse_day(expires, "expiry")
        except VendorError as exc:
            self.banner.show_message(exc.message, "error")
            return
        self.values = (kind, report, expires)
        self.accept()
