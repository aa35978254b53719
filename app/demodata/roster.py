"""roster.csv: the HR roster, with the planted mismatches against the directory."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.demodata.account import (
    COMPANY_DOMAIN,
    ROLE_ADMIN,
    ROLE_BILLING,
    ROLE_LEAD,
    ROLE_LIGHT,
    ROLE_STAFF,
    ROLE_TIER1,
)
from app.demodata.state import GeneratorState
from app.reports import csv_safe


class RosterPart(GeneratorState):
    """roster.csv (header and statuses documented in app.demodata.generator)."""

    def _write_roster(self) -> None:
        rng = self.rng("roster")
        now = self.now
        head = ("Ines", "Moreau", f"ines.moreau@{COMPANY_DOMAIN}")
        leads = [p for p in self.staff if p.role_name == ROLE_LEAD]
        admins = [p for p in self.staff if p.role == "admin"]
        dept = {
            ROLE_ADMIN: "Support Operations",
            ROLE_LEAD: "Customer Support",
            ROLE_TIER1: "Customer Support",
            ROLE_STAFF: "Customer Support",
            ROLE_BILLING: "Billing",
            ROLE_LIGHT: "Legal",
        }
        rows: list[tuple[datetime, list[str]]] = []
        for p in self.staff:
            if p.roster_status is None:
                continue
            if p.role_name in (ROLE_LEAD, ROLE_ADMIN) or not leads:
                manager = head[2]
            elif p.role_name == ROLE_BILLING:
                manager = admins[-1].email if len(admins) > 1 else head[2]
            else:
                manager = rng.choice(leads).email
            rows.append(
                (
                    p.created_at,
                    [
                        p.roster_email or p.email,
                        "",
                        p.roster_status,
                        dept[p.role_name],
                        manager,
                        p.roster_end.isoformat() if p.roster_end else "",
                    ],
                )
            )
        # People HR knows who have no Zendesk account (not findings, but must not match).
        extra = (
            (head, "Customer Experience", "", 2500),
            (("Rhys", "Bakker", f"rhys.bakker@{COMPANY_DOMAIN}"), "Finance", head[2], 900),
            (("Mina", "Sato", f"mina.sato@{COMPANY_DOMAIN}"), "Customer Support", head[2], -10),
        )
        for (_f, _l, email), department, manager, days in extra:
            rows.append(
                (now - timedelta(days=days), [email, "", "active", department, manager, ""])
            )
            self.scenarios["roster_only"] += 1
        rows.sort(key=lambda r: (r[0], r[1][0]))
        with (self.out / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv_safe.writer(fh, lineterminator="\n")
            writer.writerow(
                ["email", "employee_id", "status", "department", "manager_email", "end_date"]
            )
            for i, (_when, row) in enumerate(rows):
                row[1] = f"E{10001 + i}"
                writer.writerow(row)
        self.counts["roster.csv"] = len(rows)
