"""The form that adds or replaces one system, data category or processing activity.

The fields of each kind are declared once (`FIELDS`); a list is typed comma-separated.
The dialog only builds the row and checks it (`app.inventory.records.check`, so the message
names the record and the field); the pane saves it through the service.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from app.inventory.records import (
    LAWFUL_BASES,
    SENSITIVITY,
    SPECIAL_CONDITIONS,
    SYSTEM_KINDS,
    ActivityRow,
    CategoryRow,
    InventoryError,
    Row,
    SystemRow,
    check,
)
from views.common.widgets import MARGIN, Banner, vbox

# kind → (field, label, choices or None for text, is a list)
Spec = tuple[str, str, tuple[str, ...] | None, bool]
FIELDS: dict[str, tuple[Spec, ...]] = {
    "system": (
        ("key", "Key", None, False),
        ("name", "Name", None, False),
        ("kind", "Kind", SYSTEM_KINDS, False),
        ("owner", "Owner", None, False),
        ("location", "Location / region", None, False),
        ("vendor", "Hosting vendor", None, False),
        ("measures", "Security measures", None, False),
    ),
    "category": (
        ("key", "Key", None, False),
        ("name", "Name", None, False),
        ("sensitivity", "Sensitivity", tuple(SENSITIVITY), False),
        ("entity_types", "Entity types (comma-separated)", None, True),
        ("fields", "Expected in fields (comma-separated)", None, True),
    ),
    "activity": (
        ("key", "Key", None, False),
        ("name", "Business function", None, False),
        ("purpose", "Purpose", None, False),
        ("lawful_basis", "Art. 6 lawful basis", tuple(LAWFUL_BASES), False),
        ("special_condition", "Art. 9 condition", tuple(SPECIAL_CONDITIONS), False),
        ("legitimate_interest", "Legitimate interests", None, False),
        ("subjects", "Data subjects (comma-separated)", None, True),
        ("categories", "Category keys (comma-separated)", None, True),
        ("recipients", "Recipients (comma-separated)", None, True),
        ("systems", "System keys (comma-separated)", None, True),
        ("transfers", "Third-country transfers", None, False),
        ("safeguard", "Transfer safeguard", None, False),
        ("retention", "Retention", None, False),
        ("measures", "Security measures", None, False),
    ),
}
MAKERS: dict[str, Any] = {"system": SystemRow, "category": CategoryRow, "activity": ActivityRow}
TITLES = {"system": "system", "category": "data category", "activity": "processing activity"}


class RecordDialog(QDialog):
    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle(f"Add or replace a {TITLES[kind]}")
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        form = QFormLayout()
        for name, label, choices, _is_list in FIELDS[kind]:
            widget: QLineEdit | QComboBox
            if choices is None:
                widget = QLineEdit()
            else:
                widget = QComboBox()
                widget.addItems(list(choices))
            self.inputs[name] = widget
            form.addRow(label, widget)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.row: Row | None = None
        self.setLayout(vbox(form, self.banner, self.buttons, margin=MARGIN))

    def set(self, name: str, value: str) -> None:
        widget = self.inputs[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        else:
            widget.setText(value)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, _label, _choices, is_list in FIELDS[self.kind]:
            widget = self.inputs[name]
            text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
            out[name] = tuple(v.strip() for v in text.split(",") if v.strip()) if is_list else text
        return out

    def submit(self) -> None:
        """Accept only a row that passes the inventory's checks; else say what is wrong."""
        try:
            row: Row = MAKERS[self.kind](**self.values())
            check(row)
        except InventoryError as exc:
            self.banner.show_message(exc.message, "error")
            return
        self.row = row
        self.accept()
