"""The fictional Zendesk account: its domains, ids, groups and custom-role definitions."""

from __future__ import annotations

from app.demodata.writers import JSON

ACCOUNT = "acme-shop"
API = f"https://{ACCOUNT}.zendesk.com/api/v2"
COMPANY_DOMAIN = "acme-shop.example"
PARTNER_DOMAIN = "northstar-bpo.example"
SUPPORT_ADDRESS = f"support@{COMPANY_DOMAIN}"
SUPPORT_PHONE = "+44 20 7946 0000"
DORMANT_DAYS = 120

# --- role definitions --------------------------------------------------------------------

ROLE_ADMIN = "admin"
ROLE_LIGHT = "Light Agent"
ROLE_STAFF = "Staff"
ROLE_TIER1 = "Tier 1 Support"
ROLE_BILLING = "Billing Specialist"
ROLE_LEAD = "Team Lead"
ROLE_ADVISOR = "Advisor"

BASE_CONFIGURATION: JSON = {
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
ROLE_DEFS: dict[str, tuple[int, str, JSON]] = {
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

TICKET_RESTRICTION = {
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
