"""The ground-truth labels written to ``labels.jsonl``, one line per labelled officer.

Fields, in this order:

- ``scenario``: the detector the scenario should trigger (one of DESIGN.md's catalogue), or for
  a benign look-alike a ``benign_*`` name;
- ``officer_id``, ``category`` (``integrity`` | ``welfare``: a benign look-alike takes the
  category of the detector it resembles);
- ``start``, ``end``: RFC 3339 UTC, the span of the behaviour (for a welfare scenario, of the
  evidence duties or spells);
- ``evidence``: the ids of exactly the events that show the behaviour (all exist in
  ``events.jsonl.gz``);
- ``benign``: true for a look-alike that a good detector must *not* flag;
- ``resembles``: for a benign label the detector it imitates, else null;
- ``variant``: which form the scenario took (e.g. ``sick``, ``leave``, ``rest`` for
  ``badge_while_absent``);
- ``label_id``: ``L`` and the scenario's serial number (``a``/``b`` appended for the two
  officers of a swap), unique in the file;
- ``counterpart_id`` (only ``benign_agreed_swap``): the other officer of the swap.

Examples
--------
>>> sorted(SCENARIOS)[:3]
['access_while_off_duty', 'anti_passback', 'badge_while_absent']
>>> SCENARIOS["benign_far_training"]
('integrity', True, 'impossible_travel')
>>> set(DETECTORS_COVERED) >= {"sickness_pattern", "unusual_day", "lookup_volume"}
True
"""

from __future__ import annotations

from typing import Final

from streams.simulator.benign import BENIGN
from streams.simulator.integrity import INTEGRITY
from streams.simulator.scenarios import Scenario
from streams.simulator.welfare import WELFARE

LABEL_FIELDS: Final = (
    "scenario",
    "officer_id",
    "category",
    "start",
    "end",
    "evidence",
    "benign",
    "resembles",
    "variant",
    "label_id",
)

CATALOGUE: Final[tuple[type[Scenario], ...]] = INTEGRITY + WELFARE + BENIGN
"""Every scenario kind, in the order the engine first cycles through them (then shuffled)."""

SCENARIOS: Final[dict[str, tuple[str, bool, str | None]]] = {
    kind.name: (kind.category, kind.benign, kind.resembles) for kind in CATALOGUE
}
"""Scenario name -> (category, benign, resembles)."""

DETECTORS_COVERED: Final = tuple(kind.name for kind in CATALOGUE if not kind.benign)
"""Detectors with an injected scenario: all of DESIGN.md's catalogue except
``risk_threshold_crossed``, which rises from the others."""
