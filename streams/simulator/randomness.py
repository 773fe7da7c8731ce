"""Seeded sub-streams and opaque event ids.

Every random choice is drawn from a ``random.Random`` seeded by hashing the run's seed with
what the choice is about (a tag, an officer, a day...), never from one shared stream: the
output then does not depend on the order in which things are generated, and changing how one
officer-day is generated does not reshuffle every other one.

Examples
--------
>>> substream(7, tag("leave"), 12, 3).random() == substream(7, tag("leave"), 12, 3).random()
True
>>> substream(7, tag("leave"), 12, 3).random() == substream(8, tag("leave"), 12, 3).random()
False
>>> ids = EventIds(seed=7)
>>> ids.make("pacs-", 0, 1, 0) == ids.make("pacs-", 0, 1, 0), ids.make("pacs-", 0, 1, 0)[:5]
(True, 'pacs-')
>>> len({ids.make("a-", day, officer, n) for day in range(3) for officer in range(3)
...      for n in range(3)})
27
"""

from __future__ import annotations

import random
import zlib
from functools import lru_cache
from typing import Final

MASK: Final = (1 << 64) - 1
GOLDEN: Final = 0x9E3779B97F4A7C15

# An event id names the simulation step (day) and officer index through a 64-bit
# permutation: 20 bits of officer and the step above them.
_OFFICER_BITS: Final = 20
_STEP_OFFSET: Final = 1 << 18  # steps start before day 0 while rosters are planned ahead
MAX_OFFICERS: Final = 1 << _OFFICER_BITS


def mix64(value: int) -> int:
    """SplitMix64's finaliser: a bijection on 64-bit integers that scatters nearby inputs.

    >>> mix64(1) != mix64(2), mix64(0)
    (True, 0)
    """
    value &= MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


@lru_cache(maxsize=1024)
def tag(name: str) -> int:
    """A stable integer for a stream name (``hash`` of a str changes between runs)."""
    return zlib.crc32(name.encode())


def derive(seed: int, *parts: int) -> int:
    """A 64-bit value determined by the seed and the parts, in order.

    The parts are folded in with a multiply-add and scattered by one finaliser at the end:
    enough for seeding streams, and this runs several times per officer-day.
    """
    value = seed ^ GOLDEN
    for part in parts:
        value = (value * 0x100000001B3 + part) & MASK
    return mix64(value)


def substream(seed: int, *parts: int) -> random.Random:
    """An independent random stream for one subject of the simulation."""
    return random.Random(derive(seed, *parts))


class EventIds:
    """Unique, opaque event ids: 16 hex digits naming (step, officer), then a sequence.

    Opaque because an id that spelt out the day or a scenario would let a detector cheat.
    The first part is a keyed permutation of the step and officer (xor with a seeded salt and
    a multiply by an odd constant are both invertible on 64 bits), so two officer-steps never
    share it; the sequence numbers one officer's events within a step.

    >>> ids = EventIds(seed=1)
    >>> ids.block(0, 1) != ids.block(1, 0), len(ids.block(5, 7))
    (True, 16)
    """

    __slots__ = ("_cache", "salt")

    def __init__(self, seed: int) -> None:
        self.salt = derive(seed, tag("event-ids"))
        self._cache: dict[tuple[int, int], str] = {}

    def block(self, step: int, officer: int) -> str:
        key = (step, officer)
        text = self._cache.get(key)
        if text is None:
            if len(self._cache) > 1 << 16:
                self._cache.clear()
            raw = ((step + _STEP_OFFSET) << _OFFICER_BITS) | officer
            text = f"{((raw ^ self.salt) * GOLDEN) & MASK:016x}"
            self._cache[key] = text
        return text

    def make(self, prefix: str, step: int, officer: int, sequence: int) -> str:
        return f"{prefix}{self.block(step, officer)}{sequence:04x}"
