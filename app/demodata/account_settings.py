"""account_settings.json: the account settings and its security section."""

from __future__ import annotations

import json

from app.demodata.state import GeneratorState


class AccountSettingsPart(GeneratorState):
    """account_settings.json (shape documented in app.demodata.generator)."""

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
