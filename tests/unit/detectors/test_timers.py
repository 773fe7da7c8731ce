from __future__ import annotations

import heapq
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.timers import GRAIN, DueTimers


class HeapTimers:
    """The reference: a heap of (due, officer) with superseded entries skipped."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, str]] = []
        self.due: dict[str, float] = {}

    def schedule(self, officer: str, when: float) -> None:
        current = self.due.get(officer)
        if current is None or when < current:
            self.due[officer] = when
            heapq.heappush(self.heap, (when, officer))

    def pop_due(self, horizon: float) -> list[str]:
        ready = []
        while self.heap and self.heap[0][0] <= horizon:
            when, officer = heapq.heappop(self.heap)
            if self.due.get(officer) == when:
                del self.due[officer]
                ready.append(officer)
        return ready


Op = tuple[str, int, float]
ops = st.lists(
    st.tuples(
        st.sampled_from(["schedule", "schedule", "pop"]),
        st.integers(0, 6),
        st.floats(-3 * GRAIN, 40 * GRAIN, allow_nan=False),
    ),
    max_size=120,
)


@settings(max_examples=400, deadline=None)
@given(ops, st.booleans())
def test_pops_exactly_what_a_heap_pops(operations: list[Op], monotonic: bool) -> None:
    timers, reference = DueTimers(), HeapTimers()
    horizon = -1e9
    for op, who, when in operations:
        officer = f"P{who}"
        if op == "schedule":
            timers.schedule(officer, when)
            reference.schedule(officer, when)
        else:
            horizon = max(horizon, when) if monotonic else when
            assert sorted(timers.pop_due(horizon)) == sorted(reference.pop_due(horizon))
        assert timers.due == reference.due
        assert timers.earliest() == (min(reference.due.values()) if reference.due else None)
    assert sorted(timers.pop_due(1e12)) == sorted(reference.pop_due(1e12))


def test_a_long_run_like_a_replay() -> None:
    rng = random.Random(7)
    timers, reference = DueTimers(), HeapTimers()
    now = 1.7e9
    for step in range(20_000):
        now += rng.expovariate(1 / 20)
        officer = f"P{rng.randrange(300)}"
        when = now + rng.choice([0.0, 0.0, 86_400.0 - now % 86_400.0, 36 * 3600.0])
        timers.schedule(officer, when)
        reference.schedule(officer, when)
        if step % 10 == 0:
            horizon = now - 300.0
            assert sorted(timers.pop_due(horizon)) == sorted(reference.pop_due(horizon))
    # A jump of years: only the buckets there are are visited.
    assert sorted(timers.pop_due(now + 1e8)) == sorted(reference.pop_due(now + 1e8))
    assert len(timers) == 0
