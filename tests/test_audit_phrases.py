"""Every audit action written anywhere in app/ has a phrase an operator can read."""

from __future__ import annotations

from app.audit.phrases import PHRASES, details_text, is_routine, phrase
from tests.audit_actions import audit_actions


def test_every_audit_action_in_app_has_a_phrase() -> None:
    actions = audit_actions()
    assert len(actions) > 100  # the source scan found the actions (it cannot pass empty)
    missing = {a: where for a, where in actions.items() if a not in PHRASES}
    assert missing == {}, "add a phrase in app/audit/phrases.py for: " + ", ".join(missing)


def test_phrases_read_as_an_operator_would_say_them() -> None:
    assert phrase("auth.login") == "Signed in"
    assert phrase("audit.export") == "Exported the audit log"
    assert phrase("dsar.view") == "Viewed a DSAR"
    assert phrase("future.action") == "future.action"  # an unknown code is shown, not hidden
    assert all(p and p[0].isupper() and not p.endswith(".") for p in PHRASES.values())


def test_details_are_fields_and_views_are_routine() -> None:
    assert details_text({"rows": 3, "with_kit": False, "filtered": []}) == (
        "filtered: none · rows: 3 · with kit: no"
    )
    assert details_text(None) == ""
    assert is_routine("dsar.view") and not is_routine("dsar.erase")
