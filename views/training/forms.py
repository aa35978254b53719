"""The "Add programme" dialog: name, recurrence, and the audience (roles, groups, custom
roles) it is required of. The service checks it; a refusal stays in the dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from app.training.service import ProgrammeInfo
from views.common.widgets import MARGIN, Banner, hbox, vbox, wrapped

Save = Callable[["ProgrammeDialog"], None]


def _names(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


class ProgrammeDialog(QDialog):
    def __init__(self, parent: QWidget | None, save: Save) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add training programme")
        self.saved: ProgrammeInfo | None = None
        self._save = save
        self.name = QLineEdit()
        self.name.setPlaceholderText("Annual privacy training")
        self.description = QLineEdit()
        self.months = QSpinBox()
        self.months.setRange(1, 120)
        self.months.setValue(12)
        self.months.setSuffix(" months")
        self.agents = QCheckBox("Agents")
        self.admins = QCheckBox("Admins")
        self.agents.setChecked(True)
        self.admins.setChecked(True)
        self.groups = QLineEdit()
        self.groups.setPlaceholderText("Billing, Escalations")
        self.custom_roles = QLineEdit()
        self.custom_roles.setPlaceholderText("Card data handler")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        form.addRow("Repeat every", self.months)
        form.addRow("Help-desk roles", hbox(self.agents, self.admins, None))
        form.addRow("Groups", self.groups)
        form.addRow("Custom roles", self.custom_roles)
        self.banner = Banner(reserve=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        note = wrapped(
            "An agent must complete the programme if their role, one of their groups or "
            "their custom role is listed (comma-separated names)."
        )
        self.setLayout(vbox(note, form, self.banner, self.buttons, margin=MARGIN))
        self.resize(560, self.sizeHint().height())

    def submit(self) -> None:
        self._save(self)

    def values(self) -> dict[str, object]:
        roles = tuple(
            r for r, box in (("agent", self.agents), ("admin", self.admins)) if box.isChecked()
        )
        return {
            "name": self.name.text(),
            "description": self.description.text(),
            "recurrence_months": self.months.value(),
            "roles": roles,
            "groups": _names(self.groups.text()),
            "custom_roles": _names(self.custom_roles.text()),
        }
