"""`sensitive_record_access`: a look-up of a watch-listed record without a case reference.

The watchlist marks VIPs, colleagues, restricted records and records related to the officer;
looking one up is legitimate with a case to justify it, and worth a review without one. An
expired watchlist entry no longer counts. One alert per record per suppression window.

Examples
--------
>>> from detectors.testing import Scenario
>>> sc = Scenario()
>>> sc.watch("r:vip1", "vip")
>>> sc.lookup("P1", "2026-03-10T10:00", record="r:vip1", case=None)
>>> sc.lookup("P1", "2026-03-10T11:00", record="r:vip1", case="CR/2026/1")
>>> [a.detector for a in sc.run()]
['sensitive_record_access']
"""

from __future__ import annotations

from typing import ClassVar

from detectors.base import Env, OfficerRule, Stage
from detectors.config import Category, DetectorSettings
from detectors.messages import Finding, tidy
from detectors.state import S_LK_MEAN, S_N, S_NC_MEAN, OfficerState
from schemas.events import AccessEvent

LABELS = {
    "vip": "a VIP's",
    "colleague": "a colleague's",
    "restricted": "a restricted",
    "self_related": "a self-related",
}
LOOKUPS = frozenset({"search", "view", "export", "print", "modify"})


class SensitiveRecordAccessRule(OfficerRule):
    name: ClassVar[str] = "sensitive_record_access"
    category: ClassVar[Category] = "integrity"
    stage: ClassVar[Stage] = "officer"
    peer_norm: ClassVar[str] = "watch-listed records looked up only with a case reference"

    def __init__(self, settings: DetectorSettings, env: Env) -> None:
        super().__init__(settings, env)
        self.watchlist = env.reference.watchlist

    def on_access(self, state: OfficerState, event: AccessEvent, t: float) -> Finding | None:
        # Membership first: almost no record is watch-listed, and this runs for every access.
        if (
            event.record_ref not in self.watchlist
            or event.case_ref is not None
            or event.action not in LOOKUPS
        ):
            return None
        entry = self.env.reference.watchlisted(event.record_ref, event.event_time)
        if entry is None:
            return None
        return Finding(
            detector=self.name,
            officer_id=state.officer_id,
            event_time=t,
            window_start=t,
            window_end=t,
            evidence=(event.event_id,),
            summary=(
                f"Looked up {LABELS.get(entry.category, 'a watch-listed')} record "
                f"({event.record_type}, {event.action}) on {self.env.days.text(t)} "
                f"without a case reference."
            ),
            score=1.0,
            observed={
                "record_ref": event.record_ref,
                "category": entry.category,
                "action": event.action,
                "system": event.system,
                "case_ref": None,
            },
            # The officer's usual active day: look-ups, and the share without a case reference.
            own_normal=_usual_lookups(state),
            peer_normal={},
            threshold={"watchlisted_lookups_without_case": 1},
            situation=str(event.record_ref),
        )


def _usual_lookups(state: OfficerState) -> dict[str, float]:
    if not state.own_days():
        return {}
    own = state.own_figures()
    return {
        "weighted_lookups_mean": tidy(own[S_LK_MEAN]),
        "nocase_share_mean": tidy(own[S_NC_MEAN]),
        "days": float(own[S_N]),
    }
