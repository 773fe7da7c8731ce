"""What a reader of the roster events can know about one officer: duties and absences.

A small, independent reading of the roster change types, used by the realism tests to check
the generated behaviour against the generated roster (it is not the detectors' reading).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from tests.unit.simulator.conftest import instant

Interval = tuple[int, int]
DUTY_CHANGES = ("shift_planned", "rest_day_worked", "shift_swapped")
OVERTIME = ("overtime_claimed", "overtime_approved")


def period(event: dict[str, Any]) -> Interval:
    return instant(event, "period_start"), instant(event, "period_end")


@dataclass
class RosterView:
    duties: list[Interval] = field(default_factory=list)
    overtime: list[Interval] = field(default_factory=list)
    oncall: list[Interval] = field(default_factory=list)
    absences: list[Interval] = field(default_factory=list)
    _spans: list[Interval] = field(default_factory=list)
    _starts: list[int] | None = None

    @classmethod
    def of(cls, events: list[dict[str, Any]]) -> RosterView:
        view = cls()
        cancelled: set[Interval] = set()
        leave_cancelled: set[Interval] = set()
        planned: list[Interval] = []
        changed: list[Interval] = []
        for event in events:
            if event["type"] != "roster":
                continue
            change = event["change_type"]
            span = period(event)
            if change in DUTY_CHANGES:
                planned.append(span)
            elif change == "duty_changed":
                (view.oncall if event.get("reason") == "ON_CALL" else changed).append(span)
            elif change == "shift_cancelled":
                cancelled.add(span)
            elif change in OVERTIME:
                if span not in view.overtime:
                    view.overtime.append(span)
            elif change == "leave_cancelled":
                leave_cancelled.add(span)
            elif change in ("leave_booked", "sickness_started"):
                view.absences.append(span)
        view.absences = [a for a in view.absences if a not in leave_cancelled]
        # A changed duty replaces the planned one that starts on the same day.
        days = {s // 86400 for s, _ in changed}
        view.duties = sorted(
            [d for d in planned if d not in cancelled and d[0] // 86400 not in days] + changed
        )
        return view

    def worked(self) -> list[Interval]:
        """Duties less absences, plus overtime, merged where they touch."""
        spans = [
            d for d in self.duties if not any(a[0] <= d[0] < a[1] for a in self.absences)
        ] + self.overtime
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1] + 1800:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(s, e) for s, e in merged]

    def on_duty(self, when: int, before: int, after: int) -> bool:
        if self._starts is None:
            self._spans = sorted(self.duties + self.overtime)
            self._starts = [s for s, _ in self._spans]
        # Spans are at most a day long: only the few starting just before can cover ``when``.
        upto = bisect_right(self._starts, when + before)
        return any(e + after >= when for _, e in self._spans[max(0, upto - 8) : upto])

    def absent(self, when: int) -> bool:
        return any(s <= when < e for s, e in self.absences)
