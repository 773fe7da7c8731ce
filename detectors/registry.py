"""The detector registry: every detector of the catalogue, by name.

Contract tests (`tests/contract`) run over this registry, so a new detector is checked the
moment it is registered here.

Examples
--------
>>> len(REGISTRY), REGISTRY["impossible_travel"].stage
(18, 'officer')
>>> sorted(n for n, c in REGISTRY.items() if c.category == "welfare")
['excessive_hours', 'insufficient_rest', 'rest_days_cancelled', 'sickness_pattern']
"""

from __future__ import annotations

from detectors.base import Detector
from detectors.models.lookup_volume import LookupVolumeDetector
from detectors.models.overtime_outlier import OvertimeOutlierDetector
from detectors.models.unjustified_lookups import UnjustifiedLookupsDetector
from detectors.models.unusual_day import UnusualDayDetector
from detectors.risk import RiskThresholdCrossedRule
from detectors.rules.access_while_off_duty import AccessWhileOffDutyRule
from detectors.rules.anti_passback import AntiPassbackRule
from detectors.rules.badge_while_absent import BadgeWhileAbsentRule
from detectors.rules.concurrent_presence import ConcurrentPresenceRule
from detectors.rules.denied_access_burst import DeniedAccessBurstRule
from detectors.rules.excessive_hours import ExcessiveHoursRule
from detectors.rules.impossible_travel import ImpossibleTravelRule
from detectors.rules.insufficient_rest import InsufficientRestRule
from detectors.rules.overtime_without_presence import OvertimeWithoutPresenceRule
from detectors.rules.rest_days_cancelled import RestDaysCancelledRule
from detectors.rules.roster_self_approval import RosterSelfApprovalRule
from detectors.rules.sensitive_record_access import SensitiveRecordAccessRule
from detectors.rules.sickness_pattern import SicknessPatternRule

_CLASSES: tuple[type[Detector], ...] = (
    # integrity, officer stage
    BadgeWhileAbsentRule,
    AccessWhileOffDutyRule,
    OvertimeWithoutPresenceRule,
    ImpossibleTravelRule,
    AntiPassbackRule,
    ConcurrentPresenceRule,
    SensitiveRecordAccessRule,
    RosterSelfApprovalRule,
    DeniedAccessBurstRule,
    # integrity, peer-group stage
    LookupVolumeDetector,
    UnjustifiedLookupsDetector,
    OvertimeOutlierDetector,
    UnusualDayDetector,
    # integrity, risk
    RiskThresholdCrossedRule,
    # welfare, officer stage
    InsufficientRestRule,
    ExcessiveHoursRule,
    RestDaysCancelledRule,
    SicknessPatternRule,
)

REGISTRY: dict[str, type[Detector]] = {cls.name: cls for cls in _CLASSES}
