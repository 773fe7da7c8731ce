"""Places scenarios on officers and days, block by block, and knows which days they touch.

Blocks are planned in calendar order as the roster look-ahead reaches them, so a scenario's
roster changes can be announced ahead of time. Kinds are taken in turn from a seeded,
shuffled cycle of the catalogue, so any run with at least as many scenarios as kinds holds
every kind; a kind that finds no officer and days in one block is tried first in the next.
An officer carries at most one scenario at a time, with a week's gap between two.
"""

from __future__ import annotations

import random
from typing import Any, Final

from streams.simulator.force import Officer
from streams.simulator.labels import CATALOGUE
from streams.simulator.randomness import substream, tag
from streams.simulator.rosters import BLOCK
from streams.simulator.scenarios import Scenario, World

_ATTEMPTS: Final = 40  # officers tried per scenario before the kind gives way to another
_GAP: Final = 7  # days between two scenarios of one officer


class Planner:
    """Scenario placement and the lookup the engine does for every officer-day."""

    def __init__(self, world: World, rate: float) -> None:
        self.world = world
        self.rate = rate
        order = list(CATALOGUE)
        substream(world.seed, tag("kind-order")).shuffle(order)
        self._order = order
        self._cursor = 0
        self._pending: list[type[Scenario]] = []
        self._registry: dict[tuple[int, int], list[Scenario]] = {}
        self._keys_by_day: dict[int, list[tuple[int, int]]] = {}
        self._by_last: dict[int, list[Scenario]] = {}
        self._busy_until = [-(1 << 30)] * len(world.force.officers)
        self._serial = 0
        # The chief superintendent has no line manager to approve or plan for them.
        self._eligible = [o for o in world.force.officers if o.line_manager is not None]
        self._pools: dict[type[Scenario], list[Officer]] = {}

    def plan_block(self, block: int) -> None:
        first = block * BLOCK
        last = min(first + BLOCK, self.world.days) - 1
        if last < first:
            return
        rng = substream(self.world.seed, tag("plan"), block)
        expected = self.rate * len(self.world.force.officers) * (last - first + 1) / BLOCK
        count = int(expected) + (rng.random() < expected - int(expected))
        # A kind that could not be placed waits for the next block, tried once there first.
        retry, self._pending = self._pending, []
        for _ in range(count):
            self._fill_slot(retry, first, last, rng)
        for kind in retry:
            if kind not in self._pending:
                self._pending.append(kind)

    def _fill_slot(
        self, retry: list[type[Scenario]], first: int, last: int, rng: random.Random
    ) -> None:
        while retry:
            if self._try(retry.pop(0), first, last, rng):
                return
        for _ in range(len(self._order)):
            kind = self._order[self._cursor % len(self._order)]
            self._cursor += 1
            if self._try(kind, first, last, rng):
                return
            if kind not in self._pending:
                self._pending.append(kind)

    def _try(self, kind: type[Scenario], first: int, last: int, rng: random.Random) -> bool:
        if kind.span > self.world.days:
            return False
        pool = self._pools.get(kind)
        if pool is None:
            pool = self._pools[kind] = [o for o in self._eligible if o.role in kind.roles]
        if not pool:
            return False
        for _ in range(_ATTEMPTS):
            officer = pool[int(rng.random() * len(pool))]
            start = first + int(rng.random() * (last - first + 1))
            if self._busy_until[officer.index] + _GAP >= start:
                continue
            scenario = kind.place(self.world, officer, start, rng)
            if scenario is None or not scenario.touched:
                continue
            begin = min(day for _, day in scenario.touched)
            if begin < first or scenario.last_day >= self.world.days:
                continue
            if any(self._busy_until[i] + _GAP >= begin for i in scenario.officers):
                continue
            self._register(scenario)
            return True
        return False

    def _register(self, scenario: Scenario) -> None:
        self._serial += 1
        scenario.serial = self._serial
        for key in sorted(scenario.touched):
            self._registry.setdefault(key, []).append(scenario)
            self._keys_by_day.setdefault(key[1], []).append(key)
        self._by_last.setdefault(scenario.last_day, []).append(scenario)
        for index in scenario.officers:
            self._busy_until[index] = max(self._busy_until[index], scenario.last_day)
        scenario.announce()

    # -- what the engine asks ---------------------------------------------------------------

    def at(self, officer: Officer, day: int) -> list[Scenario]:
        return self._registry.get((officer.index, day), [])

    def touches(self, officer: Officer, first: int, length: int) -> bool:
        """Whether any scenario touches the officer on a day of [first, first + length)."""
        return any((officer.index, d) in self._registry for d in range(first, first + length))

    def finish_day(self, day: int) -> list[dict[str, Any]]:
        """Labels of the scenarios whose last day is ``day``.

        Entries are forgotten a block later, not at once: a background sickness spell that
        began before ``day`` is still checked against them while it lasts.
        """
        for key in self._keys_by_day.pop(day - BLOCK, []):
            self._registry.pop(key, None)
        labels: list[dict[str, Any]] = []
        for scenario in sorted(self._by_last.pop(day, []), key=lambda s: s.serial):
            labels += scenario.labels()
        return labels
