"""What a replay did, for a person (text on stderr) and for a script (JSON on stdout).

Examples
--------
>>> summary = ReplaySummary(inputs=2, events=1_200_000, alerts=3,
...     alerts_by_detector={"impossible_travel": 2, "excessive_hours": 1},
...     alerts_by_category={"integrity": 2, "welfare": 1}, bad_lines=1,
...     bad_reasons={"$: malformed JSON": 1}, late_events=4, duplicates=0, out_of_range=0,
...     seconds=8.0, out="alerts.jsonl", dead_letter="alerts.deadletter.jsonl")
>>> print(summary.text())
replay: 1,200,000 events from 2 files in 0:00:08 (150,000 events/s)
  alerts: 3 (integrity 2, welfare 1)
    impossible_travel                  2
    excessive_hours                    1
  bad lines: 1, in alerts.deadletter.jsonl
         1  $: malformed JSON
  late events: 4  duplicates: 0  past --to, not read: 0
  alerts written to alerts.jsonl
>>> summary.to_json()["events_per_second"]
150000.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from streams.replay.progress import duration


@dataclass(slots=True)
class ReplaySummary:
    """Counts over the whole replay (a resumed one included); time and rate of this run."""

    inputs: int
    events: int
    alerts: int
    alerts_by_detector: dict[str, int]
    alerts_by_category: dict[str, int]
    bad_lines: int
    bad_reasons: dict[str, int]
    late_events: int
    duplicates: int
    out_of_range: int
    seconds: float
    out: str
    dead_letter: str
    events_this_run: int | None = None
    resumed: bool = False
    interrupted: bool = False
    reference_bad_lines: int = 0
    report: str | None = None
    # Events outside --from/--to fed to the core only for its state (before --from, or in the
    # days after --to that settle the alerts before it), and the alerts raised outside the
    # range, not written. `out_of_range`: events past that, not fed at all.
    state_events: int = 0
    outside_alerts: int = 0
    # Files of input directories not read (not named as inputs), each named in a warning.
    files_skipped: int = 0

    @property
    def rate(self) -> float:
        done = self.events if self.events_this_run is None else self.events_this_run
        return round(done / self.seconds, 1) if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["events_per_second"] = self.rate
        data["alerts_by_detector"] = dict(sorted(self.alerts_by_detector.items()))
        data["alerts_by_category"] = dict(sorted(self.alerts_by_category.items()))
        return data

    def text(self) -> str:
        verb = "stopped after" if self.interrupted else "replay:"
        files = "file" if self.inputs == 1 else "files"
        lines = [
            f"{verb} {self.events:,} events from {self.inputs} {files} in "
            f"{duration(self.seconds)} ({self.rate:,.0f} events/s"
            + (", resumed from a checkpoint)" if self.resumed else ")")
        ]
        categories = ", ".join(f"{k} {v:,}" for k, v in sorted(self.alerts_by_category.items()))
        lines.append(f"  alerts: {self.alerts:,}" + (f" ({categories})" if categories else ""))
        ranked = sorted(self.alerts_by_detector.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.extend(f"    {name:<32} {count:>3,}" for name, count in ranked)
        bad = self.bad_lines + self.reference_bad_lines
        where = f", in {self.dead_letter}" if bad else ""
        lines.append(f"  bad lines: {bad:,}{where}")
        top = sorted(self.bad_reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        lines.extend(f"    {count:>6,}  {reason}" for reason, count in top)
        lines.append(
            f"  late events: {self.late_events:,}  duplicates: {self.duplicates:,}  "
            f"past --to, not read: {self.out_of_range:,}"
        )
        if self.state_events:
            lines.append(
                f"  events outside --from/--to, read only to build state: {self.state_events:,}"
            )
        if self.outside_alerts:
            lines.append(f"  alerts outside --from/--to, not written: {self.outside_alerts:,}")
        if self.files_skipped:
            lines.append(
                f"  files skipped in input directories: {self.files_skipped:,}"
                " (each named in a warning)"
            )
        lines.append(f"  alerts written to {self.out}")
        if self.report:
            lines.append(f"  report written to {self.report}")
        return "\n".join(lines)
