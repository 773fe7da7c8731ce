"""`watchfloor evaluate`: alerts against the simulator's labels.

Matching
--------
An alert *matches* a non-benign label when it is about the same officer, its detector is the
label's scenario (scenarios are named after the detector they should trigger), and either its
``event_time`` lies within ``[start - slack, end + slack]`` or its evidence shares an event id
with the label's evidence. An alert matching at least one non-benign label is *true*; every
other alert is *false*.

A benign label (a look-alike a good detector must not flag) is *fooled* by an alert of the
detector it ``resembles``, about the same officer, whose window overlaps ``[start - slack,
end + slack]`` or whose evidence shares an event id with it. Such alerts are false alerts like
any other unmatched alert; they are also counted per look-alike.

``risk_threshold_crossed`` has no scenario of its own. Its alert counts as true when the officer
has a non-benign *integrity* label (any scenario) whose span, widened by the slack, holds the
alert's time, or when one of the alerts it lists as contributions is itself true: the crossing
then points a reviewer at real misconduct. It takes part in precision (overall and its own) but
not in recall, and welfare labels never make it true, since welfare never raises integrity risk.

Figures
-------
- precision: true alerts / alerts, overall and per detector (``null`` when there are none);
- recall per scenario: labels with at least one matching alert / labels, and overall;
- median time to detect: from a label's start to its first matching alert, in seconds (an alert
  inside the slack before the start counts as 0);
- false alerts per 1,000 officer-days: false alerts / (officers x days) x 1,000. Officers come
  from ``--officer-days`` or the reference directory's ``officers.jsonl``; days from ``--days``
  or the whole days spanned by the alerts and labels.

Examples
--------
>>> labels = [Label("L1", "impossible_travel", "P1", "integrity", 1000.0, 1600.0,
...     frozenset({"b-1", "b-2"}), False, None)]
>>> alerts = [AlertRow("a1", "P1", "impossible_travel", 1500.0, 1000.0, 1500.0,
...     frozenset({"b-2"}), ()), AlertRow("a2", "P2", "lookup_volume", 9.0e5, 9.0e5, 9.0e5,
...     frozenset(), ())]
>>> result = evaluate(alerts, labels, officer_days=100)
>>> result["overall"]["precision"], result["overall"]["recall"]
(0.5, 1.0)
>>> result["overall"]["false_alerts_per_1000_officer_days"]
10.0
>>> result["by_scenario"]["impossible_travel"]["median_time_to_detect_s"]
500.0
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import orjson

from schemas.codec import decode_alert
from schemas.errors import DecodeError

RISK_DETECTOR: Final = "risk_threshold_crossed"
DEFAULT_SLACK_SECONDS: Final = 24 * 3600.0
DAY: Final = 86400.0


class EvaluationError(Exception):
    """An alerts or labels file that cannot be evaluated."""


@dataclass(frozen=True, slots=True)
class Label:
    """One injected scenario (or benign look-alike), times in epoch seconds."""

    label_id: str
    scenario: str
    officer_id: str
    category: str
    start: float
    end: float
    evidence: frozenset[str]
    benign: bool
    resembles: str | None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """What evaluation needs of an alert, times in epoch seconds."""

    alert_id: str
    officer_id: str
    detector: str
    time: float
    window_start: float
    window_end: float
    evidence: frozenset[str]
    contributions: tuple[str, ...]


def _seconds(value: Any, where: str) -> float:
    if not isinstance(value, str):
        raise EvaluationError(f"{where}: expected an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise EvaluationError(f"{where}: {error}") from error
    if moment.tzinfo is None:
        raise EvaluationError(f"{where}: time has no UTC offset")
    return moment.timestamp()


def read_labels(path: Path) -> list[Label]:
    """The labels file of a simulation (one JSON object per line)."""
    labels = []
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = orjson.loads(line)
                benign = bool(raw.get("benign", False))
                labels.append(
                    Label(
                        label_id=str(raw.get("label_id") or f"line-{number}"),
                        scenario=str(raw["scenario"]),
                        officer_id=str(raw["officer_id"]),
                        category=str(raw.get("category", "")),
                        start=_seconds(raw["start"], f"{where}: start"),
                        end=_seconds(raw["end"], f"{where}: end"),
                        evidence=frozenset(map(str, raw.get("evidence") or ())),
                        benign=benign,
                        resembles=str(raw["resembles"]) if raw.get("resembles") else None,
                    )
                )
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
                raise EvaluationError(f"{where}: not a label ({error!r})") from error
    return labels


def read_alerts(path: Path) -> list[AlertRow]:
    """The alerts file of a replay (or of ``watchfloor tail --json``)."""
    rows = []
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                alert = decode_alert(line)
            except DecodeError as error:
                raise EvaluationError(f"{path}:{number}: not an alert ({error})") from error
            rows.append(
                AlertRow(
                    alert_id=alert.alert_id,
                    officer_id=alert.officer_id,
                    detector=alert.detector,
                    time=alert.event_time.timestamp(),
                    window_start=alert.window.start.timestamp(),
                    window_end=alert.window.end.timestamp(),
                    evidence=frozenset(alert.evidence),
                    contributions=tuple(c.alert_id for c in alert.risk.contributions),
                )
            )
    return rows


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def evaluate(
    alerts: Sequence[AlertRow],
    labels: Sequence[Label],
    *,
    officer_days: float | None = None,
    slack_seconds: float = DEFAULT_SLACK_SECONDS,
) -> dict[str, Any]:
    """The figures of the module docstring, as the ``--json`` object."""
    by_officer: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        by_officer[label.officer_id].append(label)

    def near(alert: AlertRow, label: Label) -> bool:
        return label.start - slack_seconds <= alert.time <= label.end + slack_seconds

    first_hit: dict[str, float] = {}
    fooled: dict[str, int] = defaultdict(int)
    true_ids: set[str] = set()
    risk_alerts: list[AlertRow] = []
    benign_false: dict[str, int] = defaultdict(int)
    for alert in alerts:
        matched = False
        for label in by_officer.get(alert.officer_id, ()):
            if label.benign:
                overlaps = (
                    alert.window_start <= label.end + slack_seconds
                    and alert.window_end >= label.start - slack_seconds
                )
                if label.resembles == alert.detector and (
                    overlaps or near(alert, label) or alert.evidence & label.evidence
                ):
                    fooled[label.label_id] += 1
                    benign_false[label.scenario] += 1
            elif label.scenario == alert.detector and (
                near(alert, label) or alert.evidence & label.evidence
            ):
                matched = True
                previous = first_hit.get(label.label_id, math.inf)
                first_hit[label.label_id] = min(previous, alert.time)
        if matched:
            true_ids.add(alert.alert_id)
        elif alert.detector == RISK_DETECTOR:
            risk_alerts.append(alert)
    for alert in risk_alerts:
        if any(
            not label.benign and label.category == "integrity" and near(alert, label)
            for label in by_officer.get(alert.officer_id, ())
        ) or any(ident in true_ids for ident in alert.contributions + tuple(alert.evidence)):
            true_ids.add(alert.alert_id)

    per_detector: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for alert in alerts:
        counts = per_detector[alert.detector]
        counts[0] += 1
        counts[1] += alert.alert_id in true_ids
    total = len(alerts)
    true_total = sum(c[1] for c in per_detector.values())
    false_total = total - true_total

    scenarios: dict[str, list[Label]] = defaultdict(list)
    benign: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        (benign if label.benign else scenarios)[label.scenario].append(label)
    by_scenario: dict[str, Any] = {}
    detected_total = 0
    for name, group in sorted(scenarios.items()):
        delays = [
            max(0.0, first_hit[x.label_id] - x.start) for x in group if x.label_id in first_hit
        ]
        detected_total += len(delays)
        alerts_of, true_of = per_detector.get(name, (0, 0))
        by_scenario[name] = {
            "precision": _ratio(true_of, alerts_of),
            "recall": len(delays) / len(group),
            "median_time_to_detect_s": statistics.median(delays) if delays else None,
            "labels": len(group),
            "detected": len(delays),
            "alerts": alerts_of,
            "true_alerts": true_of,
        }
    rate = false_total / officer_days * 1000.0 if officer_days else None
    return {
        "overall": {
            "precision": _ratio(true_total, total),
            "recall": _ratio(detected_total, sum(len(g) for g in scenarios.values())),
            "false_alerts_per_1000_officer_days": rate,
            "alerts": total,
            "true_alerts": true_total,
            "false_alerts": false_total,
            "labels": sum(len(g) for g in scenarios.values()),
            "labels_detected": detected_total,
            "officer_days": officer_days,
            "slack_s": slack_seconds,
            "by_detector": {
                name: {"alerts": n, "true_alerts": t, "precision": _ratio(t, n)}
                for name, (n, t) in sorted(per_detector.items())
            },
            "benign": {
                name: {
                    "resembles": group[0].resembles,
                    "labels": len(group),
                    "labels_fooled": sum(1 for x in group if fooled.get(x.label_id)),
                    "false_alerts": benign_false.get(name, 0),
                }
                for name, group in sorted(benign.items())
            },
        },
        "by_scenario": by_scenario,
    }


def days_spanned(alerts: Iterable[AlertRow], labels: Iterable[Label]) -> int:
    """Whole days from the earliest to the latest alert or label time (at least one)."""
    times = [a.time for a in alerts] + [t for x in labels for t in (x.start, x.end)]
    if not times:
        return 1
    return max(1, math.ceil((max(times) - min(times)) / DAY))


def _figure(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _hours(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 3600:.1f} h"


def render(result: dict[str, Any]) -> str:
    """The evaluation as a table for a person."""
    overall = result["overall"]
    officer_days = overall["officer_days"]
    lines = [
        f"evaluation: {overall['alerts']:,} alerts, {overall['labels']:,} labels, "
        + (f"{officer_days:,.0f} officer-days, " if officer_days else "officer-days unknown, ")
        + f"slack {overall['slack_s'] / 3600:g} h",
        f"overall: precision {_figure(overall['precision'])}  recall {_figure(overall['recall'])}"
        f"  false alerts per 1,000 officer-days "
        f"{_figure(overall['false_alerts_per_1000_officer_days'], 2)}",
        "",
        f"{'scenario':<28} {'labels':>6} {'found':>6} {'recall':>7} {'precision':>9} "
        f"{'median time to detect':>22}",
    ]
    for name, row in result["by_scenario"].items():
        lines.append(
            f"{name:<28} {row['labels']:>6} {row['detected']:>6} {_figure(row['recall']):>7} "
            f"{_figure(row['precision']):>9} {_hours(row['median_time_to_detect_s']):>22}"
        )
    lines += ["", f"{'detector':<28} {'alerts':>6} {'true':>6} {'precision':>9}"]
    for name, row in overall["by_detector"].items():
        lines.append(
            f"{name:<28} {row['alerts']:>6} {row['true_alerts']:>6} {_figure(row['precision']):>9}"
        )
    if overall["benign"]:
        lines += ["", f"{'benign look-alike':<28} {'labels':>6} {'fooled':>6} {'false alerts':>12}"]
        for name, row in overall["benign"].items():
            lines.append(
                f"{name:<28} {row['labels']:>6} {row['labels_fooled']:>6} {row['false_alerts']:>12}"
            )
    return "\n".join(lines)
