"""When an input partition may stop holding back the event-time watermark.

A partition counts as idle only after the broker has confirmed, check after check, for
`idle_after_s` seconds in a row, that it is read to its end and committed with nothing new.
Read to its end *at one moment* says little: producers that lost the broker, or that batch
their uploads, hold events the broker has not seen yet, and the moment they deliver, the
partitions' backlogs come in one after another. Had the first partitions drained been taken for
idle, the watermark would have run past the others' events, which then all arrived late (seen
after a broker restart: 140-190 late events and a peer-group model learning a day from another
set of day vectors). Kafka Streams' `max.task.idle.ms` and Flink's `withIdleness` make the same
trade: a quiet partition holds the watermark back for a while, never for ever.

When the checks stop (the broker unreachable, or the worker too busy to ask) or the partitions
are assigned anew, every partition starts again as not idle: the next batch of input tells the
officer stage so (`take_unidle`) before its own events, in the same transaction, and a
partition is idle again only after `idle_after_s` of confirmed quiet.

Pure bookkeeping over the times and offsets the worker passes in; no clock of its own.

>>> idleness = InputIdleness(idle_after_s=10.0, stale_after_s=3.0)
>>> idleness.take_unidle(now=0.0)  # never checked yet: whatever was idle is idle no more
True
>>> def check_every_second(first: int, last: int, ends: dict[str, int | None]) -> list[str]:
...     for t in range(first, last + 1):
...         idle = idleness.checked(started=t, finished=t + 0.1, ends=ends)
...     return idle
>>> check_every_second(1, 10, {"badge/0": 40, "badge/1": None})
[]
>>> check_every_second(11, 11, {"badge/0": 40, "badge/1": None})  # 10 s at its end
['badge/0']
>>> check_every_second(12, 12, {"badge/0": 41, "badge/1": None})  # new input came
[]
>>> idleness.take_unidle(now=12.5)
False
>>> idleness.take_unidle(now=20.0)  # no check for 7.9 s: the broker may have been away
True
>>> idleness.take_unidle(now=21.0)  # told once
False
>>> check_every_second(30, 39, {"badge/0": 41})  # quiet again only counts from here
[]
>>> check_every_second(40, 40, {"badge/0": 41})
['badge/0']
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

Partition = TypeVar("Partition", bound=Hashable)


class InputIdleness(Generic[Partition]):
    """Idle input partitions by confirmed quiet (see the module docstring)."""

    def __init__(self, idle_after_s: float, stale_after_s: float) -> None:
        self.idle_after_s = idle_after_s
        self.stale_after_s = stale_after_s
        # partition -> (when first seen at its end, the committed offset it stood at)
        self._quiet_since: dict[Partition, tuple[float, int]] = {}
        self._last_checked: float | None = None
        # Whether the officer stage must be told that nothing is idle, and whether the present
        # gap in the checks was already told.
        self._unidle_due = True
        self._gap_told = False

    def checked(
        self, *, started: float, finished: float, ends: Mapping[Partition, int | None]
    ) -> list[Partition]:
        """One check the broker answered: for each partition owned, its committed offset if it
        is read to that end, else None. The partitions idle now, in the order given."""
        missed = (
            self._last_checked is not None and started - self._last_checked > self.stale_after_s
        )
        hung = finished - started > self.stale_after_s  # it waited through an outage
        if (missed or hung) and not self._gap_told:
            self._forget()
        self._last_checked = finished
        self._gap_told = False
        idle: list[Partition] = []
        for partition in [p for p in self._quiet_since if p not in ends]:
            del self._quiet_since[partition]
        for partition, offset in ends.items():
            if offset is None:
                self._quiet_since.pop(partition, None)
                continue
            since = self._quiet_since.get(partition)
            if since is None or since[1] != offset:
                since = self._quiet_since[partition] = (finished, offset)
            if finished - since[0] >= self.idle_after_s:
                idle.append(partition)
        return idle

    def restart(self) -> None:
        """Forget every quiet partition: a check failed, or the partitions were assigned."""
        self._forget()
        self._last_checked = None

    def take_unidle(self, now: float) -> bool:
        """Whether the next batch of input must first tell that no partition is idle: once
        after every restart, and once in every gap in the checks."""
        if self._stale(now) and not self._gap_told:
            self._gap_told = True
            self._forget()
        if not self._unidle_due:
            return False
        self._unidle_due = False
        return True

    def _forget(self) -> None:
        self._quiet_since.clear()
        self._unidle_due = True

    def _stale(self, now: float) -> bool:
        return self._last_checked is None or now - self._last_checked > self.stale_after_s
