"""Detection rules are data (issue 20): the built-in TOML files load, round-trip, and a bad
field is reported with its file, rule id, field and what was expected (no traceback)."""

from __future__ import annotations

import pytest

from app.monitoring.rules import RuleError, builtin_rules, dump_rule, parse_rules

CONTRACT_IDS = {
    "bulk_user_reads",
    "export_downloaded",
    "off_hours_access",
    "new_ip",
    "api_token_created",
    "two_factor_disabled",
    "redaction_disabled",
    "role_escalation",
    "user_assumed",
    "many_pii_reveals",
    "failed_signins",
}

GOOD = """
[[rule]]
id = "night_reads"
version = 3
title = "Night reads"
explanation = "Reads at night."
severity = "medium"
source = "access_log"
kind = "threshold"

[rule.match]
method = "GET"
path = { prefix = "/api/v2/users" }

[rule.params]
count = 5
window_minutes = 10
"""


def test_every_rule_id_of_the_cli_contract_ships_as_a_builtin() -> None:
    rules = builtin_rules()
    ids = [r.id for r in rules]
    assert set(ids) >= CONTRACT_IDS
    assert len(ids) == len(set(ids))
    for r in rules:
        assert r.explanation and r.title and r.severity in ("low", "medium", "high")


def test_canonical_toml_round_trips_every_builtin_rule() -> None:
    for rule in builtin_rules():
        assert parse_rules(dump_rule(rule), "x.toml") == [rule]
    everything = "\n".join(dump_rule(r) for r in builtin_rules())
    assert parse_rules(everything, "all.toml") == builtin_rules()


def test_a_good_file_parses_with_defaults_filled_in() -> None:
    (rule,) = parse_rules(GOOD, "mine.toml")
    assert rule.params == {"count": 5, "window_minutes": 10, "group_by": "actor"}
    assert rule.playbook == "compromised-agent-account"
    assert rule.matches({"method": "get", "path": "/api/v2/users/7.json"})
    assert not rule.matches({"method": "PUT", "path": "/api/v2/users/7.json"})


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'severity = "medium"',
            'severity = "urgent"',
            "mine.toml: rule 'night_reads': field 'severity': expected one of low, medium, "
            "high, got 'urgent'",
        ),
        (
            "count = 5",
            'count = "five"',
            "mine.toml: rule 'night_reads': field 'params.count': expected a whole number, "
            "got 'five'",
        ),
        (
            "count = 5\n",
            "",
            "mine.toml: rule 'night_reads': field 'params.count': missing (a threshold rule "
            "needs it)",
        ),
        (
            'method = "GET"',
            'verb = "GET"',
            "mine.toml: rule 'night_reads': field 'match.verb': not a field of access_log events",
        ),
        (
            'path = { prefix = "/api/v2/users" }',
            'path = { regex = "(" }',
            "mine.toml: rule 'night_reads': field 'match.path': not a valid regular expression",
        ),
        (
            'path = { prefix = "/api/v2/users" }',
            'path = { starts = "/api" }',
            "mine.toml: rule 'night_reads': field 'match.path': expected one operator of",
        ),
        (
            'id = "night_reads"',
            'id = "Night Reads"',
            "mine.toml: rule #1: field 'id': expected snake_case",
        ),
        (
            'kind = "threshold"',
            'kind = "threshold"\ncolour = "red"',
            "mine.toml: rule 'night_reads': field 'colour': unknown field",
        ),
        (
            "window_minutes = 10",
            "window_minutes = 0",
            "mine.toml: rule 'night_reads': field 'params.window_minutes': expected between 1 "
            "and 10080, got 0",
        ),
        ('source = "access_log"', 'source = "access_log', "mine.toml: not valid TOML (Illegal"),
    ],
)
def test_a_bad_field_gives_a_located_error(old: str, new: str, message: str) -> None:
    assert old in GOOD
    with pytest.raises(RuleError) as raised:
        parse_rules(GOOD.replace(old, new, 1), "mine.toml")
    assert raised.value.message.startswith(message), raised.value.message


def test_a_rule_defined_twice_and_a_file_without_rules_are_refused() -> None:
    with pytest.raises(RuleError, match=r"rule 'night_reads': field 'id': defined twice"):
        parse_rules(GOOD + GOOD, "mine.toml")
    with pytest.raises(RuleError, match=r"empty.toml: no \[\[rule\]\] table"):
        parse_rules("", "empty.toml")
    with pytest.raises(RuleError, match=r"x\.toml: unknown top-level key 'rules'"):
        parse_rules("[[rules]]\nid = 'a'\n", "x.toml")


def test_the_second_rule_of_a_file_is_named_by_its_id() -> None:
    second = GOOD.replace("night_reads", "day_reads").replace('"medium"', '"severe"')
    with pytest.raises(RuleError, match=r"both\.toml: rule 'day_reads': field 'severity'"):
        parse_rules(GOOD + second, "both.toml")


def test_off_hours_needs_the_end_after_the_start() -> None:
    text = GOOD.replace('kind = "threshold"', 'kind = "off_hours"').replace(
        "count = 5\nwindow_minutes = 10", "start_hour = 20\nend_hour = 7"
    )
    with pytest.raises(RuleError, match=r"field 'params\.end_hour': expected after start_hour"):
        parse_rules(text, "mine.toml")
