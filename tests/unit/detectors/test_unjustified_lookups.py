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
