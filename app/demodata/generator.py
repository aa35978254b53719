"""Write a deterministic, realistic Zendesk account export for demos, tests and benchmarks.

Files written to `out_dir` (NDJSON = one JSON object per line, UTF-8, `\\n` line ends):

- ``users.ndjson`` — agents and admins first, then end users; the real user fields
  (``id, url, name, email, phone, role, role_type, custom_role_id, restricted_agent,
  suspended, active, two_factor_auth_enabled, last_login_at, created_at, updated_at,
  organization_id, default_group_id, shared_agent, report_csv, only_private_comments,
  ticket_restriction, tags, external_id, user_fields, time_zone, iana_time_zone, locale,
  locale_id, …``). Admins have ``role_type`` 4 and no custom role; agents have
  ``role_type`` 0 (custom role) or 1 (light agent) and a ``custom_role_id``.
- ``identities.ndjson`` — e-mail identity per user, a ``phone_number`` identity when the
  profile has a phone, and a ``google`` identity for staff (they sign in with Google).
- ``custom_roles.ndjson`` — Light Agent, Staff, Tier 1 Support, Billing Specialist,
  Team Lead and an unused Advisor role, each with a full ``configuration`` dict (every key
  in ZENDESK.md plus ``assign_tickets_to_any_brand`` and the not-yet-documented
  ``manage_ai_agents``, which importers must keep).
- ``groups.ndjson``, ``group_memberships.ndjson``, ``organizations.ndjson``.
- ``tickets.ndjson`` — incremental-export shaped tickets, each embedding ``comments``
  (1–6; ``description`` equals the first comment's body). Ids are 1..N in creation order.
- ``audit_logs.ndjson`` — a few hundred audit-log records, ``access_logs.ndjson`` — the
  last 90 days of access-log records.
- ``account_settings.json`` — ``{"settings": {...}}`` like ``GET /api/v2/account/settings``
  plus a ``security`` section (Zendesk keeps it in Admin Center, not in that response;
  the shape is ours and documented here)::

      "security": {
        "team_member_authentication": {
          "zendesk": {"enabled": true, "roles": ["admin"], "password_policy": "high",
                      "require_two_factor": false},
          "google":    {"enabled": true,  "roles": ["agent"]},
          "microsoft": {"enabled": false, "roles": []},
          "sso":       {"enabled": false, "name": null, "protocol": null, "roles": []}
        },
        "end_user_authentication": {"zendesk": {"enabled": true}, "google": {...}, ...},
        "sso_enabled": true,          # some external sign-in method serves team members
        "session_expiration_hours": 8,
        "ip_restrictions": {"enabled": false, "allowed_ranges": []}
      }

  ``roles`` lists the Zendesk ``role`` values (``admin``/``agent``) that sign in with that
  method. Here agents (including light agents) use Google, so their Zendesk 2FA flag is
  irrelevant ("MFA by identity provider"), while admins use Zendesk passwords, so an
  admin with ``two_factor_auth_enabled: false`` is a real finding.
- ``roster.csv`` — the HR roster with header
  ``email,employee_id,status,department,manager_email,end_date``; ``status`` is
  ``active|leave|terminated``; ``end_date`` (ISO date) is set only for terminated rows.
- ``planted.json`` — labels: ``{"format": 1, "seed", "now", "entities": [...], "decoys":
  [...], "summary": {...}}``. Each entity/decoy has ``ticket_id, comment_id, field
  ("body"), type`` (entity: a Presidio type) or ``kind`` (decoy), ``value, start, end``
  (code-point offsets into the comment ``body``/``plain_body``) and ``detail``.

Deliberate findings (exact counts are in `DemoSummary.scenarios`): admins without 2FA,
dormant agents (last login > 120 days ago) and never-logged-in agents, a suspended agent
still holding the agent role, a shared agent, ``report_csv`` holders, agents missing from
the roster, roster-terminated agents still active in Zendesk, an agent on leave, people in
the roster without a Zendesk account, and a roster e-mail that differs only in case.

Determinism: each part of the export draws from its own `random.Random` seeded from
`seed`, and every timestamp derives from `now`, so the same arguments give byte-identical
files, and changing `tickets` does not change the users. Tickets and labels are streamed,
so memory stays flat in the number of tickets.

Layout: this module orchestrates; each part of the export is a module of its own
(`directory`, `tickets`, `logs`, `account_settings`, `roster`) sharing `state`; the ticket
text lives in ``resources/demodata/tickets.toml`` (`ticket_text`), the PII makers in `pii`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.demodata.account import DORMANT_DAYS
from app.demodata.account_settings import AccountSettingsPart
from app.demodata.directory import DirectoryPart
from app.demodata.logs import LogsPart
from app.demodata.roster import RosterPart
from app.demodata.tickets import TicketsPart
from app.demodata.writers import JSON, Labels

DEFAULT_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

FILES = (
    "users.ndjson",
    "identities.ndjson",
    "custom_roles.ndjson",
    "groups.ndjson",
    "group_memberships.ndjson",
    "organizations.ndjson",
    "tickets.ndjson",
    "audit_logs.ndjson",
    "access_logs.ndjson",
    "account_settings.json",
    "roster.csv",
)
PLANTED = "planted.json"


@dataclass(frozen=True)
class DemoSummary:
    """What `generate` wrote: record counts per file and the ground truth for scoring.

    `planted` counts valid entities per Presidio type; `decoys` counts strings a correct
    detector must leave alone (`decoy_kinds` breaks them down). `scenarios` counts the
    deliberate access-review findings (keys documented in `SCENARIO_KEYS`); `roles` counts
    agents per role name.
    """

    out_dir: Path
    seed: int
    now: datetime
    counts: dict[str, int]
    comments: int
    planted: dict[str, int]
    decoys: int
    decoy_kinds: dict[str, int]
    scenarios: dict[str, int]
    roles: dict[str, int]


SCENARIO_KEYS = {
    "admins_without_2fa": "admins (password sign-in) with two_factor_auth_enabled false",
    "agents_without_2fa": "non-admin agents with 2FA off (they sign in with Google SSO)",
    "dormant": f"agents/admins whose last_login_at is more than {DORMANT_DAYS} days ago",
    "never_logged_in": "agents with last_login_at null",
    "suspended_with_role": "suspended users still holding the agent role",
    "shared_agent": "shared_agent true (partner BPO; also missing from the roster)",
    "report_csv": "agents/admins with report_csv true",
    "missing_from_roster": "agents/admins with no roster row (including the shared agent)",
    "left_company": "agents whose roster status is terminated",
    "left_company_active": "of those, not suspended in Zendesk (still fully active)",
    "on_leave": "agents whose roster status is leave",
    "roster_only": "roster rows with no Zendesk user",
    "roster_email_case_mismatch": "roster e-mails equal to a user's only ignoring case",
}


def generate(
    out_dir: Path,
    *,
    agents: int = 40,
    end_users: int = 400,
    tickets: int = 1500,
    seed: int = 7,
    now: datetime | None = None,
) -> DemoSummary:
    """Write the demo export to `out_dir` (created if missing) and return what was written.

    The same arguments always produce byte-identical files. `now` (default
    2026-11-27T12:00:00Z) anchors every timestamp; naive datetimes are taken as UTC.
    """
    if agents < 1 or end_users < 1 or tickets < 0:
        raise ValueError("need at least 1 agent and 1 end user, and tickets >= 0")
    now = DEFAULT_NOW if now is None else now
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return _Generator(out_dir, agents, end_users, tickets, seed, now).run()


class _Generator(DirectoryPart, TicketsPart, LogsPart, AccountSettingsPart, RosterPart):
    """One export run: each part (a module of its own) writes its files in this order."""

    def run(self) -> DemoSummary:
        self.labels = Labels(self.out / PLANTED, self.seed, self.now)
        try:
            self._make_roles_and_groups()
            self._make_organizations()
            self._make_staff()
            self._make_customers()
            self._write_directory()
            self._write_tickets()
            self._write_audit_logs()
            self._write_access_logs()
            self._write_settings()
            self._write_roster()
            self.labels.finish(self._summary_json())
        except BaseException:
            self.labels.abort()
            raise
        roles = Counter(p.role_name for p in self.staff)
        return DemoSummary(
            out_dir=self.out,
            seed=self.seed,
            now=self.now,
            counts=dict(self.counts),
            comments=self.comments,
            planted=dict(self.planted),
            decoys=sum(self.decoy_kinds.values()),
            decoy_kinds=dict(self.decoy_kinds),
            scenarios={k: self.scenarios[k] for k in SCENARIO_KEYS},
            roles=dict(sorted(roles.items())),
        )

    def _summary_json(self) -> JSON:
        return {
            "counts": self.counts,
            "comments": self.comments,
            "planted": dict(self.planted),
            "decoys": sum(self.decoy_kinds.values()),
            "decoy_kinds": dict(self.decoy_kinds),
            "scenarios": {k: self.scenarios[k] for k in SCENARIO_KEYS},
        }
