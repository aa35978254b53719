"""Regulatory clocks (pure functions) and `privdesk breach clock` (no workspace)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cli.main import main
from app.drills import clocks

BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")


def test_72_hours_across_a_weekend_and_a_bank_holiday_are_not_extended() -> None:
    # SECURITY.md §6.1: aware Fri 2 May 2025 14:20 → Mon 5 May 14:20 (a UK bank holiday).
    aware = datetime(2025, 5, 2, 14, 20, tzinfo=LONDON)
    due = clocks.gdpr_art33_due(aware)
    assert due.astimezone(LONDON) == datetime(2025, 5, 5, 14, 20, tzinfo=LONDON)


def test_72_hours_across_spring_dst_change_are_72_real_hours() -> None:
    # Clocks go forward on Sun 29 Mar 2026 in Berlin: wall time shows one hour more.
    aware = datetime(2026, 3, 28, 10, 0, tzinfo=BERLIN)
    due = clocks.gdpr_art33_due(aware)
    assert (due - aware) == timedelta(hours=72)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 31, 11, 0)


def test_72_hours_across_autumn_dst_change() -> None:
    aware = datetime(2026, 10, 24, 9, 30, tzinfo=BERLIN)  # CEST; back to CET on 25 Oct
    due = clocks.gdpr_art33_due(aware).astimezone(BERLIN)
    assert due.replace(tzinfo=None) == datetime(2026, 10, 27, 8, 30)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)))
def test_deadline_is_always_exactly_72_elapsed_hours(naive: datetime) -> None:
    aware = naive.replace(tzinfo=UTC).astimezone(BERLIN)
    assert clocks.gdpr_art33_due(aware) - aware == timedelta(hours=72)


def test_naive_times_are_refused() -> None:
    with pytest.raises(clocks.ClockError):
        clocks.gdpr_art33_due(datetime(2026, 1, 1, 12, 0))
    with pytest.raises(clocks.ClockError, match="no UTC offset"):
        clocks.parse_instant("2026-01-01T12:00")


def test_late_notification_is_flagged_with_hours_late() -> None:
    aware = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    on_time = clocks.art33_status(aware, aware + timedelta(hours=71, minutes=59))
    late = clocks.art33_status(aware, aware + timedelta(hours=75))
    assert not on_time.late
    assert late.late and late.hours_late == pytest.approx(3.0)


def test_countdown_text() -> None:
    assert clocks.format_countdown(timedelta(hours=71, minutes=5, seconds=9)) == "71:05:09"
    assert clocks.format_countdown(timedelta(hours=-2, minutes=-10)) == "-02:10:00"


def test_california_rules_follow_their_effective_dates() -> None:
    # SECURITY.md §6.3 example: discovered Mon 2 Feb 2026 → consumers Wed 4 Mar 2026;
    # consumers notified Fri 20 Feb 2026 and > 500 residents → AG Sat 7 Mar 2026.
    found = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    items = {
        d.key: d
        for d in clocks.deadlines(
            found,
            regimes=["us-ca"],
            residents={"CA": 800},
            consumers_notified={"CA": date(2026, 2, 20)},
        )
    }
    assert items["us_ca_residents_due"].due == date(2026, 3, 4)
    assert items["us_ca_attorney_general_due"].due == date(2026, 3, 7)
    # 2025 discovery: the pre-SB 446 rule (no fixed days) applies, no AG 15-day rule.
    old = clocks.deadlines(datetime(2025, 6, 1, tzinfo=UTC), regimes=["us-ca"])
    assert [(d.key, d.due) for d in old] == [("us_ca_residents_due", None)]


def test_resident_threshold_leaves_out_the_ag_rule_when_below_it() -> None:
    found = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    few = clocks.deadlines(found, regimes=["us-ca"], residents={"CA": 120})
    assert [d.key for d in few] == ["us_ca_residents_due"]
    unknown = clocks.deadlines(found, regimes=["us-ca"])
    ag = next(d for d in unknown if d.key == "us_ca_attorney_general_due")
    assert "more than 500" in ag.condition


def test_rules_are_configurable_and_errors_name_the_field() -> None:
    rules = clocks.parse_state_rules(
        '[[rule]]\nid = "us_zz_residents"\nstate = "ZZ"\ntitle = "Test"\nfrom = "discovery"\n'
        "days = 10\neffective_from = 2026-01-01\n"
    )
    out = clocks.deadlines(datetime(2026, 3, 1, tzinfo=UTC), regimes=["us-zz"], rules=rules)
    assert out[0].due == date(2026, 3, 11)
    with pytest.raises(clocks.ClockError, match="rule 1: field 'days'"):
        clocks.parse_state_rules(
            '[[rule]]\nid="x"\nstate="ZZ"\ntitle="T"\nfrom="discovery"\ndays=0\n'
        )


def test_cli_breach_clock_needs_no_workspace(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breach", "clock", "--aware", "2025-05-02T14:20+01:00", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gdpr_art33_due"] == "2025-05-05T14:20:00+01:00"
    assert "us_ca_residents_due" in data and "notes" in data


def test_cli_breach_clock_in_a_zone_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["breach", "clock", "--aware", "2026-03-28T10:00", "--tz", "Europe/Berlin"]
    assert main([*argv, "--regime", "gdpr", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gdpr_art33_due"] == "2026-03-31T11:00:00+02:00"
    assert main(["breach", "clock", "--aware", "yesterday"]) == 2
    assert "not an ISO date-time" in capsys.readouterr().err
    assert main(["breach", "clock", "--aware", "2026-03-28T10:00Z", "--regime", "mars"]) == 2
    assert "unknown regime" in capsys.readouterr().err


def test_a_local_time_the_clocks_skipped_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["breach", "clock", "--tz", "Europe/London", "--aware", "2026-03-29T01:30"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert (
        "--aware: 2026-03-29T01:30 does not exist in Europe/London: clocks went forward from "
        "01:00 to 02:00" in err
    )
    # the same hour one day earlier, and 02:30 that morning, exist
    assert main([*argv[:-1], "2026-03-29T02:30", "--regime", "gdpr", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gdpr_art33_due"] == "2026-04-01T02:30:00+01:00"


def test_an_ambiguous_local_time_asks_for_its_offset(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["breach", "clock", "--tz", "Europe/London", "--regime", "gdpr", "--json"]
    assert main([*argv, "--aware", "2026-10-25T01:30"]) == 2
    err = capsys.readouterr().err
    assert "2026-10-25T01:30 is ambiguous in Europe/London" in err
    assert "give it with an offset: 2026-10-25T01:30+01:00 or +00:00" in err
    # either offset is accepted, and they are an hour apart
    assert main([*argv, "--aware", "2026-10-25T01:30+01:00"]) == 0
    bst = json.loads(capsys.readouterr().out)
    assert main([*argv, "--aware", "2026-10-25T01:30+00:00"]) == 0
    gmt = json.loads(capsys.readouterr().out)
    assert bst["gdpr_art33_due"] == "2026-10-28T00:30:00Z"  # shown in --tz: GMT again
    assert gmt["gdpr_art33_due"] == "2026-10-28T01:30:00Z"
    # --discovered goes through the same parser
    assert main([*argv, "--aware", "2026-10-26T09:00", "--discovered", "2026-10-25T01:59"]) == 2
    assert "--discovered: 2026-10-25T01:59 is ambiguous" in capsys.readouterr().err


def test_local_times_elsewhere_and_without_a_zone() -> None:
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    with pytest.raises(clocks.ClockError, match="does not exist in America/New_York"):
        clocks.parse_instant("2026-03-08T02:30", new_york)
    with pytest.raises(clocks.ClockError, match=r"01:30-04:00 or -05:00"):
        clocks.parse_instant("2026-11-01T01:30", new_york)
    assert clocks.parse_instant("2026-07-01T12:00", new_york).utcoffset() == timedelta(hours=-4)
    with pytest.raises(clocks.ClockError, match="no UTC offset"):
        clocks.parse_instant("2026-07-01T12:00")
