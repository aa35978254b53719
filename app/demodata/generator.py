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
"""

from __future__ import annotations

import csv
import html
import json
import random
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from app.demodata import pii

DEFAULT_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

ACCOUNT = "acme-shop"
API = f"https://{ACCOUNT}.zendesk.com/api/v2"
COMPANY_DOMAIN = "acme-shop.example"
PARTNER_DOMAIN = "northstar-bpo.example"
SUPPORT_ADDRESS = f"support@{COMPANY_DOMAIN}"
SUPPORT_PHONE = "+44 20 7946 0000"
DORMANT_DAYS = 120

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

JSON = dict[str, Any]


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

# --- name and place lists (varied origins; no Faker) ------------------------------------

FIRST_NAMES = (
    "Amara", "Björn", "Chloé", "Dmitri", "Elena", "Farah", "Giulia", "Hiroshi", "Ines",
    "Jamal", "Kaito", "Leila", "Mateo", "Nadia", "Oluwaseun", "Priya", "Quentin", "Rosa",
    "Søren", "Tomasz", "Uma", "Valentina", "Wei", "Ximena", "Yusuf", "Zoë", "Aisha",
    "Bruno", "Camille", "Deepak", "Emeka", "Fatima", "Gareth", "Hana", "Ivan", "José",
    "Katarzyna", "Liam", "Maya", "Niamh", "Omar", "Pieter", "Rahul", "Sofia", "Thandiwe",
    "Ugo", "Vera", "Wanjiru", "Yara", "Ayşe", "Lars", "Mei", "Noah", "Olga", "Rafael",
    "Siobhán", "Tariq", "Lucía", "Emma", "Kwame", "Anika", "Diego", "Freya", "Haruto",
)  # fmt: skip
LAST_NAMES = (
    "Okafor", "Nguyen", "García", "Müller", "Kowalski", "O'Brien", "Rossi", "Tanaka",
    "Haddad", "Johansson", "Patel", "Dubois", "Kim", "Silva", "Novak", "Fischer", "Ahmed",
    "Moreau", "Hansen", "Mensah", "Ivanova", "Lopez", "Chen", "Schmidt", "Yilmaz",
    "Van Dijk", "Murphy", "Costa", "Sato", "Kovač", "Andersen", "Mahlangu", "Romero",
    "Bianchi", "Singh", "Wójcik", "Ferreira", "Lindqvist", "Abdullah", "Kariuki", "Park",
    "Dimitrov", "Nakamura", "Bakker", "Owusu", "Herrera", "Larsen", "Petrov", "Clarke",
)  # fmt: skip
COMPANIES = (
    "Bluebird Logistics", "Copperleaf Studio", "Driftwood Cafés", "Evergreen Dental",
    "Foxglove Florists", "Granite Peak Outfitters", "Harbourline Travel", "Ironbark Tools",
    "Juniper Health", "Kestrel Analytics", "Lumen Architects", "Maple & Rye Bakery",
    "Northwind Events", "Orchid Hotels", "Pinecrest Schools", "Quayside Marine",
    "Riverstone Legal", "Saffron Kitchens", "Tidewater Fitness", "Umber Print Co",
)  # fmt: skip

# (Zendesk time_zone, IANA zone, locale, locale_id, location, latitude, longitude)
PLACES = (
    ("Pacific Time (US & Canada)", "America/Los_Angeles", "en-US", 1,
     "San Francisco, CA, United States", 37.7749, -122.4194),
    ("Eastern Time (US & Canada)", "America/New_York", "en-US", 1,
     "New York, NY, United States", 40.7128, -74.006),
    ("London", "Europe/London", "en-gb", 1176, "London, ENG, United Kingdom", 51.5072, -0.1276),
    ("Berlin", "Europe/Berlin", "de", 8, "Berlin, BE, Germany", 52.52, 13.405),
    ("Paris", "Europe/Paris", "fr", 16, "Paris, IDF, France", 48.8566, 2.3522),
    ("Amsterdam", "Europe/Amsterdam", "nl", 9, "Amsterdam, NH, Netherlands", 52.3676, 4.9041),
    ("Sydney", "Australia/Sydney", "en-US", 1, "Sydney, NSW, Australia", -33.8688, 151.2093),
)  # fmt: skip
MANILA = ("Manila", "Asia/Manila", "en-US", 1, "Manila, 00, Philippines", 14.5995, 120.9842)

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
PRODUCTS = (
    "wireless headphones", "espresso machine", "running shoes", "standing desk", "air fryer",
    "rain jacket", "smartwatch strap", "yoga mat", "desk lamp", "backpack", "blender",
    "kettle", "phone case", "winter boots", "robot vacuum", "office chair",
)  # fmt: skip
ADDRESSES = (
    "14 Elm Street, Bristol BS1 4DJ", "Hauptstraße 5, 10115 Berlin",
    "12 rue de la Paix, 75002 Paris", "Keizersgracht 120, 1015 CW Amsterdam",
    "500 Market St, San Francisco, CA 94105", "Flat 3, 27 Mill Lane, Leeds LS6 2AB",
    "88 Harbour Road, Sydney NSW 2000", "Calle Mayor 9, 28013 Madrid",
)  # fmt: skip

# --- role definitions --------------------------------------------------------------------

ROLE_ADMIN = "admin"
ROLE_LIGHT = "Light Agent"
ROLE_STAFF = "Staff"
ROLE_TIER1 = "Tier 1 Support"
ROLE_BILLING = "Billing Specialist"
ROLE_LEAD = "Team Lead"
ROLE_ADVISOR = "Advisor"

_BASE_CONFIGURATION: JSON = {
    "assign_tickets_to_any_brand": False,
    "assign_tickets_to_any_group": False,
    "chat_access": False,
    "custom_objects": {},
    "end_user_list_access": "none",
    "end_user_profile_access": "readonly",
    "explore_access": "none",
    "forum_access": "readonly",
    "forum_access_restricted_content": False,
    "group_access": False,
    "light_agent": False,
    "macro_access": "readonly",
    "manage_ai_agents": False,  # not yet in ZENDESK.md: importers must keep unknown keys
    "manage_automations": False,
    "manage_business_rules": False,
    "manage_contextual_workspaces": False,
    "manage_dynamic_content": False,
    "manage_extensions_and_channels": False,
    "manage_facebook": False,
    "manage_group_memberships": False,
    "manage_groups": False,
    "manage_organization_fields": False,
    "manage_organizations": False,
    "manage_roles": "none",
    "manage_skills": False,
    "manage_slas": False,
    "manage_suspended_tickets": False,
    "manage_team_members": "readonly",
    "manage_ticket_fields": False,
    "manage_ticket_forms": False,
    "manage_triggers": False,
    "manage_user_fields": False,
    "moderate_forums": False,
    "organization_editing": False,
    "organization_notes_editing": False,
    "report_access": "none",
    "side_conversation_create": False,
    "ticket_access": "within-groups",
    "ticket_comment_access": "public",
    "ticket_deletion": False,
    "ticket_editing": True,
    "ticket_merge": False,
    "ticket_redaction": False,
    "ticket_tag_editing": True,
    "twitter_search_access": False,
    "user_view_access": "readonly",
    "view_access": "readonly",
    "view_deleted_tickets": False,
    "voice_access": False,
    "voice_dashboard_access": False,
}

# name -> (role_type, description, overrides of the base configuration)
_ROLE_DEFS: dict[str, tuple[int, str, JSON]] = {
    ROLE_LIGHT: (
        1,
        "Can view and add private comments to tickets; cannot be assigned tickets.",
        {
            "light_agent": True,
            "ticket_access": "all",
            "ticket_comment_access": "none",
            "ticket_editing": False,
            "ticket_tag_editing": False,
            "report_access": "readonly",
            "explore_access": "readonly",
        },
    ),
    ROLE_STAFF: (
        0,
        "Built-in Enterprise role: solves tickets in their groups.",
        {
            "end_user_profile_access": "edit",
            "macro_access": "manage-personal",
            "view_access": "manage-personal",
            "report_access": "readonly",
            "side_conversation_create": True,
        },
    ),
    ROLE_TIER1: (
        0,
        "First-line support for consumer tickets.",
        {
            "macro_access": "manage-personal",
            "view_access": "manage-personal",
            "chat_access": True,
            "side_conversation_create": True,
        },
    ),
    ROLE_BILLING: (
        0,
        "Refunds, invoices and payment disputes across all groups.",
        {
            "ticket_access": "all",
            "end_user_profile_access": "full",
            "end_user_list_access": "full",
            "report_access": "full",
            "explore_access": "full",
            "organization_editing": True,
            "organization_notes_editing": True,
            "user_view_access": "full",
            "view_access": "manage-group",
            "custom_objects": {"invoice": {"scopes": ["read", "update"]}},
        },
    ),
    ROLE_LEAD: (
        0,
        "Team leads: manage the team, queues and clean-up of tickets.",
        {
            "ticket_access": "all",
            "ticket_deletion": True,
            "view_deleted_tickets": True,
            "ticket_redaction": True,
            "ticket_merge": True,
            "assign_tickets_to_any_group": True,
            "assign_tickets_to_any_brand": True,
            "group_access": True,
            "end_user_profile_access": "full",
            "end_user_list_access": "full",
            "report_access": "full",
            "explore_access": "full",
            "macro_access": "full",
            "view_access": "full",
            "user_view_access": "full",
            "manage_team_members": "all-with-self-restriction",
            "manage_roles": "all-except-self",
            "manage_group_memberships": True,
            "manage_groups": True,
            "manage_suspended_tickets": True,
            "manage_ai_agents": True,
            "side_conversation_create": True,
            "voice_access": True,
            "voice_dashboard_access": True,
            "custom_objects": {"invoice": {"scopes": ["read", "update", "delete", "create"]}},
        },
    ),
    ROLE_ADVISOR: (
        0,
        "Manages workflows (triggers, automations, SLAs); does not solve tickets.",
        {
            "ticket_comment_access": "none",
            "manage_business_rules": True,
            "manage_triggers": True,
            "manage_automations": True,
            "manage_slas": True,
            "manage_dynamic_content": True,
            "manage_extensions_and_channels": True,
            "macro_access": "full",
            "view_access": "full",
        },
    ),
}

_TICKET_RESTRICTION = {
    "all": None,
    "within-groups": "groups",
    "within-groups-and-public-groups": "groups",
    "within-organization": "organization",
    "assigned-only": "assigned",
}

GROUPS = (
    ("Support", "Consumer support queue", True),
    ("Billing", "Payments, refunds and invoices", False),
    ("Shipping & Returns", "Delivery, tracking, returns and address changes", False),
    ("Escalations", "Urgent and VIP tickets", False),
    ("Privacy", "Data subject requests and privacy complaints", False),
    ("Partner BPO", "Overflow queue staffed by Northstar BPO", False),
)

CUSTOM_FIELD_REASON = 360001100001
CUSTOM_FIELD_ORDER = 360001100002
CUSTOM_FIELD_TIER = 360001100003
CUSTOM_FIELD_ESCALATED = 360001100004
TICKET_FORM_ID = 360000912345
BRAND_ID = 360000456789

# --- ticket text -------------------------------------------------------------------------
# Placeholders: entity slots (labelled, valid PII) and decoy slots (labelled, must not be
# detected) are listed below; everything else is plain context filled from the ticket.

_ENTITY_SLOTS = {
    "card": pii.CREDIT_CARD,
    "ssn": pii.US_SSN,
    "iban": pii.IBAN_CODE,
    "email": pii.EMAIL_ADDRESS,
    "req_email": pii.EMAIL_ADDRESS,
    "support_email": pii.EMAIL_ADDRESS,
    "phone": pii.PHONE_NUMBER,
    "support_phone": pii.PHONE_NUMBER,
}
_DECOY_SLOTS = {
    "order": pii.ORDER_NUMBER,
    "tracking": pii.TRACKING_NUMBER,
    "ms": pii.MS_TIMESTAMP,
    "iso": pii.ISO_TIMESTAMP,
    "uuid": pii.UUID_DECOY,
    "badcard": pii.INVALID_LUHN,
    "ssnlike": pii.SSN_LIKE,
    "badiban": pii.INVALID_IBAN,
}


@dataclass(frozen=True)
class _Variant:
    """One kind of conversation: subject, opening message, fitting replies and a closer."""

    subjects: tuple[str, ...]
    opener: str
    replies: tuple[str, ...]
    followups: tuple[str, ...]
    closer: str


@dataclass(frozen=True)
class _Topic:
    key: str
    group: str
    type: str | None
    tags: tuple[str, ...]
    variants: tuple[_Variant, ...]
    notes: tuple[str, ...]
    pii_weights: dict[str, int]
    decoy_weights: dict[str, int]


_V = _Variant
_TOPICS = (
    _Topic(
        "order_issue", "Support", "incident", ("order", "damaged"),
        (
            _V(("Damaged item in my order", "Broken {product} on arrival"),
               "My order {order} arrived today but the {product} is damaged: the box was "
               "crushed and the casing is cracked. Can you send a replacement?",
               ("I'm sorry to hear that. Could you send a photo of the item and the box so we "
                "can file a claim with the carrier?",
                "I'm sorry about that. I've arranged a replacement {product} for order "
                "{order}; it ships within 2 business days."),
               ("Thanks, I've attached the photos.", "Any update on this? It's been a week."),
               "Your replacement shipped today with tracking number {tracking}. Let us know if "
               "there's anything else we can do."),
            _V(("Wrong item received",),
               "I received the wrong item. I ordered a {product} (order {order}) but got "
               "something completely different.",
               ("I've checked order {order} and the warehouse picked the wrong item. A prepaid "
                "return label is on its way to {req_email}.",),
               ("I still haven't received the return label.", "Got the label, thanks."),
               "The correct {product} is on its way (tracking {tracking}). Sorry for the "
               "mix-up!"),
            _V(("Item missing from my package",),
               "The parcel for order {order} came without the {product}. The packing slip "
               "lists it, but it wasn't in the box.",
               ("Thanks for letting us know. I've asked the warehouse to check the packing "
                "record for order {order}.",),
               ("Any news from the warehouse?", "I checked the box again, it's definitely "
                "not there."),
               "The warehouse confirmed the {product} was left out. We've sent it separately "
               "with tracking {tracking}."),
        ),
        ("Carrier claim filed for order {order}.", "Warehouse confirms mis-pick on {date}.",
         "Replacement approved, no return needed."),
        {"phone": 3, "email": 2, "card": 1}, {"tracking": 2, "uuid": 1, "iso": 1, "badcard": 1},
    ),
    _Topic(
        "refund", "Billing", "question", ("refund",),
        (
            _V(("Where is my refund?", "Refund not received"),
               "I returned the {product} from order {order} two weeks ago and still haven't "
               "received my refund of {amount}.",
               ("We received your return on {date}. The refund of {amount} was issued to your "
                "original payment method and can take 5-10 business days to appear.",),
               ("My bank says nothing has arrived yet.", "OK, I'll wait a few more days."),
               "The refund has been processed; you'll see it as ACME SHOP REFUND on your "
               "statement."),
            _V(("Refund request", "Return and refund for my {product}"),
               "I'd like to return the {product} I bought last month and get a refund. It "
               "doesn't fit my needs.",
               ("No problem. I've e-mailed a return label to {req_email}; the refund is issued "
                "once the item is back at our warehouse.",),
               ("Sent it back today.", "Do I need the original box?"),
               "Your return arrived and the refund of {amount} is on its way."),
            _V(("Refund by bank transfer", "Refund to an expired card"),
               "I paid for order {order} with a card that has since expired. Can you refund "
               "the {amount} by bank transfer instead?",
               ("Yes, we can refund by bank transfer. Please reply with the account details, "
                "or call us on {support_phone}.",),
               ("Here are my bank details.", "Is there anything else you need from me?"),
               "The refund was sent by bank transfer today; allow 1-3 business days."),
        ),
        ("Refund approved by billing, {amount}.", "Payment provider reference {uuid}.",
         "Refund sent by bank transfer on {date}."),
        {"card": 4, "iban": 5, "email": 1, "phone": 1, "ssn": 1},
        {"uuid": 2, "badiban": 2, "badcard": 2, "ssnlike": 1},
    ),
    _Topic(
        "account_access", "Support", "problem", ("login", "account_access"),
        (
            _V(("Password reset e-mail never arrives", "Can't log in"),
               "I can't sign in to my account. The password reset e-mail never arrives at "
               "{req_email}.",
               ("Reset e-mails to that address were bouncing. I've sent a new link; if it "
                "doesn't arrive, write to us from another address or call {support_phone}.",),
               ("Still nothing in my inbox or spam.", "Got it now, thanks!"),
               "Glad you're back in. Your e-mail provider was blocking our domain; it's fixed."),
            _V(("Locked out of my account",),
               "My account was locked after too many attempts. I need access to download my "
               "invoices.",
               ("For security, could you confirm the postcode on the account and your last "
                "order number?",
                "I've unlocked the account and signed out all old sessions. Please try again."),
               ("The last order was the {product}, delivered on {date}.", "It worked, thanks!"),
               "Your account is unlocked and I've turned on login alerts for it."),
            _V(("Two-factor code not working",),
               "The two-factor code from my app is always rejected, so I can't get in.",
               ("That usually means the phone's clock is off. Could you check the time "
                "settings? Otherwise we can reset two-factor after verifying your identity.",),
               ("The clock was fine. Please reset it.", "Still not working, it says the "
                "session expired."),
               "Two-factor is reset; you'll be asked to set it up again at your next login."),
        ),
        ("Identity verified by phone.", "Login errors in the auth log: request {uuid} at {iso}.",
         "Customer's e-mail provider was blocking our domain."),
        {"email": 4, "phone": 3, "ssn": 4, "card": 1},
        {"uuid": 2, "iso": 2, "ms": 2, "ssnlike": 2},
    ),
    _Topic(
        "address_change", "Shipping & Returns", "task", ("address_change",),
        (
            _V(("Change delivery address", "Moved house, please update my address"),
               "I've just moved. Could you change the delivery address on order {order} to "
               "{address}?",
               ("I've updated the delivery address on order {order} to {address}. The "
                "confirmation will go to {req_email}.",
                "Order {order} has already shipped, so I've asked the carrier to redirect it "
                "(tracking {tracking})."),
               ("Great, thank you. Please also update my phone number on the account.",
                "Will the courier still need a signature?"),
               "All done. Your account and the order now show the new address."),
            _V(("Update shipping address",),
               "Please update my shipping address to {address} before my next order ships.",
               ("Done: your default shipping address is now {address}.",),
               ("Thanks! Can you also remove the old address?",),
               "The old address has been removed from your account."),
        ),
        ("Carrier redirect requested, tracking {tracking}.", "Address updated in the OMS."),
        {"phone": 5, "email": 2}, {"tracking": 2, "order": 1, "uuid": 1},
    ),
    _Topic(
        "shipping_delay", "Shipping & Returns", "incident", ("shipping", "wismo"),
        (
            _V(("Where is my order?", "Delivery delayed"),
               "My order {order} was supposed to arrive on {date} but the tracking hasn't "
               "updated since. Tracking: {tracking}",
               ("I checked with the carrier: tracking {tracking} shows the parcel is at the "
                "local depot and should be delivered tomorrow.",),
               ("Still nothing today.", "It arrived this morning, thanks!"),
               "Thanks for your patience; I'll close this ticket now."),
            _V(("Package not delivered",),
               "The carrier says my parcel was delivered, but it isn't here. Order {order}.",
               ("I've opened a trace with the carrier. If it doesn't turn up in 3 days we'll "
                "send a replacement.",),
               ("A neighbour had it. All sorted.", "Still no sign of it."),
               "Glad it turned up! I've closed the carrier trace."),
        ),
        ("Carrier API returned status 'exception' at {iso}.",
         "Trace opened with carrier, ref {uuid}.", "Scan log ts={ms}."),
        {"phone": 3, "email": 1}, {"tracking": 3, "iso": 1, "ms": 1, "uuid": 1},
    ),
    _Topic(
        "billing", "Billing", "question", ("billing",),
        (
            _V(("Charged twice",),
               "I was charged twice for order {order}: two payments of {amount} on the same "
               "day.",
               ("I can see the duplicate authorisation. The second one was voided and should "
                "disappear within a few days.",),
               ("It's still showing as a charge, not pending.", "OK, I'll keep an eye on it."),
               "The duplicate charge has been refunded in full."),
            _V(("Unknown charge on my statement",),
               "There's a charge of {amount} from ACME SHOP that I don't recognise.",
               ("That charge is your Acme Plus renewal from {date}.",),
               ("I never signed up for Acme Plus.", "Ah, I'd forgotten about that."),
               "I've cancelled Acme Plus and refunded the renewal."),
            _V(("Invoice needed for my purchase", "VAT invoice request"),
               "Our accounts team needs a VAT invoice for order {order}.",
               ("I've attached the invoice for order {order}. Invoices are also in your "
                "account under Orders.",),
               ("Could you add our company name to it?", "Thank you, that's what I needed."),
               "Here's the updated invoice with your company name."),
        ),
        ("PSP log: capture {uuid}, created {iso}.", "Checked the PSP: only one capture.",
         "Chargeback risk, handle quickly."),
        {"card": 5, "iban": 2, "ssn": 3, "email": 1},
        {"uuid": 2, "iso": 1, "badcard": 2, "ssnlike": 1},
    ),
    _Topic(
        "subscription", "Billing", "question", ("subscription",),
        (
            _V(("Cancel my subscription", "Stop auto-renewal"),
               "Please cancel my Acme Plus subscription. I don't want it to renew on {date}.",
               ("I've cancelled your Acme Plus subscription; you keep the benefits until the "
                "end of the period.",),
               ("Will I get a refund for the unused months?", "Thanks for the quick help."),
               "Your subscription is cancelled and you won't be charged again."),
            _V(("Subscription price increase",),
               "Why did the Acme Plus price go up to {amount}? Nobody told me.",
               ("We announced the new price by e-mail. I can offer you three months at the old "
                "price if you'd like to stay.",),
               ("OK, I'll take the offer.", "No thanks, please cancel."),
               "Done. Your account is updated."),
        ),
        ("Subscription cancelled in the billing system.", "Retention offer declined."),
        {"card": 3, "email": 2, "phone": 1, "iban": 1, "ssn": 1},
        {"uuid": 1, "ms": 1, "badcard": 1},
    ),
    _Topic(
        "privacy_request", "Privacy", "task", ("privacy", "dsar"),
        (
            _V(("Delete my account and data", "GDPR request"),
               "Under GDPR, please delete my account and all personal data you hold about me. "
               "The account e-mail is {req_email}.",
               ("We've received your request and will respond within one month. To verify "
                "your identity, please reply from the e-mail address on the account.",),
               ("Confirming from my account address.", "How long does deletion take?"),
               "Your account and personal data have been deleted."),
            _V(("Request for a copy of my personal data",),
               "I'd like a copy of all personal data you hold about me (a data subject access "
               "request).",
               ("We've received your request. Your export will be ready within one month; for "
                "questions write to {support_email}.",),
               ("Thank you for the quick response.", "Has the export started yet?"),
               "Your data export is ready; the download link was sent to your account e-mail."),
        ),
        ("Forwarded to the privacy team; DSAR clock started {iso}.",
         "Identity verified, export job {uuid}."),
        {"email": 4, "phone": 2, "ssn": 3}, {"iso": 2, "uuid": 1, "ssnlike": 2},
    ),
)  # fmt: skip

_PII_SENTENCES: dict[str, tuple[str, ...]] = {
    "card": (
        "Please use my other card instead: {card}, expiry 09/28.",
        "The payment was taken from card {card}.",
        "Card number is {card} if you need to look it up.",
        "Can you charge the difference to {card}?",
    ),
    "ssn": (
        "For the W-9 form, my SSN is {ssn}.",
        "The account is in my name, social security number {ssn}, if that helps you verify me.",
        "SSN: {ssn}",
    ),
    "iban": (
        "Please send the refund by bank transfer to {iban}.",
        "My IBAN is {iban} (account holder {fullname}).",
        "Bank details for the refund: IBAN {iban}.",
    ),
    "email": (
        "You can also reach me at {email}.",
        "Please send the confirmation to {email} instead; I don't check the other inbox.",
    ),
    "phone": (
        "Call me on {phone} if that's easier.",
        "My mobile is {phone}; I'm free after 5pm.",
        "You can reach me at {phone} during office hours.",
    ),
}
_NOTE_PII: dict[str, tuple[str, ...]] = {
    "card": ("Customer pasted a full card number in the thread ({card}); flag for redaction.",),
    "phone": ("Called the customer back on {phone}, no answer. Left a voicemail.",),
    "email": ("Customer asked us to use {email} from now on.",),
    "ssn": ("Customer sent their SSN ({ssn}) unprompted; do not copy it anywhere.",),
    "iban": ("Refund to {iban} approved by billing.",),
}
_DECOY_SENTENCES: dict[str, tuple[str, ...]] = {
    "order": ("(Order reference {order}.)", "This is about order {order}."),
    "tracking": ("Tracking number: {tracking}", "The label shows {tracking}."),
    "uuid": ("The error page showed reference {uuid}.", "Request id: {uuid}"),
    "iso": ("This happened at {iso} according to the app.",),
    "ms": ("The app log shows ts={ms} for the failed request.",),
    "badcard": (
        "I typed {badcard} at checkout but it said the card number was invalid, so I must "
        "have mistyped it.",
    ),
    "ssnlike": ("The tax form you sent back shows {ssnlike}, which is not my number.",),
    "badiban": ("My bank rejected IBAN {badiban}. Is that the one you have on file?",),
}

_AGENT_FOLLOWUPS = (
    "Thanks for getting back to me. I've escalated this internally and will update you within "
    "24 hours.",
    "I've checked again and everything is in progress on our side; I'll keep you posted.",
    "Thanks, that helps. I've passed this on to the team and will follow up shortly.",
)
_AGENT_DECOYS: dict[str, tuple[str, ...]] = {
    "order": ("(Order {order}.)",),
    "tracking": ("Tracking: {tracking}",),
    "uuid": ("Case reference: {uuid}",),
    "iso": ("Our logs show the last attempt at {iso}.",),
    "ms": ("Log reference ts={ms}.",),
}

_SLOT = re.compile(r"\{(\w+)\}")
_SPLIT_CACHE: dict[str, list[str]] = {}


def _pieces(template: str) -> list[str]:
    # Even indexes are literal text, odd indexes slot names (re.split with one group).
    cached = _SPLIT_CACHE.get(template)
    if cached is None:
        cached = _SPLIT_CACHE[template] = _SLOT.split(template)
    return cached


# --- records kept in memory (users only; tickets are streamed) -------------------------


@dataclass
class _Person:
    id: int
    first: str
    last: str
    email: str
    role: str  # Zendesk role: end-user | agent | admin
    role_name: str  # admin, a custom role name, or "end-user"
    created_at: datetime
    last_login_at: datetime | None
    place: tuple[str, str, str, int, str, float, float]
    ip: str
    browser: str
    phone: str | None = None
    organization_id: int | None = None
    custom_role_id: int | None = None
    two_factor: bool = False
    suspended: bool = False
    shared_agent: bool = False
    report_csv: bool = False
    groups: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    external_id: str | None = None
    roster_status: str | None = "active"  # None: not in the roster
    roster_end: date | None = None
    roster_email: str | None = None
    owner: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def is_staff(self) -> bool:
        return self.role in ("agent", "admin")

    def can_author(self, when: datetime) -> bool:
        """Whether this agent was around (created, and had not gone quiet) at `when`."""
        if self.last_login_at is None:
            return False
        return self.created_at + timedelta(days=1) <= when <= self.last_login_at + timedelta(days=1)


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Ids:
    """Monotonic ids with random gaps, like Zendesk's (unique, increasing, not dense)."""

    def __init__(self, rng: random.Random, start: int, gap: int) -> None:
        self._rng = rng
        self._next = start
        self._gap = gap

    def __call__(self) -> int:
        self._next += self._rng.randint(1, self._gap)
        return self._next


