from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "overtime_without_presence"


def shift_day() -> Scenario:
    sc = Scenario(only=[NAME])
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.badge("P1", "2026-03-10T06:50")
    sc.lookup("P1", "2026-03-10T12:00")
    sc.badge("P1", "2026-03-10T16:00", zone="custody", direction="out")
    return sc


def test_fires_on_overtime_claimed_after_leaving_at_the_end_of_the_shift() -> None:
    sc = shift_day()
    sc.overtime("P1", "2026-03-10T16:15", "2026-03-10T18:45", at="2026-03-11T09:00")
    [alert] = alerts_of(sc, NAME)
    assert alert.evidence == ("rost-000005",)
    assert alert.explanation.observed["claimed_hours"] == 2.5


def test_fires_on_a_rest_day_claim_with_no_activity_at_all() -> None:
    sc = shift_day()
    sc.overtime("P1", "2026-03-12T10:00", "2026-03-12T15:00", at="2026-03-12T18:00")
    assert fired(sc) == [NAME]


def test_quiet_when_the_overtime_was_worked() -> None:
    sc = shift_day()
    sc.lookup("P1", "2026-03-10T17:30")
    sc.overtime("P1", "2026-03-10T16:15", "2026-03-10T18:45", at="2026-03-11T09:00")
    assert fired(sc) == []


def test_a_log_out_just_after_the_claimed_end_is_presence() -> None:
    sc = shift_day()
    sc.lookup("P1", "2026-03-10T17:48", action="logout", case=None)
    sc.overtime("P1", "2026-03-10T16:30", "2026-03-10T17:45", at="2026-03-10T22:00")
    assert fired(sc) == []


def test_silent_on_a_claim_older_than_the_presence_kept() -> None:
    sc = shift_day()
    sc.lookup("P1", "2026-03-20T09:00")
    sc.overtime("P1", "2026-03-10T16:15", "2026-03-10T18:45", at="2026-03-20T09:30")
    assert fired(sc) == []


def test_overtime_across_midnight() -> None:
    sc = shift_day()
    sc.overtime("P1", "2026-03-10T23:00", "2026-03-11T02:00", at="2026-03-11T09:00")
    assert fired(sc) == [NAME]
    sc = shift_day()
    sc.lookup("P1", "2026-03-11T00:40")
    sc.overtime("P1", "2026-03-10T23:00", "2026-03-11T02:00", at="2026-03-11T09:00")
    assert fired(sc) == []


def autumn_late_shift(reference: bool = True) -> Scenario:
    sc = Scenario(only=[NAME]) if reference else Scenario(only=[NAME], officers=[], sites=[])
    sc.shift("P1", "2026-10-24T14:00+01:00", "2026-10-24T23:00+01:00")
    sc.badge("P1", "2026-10-24T13:50+01:00", site="S1" if reference else "S404")
    sc.badge("P1", "2026-10-24T23:00+01:00", zone="custody", direction="out")
    return sc


def test_overtime_across_the_autumn_clock_change_is_four_real_hours() -> None:
    # Midnight BST to 03:00 GMT: three hours on the clock, four claimed and unworked.
    sc = autumn_late_shift()
    sc.overtime("P1", "2026-10-25T00:00+01:00", "2026-10-25T03:00+00:00", at="2026-10-25T09:00")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["claimed_hours"] == 4.0
    assert alert.window.start.isoformat() == "2026-10-24T23:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-10-25T03:00:00+00:00"
    # Activity in the repeated hour (01:30 GMT) is presence during the claim.
    sc = autumn_late_shift()
    sc.lookup("P1", "2026-10-25T01:30+00:00")
    sc.overtime("P1", "2026-10-25T00:00+01:00", "2026-10-25T03:00+00:00", at="2026-10-25T09:00")
    assert fired(sc) == []


def test_needs_no_directory_or_site_reference() -> None:
    # Presence is any badge or system use, at a known site or not; the claim is the roster's.
    sc = autumn_late_shift(reference=False)
    sc.overtime("P1", "2026-10-25T00:00+01:00", "2026-10-25T03:00+00:00", at="2026-10-25T09:00")
    assert fired(sc) == [NAME]
    sc = autumn_late_shift(reference=False)
    sc.badge("P1", "2026-10-25T01:30+00:00", site="S404")
    sc.overtime("P1", "2026-10-25T00:00+01:00", "2026-10-25T03:00+00:00", at="2026-10-25T09:00")
    assert fired(sc) == []
