"""Unit tests of the four welfare detectors (insufficient_rest, excessive_hours,
rest_days_cancelled, sickness_pattern)."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from detectors.testing import Scenario, alerts_of, fired
from schemas.alerts import Alert


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


def test_excessive_hours_fires_once_on_a_night_spell_across_midnight() -> None:
    sc = Scenario(only=["excessive_hours"])
    sc.shift("P1", "2026-03-10T18:00", "2026-03-11T08:00")  # 14 hours, half of it tomorrow
    sc.shift("P1", "2026-03-12T19:00", "2026-03-13T07:00")  # an ordinary 12-hour night
    [alert] = alerts_of(sc, "excessive_hours", until="2026-03-16T00:00")
    assert alert.explanation.observed["spell_hours"] == 14.0
    assert alert.window.start.isoformat() == "2026-03-10T18:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-03-11T08:00:00+00:00"


def test_excessive_hours_counts_real_hours_across_the_autumn_clock_change() -> None:
    sc = Scenario(only=["excessive_hours"])
    # 20:00 BST to 08:30 GMT: 12.5 hours on the clock, 13.5 worked (the clock goes back).
    sc.shift("P1", "2026-10-24T20:00+01:00", "2026-10-25T08:30+00:00")
    [alert] = alerts_of(sc, "excessive_hours", until="2026-10-28T00:00")
    assert alert.explanation.observed["spell_hours"] == 13.5
    assert alert.window.start.isoformat() == "2026-10-24T19:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-10-25T08:30:00+00:00"
    assert "24 Oct 20:00" in alert.summary  # local time for the reader


def test_excessive_hours_quiet_on_a_night_the_spring_clock_change_only_makes_look_long() -> None:
    sc = Scenario(only=["excessive_hours"])
    # 19:00 GMT to 09:00 BST: 14 hours on the clock, 13 worked.
    sc.shift("P1", "2026-03-28T19:00", "2026-03-29T09:00+01:00")
    assert fired(sc, until="2026-04-01T00:00") == []
    sc = Scenario(only=["excessive_hours"])
    sc.shift("P1", "2026-03-28T19:00", "2026-03-29T09:30+01:00")  # 13.5 worked
    [alert] = alerts_of(sc, "excessive_hours", until="2026-04-01T00:00")
    assert alert.explanation.observed["spell_hours"] == 13.5


def test_welfare_alerts_about_plain_planned_shifts_say_so_and_have_their_own_ids() -> None:
    # The state keeps no event id of plain planned shifts (memory), so such an alert names no
    # evidence: its explanation says why, and its window keeps its id apart from the next one.
    sc = Scenario(only=["excessive_hours", "insufficient_rest"])
    sc.shift("P1", "2026-03-10T06:00", "2026-03-10T20:00")
    sc.shift("P1", "2026-03-20T06:00", "2026-03-20T20:00")
    alerts = sc.run(until="2026-03-24T00:00")
    assert [a.detector for a in alerts] == ["excessive_hours", "excessive_hours"]
    assert [list(a.evidence) for a in alerts] == [[], []]
    assert all("roster_entries" in a.explanation.observed for a in alerts)
    assert alerts[0].alert_id != alerts[1].alert_id


def test_an_alert_with_named_evidence_does_not_say_planned_shifts_only() -> None:
    sc = Scenario(only=["excessive_hours"])
    sc.shift("P1", "2026-03-10T06:00", "2026-03-10T17:00")
    sc.overtime("P1", "2026-03-10T17:00", "2026-03-10T21:00", at="2026-03-10T22:00")
    [alert] = sc.run(until="2026-03-14T00:00")
    assert alert.evidence
    assert "roster_entries" not in alert.explanation.observed


def test_rest_days_cancelled_counts_a_night_worked_on_the_day_it_starts() -> None:
    sc = Scenario(only=["rest_days_cancelled"])
    for day in (3, 10, 17):  # rest days worked through the night into the next morning
        sc.rest_day_worked("P1", f"2026-03-{day:02d}T22:00", f"2026-03-{day + 1:02d}T06:00")
    [alert] = alerts_of(sc, "rest_days_cancelled")
    assert alert.explanation.observed["days"] == ["2026-03-03", "2026-03-10", "2026-03-17"]
    assert alert.window.end.isoformat() == "2026-03-18T00:00:00+00:00"


def test_rest_days_cancelled_window_is_28_local_days_across_the_clock_change() -> None:
    def worked(last: str) -> Scenario:
        sc = Scenario(only=["rest_days_cancelled"])
        for day in ("2026-03-08", "2026-03-22"):
            sc.rest_day_worked("P1", f"{day}T08:00", f"{day}T16:00")
        sc.rest_day_worked("P1", last, "2026-04-05T08:30+01:00")
        return sc

    # 23:30 BST on 4 April is still 4 April, 27 days after 8 March: a third within 28 days.
    [alert] = alerts_of(worked("2026-04-04T23:30+01:00"), "rest_days_cancelled")
    assert alert.explanation.observed["days"] == ["2026-03-08", "2026-03-22", "2026-04-04"]
    assert alert.window.end.isoformat() == "2026-04-04T23:00:00+00:00"  # local midnight
    # 00:30 BST on 5 April (23:30 UTC on the 4th) is 5 April locally: 8 March has dropped out.
    assert fired(worked("2026-04-05T00:30+01:00")) == []


def _welfare_cases() -> dict[str, Callable[[Scenario], None]]:
    def rest(sc: Scenario) -> None:
        sc.shift("P1", "2026-03-10T14:00", "2026-03-10T23:00")
        sc.shift("P1", "2026-03-11T07:00", "2026-03-11T16:00")
        sc.overtime("P1", "2026-03-11T16:00", "2026-03-11T22:00", at="2026-03-12T09:00")

    def rest_days(sc: Scenario) -> None:
        for day in ("03", "10", "17"):
            sc.rest_day_worked("P1", f"2026-03-{day}T08:00", f"2026-03-{day}T16:00")

    def sickness(sc: Scenario) -> None:
        for day in (2, 6, 9, 16, 23, 30):  # 6 spells of a day: 6^2 x 6 = 216
            sc.sick("P1", f"2026-03-{day:02d}T00:00", f"2026-03-{day + 1:02d}T00:00")

    return {
        "insufficient_rest": rest,
        "excessive_hours": rest,  # the second day's spell is 15 hours
        "rest_days_cancelled": rest_days,
        "sickness_pattern": sickness,
    }


@pytest.mark.parametrize("name", sorted(_welfare_cases()))
def test_welfare_needs_no_reference_data(name: str) -> None:
    # Welfare is judged on the roster alone: an officer missing from the directory, and no
    # sites at all, change nothing but the peer group the explanation names.
    build = _welfare_cases()[name]
    full = Scenario(only=[name])
    build(full)
    bare = Scenario(only=[name], officers=[], sites=[])
    build(bare)
    expected = alerts_of(full, name, until="2026-04-05T00:00")
    got = alerts_of(bare, name, until="2026-04-05T00:00")
    assert expected
    assert [a.explanation.peer_normal["peer_group"] for a in got] == ["unknown"] * len(got)
    assert [_without_peer_group(a) for a in got] == [_without_peer_group(a) for a in expected]


def _without_peer_group(alert: Alert) -> Alert:
    peer = {k: v for k, v in alert.explanation.peer_normal.items() if k != "peer_group"}
    return msgspec.structs.replace(
        alert, explanation=msgspec.structs.replace(alert.explanation, peer_normal=peer)
    )
