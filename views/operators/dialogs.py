"""Input dialogs of the Operators pane. They collect values; the pane calls the service."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from views.common.widgets import MARGIN, Banner, hbox, heading, vbox, wrapped


def _role_boxes(checked: Iterable[str] = ()) -> dict[str, QCheckBox]:
    from app.security.permissions import ROLE_TITLES

    ticked = set(checked)
    boxes: dict[str, QCheckBox] = {}
    for role, title in ROLE_TITLES.items():
        box = QCheckBox(title)
        box.setChecked(role.value in ticked)
        boxes[role.value] = box
    return boxes


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class AddOperatorDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add operator")
        self.username = QLineEdit()
        self.username.setPlaceholderText("lowercase, e.g. grace")
        self.display_name = QLineEdit()
        self.email = QLineEdit()
        self.email.setPlaceholderText("optional")
        self.roles = _role_boxes()
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("Display name", self.display_name)
        form.addRow("E-mail", self.email)
        role_box = vbox(*self.roles.values(), spacing=2)
        form.addRow("Roles", role_box)
        self.banner = Banner()
        self.setLayout(
            vbox(
                wrapped(
                    "The new operator gets a one-time enrolment code to set their own "
                    "password and authenticator. You never see their password."
                ),
                form,
                self.banner,
                _buttons(self, "Add"),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.setMinimumWidth(420)

    def values(self) -> tuple[str, str, list[str], str | None]:
        roles = [name for name, box in self.roles.items() if box.isChecked()]
        email = self.email.text().strip() or None
        return self.username.text().strip(), self.display_name.text().strip(), roles, email


class RolesDialog(QDialog):
    def __init__(self, username: str, roles: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Roles of {username}")
        self.roles = _role_boxes(roles)
        self.setLayout(
            vbox(
                wrapped(f"Roles of {username}. The change applies at their next action."),
                *self.roles.values(),
                _buttons(self, "Save roles"),
                margin=MARGIN * 2,
                spacing=4,
            )
        )

    def values(self) -> list[str]:
        return [name for name, box in self.roles.items() if box.isChecked()]


class EnrolmentCodeDialog(QDialog):
    """Shows a one-time enrolment code; it is not stored anywhere readable after this."""

    def __init__(self, username: str, code: str, expires_at: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Enrolment code")
        expires = expires_at[:16].replace("T", " ")
        self.code = QLabel(code)
        font = self.code.font()
        font.setPointSize(font.pointSize() + 5)
        font.setFamily("monospace")
        self.code.setFont(font)
        self.code.setTextInteractionFlags(self.code.textInteractionFlags().TextSelectableByMouse)
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(code))
        done = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        done.rejected.connect(self.reject)
        done.accepted.connect(self.accept)
        self.setLayout(
            vbox(
                heading(f"Enrolment code for {username}", size_delta=2),
                wrapped(
                    f"Give this code to {username} through a trusted channel. With it they "
                    f"choose their password and set up their authenticator (Sign in → "
                    f"“I have an enrolment code”). It works once and expires {expires} UTC. "
                    "It is shown only now."
                ),
                hbox(self.code, None, copy),
                done,
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.setMinimumWidth(460)

    def done(self, result: int) -> None:
        self.code.clear()  # shown once
        super().done(result)
