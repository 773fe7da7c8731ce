"""Unit tests of the four welfare detectors (insufficient_rest, excessive_hours,
rest_days_cancelled, sickness_pattern)."""

from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired


def test_insufficient_rest_fires_on_a_quick_change_over_and_cites_the_change() -> None:
    sc = Scenario(only=["insufficient_rest"])
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.shift("P1", "2026-03-11T14:00", "2026-03-11T23:00")
    sc.roster(
        "P1", "duty_changed", "2026-03-11T00:00", "2026-03-11T09:00", at_time="2026-03-07T10:00"
    )  # moved from the afternoon to just after midnight
    [alert] = alerts_of(sc, "insufficient_rest", until="2026-03-14T00:00")
    assert alert.explanation.observed["rest_hours"] == 8.0
    assert alert.evidence == ("rost-000003",)
    assert alert.risk.score == 0.0


def test_insufficient_rest_quiet_on_11_hours_overtime_joined_or_a_sick_day() -> None:
    sc = Scenario(only=["insufficient_rest"])
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.overtime("P1", "2026-03-10T16:10", "2026-03-10T18:00", at="2026-03-10T19:00")
    sc.shift("P1", "2026-03-11T05:00", "2026-03-11T14:00")  # 11 h after the overtime
    sc.shift("P1", "2026-03-12T07:00", "2026-03-12T16:00")
    sc.shift("P1", "2026-03-12T22:00", "2026-03-13T07:00")  # 6 h later, but...
    sc.sick("P1", "2026-03-12T18:00", "2026-03-14T00:00")  # ...off sick by then
    assert fired(sc, until="2026-03-16T00:00") == []


def test_insufficient_rest_is_measured_in_real_hours_across_the_clock_change() -> None:
    sc = Scenario(only=["insufficient_rest"])
    # 22:00 GMT Saturday to 09:00 BST Sunday is 10 real hours, though the clock moves 11.
    sc.shift("P1", "2026-03-28T13:00", "2026-03-28T22:00")
    sc.shift("P1", "2026-03-29T09:00+01:00", "2026-03-29T17:00+01:00")
    [alert] = alerts_of(sc, "insufficient_rest", until="2026-04-01T00:00")
    assert alert.explanation.observed["rest_hours"] == 10.0


def test_excessive_hours_fires_on_a_14_hour_spell_including_overtime() -> None:
    sc = Scenario(only=["excessive_hours"])
    sc.shift("P1", "2026-03-10T07:00", "2026-03-10T16:00")
    sc.overtime("P1", "2026-03-10T16:00", "2026-03-10T21:00", at="2026-03-11T09:00")
    [alert] = alerts_of(sc, "excessive_hours", until="2026-03-14T00:00")
    assert alert.explanation.observed["spell_hours"] == 14.0


def test_excessive_hours_fires_on_over_60_hours_in_7_days() -> None:
    sc = Scenario(only=["excessive_hours"])
    for day in range(9, 15):
        sc.shift("P1", f"2026-03-{day:02d}T07:00", f"2026-03-{day:02d}T17:30")  # 6 x 10.5 h
    [alert] = alerts_of(sc, "excessive_hours", until="2026-03-18T00:00")
    assert alert.explanation.observed["hours_7d"] == 63.0


def test_excessive_hours_quiet_on_a_normal_rota_and_on_call_weekends() -> None:
    sc = Scenario(only=["excessive_hours"])
    for day in range(9, 14):
        sc.shift("P1", f"2026-03-{day:02d}T08:00", f"2026-03-{day:02d}T16:00")
    sc.roster(
        "P1", "duty_changed", "2026-03-13T17:00", "2026-03-16T08:00", at_time="2026-02-20T14:00"
    )  # 63 hours on call: availability, not work
    assert fired(sc, until="2026-03-20T00:00") == []


def test_rest_days_cancelled_fires_on_the_third_within_28_days() -> None:
    sc = Scenario(only=["rest_days_cancelled"])
    for day in ("03", "10", "17"):
        sc.rest_day_worked("P1", f"2026-03-{day}T08:00", f"2026-03-{day}T16:00")
    [alert] = alerts_of(sc, "rest_days_cancelled")
    assert alert.explanation.observed["rest_days_worked"] == 3
    assert len(alert.evidence) == 3


def test_rest_days_cancelled_quiet_on_two_or_spread_out() -> None:
    sc = Scenario(only=["rest_days_cancelled"])
    for day in ("2026-03-03", "2026-03-20", "2026-04-15"):
        sc.rest_day_worked("P1", f"{day}T08:00", f"{day}T16:00")
    assert fired(sc) == []


def test_sickness_pattern_fires_on_frequent_short_spells() -> None:
    sc = Scenario(only=["sickness_pattern"])
    for day in (2, 9, 16, 23):
        sc.sick("P1", f"2026-03-{day:02d}T00:00", f"2026-03-{day + 1:02d}T00:00")
    for day in (6, 13):  # after the clock change: local midnights are 23:00 UTC
        sc.sick("P1", f"2026-04-{day:02d}T00:00+01:00", f"2026-04-{day + 2:02d}T00:00+01:00")
    [alert] = alerts_of(sc, "sickness_pattern")
    assert alert.explanation.observed == {"bradford_factor": 288, "spells": 6, "days": 8}


def test_sickness_pattern_quiet_on_one_long_spell() -> None:
    sc = Scenario(only=["sickness_pattern"])
    sc.sick("P1", "2026-03-02T00:00", "2026-03-30T00:00")
    assert fired(sc) == []
