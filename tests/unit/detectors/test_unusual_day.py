from __future__ import annotations

from dataclasses import replace
from typing import Any

from detectors.config import load_config
from detectors.messages import DayVector
from detectors.models.unusual_day import UnusualDayDetector, scaled
from detectors.peer import PeerGroupStage
from detectors.state import DAY_FEATURES
from detectors.testing import Scenario, alerts_of, fired

NAME = "unusual_day"
# Toy data: every ordinary day is identical, so a small window and a lower threshold.
SMALL: dict[str, Any] = {
    "detectors": {NAME: {"window_size": 30, "threshold": 0.6, "n_trees": 10, "height": 6}}
}


def ordinary_weeks(sc: Scenario) -> None:
    for day in range(2, 22):
        for i in range(1, 9):
            officer = f"P{i}"
            sc.badge(officer, f"2026-03-{day:02d}T07:{i:02d}")
            for k in range(4):
                sc.lookup(officer, f"2026-03-{day:02d}T{9 + k:02d}:{i:02d}")
            sc.badge(officer, f"2026-03-{day:02d}T16:{i:02d}", direction="out")


def test_fires_on_a_day_of_bulk_exports_and_store_visits() -> None:
    sc = Scenario(only=[NAME], overrides=SMALL)
    ordinary_weeks(sc)
    for k in range(40):
        sc.lookup(
            "P1",
            f"2026-03-22T{8 + k // 10:02d}:{(k % 10) * 5:02d}",
            action="export",
            system="intel-system",
        )  # a system this officer never used before
    for k in range(6):
        sc.badge(
            "P1",
            f"2026-03-22T13:{k * 5:02d}",
            zone="property-store",
            direction="in" if k % 2 == 0 else "out",
        )
    [alert] = alerts_of(sc, NAME)
    assert alert.explanation.observed["exports"] == 40
    assert alert.explanation.observed["rare_systems"] == 1
    assert alert.evidence[0].startswith("audit-")
    assert alert.explanation.peer_normal["peer_group"] == "response/constable"


def test_quiet_on_an_ordinary_day() -> None:
    sc = Scenario(only=[NAME], overrides=SMALL)
    ordinary_weeks(sc)
    sc.badge("P1", "2026-03-22T07:03")
    for k in range(5):
        sc.lookup("P1", f"2026-03-22T{9 + k:02d}:10")
    assert fired(sc) == []


OWN = {
    k: 1.0
    for k in (
        "days",
        "weighted_lookups_mean",
        "weighted_lookups_sd",
        "events_mean",
        "nocase_share_mean",
    )
}


def features(i: int) -> dict[str, float]:
    out = dict.fromkeys(DAY_FEATURES, 1.0)
    out.update(
        badge=float(i),
        lookups=4.0,
        nocase=1.0,
        distinct_records=4.0,
        weighted_lookups=2.5,
        lookups_7d=20.0,
        nocase_7d=5.0,
        overtime_28d=float(i % 3),
    )
    return out


def test_scores_first_then_learns_in_officer_order_whatever_the_arrival_order() -> None:
    config = load_config(overrides=SMALL)
    vectors = [
        DayVector(
            officer_id=f"P{i}",
            peer_group="g",
            day=1,
            day_start=0.0,
            day_end=86400.0,
            last_time=80000.0,
            features=features(i),
            own=OWN,
            evidence={"last": (f"e{i}",)},
        )
        for i in range(40)
    ]

    def closed(order: list[DayVector]) -> bytes:
        stage = PeerGroupStage(config)
        for day in range(3):
            for v in order:
                stage.add(replace(v, day=day, day_start=day * 86400.0, day_end=(day + 1) * 86400.0))
            stage.advance((day + 1) * 86400.0)
        return stage.snapshot()

    assert closed(vectors) == closed(vectors[::-1])


def test_features_are_scaled_into_the_box_the_trees_split() -> None:
    x = scaled({"badge": 10_000.0, "exports": 3.0, "first_hour": 30.0})
    assert all(0.0 <= v <= 1.0 for v in x.values())
    detector = UnusualDayDetector(load_config().detector(NAME), Scenario().env())
    assert detector.new_model("a")["trees"].seed != detector.new_model("b")["trees"].seed


