"""DSAR deadlines: regulators' worked examples, calendars, pauses, extension; properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dsar.deadlines import (
    DeadlineError,
    Pause,
    add_months,
    compute,
    extension_allowed,
    is_working_day,
    reminders,
    time_left,
)


def due(regime: str, received: date, **kw: object) -> date:
    return compute(regime, received, **kw).due  # type: ignore[arg-type]


# ---------------------------------------------------------------- GDPR (ICO counting)


def test_ico_example_day_of_receipt_is_day_one() -> None:
    # ICO: a request received on 3 September is due on 3 October.
    assert due("uk-gdpr", date(2025, 9, 3)) == date(2025, 10, 3)


def test_month_end_without_corresponding_date_uses_last_day() -> None:
    assert due("uk-gdpr", date(2025, 1, 31)) == date(2025, 2, 28)
    assert due("uk-gdpr", date(2025, 3, 31)) == date(2025, 4, 30)
    assert add_months(date(2025, 8, 31), 1) == date(2025, 9, 30)


def test_leap_year() -> None:
    assert due("uk-gdpr", date(2024, 1, 31)) == date(2024, 2, 29)
    assert due("uk-gdpr", date(2024, 1, 29)) == date(2024, 2, 29)
    # 29 Feb 2024 → 29 Mar 2024 is Good Friday, then Easter weekend and Monday.
    assert due("uk-gdpr", date(2024, 2, 29)) == date(2024, 4, 2)


def test_weekend_moves_to_next_working_day() -> None:
    # 1 Mar 2025 is a Saturday.
    assert due("uk-gdpr", date(2025, 2, 1)) == date(2025, 3, 3)
    # Received on a Sunday still counts that day as day one.
    assert due("uk-gdpr", date(2025, 8, 3)) == date(2025, 9, 3)


def test_easter_bank_holidays_england() -> None:
    # 18 Apr 2025 Good Friday, 21 Apr Easter Monday.
    assert due("uk-gdpr", date(2025, 3, 18), calendar="GB-ENG") == date(2025, 4, 22)


def test_christmas_and_boxing_day() -> None:
    # 25 Dec 2025 (Thu) Christmas, 26 Boxing Day, then the weekend.
    assert due("uk-gdpr", date(2025, 11, 25)) == date(2025, 12, 29)


def test_calendar_subdivision_matters_scotland_2_january() -> None:
    # 2 Jan 2027 is a Saturday; Scotland observes its 2 January holiday on Mon 4 Jan.
    assert due("uk-gdpr", date(2026, 12, 2), calendar="GB-ENG") == date(2027, 1, 4)
    assert due("uk-gdpr", date(2026, 12, 2), calendar="GB-SCT") == date(2027, 1, 5)


def test_eu_member_state_calendar() -> None:
    # 1 May is a public holiday in Germany and France.
    assert due("eu-gdpr", date(2025, 4, 1), calendar="DE") == date(2025, 5, 2)
    assert due("eu-gdpr", date(2025, 4, 1), calendar="FR") == date(2025, 5, 2)
    # No calendar chosen: weekends only.
    assert compute("eu-gdpr", date(2025, 4, 1)).calendar is None


def test_clock_starts_at_latest_of_receipt_identity_and_fee() -> None:
    d = compute(
        "uk-gdpr",
        date(2025, 9, 3),
        identity_received=date(2025, 9, 10),
        fee_received=date(2025, 9, 8),
    )
    assert d.clock_start == date(2025, 9, 10)
    assert d.due == date(2025, 10, 10)
    assert d.received == date(2025, 9, 3)


def test_extension_is_three_months_from_the_original_start() -> None:
    d = compute("uk-gdpr", date(2025, 9, 3))
    assert d.extended_due == date(2025, 12, 3)
    # 30 Nov 2025 → 28 Feb 2026 (no 30 Feb), a Saturday → Mon 2 Mar.
    assert compute("uk-gdpr", date(2025, 11, 30)).extended_due == date(2026, 3, 2)


def test_extension_notice_must_be_recorded_before_the_original_deadline() -> None:
    original = date(2025, 10, 3)
    assert extension_allowed(original, date(2025, 10, 3))
    assert not extension_allowed(original, date(2025, 10, 4))


def test_clarification_pause_ico_and_dpa_s54_counting() -> None:
    # ICO example shape: deadline 15 March, clarification asked 20 Feb, answered 25 Feb.
    pause = [Pause(date(2028, 2, 20), date(2028, 2, 25))]
    assert due("uk-gdpr", date(2028, 2, 15)) == date(2028, 3, 15)
    ico = compute("uk-gdpr", date(2028, 2, 15), pauses=pause, pause_method="ico")
    s54 = compute("uk-gdpr", date(2028, 2, 15), pauses=pause, pause_method="dpa-s54")
    assert (ico.paused_days, ico.due) == (5, date(2028, 3, 20))
    assert (s54.paused_days, s54.due) == (6, date(2028, 3, 21))
    assert ico.extended_due == date(2028, 5, 20) + timedelta(days=2)  # Sat 20 May → Mon


def test_pauses_only_under_uk_gdpr_and_must_be_ordered() -> None:
    with pytest.raises(DeadlineError):
        compute("ccpa", date(2025, 1, 6), pauses=[Pause(date(2025, 1, 7), date(2025, 1, 8))])
    with pytest.raises(DeadlineError):
        compute("uk-gdpr", date(2025, 1, 6), pauses=[Pause(date(2025, 1, 8), date(2025, 1, 7))])


def test_internal_target_is_28_days_inside_the_month() -> None:
    d = compute("uk-gdpr", date(2025, 9, 3))
    assert d.internal_target == date(2025, 9, 30)
    assert d.internal_target <= d.due


# ---------------------------------------------------------------- US and Brazil


def test_ccpa_acknowledge_respond_extend() -> None:
    d = compute("ccpa", date(2025, 12, 1))
    assert d.calendar == "US-CA"
    assert d.acknowledge_by == date(2025, 12, 15)  # 10 business days
    assert d.due == date(2026, 1, 15)  # 45 calendar days
    assert d.extended_due == date(2026, 3, 1)  # 90 in total


def test_ccpa_business_days_skip_christmas() -> None:
    # 16-19, 22-24 Dec, (25 holiday), 26, 29, 30 Dec 2025.
    assert compute("ccpa", date(2025, 12, 15)).acknowledge_by == date(2025, 12, 30)


def test_ccpa_verification_does_not_move_the_clock() -> None:
    d = compute("ccpa", date(2025, 12, 1), identity_received=date(2025, 12, 20))
    assert d.due == date(2026, 1, 15)


def test_ccpa_opt_out_and_limit_are_15_business_days() -> None:
    # Thanksgiving 27 Nov and the day after (28 Nov 2025) are California holidays.
    for kind in ("opt-out-sale", "limit-sensitive"):
        d = compute("ccpa", date(2025, 11, 20), request_type=kind)
        assert d.due == date(2025, 12, 15)
        assert d.extended_due is None and d.acknowledge_by is None


def test_vcdpa_and_lgpd() -> None:
    v = compute("vcdpa", date(2025, 3, 1))
    assert (v.due, v.extended_due, v.acknowledge_by) == (date(2025, 4, 15), date(2025, 5, 30), None)
    g = compute("lgpd", date(2025, 3, 1))
    assert (g.due, g.extended_due) == (date(2025, 3, 16), None)


def test_json_shape_and_bad_input() -> None:
    assert set(compute("lgpd", date(2025, 3, 1)).to_json()) == {
        "regime",
        "received",
        "due",
        "extended_due",
        "acknowledge_by",
        "calendar",
    }
    with pytest.raises(DeadlineError, match="regime"):
        compute("gdpr", date(2025, 3, 1))
    with pytest.raises(DeadlineError, match="calendar"):
        compute("uk-gdpr", date(2025, 3, 1), calendar="XX")
    with pytest.raises(DeadlineError, match="subdivision"):
        compute("uk-gdpr", date(2025, 3, 1), calendar="GB-XYZ")


def test_reminders_and_time_left() -> None:
    d = date(2025, 10, 3)
    assert reminders(d) == (date(2025, 9, 26), date(2025, 10, 1), d)
    assert time_left(d, date(2025, 10, 4)) == "overdue"
    assert time_left(d, d) == "due-today"
    assert time_left(d, date(2025, 9, 26)) == "due-soon"
    assert time_left(d, date(2025, 9, 25)) == "on-track"


# ---------------------------------------------------------------- properties

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
REGIMES = st.sampled_from(["uk-gdpr", "eu-gdpr", "ccpa", "vcdpa", "lgpd"])
CALENDARS = st.sampled_from([None, "GB-ENG", "GB-SCT", "GB-NIR", "DE", "FR", "IE", "US-CA"])


@settings(max_examples=300, deadline=None)
@given(REGIMES, DAYS, CALENDARS, st.sampled_from(["access", "erasure", "opt-out-sale"]))
def test_due_is_never_before_receipt(
    regime: str, received: date, calendar: str | None, kind: str
) -> None:
    d = compute(regime, received, calendar=calendar, request_type=kind)
    assert d.due >= received
    assert d.extended_due is None or d.extended_due >= d.due
    assert d.internal_target <= d.due


@settings(max_examples=300, deadline=None)
@given(REGIMES, DAYS, st.integers(min_value=1, max_value=60), CALENDARS)
def test_due_is_monotone_in_the_received_date(
    regime: str, received: date, later_by: int, calendar: str | None
) -> None:
    later = received + timedelta(days=later_by)
    assert due(regime, received, calendar=calendar) <= due(regime, later, calendar=calendar)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["uk-gdpr", "eu-gdpr"]),
    DAYS,
    CALENDARS,
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 20)), max_size=3),
    st.sampled_from(["ico", "dpa-s54"]),
)
def test_gdpr_due_never_lands_on_a_non_working_day(
    regime: str,
    received: date,
    calendar: str | None,
    raw_pauses: list[tuple[int, int]],
    method: str,
) -> None:
    pauses = [
        Pause(received + timedelta(days=a), received + timedelta(days=a + b)) for a, b in raw_pauses
    ]
    d = compute(
        regime,
        received,
        calendar=calendar,
        pauses=pauses if regime == "uk-gdpr" else (),
        pause_method=method,  # type: ignore[arg-type]
    )
    assert is_working_day(d.due, d.calendar)
    assert d.extended_due is not None and is_working_day(d.extended_due, d.calendar)
