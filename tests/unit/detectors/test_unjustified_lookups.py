from __future__ import annotations

from detectors.testing import Scenario, alerts_of, fired

NAME = "unjustified_lookups"


def peers(sc: Scenario) -> None:
    for officer in ("P2", "P3", "P4"):
        for day in range(10, 24):
            for k in range(6):
                sc.lookup(officer, f"2026-03-{day}T10:{k:02d}", case=None if k == 0 else "CR/1")


def test_fires_when_most_look_ups_lack_a_case_against_peers_sixth() -> None:
    sc = Scenario(only=[NAME])
    peers(sc)
    for day in range(20, 24):
        for k in range(12):
            sc.lookup("P1", f"2026-03-{day}T10:{k:02d}", case=None if k % 6 else "CR/1")
    alert = alerts_of(sc, NAME)[0]
    assert alert.explanation.observed["share"] > 0.8
    assert 0.1 < alert.explanation.peer_normal["share"] < 0.25


def test_quiet_for_an_officer_like_the_peers() -> None:
    sc = Scenario(only=[NAME])
    peers(sc)
    for day in range(10, 24):
        for k in range(6):
            sc.lookup("P1", f"2026-03-{day}T11:{k:02d}", case=None if k < 2 else "CR/1")
    assert fired(sc) == []


def test_quiet_on_too_few_look_ups_to_judge() -> None:
    sc = Scenario(only=[NAME])
    peers(sc)
    for day in range(20, 23):
        sc.lookup("P1", f"2026-03-{day}T10:00", case=None)
    assert fired(sc) == []


def habit(sc: Scenario, days: list[str], hour: str = "10") -> None:
    for day in days:
        for k in range(12):
            sc.lookup("P1", f"{day}T{hour}:{k:02d}", case=None if k % 6 else "CR/1")


def test_silent_for_an_officer_missing_from_the_directory() -> None:
    # Without a role and rank there is no peer group to compare with: silent, not guessed.
    known = Scenario(only=[NAME])
    missing = Scenario(only=[NAME], officers=[o for o in known.officers if o.officer_id != "P1"])
    for sc in (known, missing):
        peers(sc)
        habit(sc, [f"2026-03-{day}" for day in range(20, 24)])
    assert fired(known) == [NAME]
    assert fired(missing) == []


def test_a_session_across_midnight_is_judged_once_with_both_halves() -> None:
    sc = Scenario(only=[NAME])
    peers(sc)
    for k in range(12):  # 23:54 to 00:05: six searches on each local day
        stamp = f"2026-03-20T23:{54 + k}" if k < 6 else f"2026-03-21T00:{k - 6:02d}"
        sc.lookup("P1", stamp, case=None if k % 6 else "CR/1")
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["searches_7d"] == 12
    assert alert.window.start.isoformat() == "2026-03-21T00:00:00+00:00"


def test_local_days_after_the_spring_clock_change() -> None:
    sc = Scenario(only=[NAME])
    for officer in ("P2", "P3", "P4"):
        for day in range(16, 32):
            for k in range(6):
                sc.lookup(officer, f"2026-03-{day}T10:{k:02d}", case=None if k == 0 else "CR/1")
    habit(sc, ["2026-03-29"], hour="23")  # 23:00 UTC on the 29th is just after midnight BST
    [alert] = alerts_of(sc, NAME)
    assert alert.window.start.isoformat() == "2026-03-29T23:00:00+00:00"  # Monday 30th
    assert alert.window.end.isoformat() == "2026-03-30T23:00:00+00:00"
    assert alert.explanation.observed["searches_7d"] == 12
