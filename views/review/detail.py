"""The side panel: one agent's effective permissions, findings, changes and history."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QPushButton, QTextBrowser, QWidget

from views.common.widgets import hbox, vbox

if TYPE_CHECKING:
    from app.review.records import ItemDetail

SEVERITY_COLOUR = {"high": "#b3261e", "medium": "#a15c00", "low": "#1d3f6e", "info": "#555555"}


def detail_html(detail: ItemDetail) -> str:
    it, e = detail.item, escape
    parts = [
        f"<h3 style='margin-bottom:2px'>{e(it.name or '—')}</h3>",
        f"<div style='color:#555'>{e(it.email or '')} · help-desk id {it.agent_id}</div>",
        f"<p><b>{e(it.role_name)}</b> ({e(it.role)})"
        + (f" · groups: {e(', '.join(it.groups))}" if it.groups else " · no groups")
        + f"<br>Sign-in: {e(it.mfa_text)}"
        + (f"<br>Last sign-in: {e(it.last_login_at)}" if it.last_login_at else "")
        + "</p>",
        "<h4>Findings</h4>",
    ]
    if it.findings:
        parts.append("<ul style='margin-left:-20px'>")
        for f in it.findings:
            colour = SEVERITY_COLOUR.get(f.severity, "#000")
            more = f": {e(f.detail)}" if f.detail else ""
            parts.append(f"<li><b style='color:{colour}'>{e(f.label)}</b>{more}</li>")
        parts.append("</ul>")
    else:
        parts.append("<p style='color:#1e5b2b'>No findings.</p>")
    if it.changes:
        parts.append("<h4>Since the last review</h4><ul style='margin-left:-20px'>")
        parts += [f"<li>{e(c)}</li>" for c in it.changes]
        parts.append("</ul>")
    parts.append("<h4>Effective permissions</h4>")
    for g in it.grants:
        style = "color:#8a1c1c;" if g.privileged else ""
        text = f"<i>{e(g.text)}</i>" if g.raw else e(g.text)
        parts.append(
            f"<div style='{style}margin-bottom:3px'>{text}<br>"
            f"<small style='color:#777'>&nbsp;&nbsp;{e(g.via)}</small></div>"
        )
    parts.append("<h4>Decision</h4>")
    if it.decision:
        target = f" → {e(it.target_role)}" if it.target_role else ""
        parts.append(
            f"<p><b>{e(it.decision.replace('_', ' '))}</b>{target} by {e(it.decided_by or '')}"
            f" at {e(it.decided_at or '')}"
            + (f"<br>{e(it.justification)}" if it.justification else "")
            + (f"<br><i>Changed: {e(it.change_reason)}</i>" if it.change_reason else "")
            + "</p>"
        )
        if it.earlier:
            parts.append("<p style='color:#555'><b>Earlier decisions</b>")
            parts += [
                f"<br>{e(d.text)} — {e(d.who)}, {e(d.at[:16].replace('T', ' '))}"
                + (f" (changed: {e(d.change_reason)})" if d.change_reason else "")
                for d in it.earlier
            ]
            parts.append("</p>")
    else:
        parts.append(f"<p>Open — reviewer {e(it.reviewer or '(unassigned)')}</p>")
    if detail.history:
        parts.append("<h4>History</h4><ul style='margin-left:-20px'>")
        parts += [
            f"<li><span style='color:#777'>{e(h.at[:16].replace('T', ' '))}</span> "
            f"{e(h.who)} — {e(h.kind)}: {e(h.text)}</li>"
            for h in detail.history
        ]
        parts.append("</ul>")
    return "".join(parts)


class DetailPanel(QWidget):
    commentRequested = Signal(int, str)
    changeRequested = Signal(int)  # item id: change its decision (the earlier one is kept)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Add a comment…")
        self.add_comment = QPushButton("Comment")
        self.add_comment.clicked.connect(self._comment)
        self.comment.returnPressed.connect(self._comment)
        self.change_button = QPushButton("Change decision…")
        self.change_button.setToolTip(
            "Replace this item's decision, with a reason; the earlier one stays in its history"
        )
        self.change_button.clicked.connect(self._change)
        self.item_id: int | None = None
        self.setLayout(
            vbox(
                self.browser,
                hbox(self.comment, self.add_comment),
                hbox(None, self.change_button),
            )
        )
        self.setMinimumWidth(260)
        self.clear()

    def clear(self) -> None:
        self.item_id = None
        self.browser.setHtml("<p style='color:#777'>Select an agent to see the details.</p>")
        self.comment.setEnabled(False)
        self.add_comment.setEnabled(False)
        self.change_button.setEnabled(False)

    def show_detail(self, detail: ItemDetail, *, can_comment: bool) -> None:
        self.item_id = detail.item.id
        self.browser.setHtml(detail_html(detail))
        self.comment.setEnabled(can_comment)
        self.add_comment.setEnabled(can_comment)
        decided = detail.item.decision is not None
        self.change_button.setEnabled(can_comment and decided)
        self.change_button.setToolTip(
            "Replace this item's decision, with a reason; the earlier one stays in its history"
            if decided
            else "The item is open: decide it with k, r or m (or Decide filtered…)"
        )

    def _change(self) -> None:
        if self.item_id is not None:
            self.changeRequested.emit(self.item_id)

    def _comment(self) -> None:
        text = self.comment.text().strip()
        if self.item_id is not None and text:
            self.commentRequested.emit(self.item_id, text)
            self.comment.clear()
