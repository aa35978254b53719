"""Access review at scale: 10,000 agents — findings computed, campaign stored, the campaign
view's table model populated — against a baseline of merely loading the same agent rows.

    .venv/bin/python tests/bench/bench_review.py [--agents 10000]

Prints seconds and the ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keyring
from sqlalchemy import insert, select

from tests.conftest import FakeKeyring, sign_in_admin


def plant(ctx, n: int) -> int:  # type: ignore[no-untyped-def]
    """A snapshot of `n` agents/admins with custom roles, groups, a roster and auth settings."""
    import json

    from models.helpdesk import (
        AuthSettings,
        CustomRole,
        GroupMembership,
        HelpdeskGroup,
        Person,
        RosterEntry,
        Snapshot,
    )
    from tests.test_review_data import BASE_CONFIG, DEMO_SECURITY, LEAD_CONFIG

    with ctx.session() as s:
        snap = Snapshot(
            kind="directory", source="bench", created_at="2026-11-27T00:00:00Z", digest="x"
        )
        roster = Snapshot(
            kind="roster", source="bench", created_at="2026-11-27T00:00:00Z", digest="y"
        )
        s.add_all([snap, roster])
        s.flush()
        s.add(
            AuthSettings(
                snapshot_id=snap.id,
                sso_enabled=True,
                methods_json='["google","zendesk"]',
                settings_json=json.dumps({"security": DEMO_SECURITY}),
            )
        )
        for zid, name, cfg in ((1, "Tier 1", BASE_CONFIG), (2, "Team Lead", LEAD_CONFIG)):
            s.add(
                CustomRole(
                    snapshot_id=snap.id,
                    zendesk_id=zid,
                    name=name,
                    configuration_json=json.dumps(cfg),
                )
            )
        for g in range(20):
            s.add(HelpdeskGroup(snapshot_id=snap.id, zendesk_id=100 + g, name=f"Group {g}"))
        people, members, staff = [], [], []
        for i in range(n):
            admin = i % 40 == 0
            email = f"agent{i}@bench.example"
            people.append(
                {
                    "snapshot_id": snap.id,
                    "zendesk_id": 10_000 + i,
                    "name": f"Agent {i}",
                    "email": email,
                    "role": "admin" if admin else "agent",
                    "custom_role_id": None if admin else (2 if i % 13 == 0 else 1),
                    "suspended": i % 97 == 0,
                    "active": True,
                    "two_factor_auth_enabled": i % 3 == 0,
                    "last_login_at": None
                    if i % 50 == 0
                    else ("2026-03-01T00:00:00Z" if i % 11 == 0 else "2026-11-20T00:00:00Z"),
                    "created_at": "2024-01-01T00:00:00Z",
                    "report_csv": i % 17 == 0,
                    "shared_agent": i % 500 == 0,
                    "tags_json": "[]",
                    "extra_json": "{}",
                }
            )
            members.append(
                {
                    "snapshot_id": snap.id,
                    "zendesk_id": 50_000 + i,
                    "user_id": 10_000 + i,
                    "group_id": 100 + i % 20,
                    "extra_json": "{}",
                }
            )
            if i % 25:
                status = "terminated" if i % 101 == 0 else "active"
                staff.append(
                    {
                        "snapshot_id": roster.id,
                        "email": email,
                        "status": status,
                        "end_date": "2026-10-01" if status == "terminated" else None,
                        "extra_json": "{}",
                    }
                )
        s.execute(insert(Person), people)
        s.execute(insert(GroupMembership), members)
        s.execute(insert(RosterEntry), staff)
        return snap.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=10_000)
    args = parser.parse_args()
    keyring.set_keyring(FakeKeyring())
    from PySide6.QtWidgets import QApplication

    from app.review import ReviewService
    from models.helpdesk import Person
    from tests.test_review_data import officer
    from views.review.models import ItemFilter, ItemTableModel

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        signed = sign_in_admin(Path(tmp) / "ws")
        ctx = signed.ctx
        snapshot_id = plant(ctx, args.agents)
        priya, _ = officer(signed)
        service = ReviewService(ctx, priya)

        t0 = time.perf_counter()
        with ctx.read_session() as s:
            rows = s.scalars(select(Person).where(Person.snapshot_id == snapshot_id)).all()
            baseline_rows = [(p.zendesk_id, p.email, p.role, p.last_login_at) for p in rows]
        baseline = time.perf_counter() - t0

        t0 = time.perf_counter()
        campaign = service.create_campaign("bench")
        created = time.perf_counter() - t0

        t0 = time.perf_counter()
        items = service.items(campaign.id)
        model = ItemTableModel()
        proxy = ItemFilter()
        proxy.setSourceModel(model)
        model.set_rows(items)
        proxy.sort(2)
        for row in range(0, proxy.rowCount(), 50):  # what a scrolling view asks for
            for column in range(model.columnCount()):
                proxy.data(proxy.index(row, column))
        populated = time.perf_counter() - t0

        t0 = time.perf_counter()
        proxy.set_filters(finding="dormant")
        filtered = time.perf_counter() - t0

        total = created + populated
        print(f"agents                 {len(baseline_rows):>8}")
        print(f"findings               {campaign.findings:>8}")
        print(f"baseline: load rows    {baseline:8.3f} s")
        print(f"create campaign        {created:8.3f} s  ({created / baseline:5.1f}x baseline)")
        print(f"load + populate view   {populated:8.3f} s  ({populated / baseline:5.1f}x baseline)")
        print(f"filter by finding      {filtered * 1000:8.1f} ms ({proxy.rowCount()} rows)")
        print(f"findings + view total  {total:8.3f} s  ({total / baseline:5.1f}x baseline)")
        ctx.close()
    del app


if __name__ == "__main__":
    main()
