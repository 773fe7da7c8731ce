from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired
from schemas.reference import Officer

NAME = "lookup_volume"


def background(sc: Scenario, officers: tuple[str, ...], days: range, per_day: int) -> None:
    for officer in officers:
        for day in days:
            for k in range(per_day):
                sc.lookup(
                    officer, f"2026-03-{day:02d}T10:{k:02d}", case=None if k % 4 == 0 else "CR/1"
                )


def test_fires_on_a_spree_and_explains_against_own_and_peer_normal() -> None:
    sc = Scenario(only=[NAME])
    background(sc, ("P1", "P2", "P3"), range(10, 24), 8)
    for k in range(150):
        sc.lookup(
            "P1",
            f"2026-03-24T{9 + k // 60:02d}:{k % 60:02d}",
            case=None if k % 4 == 0 else "CR/1",
            record=f"r:{k}",
        )
    [alert] = alerts_of(sc, NAME)
    explanation = alert.explanation
    assert explanation.observed["lookups"] == 150
    assert explanation.own_normal["days"] == 14
    assert explanation.peer_normal["peer_group"] == "response/constable"
    assert alert.window.start.isoformat() == "2026-03-24T00:00:00+00:00"
    assert 1 <= len(alert.evidence) <= 8


def test_quiet_on_a_detectives_heavy_day_on_cases() -> None:
    sc = Scenario(only=[NAME])
    background(sc, ("P1", "P2", "P3"), range(10, 24), 30)
    for k in range(90):  # three times the usual, every one under a case reference
        sc.lookup("P1", f"2026-03-24T{9 + k // 30:02d}:{k % 30 * 2:02d}", case="CR/7")
    assert fired(sc) == []


def test_a_new_officer_starts_from_the_peer_baseline() -> None:
    sc = Scenario(only=[NAME])
    background(sc, ("P2", "P3", "P4"), range(10, 24), 8)
    # P1's first day: an ordinary busy day is not a spree, a spree is.
    background(sc, ("P1",), range(23, 24), 12)
    assert fired(sc) == []
    for k in range(150):
        sc.lookup("P5", f"2026-03-24T{9 + k // 60:02d}:{k % 60:02d}", case=None)
    assert fired(sc) == [NAME]


def test_silent_for_an_officer_missing_from_the_directory() -> None:
    sc = Scenario(
        only=[NAME],
        officers=[
            Officer(
                officer_id="P2",
                unit_id="U1",
                role="response",
                rank="constable",
                home_site_id="S1",
                active=True,
            )
        ],
    )
    background(sc, ("P2",), range(10, 24), 8)
    for k in range(150):
        sc.lookup("P1", f"2026-03-24T{9 + k // 60:02d}:{k % 60:02d}", case=None)
    assert fired(sc) == []


def test_a_spree_across_midnight_is_judged_by_local_day() -> None:
    sc = Scenario(only=[NAME])
    background(sc, ("P1", "P2", "P3"), range(10, 24), 8)
    for k in range(150):  # 22:30 to 01:00: 90 look-ups on the 24th, 60 on the 25th
        minute = 22 * 60 + 30 + k
        day, hour = 24 + minute // 1440, minute % 1440 // 60
        sc.lookup(
            "P1",
            f"2026-03-{day}T{hour:02d}:{minute % 60:02d}",
            case=None if k % 4 == 0 else "CR/1",
            record=f"r:{k}",
        )
    # The 60 after midnight are the 25th's, judged on their own (not enough for a spree).
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["lookups"] == 90
    assert alert.window.start.isoformat() == "2026-03-24T00:00:00+00:00"


def test_the_23_hour_spring_sunday_is_one_day() -> None:
    sc = Scenario(only=[NAME])
    for officer in ("P1", "P2", "P3"):
        for day in range(15, 29):
            for k in range(8):
                sc.lookup(officer, f"2026-03-{day}T10:{k:02d}", case=None if k % 4 == 0 else "CR/1")
    for k in range(150):
        sc.lookup(
            "P1",
            f"2026-03-29T{9 + k // 60:02d}:{k % 60:02d}+01:00",
            case=None if k % 4 == 0 else "CR/1",
            record=f"r:{k}",
        )
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["lookups"] == 150
    assert alert.window.start.isoformat() == "2026-03-29T00:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-03-29T23:00:00+00:00"
