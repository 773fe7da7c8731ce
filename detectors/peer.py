"""The peer-group stage: shared per-group models, updated from closed days in a fixed order.

The officer stage emits one `DayVector` per officer and active local day when the day closes by
event time. `PeerGroupStage` collects them per (day, peer group). When told that the horizon
(watermark minus allowed lateness) has passed a day's end, it takes that day's vectors of each
group, sorts them by officer id, lets every peer detector *score* all of them against the model
as it was before that day, and only then lets it *learn* from them, in the same order. Scoring
never updates a model (River's HalfSpaceTrees `score_one` does not learn; the running stats are
only updated in `learn`), so the results depend only on the set of vectors, never on which
worker sent which vector first.

Contract for the streaming layer: call `advance(h)` only once every officer-stage instance has
been advanced to at least `h` and its vectors for days ending at or before `h` have been
`add`-ed. A vector for a day already closed is counted in `late_vectors` and ignored. The
findings go back to the officer stage (keyed by officer) through `Core.deliver`.

The models (a few per group, River objects) are checkpointed with pickle: `snapshot()` and
`PeerGroupStage.restore(...)`.

Examples
--------
>>> from detectors.config import load_config
>>> stage = PeerGroupStage(load_config())
>>> stage.advance(0.0), stage.late_vectors
([], 0)
>>> PeerGroupStage.restore(stage.snapshot(), load_config()).snapshot() == stage.snapshot()
True
"""

from __future__ import annotations

import math
import pickle
from typing import Any

from detectors.base import Env, PeerDetector
from detectors.config import DetectorConfig
from detectors.messages import DayVector, Finding
from detectors.reference import Reference
from detectors.registry import REGISTRY

SNAPSHOT_VERSION = 1


class PeerGroupStage:
    """Peer-group models and the vectors of days not yet closed (see the module docstring)."""

    def __init__(self, config: DetectorConfig, reference: Reference | None = None) -> None:
        self.config = config
        self.env = Env(config, reference if reference is not None else Reference())
        built = [
            cls(config.detector(name), self.env)
            for name, cls in REGISTRY.items()
            if cls.stage == "peer" and config.enabled(name)
        ]
        self.detectors: list[PeerDetector] = [d for d in built if isinstance(d, PeerDetector)]
        self.models: dict[str, dict[str, Any]] = {}
        self.pending: dict[tuple[int, str], list[DayVector]] = {}
        self.day_ends: dict[int, float] = {}
        self.closed_through = -math.inf
        self.late_vectors = 0

    def add(self, vector: DayVector) -> None:
        if vector.day_end <= self.closed_through:
            self.late_vectors += 1
            return
        self.pending.setdefault((vector.day, vector.peer_group), []).append(vector)
        self.day_ends[vector.day] = vector.day_end

    def next_due(self) -> float | None:
        return min(self.day_ends.values()) if self.day_ends else None

    def advance(self, horizon: float) -> list[Finding]:
        """Close every day ending at or before `horizon`; the findings, sorted."""
        due = sorted(k for k in self.pending if self.day_ends[k[0]] <= horizon)
        findings: list[Finding] = []
        for key in due:
            day, group = key
            vectors = _one_per_officer(self.pending.pop(key))
            models = self.models.get(group)
            if models is None:
                models = {d.name: d.new_model(group) for d in self.detectors}
                self.models[group] = models
            for detector in self.detectors:
                findings.extend(detector.score(models[detector.name], vectors))
            for detector in self.detectors:
                models[detector.name] = detector.learn(models[detector.name], vectors)
        for day in [d for d, end in self.day_ends.items() if end <= horizon]:
            del self.day_ends[day]
        self.closed_through = max(self.closed_through, horizon)
        findings.sort(key=Finding.sort_key)
        return findings

    def snapshot(self) -> bytes:
        """Bytes of the whole stage (models pickled; vectors in their own encoding)."""
        return pickle.dumps(
            {
                "version": SNAPSHOT_VERSION,
                "config_hash": self.config.config_hash,
                "models": self.models,
                "pending": {
                    k: [v.to_bytes() for v in vs] for k, vs in sorted(self.pending.items())
                },
                "day_ends": dict(sorted(self.day_ends.items())),
                "closed_through": self.closed_through,
                "late_vectors": self.late_vectors,
            },
            protocol=5,
        )

    @classmethod
    def restore(
        cls, data: bytes, config: DetectorConfig, reference: Reference | None = None
    ) -> PeerGroupStage:
        # Trusted input only: these bytes come from our own checkpoint, never from producers.
        raw = pickle.loads(data)
        if raw.get("version") != SNAPSHOT_VERSION:
            raise ValueError("unknown peer-stage snapshot version")
        if raw["config_hash"] != config.config_hash:
            raise ValueError("peer-stage snapshot was taken under another configuration")
        stage = cls(config, reference)
        stage.models = raw["models"]
        stage.pending = {
            k: [DayVector.from_bytes(b) for b in vs] for k, vs in raw["pending"].items()
        }
        stage.day_ends = raw["day_ends"]
        stage.closed_through = raw["closed_through"]
        stage.late_vectors = raw["late_vectors"]
        return stage


def _one_per_officer(vectors: list[DayVector]) -> list[DayVector]:
    """Sorted by officer id; a vector sent twice (a replayed message) counts once."""
    unique: dict[str, DayVector] = {}
    for v in sorted(vectors, key=lambda v: (v.officer_id, v.to_bytes())):
        unique.setdefault(v.officer_id, v)
    return list(unique.values())