def unusual(sc: Scenario, exports: list[str], visits: list[str]) -> None:
    for stamp in exports:
        sc.lookup("P1", stamp, action="export", system="intel-system")
    for k, stamp in enumerate(visits):
        sc.badge("P1", stamp, zone="property-store", direction="in" if k % 2 == 0 else "out")


def daytime(day: str, offset: str = "") -> tuple[list[str], list[str]]:
    exports = [f"{day}T{8 + k // 10:02d}:{(k % 10) * 5:02d}{offset}" for k in range(40)]
    return exports, [f"{day}T13:{k * 5:02d}{offset}" for k in range(6)]


def test_silent_for_an_officer_missing_from_the_directory() -> None:
    known = Scenario(only=[NAME], overrides=SMALL)
    missing = Scenario(
        only=[NAME],
        overrides=SMALL,
        officers=[o for o in known.officers if o.officer_id != "P1"],
    )
    for sc in (known, missing):
        ordinary_weeks(sc)
        unusual(sc, *daytime("2026-03-22"))
    assert fired(known) == [NAME]
    assert fired(missing) == []  # no role and rank: no peer group's model to judge by


def test_the_small_hours_belong_to_the_new_local_day() -> None:
    sc = Scenario(only=[NAME], overrides=SMALL)
    ordinary_weeks(sc)
    unusual(
        sc,
        [f"2026-03-22T00:{k:02d}" for k in range(40)],
        [f"2026-03-22T00:{41 + k * 3:02d}" for k in range(6)],
    )
    [alert] = alerts_of(sc, NAME)
    assert alert.window.start.isoformat() == "2026-03-22T00:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-03-23T00:00:00+00:00"
    assert alert.explanation.observed["exports"] == 40


def test_the_23_hour_spring_sunday_is_one_day() -> None:
    sc = Scenario(only=[NAME], overrides=SMALL)
    for day in range(9, 29):
        for i in range(1, 9):
            sc.badge(f"P{i}", f"2026-03-{day:02d}T07:{i:02d}")
            for k in range(4):
                sc.lookup(f"P{i}", f"2026-03-{day:02d}T{9 + k:02d}:{i:02d}")
            sc.badge(f"P{i}", f"2026-03-{day:02d}T16:{i:02d}", direction="out")
    unusual(sc, *daytime("2026-03-29", "+01:00"))
    [alert] = alerts_of(sc, NAME)
    assert alert.window.start.isoformat() == "2026-03-29T00:00:00+00:00"
    assert alert.window.end.isoformat() == "2026-03-29T23:00:00+00:00"
    assert alert.explanation.observed["exports"] == 40


def test_explains_against_the_peer_groups_mean_of_each_feature_it_scores() -> None:
    config = load_config(overrides=SMALL)
    detector = UnusualDayDetector(config.detector(NAME), Scenario().env(config))

    def vector(i: int, exports: float) -> DayVector:
        return DayVector(
            officer_id=f"P{i:02d}",
            peer_group="g",
            day=1,
            day_start=0.0,
            day_end=86400.0,
            last_time=80000.0,
            features={**features(i), "exports": exports, "denied": 0.0},
            own=OWN,
            evidence={"last": (f"e{i}",)},
        )

    model = detector.new_model("g")
    for _ in range(3):  # past the warm-up window
        model = detector.learn(model, [vector(i, float(i % 2) * 2) for i in range(30)])
    [finding] = detector.score(model, [vector(99, 50.0)])
    assert finding.peer_normal["exports_mean"] == 1.0  # half the days 0, half 2
    assert finding.peer_normal["denied_mean"] == 0.0
    assert finding.observed["exports"] == 50.0
    assert finding.own_normal["days"] == 1.0


def test_a_model_pickled_before_the_feature_means_learns_them_from_then_on() -> None:
    detector = UnusualDayDetector(load_config().detector(NAME), Scenario().env())
    model = detector.new_model("g")
    del model["means"]
    model = detector.learn(model, [])
    assert set(model["means"]) == set(scaled({}))
