"""The directory part of the export: users, identities, roles, groups, organisations."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from app.demodata import pii
from app.demodata.account import (
    API,
    BASE_CONFIGURATION,
    COMPANY_DOMAIN,
    DORMANT_DAYS,
    GROUPS,
    PARTNER_DOMAIN,
    ROLE_ADMIN,
    ROLE_BILLING,
    ROLE_DEFS,
    ROLE_LEAD,
    ROLE_LIGHT,
    ROLE_STAFF,
    ROLE_TIER1,
    TICKET_RESTRICTION,
)
from app.demodata.state import GeneratorState, Person
from app.demodata.vocabulary import BROWSERS, COMPANIES, FIRST_NAMES, LAST_NAMES, MANILA, PLACES
from app.demodata.writers import JSON, Ids, Ndjson, ts


class DirectoryPart(GeneratorState):
    """Roles, groups, organisations, agents and end users, and their NDJSON files."""

    def _make_roles_and_groups(self) -> None:
        rng = self.rng("ids")
        role_id = Ids(rng, 360_000_160_000, 4000)
        for name in ROLE_DEFS:
            self.role_ids[name] = role_id()
        group_id = Ids(rng, 360_000_820_000, 9000)
        for name, _desc, _default in GROUPS:
            self.group_ids[name] = group_id()

    def _make_organizations(self) -> None:
        rng = self.rng("orgs")
        ids = Ids(rng, 360_011_200_000, 50_000)
        n = max(3, self.n_end_users // 25)
        self.organizations: list[JSON] = []
        for i in range(n):
            base = COMPANIES[i % len(COMPANIES)]
            name = base if i < len(COMPANIES) else f"{base} {i // len(COMPANIES) + 1}"
            slug = re.sub(r"[^a-z0-9]+", "-", pii.ascii_fold(name).lower()).strip("-")
            oid = ids()
            created = self.now - timedelta(days=rng.randint(200, 1500))
            self.org_ids.append(oid)
            self.org_domains[oid] = f"{slug}.example"
            self.organizations.append(
                {
                    "id": oid,
                    "url": f"{API}/organizations/{oid}.json",
                    "name": name,
                    "shared_tickets": rng.random() < 0.3,
                    "shared_comments": False,
                    "external_id": f"crm-{rng.randint(10000, 99999)}",
                    "created_at": ts(created),
                    "updated_at": ts(created + timedelta(days=rng.randint(0, 150))),
                    "domain_names": [f"{slug}.example"],
                    "details": "",
                    "notes": "",
                    "group_id": None,
                    "tags": rng.sample(
                        ["b2b", "wholesale", "net30", "priority"], k=rng.randint(0, 2)
                    ),
                    "organization_fields": {
                        "account_manager": None,
                        "contract_tier": rng.choice(["standard", "plus"]),
                    },
                }
            )

    def _unique_email(self, rng: random.Random, first: str, last: str, domain: str | None) -> str:
        while True:
            email = pii.email_for(rng, first, last, domain)
            if email.lower() not in self.emails:
                self.emails.add(email.lower())
                return email

    def _ip(self, rng: random.Random) -> str:
        # Documentation ranges (RFC 5737 / RFC 3849) so no real host is named.
        if rng.random() < 0.1:
            return f"2001:db8:{rng.randint(1, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
        net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
        return f"{net}.{rng.randint(1, 254)}"

    def _role_plan(self) -> list[str]:
        n = self.n_agents
        counts = {
            ROLE_ADMIN: max(1, n * 3 // 40),
            ROLE_LIGHT: n // 10,
            ROLE_LEAD: n * 3 // 40,
            ROLE_BILLING: n * 3 // 40,
            ROLE_STAFF: n // 8,
        }
        plan = [r for r, c in counts.items() for _ in range(c)]
        plan += [ROLE_TIER1] * (n - len(plan))
        return plan

    def _make_staff(self) -> None:
        rng = self.rng("staff")
        ids = Ids(rng, 361_000_000_000, 20_000_000)
        now = self.now
        g = self.group_ids
        for index, role_name in enumerate(self._role_plan()):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            owner = index == 0
            created = now - timedelta(days=2190 if owner else rng.randint(150, 1800))
            place = rng.choice(PLACES)
            person = Person(
                id=ids(),
                first=first,
                last=last,
                email=self._unique_email(rng, first, last, COMPANY_DOMAIN),
                role="admin" if role_name == ROLE_ADMIN else "agent",
                role_name=role_name,
                created_at=created,
                last_login_at=now - timedelta(minutes=rng.randint(20, 60 * 24 * 40)),
                place=place,
                ip=self._ip(rng),
                browser=rng.choice(BROWSERS[:3]),
                phone=pii.e164_phone(rng) if rng.random() < 0.3 else None,
                custom_role_id=None if role_name == ROLE_ADMIN else self.role_ids[role_name],
                # Agents sign in with Google, so few bother with Zendesk 2FA; admins use it.
                two_factor=True if role_name == ROLE_ADMIN else rng.random() < 0.3,
                owner=owner,
            )
            if owner:
                person.last_login_at = now - timedelta(hours=3)
            person.groups = {
                ROLE_ADMIN: [g["Support"], g["Escalations"], g["Privacy"]],
                ROLE_LEAD: [g["Support"], g["Escalations"], g["Shipping & Returns"]],
                ROLE_BILLING: [g["Billing"]],
                ROLE_STAFF: [g["Support"], g["Shipping & Returns"]],
                ROLE_TIER1: [g[rng.choice(("Support", "Support", "Shipping & Returns"))]],
                ROLE_LIGHT: [g["Privacy"]] if rng.random() < 0.5 else [],
            }[role_name]
            if role_name == ROLE_TIER1 and rng.random() < 0.3:
                person.groups.append(g["Billing"])
            self.staff.append(person)
        self._plant_staff_scenarios(rng)

    def _plant_staff_scenarios(self, rng: random.Random) -> None:
        now = self.now
        n = self.n_agents
        admins = [p for p in self.staff if p.role == "admin"]
        # Admin findings: the second admin turned 2FA off; a third one stopped logging in.
        if len(admins) >= 2:
            admins[1].two_factor = False
        if len(admins) >= 3:
            admins[2].last_login_at = now - timedelta(days=rng.randint(DORMANT_DAYS + 20, 300))
        # Report CSV: the owner, up to two billing specialists and one team lead.
        self.staff[0].report_csv = True
        for p in [p for p in self.staff if p.role_name == ROLE_BILLING][:2]:
            p.report_csv = True
        for p in [p for p in self.staff if p.role_name == ROLE_LEAD][:1]:
            p.report_csv = True

        # The remaining findings go to distinct non-admin agents (team leads stay clean
        # because they are the roster's managers), so counts are exact.
        pool = [p for p in self.staff if p.role == "agent" and p.role_name != ROLE_LEAD]
        rng.shuffle(pool)

        def take(count: int, ok: Callable[[Person], bool] = lambda p: True) -> list[Person]:
            chosen = [p for p in pool if ok(p)][:count]
            for p in chosen:
                pool.remove(p)
            return chosen

        for p in take(1, lambda p: p.role_name in (ROLE_TIER1, ROLE_STAFF)):
            p.shared_agent = True
            p.roster_status = None
            p.place = MANILA
            p.groups = [self.group_ids["Partner BPO"], self.group_ids["Support"]]
            self.emails.discard(p.email.lower())
            p.email = self._unique_email(rng, p.first, p.last, PARTNER_DOMAIN)
        for p in take(1, lambda p: p.role_name != ROLE_LIGHT):
            # Suspended after leaving, but nobody downgraded the role.
            p.suspended = True
            p.roster_status = "terminated"
            p.roster_end = (now - timedelta(days=rng.randint(40, 80))).date()
            p.last_login_at = now - timedelta(days=rng.randint(45, 90))
        for p in take(max(1, n // 20)):
            p.roster_status = None  # contractors nobody added to the HR roster
        for i, p in enumerate(take(max(1, n // 20), lambda p: p.role_name != ROLE_LIGHT)):
            p.roster_status = "terminated"
            p.roster_end = (now - timedelta(days=rng.randint(15, 60))).date()
            if i == 0:  # still signing in after the last working day
                p.last_login_at = now - timedelta(days=rng.randint(1, 5))
        for p in take(1):
            p.roster_status = "leave"
        for p in take(max(1, n // 10)):
            p.last_login_at = now - timedelta(days=rng.randint(DORMANT_DAYS + 1, 540))
            if p.last_login_at < p.created_at:
                p.created_at = p.last_login_at - timedelta(days=rng.randint(30, 400))
        for i, p in enumerate(take(max(1, n // 20))):
            p.last_login_at = None
            p.created_at = now - timedelta(days=2 if i == 1 else rng.randint(150, 400))
        for p in take(1):
            p.roster_email = p.email.title()  # "Maria.Lopez@Acme-Shop.Example"

        for p in self.staff:
            if p.last_login_at is not None and p.last_login_at < p.created_at:
                p.created_at = p.last_login_at - timedelta(days=30)
            s = self.scenarios
            s["admins_without_2fa"] += p.role == "admin" and not p.two_factor
            s["agents_without_2fa"] += p.role == "agent" and not p.two_factor
            s["dormant"] += p.last_login_at is not None and (
                now - p.last_login_at > timedelta(days=DORMANT_DAYS)
            )
            s["never_logged_in"] += p.last_login_at is None
            s["suspended_with_role"] += p.suspended
            s["shared_agent"] += p.shared_agent
            s["report_csv"] += p.report_csv
            s["missing_from_roster"] += p.roster_status is None
            s["left_company"] += p.roster_status == "terminated"
            s["left_company_active"] += p.roster_status == "terminated" and not p.suspended
            s["on_leave"] += p.roster_status == "leave"
            s["roster_email_case_mismatch"] += p.roster_email is not None

    def _make_customers(self) -> None:
        rng = self.rng("customers")
        # Customers were created after the team, so their ids follow the last staff id.
        ids = Ids(rng, max(p.id for p in self.staff) + 1_000_000_000, 40_000_000)
        now = self.now
        for _ in range(self.n_end_users):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            org = rng.choice(self.org_ids) if rng.random() < 0.35 else None
            created = now - timedelta(minutes=rng.randint(60, 60 * 24 * 1100))
            login = None
            if rng.random() < 0.6:
                login = created + (now - created) * rng.random()
            self.customers.append(
                Person(
                    id=ids(),
                    first=first,
                    last=last,
                    email=self._unique_email(
                        rng, first, last, self.org_domains[org] if org else None
                    ),
                    role="end-user",
                    role_name="end-user",
                    created_at=created,
                    last_login_at=login,
                    place=rng.choice(PLACES),
                    ip=self._ip(rng),
                    browser=rng.choice(BROWSERS),
                    phone=pii.e164_phone(rng) if rng.random() < 0.4 else None,
                    organization_id=org,
                    tags=["vip"] if rng.random() < 0.05 else [],
                    external_id=f"cust_{rng.randint(100000, 999999)}",
                    roster_status=None,
                )
            )

    def _user_json(self, p: Person, rng: random.Random) -> JSON:
        tz, iana, locale, locale_id = p.place[0], p.place[1], p.place[2], p.place[3]
        if p.is_staff:
            conf = ROLE_DEFS[p.role_name][2] if p.role_name in ROLE_DEFS else {}
            access = conf.get("ticket_access", BASE_CONFIGURATION["ticket_access"])
            restriction = None if p.role == "admin" else TICKET_RESTRICTION[str(access)]
            role_type = 4 if p.role == "admin" else ROLE_DEFS[p.role_name][0]
            private_only = p.role_name == ROLE_LIGHT
        else:
            restriction, role_type, private_only = "requested", None, False
        updated = max(p.created_at, p.last_login_at or p.created_at)
        return {
            "id": p.id,
            "url": f"{API}/users/{p.id}.json",
            "name": p.name,
            "email": p.email,
            "created_at": ts(p.created_at),
            "updated_at": ts(updated),
            "time_zone": tz,
            "iana_time_zone": iana,
            "phone": p.phone,
            "shared_phone_number": None if p.phone is None else False,
            "photo": None,
            "locale_id": locale_id,
            "locale": locale,
            "organization_id": p.organization_id,
            "role": p.role,
            "verified": True,
            "external_id": p.external_id,
            "tags": p.tags,
            "alias": "",
            "active": True,
            "shared": False,
            "shared_agent": p.shared_agent,
            "last_login_at": ts(p.last_login_at),
            "two_factor_auth_enabled": p.two_factor,
            "signature": f"{p.first}\nAcme Shop Support" if p.is_staff else None,
            "details": "",
            "notes": "",
            "role_type": role_type,
            "custom_role_id": p.custom_role_id,
            "moderator": p.role == "admin",
            "ticket_restriction": restriction,
            "only_private_comments": private_only,
            "restricted_agent": restriction is not None,
            "suspended": p.suspended,
            "default_group_id": p.groups[0] if p.groups else None,
            "report_csv": p.report_csv,
            "chat_only": False,
            "user_fields": {
                "customer_tier": None if p.is_staff else rng.choice(["standard", "gold"]),
                "marketing_opt_in": None if p.is_staff else rng.random() < 0.4,
            },
        }

    def _write_directory(self) -> None:
        rng = self.rng("directory")
        people = self.staff + self.customers
        with Ndjson(self.out / "users.ndjson") as fh:
            for p in people:
                fh.write(self._user_json(p, rng))
        self.counts["users.ndjson"] = fh.count

        ident_id = Ids(rng, 363_000_000_000, 5_000_000)
        with Ndjson(self.out / "identities.ndjson") as fh:
            for p in people:
                when = ts(p.created_at)
                rows: list[tuple[str, str, bool]] = [("email", p.email, True)]
                if p.phone:
                    rows.append(("phone_number", p.phone, False))
                if p.is_staff and not p.shared_agent:
                    rows.append(("google", p.email, False))
                for kind, value, primary in rows:
                    iid = ident_id()
                    fh.write(
                        {
                            "id": iid,
                            "url": f"{API}/users/{p.id}/identities/{iid}.json",
                            "user_id": p.id,
                            "type": kind,
                            "value": value,
                            "verified": True,
                            "primary": primary,
                            "created_at": when,
                            "updated_at": when,
                            "undeliverable_count": 0,
                            "deliverable_state": "deliverable",
                        }
                    )
        self.counts["identities.ndjson"] = fh.count

        members = Counter(p.custom_role_id for p in self.staff)
        with Ndjson(self.out / "custom_roles.ndjson") as fh:
            for name, (role_type, description, overrides) in ROLE_DEFS.items():
                rid = self.role_ids[name]
                created = self.now - timedelta(days=1400 + rid % 300)
                fh.write(
                    {
                        "id": rid,
                        "name": name,
                        "description": description,
                        "role_type": role_type,
                        "team_member_count": members.get(rid, 0),
                        "created_at": ts(created),
                        "updated_at": ts(created + timedelta(days=rid % 900)),
                        "configuration": {**BASE_CONFIGURATION, **overrides},
                    }
                )
        self.counts["custom_roles.ndjson"] = fh.count

        with Ndjson(self.out / "groups.ndjson") as fh:
            for name, description, default in GROUPS:
                gid = self.group_ids[name]
                created = self.now - timedelta(days=1500 - gid % 400)
                fh.write(
                    {
                        "id": gid,
                        "url": f"{API}/groups/{gid}.json",
                        "name": name,
                        "description": description,
                        "default": default,
                        "deleted": False,
                        "is_public": name != "Privacy",
                        "created_at": ts(created),
                        "updated_at": ts(created + timedelta(days=gid % 200)),
                    }
                )
        self.counts["groups.ndjson"] = fh.count

        membership_id = Ids(rng, 364_000_000_000, 2_000_000)
        with Ndjson(self.out / "group_memberships.ndjson") as fh:
            for p in self.staff:
                for i, gid in enumerate(p.groups):
                    mid = membership_id()
                    when = ts(p.created_at + timedelta(hours=1 + i))
                    fh.write(
                        {
                            "id": mid,
                            "url": f"{API}/group_memberships/{mid}.json",
                            "user_id": p.id,
                            "group_id": gid,
                            "default": i == 0,
                            "created_at": when,
                            "updated_at": when,
                        }
                    )
        self.counts["group_memberships.ndjson"] = fh.count

        with Ndjson(self.out / "organizations.ndjson") as fh:
            for org in self.organizations:
                fh.write(org)
        self.counts["organizations.ndjson"] = fh.count
