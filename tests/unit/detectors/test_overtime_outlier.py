from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "overtime_outlier"
OFFICERS = ("P1", "P2", "P3", "P4", "P5", "P6")


def force(sc: Scenario) -> list[int]:
    workdays = [d for d in range(2, 28) if d % 7 not in (0, 1)]
    for i, officer in enumerate(OFFICERS):
        for day in workdays:
            sc.shift(officer, f"2026-03-{day:02d}T07:00", f"2026-03-{day:02d}T15:00")
            sc.badge(officer, f"2026-03-{day:02d}T07:0{i}")
    return workdays


def test_fires_once_on_sustained_overtime_far_above_the_peer_group() -> None:
    sc = Scenario(only=[NAME])
    for day in force(sc)[::2]:
        sc.overtime(
            "P1",
            f"2026-03-{day:02d}T15:00",
            f"2026-03-{day:02d}T18:00",
            at=f"2026-03-{day:02d}T18:30",
        )
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["overtime_hours_28d"] >= 20
    assert alert.explanation.peer_normal["median_hours_28d"] < 2
    assert all(e.startswith("rost-") for e in alert.evidence)


def test_quiet_when_the_whole_group_works_the_same_overtime() -> None:
    sc = Scenario(only=[NAME])
    for day in force(sc)[::2]:
        for officer in OFFICERS:
            sc.overtime(
                officer,
                f"2026-03-{day:02d}T15:00",
                f"2026-03-{day:02d}T18:00",
                at=f"2026-03-{day:02d}T18:30",
            )
    assert fired(sc) == []


def test_quiet_in_a_group_too_small_to_compare() -> None:
    sc = Scenario(only=[NAME])
    for day in range(2, 27):
        sc.badge("P1", f"2026-03-{day:02d}T07:00")
        sc.overtime(
            "P1",
            f"2026-03-{day:02d}T15:00",
            f"2026-03-{day:02d}T18:00",
            at=f"2026-03-{day:02d}T18:30",
        )
    assert fired(sc) == []


def claims(sc: Scenario, days: list[int], start: str, end: str, overnight: bool = False) -> None:
    for day in days:
        sc.overtime(
            "P1",
            f"2026-03-{day:02d}T{start}",
            f"2026-03-{day + 1 if overnight else day:02d}T{end}",
            at=f"2026-03-{day + 1:02d}T08:00",  # entered the next morning
        )


def test_silent_for_an_officer_missing_from_the_directory() -> None:
    known = Scenario(only=[NAME])
    missing = Scenario(only=[NAME], officers=[o for o in known.officers if o.officer_id != "P1"])
    for sc in (known, missing):
        claims(sc, force(sc)[::2], "15:00", "18:00")
    assert fired(known) == [NAME]
    assert fired(missing) == []  # no role and rank: no peer group to compare with


def test_overtime_past_midnight_counts_in_full_on_the_day_it_starts() -> None:
    evening = Scenario(only=[NAME])
    claims(evening, force(evening)[::2], "15:00", "18:00")
    night = Scenario(only=[NAME])
    claims(night, force(night)[::2], "23:00", "02:00", overnight=True)
    [alert] = alerts_of(night, NAME)
    [expected] = alerts_of(evening, NAME)
    assert alert.explanation.observed == expected.explanation.observed
    assert alert.window == expected.window


def test_the_28_days_are_local_days_across_the_clock_change() -> None:
    sc = Scenario(only=[NAME])
    for i, officer in enumerate(OFFICERS[1:]):
        for day in range(16, 32):
            sc.badge(officer, f"2026-03-{day:02d}T07:0{i}")
    # 28 local days before the end of 1 April begin at midnight GMT on 5 March: a claim from
    # 23:00 on the 4th is outside, though within 28 x 24 hours (the clocks went forward).
    sc.overtime("P1", "2026-03-04T23:00", "2026-03-05T01:00", at="2026-03-05T08:00")
    claims(sc, [16, 17, 18, 19, 20], "15:00", "19:00")
    sc.badge("P1", "2026-04-01T07:00+01:00")  # P1's only active day: judged once
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["overtime_hours_28d"] == 20.0
    assert alert.window.start.isoformat() == "2026-03-05T00:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-04-01T23:00:00+00:00"
