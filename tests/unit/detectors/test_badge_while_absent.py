from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "badge_while_absent"


def rostered() -> Scenario:
    sc = Scenario(only=[NAME])
    for day in (9, 10, 11, 12, 13):
        sc.shift("P1", f"2026-03-{day:02d}T07:00", f"2026-03-{day:02d}T16:00")
    return sc


def test_fires_on_a_badge_while_on_leave_and_names_the_leave_booking() -> None:
    sc = rostered()
    sc.leave("P1", "2026-03-16T00:00", "2026-03-21T00:00")
    sc.badge("P1", "2026-03-18T12:10")
    [alert] = alerts_of(sc, NAME)
    assert "on leave" in alert.summary
    assert len(alert.evidence) == 2  # the badge and the leave booking
    assert alert.category == "integrity" and alert.risk.score > 0


def test_fires_on_a_badge_while_sick() -> None:
    sc = rostered()
    sc.sick("P1", "2026-03-11T00:00", "2026-03-13T00:00")
    sc.badge("P1", "2026-03-12T12:00")
    assert "sick" in alerts_of(sc, NAME)[0].summary


def test_fires_on_a_badge_on_a_rest_day() -> None:
    sc = rostered()
    sc.badge("P1", "2026-03-14T12:00")
    assert fired(sc) == [NAME]


def test_one_alert_for_one_absence_however_many_badges() -> None:
    sc = rostered()
    sc.leave("P1", "2026-03-16T00:00", "2026-03-21T00:00")
    for day in (16, 17, 18):
        sc.badge("P1", f"2026-03-{day}T12:00")
    assert fired(sc) == [NAME]


def test_quiet_on_duty_and_when_the_roster_is_corrected_later() -> None:
    sc = rostered()
    sc.badge("P1", "2026-03-10T06:50")
    # Called in on a rest day; the rest day worked is entered the next morning.
    sc.badge("P1", "2026-03-14T09:00")
    sc.roster(
        "P1", "rest_day_worked", "2026-03-14T09:00", "2026-03-14T15:00", at_time="2026-03-15T08:30"
    )
    assert fired(sc) == []


def test_quiet_on_an_agreed_swap_onto_a_rest_day() -> None:
    sc = rostered()
    sc.roster(
        "P1",
        "shift_swapped",
        "2026-03-14T07:00",
        "2026-03-14T16:00",
        at_time="2026-03-07T10:00",
        actor="P1",
        approver="P9",
        counterpart="P2",
    )
    sc.badge("P1", "2026-03-14T06:55")
    assert fired(sc) == []


def test_quiet_without_a_roster() -> None:
    sc = Scenario(only=[NAME])
    sc.badge("P1", "2026-03-14T12:00")
    assert fired(sc) == []


def test_a_night_shift_across_midnight_is_not_a_rest_day() -> None:
    sc = Scenario(only=[NAME])
    sc.shift("P1", "2026-03-13T22:00", "2026-03-14T07:00")
    sc.shift("P1", "2026-03-16T22:00", "2026-03-17T07:00")
    sc.badge("P1", "2026-03-14T06:30")  # the morning after, still on the night shift
    assert fired(sc) == []


def test_rest_day_across_the_spring_clock_change_uses_local_days() -> None:
    sc = Scenario(only=[NAME])
    # Saturday 28 March is worked until 23:30 BST-to-be (GMT that night); Sunday 29 March,
    # a 23-hour local day, has no duty.
    sc.shift("P1", "2026-03-28T14:30", "2026-03-28T23:30")
    sc.shift("P1", "2026-03-30T07:00+01:00", "2026-03-30T16:00+01:00")
    sc.badge("P1", "2026-03-29T00:30+01:00")  # 23:30 UTC on the 28th: still that duty
    assert fired(sc) == []
    sc.badge("P1", "2026-03-29T23:30+01:00")  # Sunday evening, local time
    assert fired(sc) == [NAME]


def test_partial_reference_still_reports_from_the_roster() -> None:
    sc = rostered()
    sc.sites = []
    sc.badge("P1", "2026-03-14T12:00", site="S404")
    [alert] = alerts_of(sc, NAME)
    assert "S404" in alert.summary
