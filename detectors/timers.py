"""Which officers are due: the runner's index of `OfficerState.next_due()` instants.

A runner (the in-process `Pipeline`, the streaming worker) must advance exactly the officers
whose next due instant the horizon has passed. A heap of ``(due, officer)`` does that, but
costs a push and a pop (a dozen tuple comparisons, ties broken on the officer id) for nearly
every event: an officer with a few events a day is unscheduled again after each release.
`DueTimers` files officers in buckets of `GRAIN` seconds of event time instead: scheduling is a
dict update and a list append, and `pop_due` visits only the buckets the horizon has passed.
Measured on simulator data it costs a fifth of the heap's time for the same answers.

The answer of `pop_due(h)` is exactly the set of officers whose current due instant is at or
before `h` (unordered: callers sort by officer id); an officer whose due instant moved earlier
leaves a stale entry behind, which is skipped.

Examples
--------
>>> timers = DueTimers()
>>> timers.schedule("P2", 130.0)
>>> timers.schedule("P1", 70.0)
>>> timers.schedule("P2", 100.0)  # earlier: replaces 130
>>> timers.schedule("P1", 90.0)  # later than what is already due: no change
>>> timers.earliest(), len(timers)
(70.0, 2)
>>> sorted(timers.pop_due(99.0)), sorted(timers.pop_due(100.0)), timers.pop_due(1e9)
(['P1'], ['P2'], [])
"""

from __future__ import annotations

from typing import Final

# Bucket width in seconds of event time: a fifth of the five-minute step runners advance by,
# so a horizon landing inside a bucket re-visits few entries not yet due.
GRAIN: Final = 60.0


class DueTimers:
    """Officers by the instant they are next due (see the module docstring)."""

    __slots__ = ("_buckets", "_cursor", "due")

    def __init__(self) -> None:
        # The current due instant of every scheduled officer.
        self.due: dict[str, float] = {}
        # Bucket number (due // GRAIN) -> officers filed there, stale entries included.
        self._buckets: dict[int, list[str]] = {}
        # No bucket below this one holds an entry; None until the first `schedule`.
        self._cursor: int | None = None

    def __len__(self) -> int:
        return len(self.due)

    def schedule(self, officer: str, when: float) -> None:
        """`officer` is due at `when`, unless already due no later than that."""
        due = self.due
        current = due.get(officer)
        if current is not None and current <= when:
            return
        due[officer] = when
        key = int(when // GRAIN)
        cursor = self._cursor
        if cursor is None:
            self._cursor = key
        elif key < cursor:
            key = cursor  # due before what was already popped: it goes at the next pop
        bucket = self._buckets.get(key)
        if bucket is None:
            self._buckets[key] = [officer]
        else:
            bucket.append(officer)

    def earliest(self) -> float | None:
        """The earliest due instant of any officer, None if none is scheduled."""
        return min(self.due.values()) if self.due else None

    def pop_due(self, horizon: float) -> list[str]:
        """Unschedule and return every officer due at or before `horizon`, each once."""
        cursor = self._cursor
        if cursor is None:
            return []
        # Entries due before the cursor were filed at the cursor: it is always visited.
        last = max(int(horizon // GRAIN), cursor)
        buckets = self._buckets
        if last - cursor <= len(buckets):
            keys: range | list[int] = range(cursor, last + 1)
        else:  # a jump over a long quiet spell: visit the buckets there are, not every width
            keys = sorted(k for k in buckets if k <= last)
        due = self.due
        ready: list[str] = []
        for key in keys:
            bucket = buckets.pop(key, None)
            if bucket is None:
                continue
            keep: list[str] = []
            for officer in bucket:
                when = due.get(officer)
                if when is None:
                    continue  # released already (a stale second entry)
                if when <= horizon:
                    del due[officer]
                    ready.append(officer)
                elif int(when // GRAIN) <= key:
                    keep.append(officer)  # filed here and not yet due (only when key == last)
                # else: stale, the officer's current entry is in a later bucket
            if keep:
                buckets[key] = keep
        self._cursor = last
        return ready
