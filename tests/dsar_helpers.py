"""Shared setup for the DSAR tests: the Zendesk fixture imported, a privacy officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.dsar.records import NewRequest
from app.dsar.requests import DsarService
from app.helpdesk import HelpdeskService
from app.security import totp
from app.security.auth import AuthService
from tests.helpdesk_helpers import ZENDESK

DANA = {
    "requester_name": "Dana Customer",
    "emails": ["dana@customer.example"],
    "phones": ["+1 (555) 123-4567"],
}


@dataclass
class Desk:
    admin: Any
    officer: Any
    secret: str

    @property
    def ctx(self) -> Any:
        return self.admin.ctx

    def svc(self) -> DsarService:
        return DsarService(self.ctx, self.officer)

    def stepped_up(self) -> Any:
        self.admin.clock.advance(30)
        code = totp.current_code(self.secret, self.admin.clock.now())
        self.officer = AuthService(self.ctx).step_up(self.officer, code)
        return self.officer

    def new(self, **kw: Any) -> Any:
        fields: dict[str, Any] = {
            **DANA,
            "request_type": "access",
            "regime": "uk-gdpr",
            "received_at": datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        }
        fields.update(kw)
        return self.svc().create(NewRequest(**fields))


def make_desk(admin: Any) -> Desk:
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(ZENDESK / "api")
    officer, secret = admin.add_operator("dpo", ["privacy_officer"])
    return Desk(admin, officer, secret)
