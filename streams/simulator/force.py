"""The force: units, roles, ranks, officers, their line managers, and the record watchlist.

Proportions follow a typical territorial force: about two fifths response, a fifth
neighbourhood, a sixth detectives, a few per cent custody and the rest police staff in offices.
Each unit works from one home site and is split into rotation teams led by sergeants; unit
heads report to one chief superintendent at headquarters, who alone has no line manager.

Examples
--------
>>> force = build_force(60, seed=3)
>>> len(force.officers), force.officers[0].rank, force.officers[0].line_manager
(60, 'chief superintendent', None)
>>> sorted({o.role for o in force.officers})
['command', 'custody', 'detective', 'neighbourhood', 'response', 'staff']
>>> all(o.line_manager != o.index for o in force.officers)
True
>>> build_force(60, seed=3).officers[5].officer_id == force.officers[5].officer_id
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from streams.simulator.randomness import MAX_OFFICERS, derive, substream, tag
from streams.simulator.sites import SiteInfo, build_sites, distance_km

Role = Literal["command", "response", "neighbourhood", "detective", "custody", "staff"]
WatchCategory = Literal["vip", "colleague", "restricted", "self_related"]

MINUTE: Final = 60


@dataclass(frozen=True, slots=True)
class RoleProfile:
    """How one role works: its share of the force, team structure and system use."""

    share: float
    unit_size: int
    teams: int
    ranks: tuple[str, str, str]  # constable-level, sergeant-level, inspector-level
    lookups_per_duty: float  # mean look-ups (a search and its views) in a full duty
    case_share: float  # share of look-ups that carry a case reference
    systems: tuple[tuple[str, str, float], ...]  # (system, record_type, weight)
    zones: tuple[str, ...]  # zones beyond car park and main entrance the role may open
    mobile: bool  # on patrol, look-ups come from an in-car terminal with no site


# Look-up volumes and case-reference shares are what the look-up detectors learn as "normal";
# with badges and rosters they come to about 45 events per officer a day, toward the
# 3 million a day for 45,000 staff that DESIGN.md plans for:
# detectives search several times more than anyone else and cite a case nearly every time;
# response officers run quick checks on the street, a quarter of them before a case exists.
PROFILES: Final[dict[Role, RoleProfile]] = {
    "command": RoleProfile(
        share=0.0,
        unit_size=1,
        teams=1,
        ranks=("chief superintendent",) * 3,
        lookups_per_duty=5.0,
        case_share=0.6,
        systems=(("crime-system", "crime", 1.0),),
        zones=("admin-office", "cid-office"),
        mobile=False,
    ),
    "response": RoleProfile(
        share=0.38,
        unit_size=25,
        teams=5,
        ranks=("constable", "sergeant", "inspector"),
        lookups_per_duty=26.0,
        case_share=0.74,
        systems=(
            ("person-index", "person", 0.5),
            ("vehicle-index", "vehicle", 0.35),
            ("crime-system", "crime", 0.15),
        ),
        zones=("property-store", "custody"),
        mobile=True,
    ),
    "neighbourhood": RoleProfile(
        share=0.20,
        unit_size=12,
        teams=2,
        ranks=("constable", "sergeant", "inspector"),
        lookups_per_duty=18.0,
        case_share=0.70,
        systems=(
            ("person-index", "person", 0.45),
            ("crime-system", "crime", 0.3),
            ("intel-system", "intelligence", 0.25),
        ),
        zones=("property-store",),
        mobile=True,
    ),
    "detective": RoleProfile(
        share=0.17,
        unit_size=12,
        teams=1,
        ranks=("detective constable", "detective sergeant", "detective inspector"),
        lookups_per_duty=55.0,
        case_share=0.92,
        systems=(
            ("person-index", "person", 0.35),
            ("crime-system", "crime", 0.35),
            ("intel-system", "intelligence", 0.2),
            ("vehicle-index", "vehicle", 0.1),
        ),
        zones=("cid-office", "property-store", "custody"),
        mobile=False,
    ),
    "custody": RoleProfile(
        share=0.08,
        unit_size=16,
        teams=4,
        ranks=("detention officer", "custody sergeant", "inspector"),
        lookups_per_duty=12.0,
        case_share=0.85,
        systems=(("custody-system", "custody", 0.7), ("person-index", "person", 0.3)),
        zones=("custody",),
        mobile=False,
    ),
    "staff": RoleProfile(
        share=0.17,
        unit_size=15,
        teams=1,
        ranks=("staff", "staff supervisor", "staff manager"),
        lookups_per_duty=10.0,
        case_share=0.6,
        systems=(("crime-system", "crime", 0.6), ("person-index", "person", 0.4)),
        zones=("admin-office",),
        mobile=False,
    ),
}
FIELD_ROLES: Final[tuple[Role, ...]] = (
    "response",
    "neighbourhood",
    "detective",
    "custody",
    "staff",
)


@dataclass(slots=True)
class Officer:
    """One member of the force as the generator needs them (``reference()`` is public)."""

    index: int
    officer_id: str
    unit_id: str
    role: Role
    rank: str
    grade: int  # 0 constable-level, 1 sergeant-level, 2 inspector-level and above
    home: int  # site index
    line_manager: int | None
    team: int
    badge_id: str
    desk: str
    terminal: str | None  # in-car terminal of response and neighbourhood officers
    laptop: str  # for remote work; staff work from home some days
    activity: float  # this officer's own look-up rate relative to the role's
    case_share: float
    office_start: int  # minutes after midnight, for office-hours roles
    drives: bool
    quirk: int  # a per-officer draw used to spread weekly habits over the week

    @property
    def profile(self) -> RoleProfile:
        return PROFILES[self.role]

    def reference(self, force: Force) -> dict[str, Any]:
        """The officer as an ``officers.jsonl`` record (DESIGN.md field order)."""
        record: dict[str, Any] = {
            "officer_id": self.officer_id,
            "unit_id": self.unit_id,
            "role": self.role,
            "rank": self.rank,
            "home_site_id": force.sites[self.home].site_id,
        }
        if self.line_manager is not None:
            record["line_manager_id"] = force.officers[self.line_manager].officer_id
        record["active"] = True
        return record


@dataclass(frozen=True, slots=True)
class WatchEntry:
    record_ref: str
    category: WatchCategory
    expires_day: int | None  # simulation day it expires, None if it never does


@dataclass(slots=True)
class Force:
    """Everything static about the simulated force."""

    seed: int
    sites: list[SiteInfo]
    officers: list[Officer]
    watchlist: list[WatchEntry]
    distances: list[list[float]] = field(default_factory=list)
    planners: list[int] = field(default_factory=list)  # resourcing staff who enter rosters

    def __post_init__(self) -> None:
        self.distances = [[distance_km(a, b) for b in self.sites] for a in self.sites]

    def approver(self, officer: Officer) -> Officer:
        """Who approves this officer's claims: the line manager, else the top's deputy."""
        if officer.line_manager is not None:
            return self.officers[officer.line_manager]
        deputies = [o for o in self.officers if o.line_manager == officer.index]
        return deputies[0] if deputies else officer

    def watch(self, category: WatchCategory, day: int) -> list[WatchEntry]:
        """Entries of ``category`` in force on ``day``."""
        return [
            e
            for e in self.watchlist
            if e.category == category and (e.expires_day is None or e.expires_day > day)
        ]


def _role_counts(n: int) -> dict[Role, int]:
    counts: dict[Role, int] = {"command": 1}
    rest = n - 1
    for role in FIELD_ROLES:
        counts[role] = max(1, math.floor(PROFILES[role].share * rest)) if rest >= 5 else 0
    counts["response"] += n - sum(counts.values())
    return counts


def build_force(n: int, seed: int) -> Force:
    """A force of ``n`` officers and staff (at least 6) with sites, units and a watchlist."""
    if not 6 <= n < MAX_OFFICERS:
        raise ValueError(f"a force needs between 6 and {MAX_OFFICERS - 1} officers, not {n}")
    rng = substream(seed, tag("force"))
    sites = build_sites(max(4, round(n / 150)), substream(seed, tag("sites")))
    stations = [s.index for s in sites if s.kind in ("hq", "station", "outlying")]
    id_space = max(90_000, 10 * n)
    numbers = rng.sample(range(10_000, 10_000 + id_space), n)
    badges = rng.sample(range(10_000, 10_000 + id_space), n)
    officers: list[Officer] = []

    def add(role: Role, unit: str, home: int, grade: int, *, team: int, manager: int | None) -> int:
        index = len(officers)
        profile = PROFILES[role]
        local = substream(seed, tag("officer"), index)
        activity = min(1.7, max(0.55, local.lognormvariate(0.0, 0.25)))
        officers.append(
            Officer(
                index=index,
                officer_id=f"P{numbers[index]}",
                unit_id=unit,
                role=role,
                rank=profile.ranks[grade],
                grade=grade,
                home=home,
                line_manager=manager,
                team=team,
                badge_id=f"B-{badges[index]}",
                desk=f"WS-{sites[home].site_id}-{local.randrange(1, 120):03d}",
                terminal=(
                    f"MDT-{derive(seed, tag('mdt'), index) % 100_000:05d}"
                    if profile.mobile
                    else None
                ),
                laptop=f"RA-{derive(seed, tag('laptop'), index) % 1_000_000:06d}",
                activity=activity,
                case_share=min(0.97, max(0.4, profile.case_share + local.uniform(-0.06, 0.06))),
                office_start=local.choice((8 * 60, 8 * 60 + 30, 9 * 60)),
                drives=local.random() < 0.7,
                quirk=local.randrange(1 << 30),
            )
        )
        return index

    top = add("command", "U-CMD", 0, 2, team=0, manager=None)
    counts = _role_counts(n)
    unit_number = 0
    for role in FIELD_ROLES:
        profile = PROFILES[role]
        remaining = counts[role]
        while remaining > 0:
            size = min(profile.unit_size, remaining)
            if 0 < remaining - size < profile.unit_size // 2:
                size = remaining  # fold a small remainder into the last unit
            remaining -= size
            unit_number += 1
            unit = f"U-{role[:4].upper()}-{unit_number:03d}"
            home = (
                stations[rng.randrange(len(stations))]
                if role != "staff"
                else (0 if rng.random() < 0.5 else stations[rng.randrange(len(stations))])
            )
            teams = max(1, min(profile.teams, size // 3))
            big = size >= 10
            head = add(role, unit, home, 2 if big else 1, team=0, manager=top)
            # A unit big enough for an inspector has a sergeant leading every team.
            leaders = (
                [add(role, unit, home, 1, team=team, manager=head) for team in range(teams)]
                if big
                else [head] * teams
            )
            for k in range(size - 1 - (teams if big else 0)):
                add(role, unit, home, 0, team=k % teams, manager=leaders[k % teams])
    # The resourcing office enters most rosters a supervisor does not; a handful of staff.
    planners = [o.index for o in officers if o.role == "staff" and o.grade == 0][:4] or [top]
    return Force(seed, sites, officers, _watchlist(n, seed), planners=planners)


def _watchlist(n: int, seed: int) -> list[WatchEntry]:
    rng = substream(seed, tag("watchlist"))
    sizes: dict[WatchCategory, int] = {
        "vip": max(8, n // 100),
        "colleague": max(8, n // 25),
        "restricted": max(8, n // 50),
        "self_related": max(4, n // 100),
    }
    entries: list[WatchEntry] = []
    for category, size in sizes.items():
        for _ in range(size):
            draw = rng.random()
            # Most entries stand until removed; some were time-limited and have lapsed.
            expires = (
                None
                if draw < 0.8
                else (rng.randrange(200, 900) if draw < 0.9 else -rng.randrange(1, 300))
            )
            entries.append(WatchEntry(f"r:{rng.getrandbits(48):012x}", category, expires))
    return entries