class _Ndjson:
    """Counts lines while writing one compact JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.count = 0
        self._fh: TextIO = path.open("w", encoding="utf-8", newline="\n")

    def write(self, obj: JSON) -> None:
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        self._fh.write("\n")
        self.count += 1

    def __enter__(self) -> _Ndjson:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._fh.close()


class _JsonArray:
    """Streams the items of a JSON array to a file (first item without a comma)."""

    def __init__(self, fh: TextIO) -> None:
        self._fh = fh
        self.count = 0

    def write(self, obj: JSON) -> None:
        self._fh.write(",\n    " if self.count else "\n    ")
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")))
        self.count += 1


class _Labels:
    """planted.json, streamed: entities go straight to the file, decoys to a temporary file
    that is appended at the end, so neither list is ever held in memory."""

    def __init__(self, path: Path, seed: int, now: datetime) -> None:
        self._fh: TextIO = path.open("w", encoding="utf-8", newline="\n")
        self._tmp = path.with_name(f".{path.name}.decoys.tmp")
        self._tmp_fh: TextIO = self._tmp.open("w", encoding="utf-8", newline="\n")
        self._fh.write(
            '{\n  "format": 1,\n'
            f'  "seed": {seed},\n  "now": "{_ts(now)}",\n'
            '  "note": "Synthetic demo data: every value is generated, none is real.",\n'
            '  "entities": ['
        )
        self.entities = _JsonArray(self._fh)
        self.decoys = _JsonArray(self._tmp_fh)

    def finish(self, summary: JSON) -> None:
        self._tmp_fh.close()
        self._fh.write('\n  ],\n  "decoys": [')
        with self._tmp.open(encoding="utf-8") as src:
            shutil.copyfileobj(src, self._fh)
        self._tmp.unlink()
        self._fh.write('\n  ],\n  "summary": ')
        self._fh.write(json.dumps(summary, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        self._fh.write("\n}\n")
        self._fh.close()

    def abort(self) -> None:
        self._tmp_fh.close()
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


class _Body:
    """A comment body under construction, with the offsets of labelled spans."""

    __slots__ = ("decoys", "entities", "parts", "pos")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[tuple[str, pii.Made, int, int]] = []
        self.decoys: list[tuple[str, pii.Made, int, int]] = []

    def text(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def labelled(
        self, sink: list[tuple[str, pii.Made, int, int]], kind: str, made: pii.Made
    ) -> None:
        start = self.pos
        self.text(made.value)
        sink.append((kind, made, start, self.pos))

    def value(self) -> str:
        return "".join(self.parts)


# --- the generator ---------------------------------------------------------------------


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


class _Generator:
    def __init__(
        self, out: Path, agents: int, end_users: int, tickets: int, seed: int, now: datetime
    ) -> None:
        self.out = out
        self.n_agents = agents
        self.n_end_users = end_users
        self.n_tickets = tickets
        self.seed = seed
        self.now = now
        self.counts: dict[str, int] = {}
        self.scenarios: Counter[str] = Counter()
        self.planted: Counter[str] = Counter({t: 0 for t in pii.ENTITY_TYPES})
        self.decoy_kinds: Counter[str] = Counter({k: 0 for k in pii.DECOY_KINDS})
        self.comments = 0
        self.staff: list[_Person] = []
        self.customers: list[_Person] = []
        self.role_ids: dict[str, int] = {}
        self.group_ids: dict[str, int] = {}
        self.org_ids: list[int] = []
        self.org_domains: dict[int, str] = {}
        self.emails: set[str] = set()

    def rng(self, part: str) -> random.Random:
        # One stream per part: adding tickets never shifts the users, and vice versa.
        return random.Random(f"privdesk-demo:{self.seed}:{part}")

    # -- orchestration --

    def run(self) -> DemoSummary:
        self.labels = _Labels(self.out / PLANTED, self.seed, self.now)
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

    # -- directory --

    def _make_roles_and_groups(self) -> None:
        rng = self.rng("ids")
        role_id = _Ids(rng, 360_000_160_000, 4000)
        for name in _ROLE_DEFS:
            self.role_ids[name] = role_id()
        group_id = _Ids(rng, 360_000_820_000, 9000)
        for name, _desc, _default in GROUPS:
            self.group_ids[name] = group_id()

    def _make_organizations(self) -> None:
        rng = self.rng("orgs")
        ids = _Ids(rng, 360_011_200_000, 50_000)
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
                    "created_at": _ts(created),
                    "updated_at": _ts(created + timedelta(days=rng.randint(0, 150))),
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
        ids = _Ids(rng, 361_000_000_000, 20_000_000)
        now = self.now
        g = self.group_ids
        for index, role_name in enumerate(self._role_plan()):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            owner = index == 0
            created = now - timedelta(days=2190 if owner else rng.randint(150, 1800))
            place = rng.choice(PLACES)
            person = _Person(
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

        def take(count: int, ok: Callable[[_Person], bool] = lambda p: True) -> list[_Person]:
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
        ids = _Ids(rng, max(p.id for p in self.staff) + 1_000_000_000, 40_000_000)
        now = self.now
        for _ in range(self.n_end_users):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            org = rng.choice(self.org_ids) if rng.random() < 0.35 else None
            created = now - timedelta(minutes=rng.randint(60, 60 * 24 * 1100))
            login = None
            if rng.random() < 0.6:
                login = created + (now - created) * rng.random()
            self.customers.append(
                _Person(
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

    def _user_json(self, p: _Person, rng: random.Random) -> JSON:
        tz, iana, locale, locale_id = p.place[0], p.place[1], p.place[2], p.place[3]
        if p.is_staff:
            conf = _ROLE_DEFS[p.role_name][2] if p.role_name in _ROLE_DEFS else {}
            access = conf.get("ticket_access", _BASE_CONFIGURATION["ticket_access"])
            restriction = None if p.role == "admin" else _TICKET_RESTRICTION[str(access)]
            role_type = 4 if p.role == "admin" else _ROLE_DEFS[p.role_name][0]
            private_only = p.role_name == ROLE_LIGHT
        else:
            restriction, role_type, private_only = "requested", None, False
        updated = max(p.created_at, p.last_login_at or p.created_at)
        return {
            "id": p.id,
            "url": f"{API}/users/{p.id}.json",
            "name": p.name,
            "email": p.email,
            "created_at": _ts(p.created_at),
            "updated_at": _ts(updated),
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
            "last_login_at": _ts(p.last_login_at),
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
        with _Ndjson(self.out / "users.ndjson") as fh:
            for p in people:
                fh.write(self._user_json(p, rng))
        self.counts["users.ndjson"] = fh.count

        ident_id = _Ids(rng, 363_000_000_000, 5_000_000)
        with _Ndjson(self.out / "identities.ndjson") as fh:
            for p in people:
                when = _ts(p.created_at)
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
        with _Ndjson(self.out / "custom_roles.ndjson") as fh:
            for name, (role_type, description, overrides) in _ROLE_DEFS.items():
                rid = self.role_ids[name]
                created = self.now - timedelta(days=1400 + rid % 300)
                fh.write(
                    {
                        "id": rid,
                        "name": name,
                        "description": description,
                        "role_type": role_type,
                        "team_member_count": members.get(rid, 0),
                        "created_at": _ts(created),
                        "updated_at": _ts(created + timedelta(days=rid % 900)),
                        "configuration": {**_BASE_CONFIGURATION, **overrides},
                    }
                )
        self.counts["custom_roles.ndjson"] = fh.count

        with _Ndjson(self.out / "groups.ndjson") as fh:
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
                        "created_at": _ts(created),
                        "updated_at": _ts(created + timedelta(days=gid % 200)),
                    }
                )
        self.counts["groups.ndjson"] = fh.count

        membership_id = _Ids(rng, 364_000_000_000, 2_000_000)
        with _Ndjson(self.out / "group_memberships.ndjson") as fh:
            for p in self.staff:
                for i, gid in enumerate(p.groups):
                    mid = membership_id()
                    when = _ts(p.created_at + timedelta(hours=1 + i))
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

        with _Ndjson(self.out / "organizations.ndjson") as fh:
            for org in self.organizations:
                fh.write(org)
        self.counts["organizations.ndjson"] = fh.count

    # -- tickets --

    def _write_tickets(self) -> None:
        rng = self.rng("tickets")
        now = self.now
        comment_id = _Ids(rng, 36_000_000_000_000, 90_000)
        audit_id = _Ids(rng, 36_100_000_000_000, 90_000)
        attachment_id = _Ids(rng, 36_200_000_000_000, 40_000)
        span = timedelta(days=730)
        start = now - span - timedelta(hours=1)
        by_group: dict[int, list[_Person]] = {gid: [] for gid in self.group_ids.values()}
        for p in self.staff:
            if p.role_name != ROLE_LIGHT:
                for gid in p.groups:
                    by_group[gid].append(p)
        leads = [p for p in self.staff if p.role_name in (ROLE_LEAD, ROLE_LIGHT)]
        owner = self.staff[0]
        topics_by_key = {t.key: t for t in _TOPICS}
        topic_weights = {
            "order_issue": 16,
            "refund": 14,
            "account_access": 12,
            "address_change": 10,
            "shipping_delay": 18,
            "billing": 12,
            "subscription": 8,
            "privacy_request": 4,
        }
        topic_keys = list(topic_weights)
        weights = list(topic_weights.values())

        with _Ndjson(self.out / "tickets.ndjson") as fh:
            for index in range(self.n_tickets):
                tid = index + 1
                created = start + span * ((index + rng.random() * 0.9) / self.n_tickets)
                topic = topics_by_key[rng.choices(topic_keys, weights)[0]]
                requester = rng.choice(self.customers)
                age = now - created
                status = self._status(rng, age)
                priority = rng.choices(
                    ("low", "normal", "high", "urgent", None), (15, 55, 18, 5, 7)
                )[0]
                group_name = topic.group
                if priority in ("high", "urgent") and rng.random() < 0.3:
                    group_name = "Escalations"
                if rng.random() < 0.05:
                    group_name = "Partner BPO"
                group_id = self.group_ids[group_name]
                assignee: _Person | None = None
                if status != "new" or rng.random() < 0.3:
                    candidates = by_group[group_id]
                    for _ in range(6):
                        pick = rng.choice(candidates) if candidates else owner
                        if pick.can_author(created):
                            assignee = pick
                            break
                    else:
                        assignee = owner
                channel = rng.choices(("email", "web", "api", "mobile_sdk"), (55, 30, 8, 7))[0]
                ctx = self._context(rng, requester, assignee or owner, created)
                ctx["variant"] = rng.choice(topic.variants)
                followers: list[int] = []
                if rng.random() < 0.1:
                    cand = rng.choice(leads) if leads else owner
                    if cand is not assignee:
                        followers.append(cand.id)
                ccs: list[int] = []
                if rng.random() < 0.08:
                    other = rng.choice(self.customers)
                    if other is not requester:
                        ccs.append(other.id)

                # Customer and agent take turns: solved/pending/hold tickets end with the
                # agent, open ones with the customer, new ones have only the first message.
                n_comments = 1
                if assignee is not None and status != "new":
                    pairs = rng.choices((1, 2, 3), (45, 35, 20))[0]
                    n_comments = 2 * pairs - 1 if status == "open" else 2 * pairs
                comments: list[JSON] = []
                when = created
                for c in range(n_comments):
                    if c:
                        # Recent tickets squeeze their replies in before `now`.
                        room = (now - when) / (n_comments - c + 1)
                        when += min(timedelta(minutes=rng.randint(10, 60 * 48)), room)
                    ctx["when"] = when
                    author, public, body = self._comment(
                        rng, c, n_comments, status, topic, ctx, requester, assignee or owner, leads
                    )
                    cid = comment_id()
                    text = body.value()
                    comment_via = channel if author is requester else "web"
                    comments.append(
                        {
                            "id": cid,
                            "type": "Comment",
                            "author_id": author.id,
                            "body": text,
                            "html_body": _html(text),
                            "plain_body": text,
                            "public": public,
                            "attachments": self._attachments(
                                rng, attachment_id, author is requester
                            ),
                            "audit_id": audit_id(),
                            "via": self._via(comment_via, requester),
                            "created_at": _ts(when),
                            "metadata": {
                                "system": {
                                    "client": author.browser,
                                    "ip_address": author.ip,
                                    "location": author.place[4],
                                    "latitude": author.place[5],
                                    "longitude": author.place[6],
                                },
                                "custom": {},
                            },
                        }
                    )
                    self._label(tid, cid, body)
                self.comments += len(comments)
                updated = min(now, when + timedelta(minutes=rng.randint(1, 600)))
                subject = self._fill_plain(rng.choice(ctx["variant"].subjects), ctx)
                order_value = ctx["order_field"]
                custom_fields = [
                    {"id": CUSTOM_FIELD_REASON, "value": topic.key},
                    {"id": CUSTOM_FIELD_ORDER, "value": order_value},
                    {
                        "id": CUSTOM_FIELD_TIER,
                        "value": "gold" if "vip" in requester.tags else "standard",
                    },
                    {"id": CUSTOM_FIELD_ESCALATED, "value": group_name == "Escalations"},
                ]
                tags = [*topic.tags, channel.replace("_sdk", "")]
                if "vip" in requester.tags:
                    tags.append("vip")
                fh.write(
                    {
                        "id": tid,
                        "url": f"{API}/tickets/{tid}.json",
                        "external_id": None,
                        "via": self._via(channel, requester),
                        "created_at": _ts(created),
                        "updated_at": _ts(updated),
                        "generated_timestamp": int(updated.timestamp()),
                        "type": topic.type,
                        "subject": subject,
                        "raw_subject": subject,
                        "description": comments[0]["body"],
                        "priority": priority,
                        "status": status,
                        "custom_status_id": 360_000_100_000
                        + ("new", "open", "pending", "hold", "solved", "closed").index(status),
                        "recipient": SUPPORT_ADDRESS if channel == "email" else None,
                        "requester_id": requester.id,
                        "submitter_id": requester.id,
                        "assignee_id": assignee.id if assignee else None,
                        "organization_id": requester.organization_id,
                        "group_id": group_id,
                        "collaborator_ids": ccs + followers,
                        "follower_ids": followers,
                        "email_cc_ids": ccs,
                        "forum_topic_id": None,
                        "problem_id": None,
                        "has_incidents": False,
                        "is_public": any(c["public"] for c in comments),
                        "due_at": _ts(created + timedelta(days=3))
                        if topic.type == "task"
                        else None,
                        "tags": sorted(set(tags)),
                        "custom_fields": custom_fields,
                        "fields": custom_fields,
                        "satisfaction_rating": self._rating(rng, status),
                        "sharing_agreement_ids": [],
                        "followup_ids": [],
                        "ticket_form_id": TICKET_FORM_ID,
                        "brand_id": BRAND_ID,
                        "allow_channelback": False,
                        "allow_attachments": True,
                        "from_messaging_channel": False,
                        "comments": comments,
                    }
                )
        self.counts["tickets.ndjson"] = fh.count

    @staticmethod
    def _status(rng: random.Random, age: timedelta) -> str:
        if age > timedelta(days=21):
            return rng.choices(("closed", "solved"), (92, 8))[0]
        if age > timedelta(days=4):
            return rng.choices(
                ("solved", "pending", "open", "hold", "closed"), (50, 20, 15, 5, 10)
            )[0]
        return rng.choices(("new", "open", "pending", "solved"), (25, 40, 20, 15))[0]

    @staticmethod
    def _rating(rng: random.Random, status: str) -> JSON:
        if status not in ("solved", "closed"):
            return {"score": "unoffered"}
        return {"score": rng.choices(("offered", "good", "bad", "unoffered"), (40, 35, 8, 17))[0]}

    @staticmethod
    def _via(channel: str, requester: _Person) -> JSON:
        if channel == "email":
            source: JSON = {
                "from": {"address": requester.email, "name": requester.name},
                "to": {"address": SUPPORT_ADDRESS, "name": "Acme Shop Support"},
                "rel": None,
            }
        else:
            source = {
                "from": {},
                "to": {},
                "rel": "mobile_sdk" if channel == "mobile_sdk" else None,
            }
        return {"channel": channel, "source": source}

    def _context(
        self, rng: random.Random, requester: _Person, agent: _Person, created: datetime
    ) -> JSON:
        day = created - timedelta(days=rng.randint(1, 20))
        currency = {"en-gb": "£", "de": "€", "fr": "€", "nl": "€"}.get(requester.place[2], "$")
        amount = f"{rng.randint(9, 480)}.{rng.choice(('00', '49', '95', '99'))}"
        order = pii.make_order_number(rng)
        return {
            "first": requester.first,
            "fullname": requester.name,
            "agent": agent.first,
            "product": rng.choice(PRODUCTS),
            "amount": f"{currency}{amount}" if currency != "€" else f"{amount.replace('.', ',')} €",
            "date": f"{day.day} {MONTHS[day.month - 1]}",
            "address": rng.choice(ADDRESSES),
            "order_made": order,
            "tracking_made": pii.make_tracking_number(rng),
            "order_field": order.value,
            "req_email": requester.email,
        }

    def _comment(
        self,
        rng: random.Random,
        index: int,
        total: int,
        status: str,
        topic: _Topic,
        ctx: JSON,
        requester: _Person,
        agent: _Person,
        leads: list[_Person],
    ) -> tuple[_Person, bool, _Body]:
        when: datetime = ctx["when"]
        variant: _Variant = ctx["variant"]
        body = _Body()
        customer_turn = index % 2 == 0
        note = not customer_turn and index < total - 1 and rng.random() < 0.2
        if note:
            author = agent
            if leads and rng.random() < 0.4:
                other = rng.choice(leads)
                if other.can_author(when):
                    author = other
            self._render(rng, rng.choice(topic.notes), ctx, body)
            if rng.random() < 0.12:
                kind = _weighted(rng, topic.pii_weights)
                body.text(" ")
                self._render(rng, rng.choice(_NOTE_PII[kind]), ctx, body)
            return author, False, body
        if customer_turn:
            body.text("Hi,\n\n" if index == 0 else f"Hi {ctx['agent']},\n\n")
            template = variant.opener if index == 0 else rng.choice(variant.followups)
            self._render(rng, template, ctx, body)
            if rng.random() < 0.24:
                body.text("\n\n")
                kind = _weighted(rng, topic.pii_weights)
                self._render(rng, rng.choice(_PII_SENTENCES[kind]), ctx, body)
            if rng.random() < 0.2:
                body.text("\n\n")
                kind = _weighted(rng, topic.decoy_weights)
                self._render(rng, rng.choice(_DECOY_SENTENCES[kind]), ctx, body)
            body.text(
                f"\n\n{rng.choice(('Thanks', 'Thank you', 'Best', 'Regards'))},\n{requester.first}"
            )
            return requester, True, body
        body.text(f"Hi {requester.first},\n\n")
        if index == 1:
            template = rng.choice(variant.replies)
        elif index == total - 1 and status in ("solved", "closed"):
            template = variant.closer
        else:
            template = rng.choice(_AGENT_FOLLOWUPS)
        self._render(rng, template, ctx, body)
        if rng.random() < 0.1:
            body.text("\n\n")
            kind = _weighted(
                rng, {k: w for k, w in topic.decoy_weights.items() if k in _AGENT_DECOYS}
            )
            self._render(rng, rng.choice(_AGENT_DECOYS[kind]), ctx, body)
        body.text(f"\n\nBest regards,\n{agent.first}\nAcme Shop Support")
        return agent, True, body

    def _render(self, rng: random.Random, template: str, ctx: JSON, body: _Body) -> None:
        pieces = _pieces(template)
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                if piece:
                    body.text(piece)
            elif piece in _ENTITY_SLOTS:
                body.labelled(body.entities, _ENTITY_SLOTS[piece], self._entity(rng, piece, ctx))
            elif piece in ("order", "tracking"):
                # The ticket's own order/tracking number, repeated; each occurrence is a decoy.
                body.labelled(body.decoys, _DECOY_SLOTS[piece], ctx[f"{piece}_made"])
            elif piece in _DECOY_SLOTS:
                body.labelled(
                    body.decoys,
                    _DECOY_SLOTS[piece],
                    pii.make_decoy(rng, _DECOY_SLOTS[piece], ctx["when"]),
                )
            else:
                body.text(str(ctx[piece]))

    def _fill_plain(self, template: str, ctx: JSON) -> str:
        return _SLOT.sub(lambda m: str(ctx[m.group(1)]), template)

    def _entity(self, rng: random.Random, slot: str, ctx: JSON) -> pii.Made:
        if slot == "card":
            return pii.make_card(rng)
        if slot == "ssn":
            return pii.make_ssn(rng)
        if slot == "iban":
            return pii.make_iban(rng)
        if slot == "phone":
            return pii.make_phone(rng)
        if slot == "support_phone":
            return pii.Made(SUPPORT_PHONE, "uk_intl")
        if slot == "support_email":
            return pii.Made(SUPPORT_ADDRESS, "support")
        if slot == "req_email":
            return pii.Made(str(ctx["req_email"]), "requester")
        first, last = str(ctx["fullname"]).split(" ", 1)
        return pii.Made(pii.email_for(rng, first, last), "alternate")

    def _attachments(self, rng: random.Random, ids: _Ids, customer: bool) -> list[JSON]:
        if not customer or rng.random() > 0.06:
            return []
        aid = ids()
        name = f"IMG_{rng.randint(1000, 9999)}.jpg"
        token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(25))
        url = f"https://{ACCOUNT}.zendesk.com/attachments/token/{token}/?name={name}"
        return [
            {
                "id": aid,
                "url": f"{API}/attachments/{aid}.json",
                "file_name": name,
                "content_url": url,
                "mapped_content_url": url,
                "content_type": "image/jpeg",
                "size": rng.randint(80_000, 3_500_000),
                "width": 1024,
                "height": 768,
                "inline": False,
                "deleted": False,
                "malware_access_override": False,
                "malware_scan_result": "malware_not_found",
                "thumbnails": [],
            }
        ]

    def _label(self, ticket_id: int, comment_id: int, body: _Body) -> None:
        for etype, made, start, end in body.entities:
            self.planted[etype] += 1
            self.labels.entities.write(
                {
                    "ticket_id": ticket_id,
                    "comment_id": comment_id,
                    "field": "body",
                    "type": etype,
                    "value": made.value,
                    "start": start,
                    "end": end,
                    "detail": made.detail,
                }
            )
        for kind, made, start, end in body.decoys:
            self.decoy_kinds[kind] += 1
            self.labels.decoys.write(
                {
                    "ticket_id": ticket_id,
                    "comment_id": comment_id,
                    "field": "body",
                    "kind": kind,
                    "value": made.value,
                    "start": start,
                    "end": end,
                    "detail": made.detail,
                }
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

    # -- logs, settings, roster --

    def _active_staff_at(self, when: datetime) -> list[_Person]:
        return [p for p in self.staff if p.can_author(when)]

    def _write_audit_logs(self) -> None:
        rng = self.rng("audit")
        now = self.now
        total = max(120, self.n_agents * 8)
        admins = [p for p in self.staff if p.role == "admin"]
        managers = admins + [p for p in self.staff if p.role_name == ROLE_LEAD]
        records: list[tuple[datetime, JSON]] = []

        def add(
            when: datetime,
            actor: _Person,
            action: str,
            source_type: str,
            source_id: int | None,
            label: str,
            change: str,
            ip: str | None = None,
        ) -> None:
            records.append(
                (
                    when,
                    {
                        "action": action,
                        "action_label": _ACTION_LABELS[action],
                        "actor_id": actor.id,
                        "actor_name": actor.name,
                        "source_id": source_id,
                        "source_type": source_type,
                        "source_label": label,
                        "change_description": change,
                        "ip_address": ip or actor.ip,
                    },
                )
            )

        # Planted events the demo should surface.
        if len(admins) >= 2:
            a = admins[1]
            add(
                now - timedelta(days=64, hours=3),
                a,
                "update",
                "account_setting",
                None,
                "Credit Card Redaction",
                "Disabled",
            )
            add(
                now - timedelta(days=61),
                a,
                "update",
                "user",
                a.id,
                a.name,
                "Two-factor authentication disabled",
            )
        leads = [p for p in self.staff if p.role_name == ROLE_LEAD]
        if leads:
            lead = leads[0]
            add(
                now - timedelta(days=200),
                admins[0],
                "update",
                "user",
                lead.id,
                lead.name,
                f"Role changed from {ROLE_TIER1} to {ROLE_LEAD}",
            )
            add(
                now - timedelta(days=9, hours=5),
                lead,
                "exported",
                "account",
                None,
                "Data export",
                "Users CSV export requested",
            )
        for p in self.staff:
            if p.roster_status == "terminated" and p.roster_end and p.last_login_at:
                when = p.last_login_at
                if when.date() > p.roster_end:
                    add(
                        when,
                        p,
                        "login",
                        "user",
                        p.id,
                        p.name,
                        "Signed in via Google",
                        ip=f"203.0.113.{200 + p.id % 50}",
                    )

        kinds = (
            "login",
            "login",
            "login",
            "update_user",
            "update_setting",
            "create",
            "destroy_ticket",
            "destroy_other",
            "exported",
        )
        settings = (
            ("Agent session timeout", "Changed from 8 hours to 2 weeks"),
            ("Require two-factor authentication", "Not required"),
            ("Google sign-in for team members", "Enabled"),
            ("Password policy", "Changed from Medium to High"),
        )
        while len(records) < total:
            when = now - timedelta(minutes=rng.randint(30, 60 * 24 * 365))
            active = self._active_staff_at(when) or [self.staff[0]]
            kind = rng.choice(kinds)
            if kind == "login":
                p = rng.choice(active)
                how = "Zendesk password" if p.role == "admin" else "Google"
                add(when, p, "login", "user", p.id, p.name, f"Signed in via {how}")
                continue
            actors = [p for p in managers if p in active] or [self.staff[0]]
            actor = rng.choice(actors)
            if kind == "update_user":
                target = rng.choice(self.staff)
                change = rng.choice(
                    (
                        f"Role changed from {ROLE_STAFF} to {ROLE_TIER1}",
                        "Email changed",
                        "Groups changed: added Billing",
                        "Suspended: false",
                        "Light agent: role changed to Light Agent",
                    )
                )
                add(when, actor, "update", "user", target.id, target.name, change)
            elif kind == "update_setting":
                label, change = rng.choice(settings)
                add(when, actor, "update", "account_setting", None, label, change)
            elif kind == "create":
                src = rng.choice(("trigger", "macro", "view", "automation"))
                add(
                    when,
                    actor,
                    "create",
                    src,
                    rng.randint(360_000_000_000, 369_999_999_999),
                    f"{rng.choice(('Auto-tag', 'Escalate', 'Notify', 'Close'))} "
                    f"{rng.choice(('VIP', 'refunds', 'stale tickets', 'privacy'))}",
                    "Created",
                )
            elif kind == "destroy_ticket" and self.n_tickets:
                tid = rng.randint(1, self.n_tickets)
                add(when, actor, "destroy", "ticket", tid, f"Ticket #{tid}", "Deleted")
            elif kind == "destroy_other":
                add(
                    when,
                    actor,
                    "destroy",
                    "macro",
                    rng.randint(360_000_000_000, 369_999_999_999),
                    "Old refund macro",
                    "Deleted",
                )
            elif kind == "exported":
                add(
                    when,
                    actor,
                    "exported",
                    "account",
                    None,
                    "Data export",
                    rng.choice(("Full JSON export requested", "Tickets CSV export requested")),
                )

        records.sort(key=lambda r: (r[0], r[1]["actor_id"], r[1]["change_description"]))
        ids = _Ids(rng, 36_500_000_000, 3000)
        with _Ndjson(self.out / "audit_logs.ndjson") as fh:
            for when, rec in records:
                rid = ids()
                fh.write(
                    {
                        "id": rid,
                        "url": f"{API}/audit_logs/{rid}.json",
                        **rec,
                        "created_at": _ts(when),
                    }
                )
        self.counts["audit_logs.ndjson"] = fh.count

    def _write_access_logs(self) -> None:
        rng = self.rng("access")
        now = self.now
        total = max(200, self.n_agents * 15)
        exporter = next(
            (p for p in self.staff if p.role_name == ROLE_BILLING and p.report_csv), None
        )
        rows: list[tuple[datetime, JSON]] = []
        while len(rows) < total:
            when = now - timedelta(seconds=rng.randint(60, 90 * 86400))
            active = self._active_staff_at(when)
            if not active:
                continue
            p = rng.choice(active)
            if exporter is not None and rng.random() < 0.04:
                p = exporter
                path, method, category = "/api/v2/incremental/users/cursor.json", "GET", "user"
                summary, auth, size = (
                    "Exported users (incremental API)",
                    "api_token",
                    rng.randint(2_000_000, 9_000_000),
                )
            else:
                choice = rng.random()
                if choice < 0.55 and self.n_tickets:
                    tid = rng.randint(1, self.n_tickets)
                    path, category, summary = (
                        f"/api/v2/tickets/{tid}.json",
                        "ticket",
                        f"Viewed ticket {tid}",
                    )
                elif choice < 0.8:
                    target = rng.choice(self.customers)
                    path, category, summary = (
                        f"/api/v2/users/{target.id}.json",
                        "user",
                        f"Viewed user {target.id}",
                    )
                else:
                    path, category, summary = "/api/v2/search.json", "search", "Searched tickets"
                method, auth, size = "GET", "session", rng.randint(1_500, 60_000)
            rows.append(
                (
                    when,
                    {
                        "user_id": p.id,
                        "ip_address": p.ip,
                        "method": method,
                        "url": f"https://{ACCOUNT}.zendesk.com{path}",
                        "status": rng.choices(
                            (200, 200, 200, 304, 403, 404, 429), (70, 10, 5, 6, 4, 3, 2)
                        )[0],
                        "authorization_type": auth,
                        "client": p.browser if auth == "session" else "python-requests/2.32.3",
                        "graphql": False,
                        "referer": f"https://{ACCOUNT}.zendesk.com/agent/"
                        if auth == "session"
                        else None,
                        "bytes_sent": size,
                        "category": category,
                        "summary": summary,
                        "origin_service": "Support",
                    },
                )
            )
        rows.sort(key=lambda r: (r[0], r[1]["user_id"], r[1]["url"]))
        ids = _Ids(rng, 900_000_000, 500)
        with _Ndjson(self.out / "access_logs.ndjson") as fh:
            for when, rec in rows:
                fh.write({"id": ids(), "timestamp": _ts(when), **rec})
        self.counts["access_logs.ndjson"] = fh.count

    def _write_settings(self) -> None:
        settings = {
            "settings": {
                "branding": {
                    "header_color": "1A3A5F",
                    "page_background_color": "FFFFFF",
                    "tab_background_color": "EDF7FF",
                    "text_color": "FFFFFF",
                },
                "active_features": {
                    "on_hold_status": True,
                    "user_tagging": True,
                    "ticket_forms": True,
                    "user_org_fields": True,
                    "ticket_sharing_partners": True,
                    "fb_integration": False,
                    "customer_satisfaction": True,
                    "satisfaction_prediction": False,
                    "markdown": True,
                    "sandbox": False,
                    "explore": True,
                    "good_data_and_explore": False,
                    "is_abusive": False,
                },
                "agents": {"agent_workspace": True, "focus_mode": False, "agent_home": True},
                "tickets": {
                    "comments_public_by_default": True,
                    "is_first_comment_private_enabled": False,
                    "list_newest_comments_first": True,
                    "collaboration": True,
                    "private_attachments": True,
                    "email_attachments": True,
                    "agent_collision": True,
                    "tagging": True,
                    "list_empty_views": True,
                    "maximum_personal_views_to_list": 8,
                    "status_hold": True,
                    "has_color_text": True,
                    "emoji_autocompletion": True,
                    "auto_updated_ccs_followers_rules": False,
                },
                "user": {
                    "tagging": True,
                    "time_zone_selection": True,
                    "language_selection": True,
                    "multiple_organizations": False,
                    "agent_created_welcome_emails": True,
                    "end_user_phone_number_validation": False,
                    "have_gravatars_enabled": True,
                },
                "localization": {"locale_ids": [1, 1176, 8, 16, 9]},
                "security": {
                    "team_member_authentication": {
                        "zendesk": {
                            "enabled": True,
                            "roles": ["admin"],
                            "password_policy": "high",
                            "require_two_factor": False,
                        },
                        "google": {"enabled": True, "roles": ["agent"]},
                        "microsoft": {"enabled": False, "roles": []},
                        "sso": {"enabled": False, "name": None, "protocol": None, "roles": []},
                    },
                    "end_user_authentication": {
                        "zendesk": {"enabled": True},
                        "google": {"enabled": True},
                        "microsoft": {"enabled": False},
                        "sso": {"enabled": False, "name": None, "protocol": None},
                    },
                    "sso_enabled": True,
                    "session_expiration_hours": 8,
                    "ip_restrictions": {"enabled": False, "allowed_ranges": []},
                },
            }
        }
        text = json.dumps(settings, ensure_ascii=False, indent=2) + "\n"
        (self.out / "account_settings.json").write_text(text, encoding="utf-8", newline="\n")
        self.counts["account_settings.json"] = 1

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
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(
                ["email", "employee_id", "status", "department", "manager_email", "end_date"]
            )
            for i, (_when, row) in enumerate(rows):
                row[1] = f"E{10001 + i}"
                writer.writerow(row)
        self.counts["roster.csv"] = len(rows)


_ACTION_LABELS = {
    "create": "Created",
    "destroy": "Deleted",
    "exported": "Exported",
    "login": "Signed in",
    "update": "Updated",
}


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys: Iterable[str] = weights.keys()
    return rng.choices(list(keys), list(weights.values()))[0]


def _html(text: str) -> str:
    paragraphs = text.split("\n\n")
    inner = "".join(
        f"<p>{html.escape(p, quote=False).replace(chr(10), '<br>')}</p>" for p in paragraphs
    )
    return f'<div class="zd-comment" dir="auto">{inner}</div>'
