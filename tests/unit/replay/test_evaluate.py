"""`watchfloor evaluate` on a hand-made case whose every figure is worked out below."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from schemas.alerts import Alert, AlertWindow, Explanation, Risk, RiskContribution
from schemas.codec import encode_alert
from streams.replay.command import register
from streams.replay.evaluate import read_alerts, read_labels

DAY0 = datetime(2026, 3, 10, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return DAY0 + timedelta(hours=hours)


def _alert(
    ident: str,
    officer: str,
    detector: str,
    hours: float,
    *,
    evidence: tuple[str, ...] = ("x",),
    window_hours: float = 0.0,
    contributions: tuple[str, ...] = (),
    category: str = "integrity",
) -> bytes:
    return encode_alert(
        Alert(
            schema_version=1,
            alert_id=ident,
            officer_id=officer,
            detector=detector,
            detector_version=1,
            category=category,  # type: ignore[arg-type]
            severity="medium",
            score=1.0,
            event_time=_at(hours),
            window=AlertWindow(start=_at(hours - window_hours), end=_at(hours)),
            summary="A test alert.",
            evidence=evidence,
            explanation=Explanation(observed={}, own_normal={}, peer_normal={}, threshold={}),
            risk=Risk(
                score=float(len(contributions)),
                contributions=tuple(
                    RiskContribution(alert_id=c, points=1.0) for c in contributions
                ),
            ),
            config_hash="sha256:test",
        )
    )


def _label(
    scenario: str,
    officer: str,
    start: float,
    end: float,
    evidence: list[str],
    *,
    category: str = "integrity",
    resembles: str | None = None,
) -> bytes:
    return orjson.dumps(
        {
            "scenario": scenario,
            "officer_id": officer,
            "category": category,
            "start": _at(start).isoformat(),
            "end": _at(end).isoformat(),
            "evidence": evidence,
            "benign": resembles is not None,
            "resembles": resembles,
        }
    )


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, Path]:
    labels = [
        _label("impossible_travel", "P1", 10, 10 + 10 / 60, ["b1", "b2"]),  # L1: found by A1
        _label("impossible_travel", "P2", 12, 12 + 5 / 60, ["b3", "b4"]),  # L2: missed
        _label("excessive_hours", "P1", 6, 20, ["r1"], category="welfare"),  # L3: found by A3
        _label("benign_far_training", "P3", 9, 11, ["b9"], resembles="impossible_travel"),  # L4
        _label("lookup_volume", "P3", 14, 18, ["a1", "a2"]),  # L5: found by A5
    ]
    alerts = [
        # A1: true, by time and evidence; detected 600 s after L1 started.
        _alert("A1", "P1", "impossible_travel", 10 + 10 / 60, evidence=("b2",)),
        # A2: false: past L1's end plus the 1 h slack, no shared evidence.
        _alert("A2", "P1", "impossible_travel", 13),
        # A3: true by evidence alone (22:00 is past 20:00 + 1 h); 16 h after L3 started.
        _alert("A3", "P1", "excessive_hours", 22, evidence=("r1",), category="welfare"),
        # A4: false, and fools the benign look-alike L4 (its window overlaps L4's).
        _alert("A4", "P3", "impossible_travel", 11.5, window_hours=0.25),
        # A5: true, inside L5's end plus slack; 4.5 h after L5 started.
        _alert("A5", "P3", "lookup_volume", 18.5),
        # A6: false: 19:30 is past 18:00 + 1 h.
        _alert("A6", "P3", "lookup_volume", 19.5),
        # A7: risk crossing during P3's integrity label (plus slack): true.
        _alert("A7", "P3", "risk_threshold_crossed", 18.5, evidence=("A5",), contributions=("A5",)),
        # A8: risk crossing with no label near and only a false contribution: false.
        _alert("A8", "P2", "risk_threshold_crossed", 20, evidence=("A2",), contributions=("A2",)),
        # A9: risk crossing a day after L1, but it lists the true A1 among its contributions.
        _alert("A9", "P1", "risk_threshold_crossed", 34, evidence=("A1",), contributions=("A1",)),
    ]
    labels_path = tmp_path / "labels.jsonl"
    labels_path.write_bytes(b"\n".join(labels) + b"\n")
    alerts_path = tmp_path / "alerts.jsonl"
    alerts_path.write_bytes(b"\n".join(alerts) + b"\n")
    return alerts_path, labels_path


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    result: int = args.handler(args)
    return result


def test_evaluate_gives_the_exact_figures_of_the_hand_made_case(
    case: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    alerts, labels = case
    code = _run(
        "evaluate", "--alerts", str(alerts), "--labels", str(labels), "--json",
        "--officer-days", "400", "--slack-hours", "1",
    )  # fmt: skip
    assert code == 0
    result = orjson.loads(capsys.readouterr().out)
    overall = result["overall"]
    assert overall["precision"] == 5 / 9  # A1, A3, A5, A7, A9 of nine
    assert overall["recall"] == 3 / 4  # L1, L3, L5 of the four non-benign labels
    assert overall["false_alerts_per_1000_officer_days"] == 4 / 400 * 1000
    assert result["by_scenario"] == {
        "excessive_hours": {
            "precision": 1.0,
            "recall": 1.0,
            "median_time_to_detect_s": 16 * 3600.0,
            "labels": 1,
            "detected": 1,
            "alerts": 1,
            "true_alerts": 1,
        },
        "impossible_travel": {
            "precision": 1 / 3,
            "recall": 0.5,
            "median_time_to_detect_s": 600.0,
            "labels": 2,
            "detected": 1,
            "alerts": 3,
            "true_alerts": 1,
        },
        "lookup_volume": {
            "precision": 0.5,
            "recall": 1.0,
            "median_time_to_detect_s": 4.5 * 3600,
            "labels": 1,
            "detected": 1,
            "alerts": 2,
            "true_alerts": 1,
        },
    }
    assert overall["by_detector"]["risk_threshold_crossed"] == {
        "alerts": 3,
        "true_alerts": 2,
        "precision": 2 / 3,
    }
    assert overall["benign"] == {
        "benign_far_training": {
            "resembles": "impossible_travel",
            "labels": 1,
            "labels_fooled": 1,
            "false_alerts": 1,
        }
    }


def test_a_wider_slack_turns_near_misses_into_matches(case: tuple[Path, Path]) -> None:
    from streams.replay.evaluate import evaluate

    alerts, labels = case
    result = evaluate(read_alerts(alerts), read_labels(labels), slack_seconds=6 * 3600.0)
    # A2 (13:00) now matches L1 and A6 (19:30) matches L5; A8 is still far from P2's label
    # (12:05 + 6 h) but lists A2, now true, so it counts too: only A4 stays false.
    assert result["overall"]["precision"] == 8 / 9
    assert result["overall"]["false_alerts_per_1000_officer_days"] is None


def test_officer_days_come_from_the_reference_beside_the_labels(
    case: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    alerts, labels = case
    reference = labels.parent / "reference"
    reference.mkdir()
    (reference / "officers.jsonl").write_text("{}\n{}\n{}\n{}\n")
    _run("evaluate", "--alerts", str(alerts), "--labels", str(labels), "--json", "--days", "10")
    overall = orjson.loads(capsys.readouterr().out)["overall"]
    assert overall["officer_days"] == 40
    assert overall["false_alerts_per_1000_officer_days"] == overall["false_alerts"] / 40 * 1000


def test_the_table_names_every_scenario_and_detector(
    case: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    alerts, labels = case
    _run("evaluate", "--alerts", str(alerts), "--labels", str(labels), "--officer-days", "400")
    table = capsys.readouterr().out
    for name in ("impossible_travel", "excessive_hours", "risk_threshold_crossed"):
        assert name in table
    assert "benign_far_training" in table
