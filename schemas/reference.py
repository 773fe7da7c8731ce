"""Reference data: the officer directory, sites with their zones, and the record watchlist.

Reference data arrives on compacted topics or as ``officers.jsonl``, ``sites.jsonl`` and
``watchlist.jsonl`` in a reference directory; it may be partial, so detectors treat an unknown
officer or site as "cannot know" rather than as an anomaly.

Examples
--------
>>> site = Site(site_id="S014", name="North Station", lat=51.5561, lon=-0.1044,
...             zones=(ZoneSpec(zone="custody", level=3, tracks_exit=True),))
>>> site.zone("custody").level, site.zone("roof") is None
(3, True)
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct
from msgspec.structs import force_setattr

from schemas.fields import (
    Id,
    Text,
    UtcDateTime,
    ZoneLevel,
    check_finite,
    rule_error,
    utc_time,
)

__all__ = ["Officer", "Site", "WatchlistCategory", "WatchlistEntry", "ZoneSpec"]

WatchlistCategory = Literal["vip", "colleague", "restricted", "self_related"]


class Officer(Struct, frozen=True, kw_only=True):
    """One member of staff in the directory, keyed by ``officer_id``."""

    officer_id: Id
    unit_id: Id
    role: Text
    rank: Text
    home_site_id: Id
    line_manager_id: Annotated[Id, Meta(description="Absent at the top of the chain.")] | None = (
        None
    )
    active: bool


class ZoneSpec(Struct, frozen=True, kw_only=True):
    """A badged zone of a site."""

    zone: Text
    level: ZoneLevel
    tracks_exit: Annotated[
        bool,
        Meta(description="Whether leaving the zone is badged too, as anti-passback needs."),
    ]


class Site(Struct, frozen=True, kw_only=True):
    """A police site with its coordinates and badged zones."""

    site_id: Id
    name: Text
    lat: Annotated[float, Meta(ge=-90.0, le=90.0, description="WGS 84 latitude, degrees.")]
    lon: Annotated[float, Meta(ge=-180.0, le=180.0, description="WGS 84 longitude, degrees.")]
    zones: Annotated[
        tuple[ZoneSpec, ...], Meta(description="Badged zones; names are unique within a site.")
    ]

    def __post_init__(self) -> None:
        check_finite(self.lat, "lat")
        check_finite(self.lon, "lon")
        seen: set[str] = set()
        for i, spec in enumerate(self.zones):
            if spec.zone in seen:
                raise rule_error(
                    f"zones[{i}].zone", f"duplicate zone name {spec.zone!r}", "invalid"
                )
            seen.add(spec.zone)

    def zone(self, name: str) -> ZoneSpec | None:
        """Return the zone called ``name``, or None if the site does not list it."""
        for spec in self.zones:
            if spec.zone == name:
                return spec
        return None


class WatchlistEntry(Struct, frozen=True, kw_only=True):
    """A sensitive record whose look-up needs a case reference."""

    record_ref: Id
    category: WatchlistCategory
    expires_at: (
        Annotated[UtcDateTime, Meta(description="Absent when the entry never expires.")] | None
    ) = None

    def __post_init__(self) -> None:
        if self.expires_at is not None:
            force_setattr(self, "expires_at", utc_time(self.expires_at, "expires_at"))
