"""The detector core: pure, deterministic detection of integrity and welfare risks.

Imports only the standard library, river, orjson and `schemas`. Never reads the wall clock
("now" is always an event's time), never does I/O, uses randomness only seeded. The live
service (`streams/`) and the offline replay call the same functions, so a replay and a live run
over the same events give byte-identical alerts, whatever the split of officers across
partitions and workers.

API
---
Settings and reference data, built once and shared:

- ``config = load_config(path | None, overrides=...)`` -> frozen `DetectorConfig` from
  `defaults.toml` (shipped with the package) and an optional TOML file; every alert carries
  ``config.config_hash`` (``"sha256:<8 hex>"`` of the merged configuration).
- ``reference = Reference(officers, sites, watchlist)`` (`schemas.reference` objects); it may be
  partial: detectors stay silent where they cannot know.

Three stages, each a pure function of its state and input:

1. Officer stage, keyed by officer: ``core = Core(config, reference)`` holds no per-officer
   data.
   - ``core.process(state | None, event, horizon=None) -> Outcome`` offers one event.
   - ``core.advance(state, horizon) -> Outcome`` applies what the horizon has passed.
   - ``core.deliver(state, findings) -> Outcome`` turns peer-stage findings into alerts.
   - ``Outcome``: ``state`` (updated in place and returned), ``alerts`` (final
     `schemas.alerts.Alert`s), ``vectors`` (closed days for the peer stage), ``released``,
     ``late``, ``duplicate``, ``suppressed``.
   - ``OfficerState``: ``to_bytes()`` / ``OfficerState.from_bytes()`` (compact, versioned),
     ``next_due()`` (when the state next needs the horizon to move: its timer).
2. Peer-group stage, keyed by peer group (role/rank): ``PeerGroupStage(config)``;
   ``add(DayVector)``, ``advance(horizon) -> list[Finding]``, ``snapshot()`` / ``restore()``.
3. Integrity risk lives in the officer state and is updated in the officer stage's processing
   order (see `detectors.risk`); welfare alerts never add risk (their ``risk`` is empty).

Ordering contract for the streaming layer
-----------------------------------------
- *Watermark* W: a promise that every on-time event earlier than W has been offered.
  *Horizon* h = W - ``allowed_lateness_seconds`` (``core.horizon(W)``).
- The officer stage applies an officer's events in ``(event_time, event_id)`` order once the
  horizon has passed them; an event older than what the state has processed is *late*: applied
  at once, flagged and counted, and it no longer counts towards its day's vector.
- Timers (checks waiting for late roster entries, the close of the local day) fire in the same
  order; at one instant: checks, then the day close, then events. Call ``advance`` for every
  officer whose ``state.next_due() <= h`` (a timer index, as `pipeline.Pipeline` keeps).
- Day barrier: when officers' days end at local midnight B, their `DayVector`s go to the peer
  stage; call ``PeerGroupStage.advance(B)`` only once *every* officer-stage instance has been
  advanced to at least B; deliver its findings (``Core.deliver``) before advancing any officer
  past B. ``core.horizon(W, peer_done=B_last)`` applies that cap.
- Duplicates (the same ``event_id`` among an officer's last ``dedup_memory`` events) are
  ignored; alert ids are deterministic from detector, version, officer and evidence, so a
  duplicate that slips through produces the same id and is suppressed.

In-process runner: ``detectors.pipeline.run(events, reference, config)`` or
``Pipeline(config, reference)`` with ``feed(event)``, ``advance(watermark)``, ``finish()``,
``snapshot()`` / ``Pipeline.restore(bytes, config, reference)``: the replay tool's engine.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.badge("P1", "2026-03-10T08:00", site="S1")
>>> sc.badge("P1", "2026-03-10T08:06", site="S3")
>>> [(a.detector, a.severity, a.evidence) for a in run(sc.events(), sc.reference(), load_config())]
[('impossible_travel', 'high', ('pacs-000001', 'pacs-000002'))]
"""

from detectors.config import ConfigError, DetectorConfig, DetectorSettings, load_config
from detectors.core import Core, Outcome
from detectors.messages import DayVector, Finding
from detectors.peer import PeerGroupStage
from detectors.pipeline import Pipeline, run
from detectors.reference import Reference
from detectors.registry import REGISTRY
from detectors.state import OfficerState

__all__ = [
    "REGISTRY",
    "ConfigError",
    "Core",
    "DayVector",
    "DetectorConfig",
    "DetectorSettings",
    "Finding",
    "OfficerState",
    "Outcome",
    "PeerGroupStage",
    "Pipeline",
    "Reference",
    "load_config",
    "run",
]
