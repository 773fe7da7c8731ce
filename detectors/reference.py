"""Reference data as the detectors see it: officers, sites and the watchlist, with fast lookups.

Reference data may be partial (an unknown officer, a site without coordinates, no watchlist).
Every lookup therefore returns ``None`` when it cannot answer, and detectors stay silent on
``None`` rather than guess.

Examples
--------
>>> from schemas.reference import Site, ZoneSpec
>>> ref = Reference(sites=[
...     Site(site_id="S1", name="North", lat=51.5561, lon=-0.1044,
...          zones=(ZoneSpec(zone="custody", level=3, tracks_exit=True),)),
...     Site(site_id="S2", name="South", lat=51.4613, lon=-0.1156, zones=())])
>>> round(ref.distance_km("S1", "S2"), 1)
10.6
>>> ref.distance_km("S1", "S9") is None
True
>>> ref.tracks_exit("S1", "custody"), ref.tracks_exit("S2", "yard")
(True, None)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime

from schemas.reference import Officer, Site, WatchlistEntry

_EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance: the shortest any journey between two sites can be."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class Reference:
    """Read-only lookups over reference data; build once, share between calls."""

    __slots__ = ("_distances", "_officers", "_sites", "_watchlist", "_zones")

    def __init__(
        self,
        officers: Iterable[Officer] = (),
        sites: Iterable[Site] = (),
        watchlist: Iterable[WatchlistEntry] = (),
    ) -> None:
        self._officers: dict[str, Officer] = {o.officer_id: o for o in officers}
        self._sites: dict[str, Site] = {s.site_id: s for s in sites}
        self._watchlist: dict[str, WatchlistEntry] = {w.record_ref: w for w in watchlist}
        self._zones: dict[tuple[str, str], bool] = {
            (s.site_id, z.zone): bool(z.tracks_exit) for s in self._sites.values() for z in s.zones
        }
        self._distances: dict[tuple[str, str], float | None] = {}

    @property
    def officers(self) -> Mapping[str, Officer]:
        return self._officers

    @property
    def sites(self) -> Mapping[str, Site]:
        return self._sites

    @property
    def watchlist(self) -> Mapping[str, WatchlistEntry]:
        return self._watchlist

    def officer(self, officer_id: str) -> Officer | None:
        return self._officers.get(officer_id)

    def peer_group(self, officer_id: str, group_by: tuple[str, ...]) -> str | None:
        """The officer's peer group, e.g. ``"response/constable"``; None if unknown."""
        officer = self._officers.get(officer_id)
        if officer is None:
            return None
        parts = [getattr(officer, name, None) for name in group_by]
        if any(not isinstance(p, str) or not p for p in parts):
            return None
        return "/".join(str(p) for p in parts)

    def distance_km(self, site_a: str | None, site_b: str | None) -> float | None:
        """Distance between two sites, or None if either is unknown."""
        if site_a is None or site_b is None:
            return None
        if site_a == site_b:
            return 0.0 if site_a in self._sites else None
        key = (site_a, site_b) if site_a < site_b else (site_b, site_a)
        if key in self._distances:
            return self._distances[key]
        a, b = self._sites.get(site_a), self._sites.get(site_b)
        value = None if a is None or b is None else haversine_km(a.lat, a.lon, b.lat, b.lon)
        self._distances[key] = value
        return value

    def tracks_exit(self, site_id: str, zone: str) -> bool | None:
        """Whether leaving `zone` is badged (None: zone or site unknown)."""
        return self._zones.get((site_id, zone))

    def watchlisted(self, record_ref: str | None, at: datetime) -> WatchlistEntry | None:
        """The watchlist entry for `record_ref` if it is in force at `at`."""
        if record_ref is None:
            return None
        entry = self._watchlist.get(record_ref)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= at:
            return None
        return entry
