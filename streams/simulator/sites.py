"""Sites across a city: headquarters, urban and outlying stations, a far training college.

Distances matter to the detectors (impossible travel, concurrent presence), so the layout
is a real one in kilometres around a city centre: urban stations 2-14 km out, outlying towns
25-45 km out (a drive of most of an hour) and the force training college about 85 km away.

Examples
--------
>>> import random
>>> sites = build_sites(6, random.Random(1))
>>> [s.kind for s in sites][:2], sites[-1].kind
(['hq', 'station'], 'college')
>>> sites[0].zones["station-main"].level, sites[0].zones["custody"].tracks_exit
(1, True)
>>> round(distance_km(sites[0], sites[0]), 3)
0.0
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Final, Literal

SiteKind = Literal["hq", "station", "outlying", "college"]

# A real city centre keeps the coordinates plausible; nothing else depends on it.
CITY_LAT: Final = 52.4800
CITY_LON: Final = -1.9000
_KM_PER_DEGREE: Final = 111.2

_PLACES: Final = (
    "Northgate",
    "Riverside",
    "Eastfield",
    "Westbury",
    "Southmead",
    "Hillcrest",
    "Kingsway",
    "Parkside",
    "Moorland",
    "Brookfield",
    "Ashton",
    "Highbridge",
    "Lowmoor",
    "Fairview",
    "Stonecross",
    "Oakwood",
    "Millbrook",
    "Harbourside",
    "Cheswick",
    "Longford",
    "Greenhill",
    "Redhill",
    "Elmstead",
    "Marston",
    "Thornbury",
    "Wexley",
    "Calder",
    "Denholm",
    "Ferncliff",
    "Garston",
)


@dataclass(frozen=True, slots=True)
class Zone:
    """A badged zone and the readers at its door."""

    name: str
    level: int
    tracks_exit: bool
    reader_in: str
    reader_out: str | None


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """One site; ``index`` is its position in the force's site list."""

    index: int
    site_id: str
    name: str
    kind: SiteKind
    lat: float
    lon: float
    zones: dict[str, Zone]
    badge_source: str

    @property
    def has_custody(self) -> bool:
        return "custody" in self.zones

    def reference(self) -> dict[str, Any]:
        """The site as a ``sites.jsonl`` record (DESIGN.md field order)."""
        return {
            "site_id": self.site_id,
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "zones": [
                {"zone": z.name, "level": z.level, "tracks_exit": z.tracks_exit}
                for z in self.zones.values()
            ],
        }


def distance_km(a: SiteInfo, b: SiteInfo) -> float:
    """Great-circle distance (haversine), as a detector would compute it."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _zones(site_id: str, specs: list[tuple[str, int, bool]]) -> dict[str, Zone]:
    zones: dict[str, Zone] = {}
    reader = 1
    for name, level, tracks_exit in specs:
        reader_in = f"{site_id}-R{reader:02d}"
        reader += 1
        reader_out = None
        if tracks_exit:
            reader_out = f"{site_id}-R{reader:02d}"
            reader += 1
        zones[name] = Zone(name, level, tracks_exit, reader_in, reader_out)
    return zones


def _place(rng: random.Random, radius_lo: float, radius_hi: float) -> tuple[float, float]:
    bearing = rng.uniform(0.0, 2 * math.pi)
    radius = rng.uniform(radius_lo, radius_hi)
    north, east = radius * math.cos(bearing), radius * math.sin(bearing)
    lat = CITY_LAT + north / _KM_PER_DEGREE
    lon = CITY_LON + east / (_KM_PER_DEGREE * math.cos(math.radians(CITY_LAT)))
    return round(lat, 5), round(lon, 5)


def build_sites(stations: int, rng: random.Random) -> list[SiteInfo]:
    """Headquarters, ``stations`` stations (a quarter of them outlying) and the college.

    Custody suites sit at headquarters and every third station; every station has a property
    store; headquarters alone has the server room and the armoury.
    """
    stations = max(stations, 3)
    sites: list[SiteInfo] = []
    names = list(_PLACES)
    rng.shuffle(names)
    outlying = max(1, stations // 4)
    for index in range(stations + 2):
        site_id = f"S{index + 1:03d}"
        specs: list[tuple[str, int, bool]] = [("car-park", 0, False), ("station-main", 1, False)]
        kind: SiteKind
        if index == 0:
            kind, name = "hq", "Force Headquarters"
            lat, lon = _place(rng, 0.0, 1.0)
            specs += [
                ("admin-office", 1, False),
                ("cid-office", 2, False),
                ("custody", 3, True),
                ("property-store", 4, True),
                ("armoury", 5, True),
                ("server-room", 5, True),
            ]
        elif index == stations + 1:
            kind, name = "college", "Force Training College"
            lat, lon = _place(rng, 80.0, 92.0)
            specs += [("training-block", 1, False)]
        else:
            far = index > stations - outlying
            kind = "outlying" if far else "station"
            place = names[(index - 1) % len(names)]
            cycle = (index - 1) // len(names)
            name = f"{place} Police Station" + (f" {cycle + 1}" if cycle else "")
            lat, lon = _place(rng, 25.0, 45.0) if far else _place(rng, 2.0, 14.0)
            specs += [("admin-office", 1, False), ("cid-office", 2, False)]
            if index % 3 == 1:
                specs.append(("custody", 3, True))
            specs.append(("property-store", 4, True))
        source = "pacs-north" if lat >= CITY_LAT else "pacs-south"
        if kind == "college":
            source = "pacs-college"
        sites.append(SiteInfo(index, site_id, name, kind, lat, lon, _zones(site_id, specs), source))
    return sites
