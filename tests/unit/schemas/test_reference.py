"""Reference data: officers, sites with zones, watchlist entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import (
    DecodeError,
    Officer,
    Site,
    WatchlistEntry,
    ZoneSpec,
    decode_officer,
    decode_site,
    decode_watchlist_entry,
    encode_officer,
    encode_site,
    encode_watchlist_entry,
)

SITE_LINE = (Path(__file__).parent / "data" / "reference-sites.jsonl").read_bytes().strip()
OFFICER = {
    "officer_id": "P40211",
    "unit_id": "U-RESP-N",
    "role": "response",
    "rank": "constable",
    "home_site_id": "S014",
    "line_manager_id": "P30001",
    "active": True,
}


def test_contract_site_example_decodes_with_its_zones_in_order() -> None:
    site = decode_site(SITE_LINE)

    assert (site.site_id, site.name, site.lat, site.lon) == (
        "S014",
        "North Station",
        51.5561,
        -0.1044,
    )
    assert [z.zone for z in site.zones] == ["station-main", "custody", "property-store"]
    assert site.zone("custody") == ZoneSpec(zone="custody", level=3, tracks_exit=True)
    assert site.zone("roof") is None
    assert decode_site(encode_site(site)) == site


def test_a_bad_zone_is_reported_at_its_index_in_the_list() -> None:
    site = json.loads(SITE_LINE)
    site["zones"][1]["level"] = 7

    with pytest.raises(DecodeError) as caught:
        decode_site(json.dumps(site))
    assert (caught.value.path, caught.value.rule) == ("$.zones[1].level", "expected int <= 5")


def test_a_zone_missing_a_field_names_the_field_inside_the_zone() -> None:
    site = json.loads(SITE_LINE)
    del site["zones"][2]["tracks_exit"]

    with pytest.raises(DecodeError) as caught:
        decode_site(json.dumps(site))
    assert caught.value.path == "$.zones[2].tracks_exit"


def test_duplicate_zone_names_in_a_site_are_refused() -> None:
    site = json.loads(SITE_LINE)
    site["zones"][2]["zone"] = "custody"

    with pytest.raises(DecodeError) as caught:
        decode_site(json.dumps(site))
    assert (caught.value.path, caught.value.rule) == (
        "$.zones[2].zone",
        "duplicate zone name 'custody'",
    )


@pytest.mark.parametrize(("field", "value"), [("lat", 90.5), ("lon", -180.01), ("lat", "51.5")])
def test_coordinates_outside_wgs84_or_of_the_wrong_type_are_refused(
    field: str, value: object
) -> None:
    site = json.loads(SITE_LINE)
    site[field] = value

    with pytest.raises(DecodeError) as caught:
        decode_site(json.dumps(site))
    assert caught.value.path == f"$.{field}"


def test_an_officer_round_trips_and_its_manager_may_be_absent_or_null() -> None:
    officer = decode_officer(json.dumps(OFFICER))
    assert officer == Officer(**OFFICER)  # type: ignore[arg-type]  # dict of known fields
    assert decode_officer(encode_officer(officer)) == officer

    for manager in ({"line_manager_id": None}, {}):
        record = {k: v for k, v in OFFICER.items() if k != "line_manager_id"} | manager
        assert decode_officer(json.dumps(record)).line_manager_id is None


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("active", "yes", "expected bool, got str"),
        ("active", ..., "required field is missing"),
        ("officer_id", "", "must not be empty"),
        ("line_manager_id", "", "must not be empty"),
        # Ids as long as an event's: a longer one could never match an event's officer.
        ("officer_id", "P" * 129, "must be at most 128 characters long"),
        ("line_manager_id", "P" * 129, "must be at most 128 characters long"),
        ("rank", "r" * 1025, "must be at most 1024 characters long"),
    ],
)
def test_officer_fields_are_checked(field: str, value: object, rule: str) -> None:
    record = {k: v for k, v in (OFFICER | {field: value}).items() if v is not ...}

    with pytest.raises(DecodeError) as caught:
        decode_officer(json.dumps(record))
    assert (caught.value.path, caught.value.rule) == (f"$.{field}", rule)


def test_a_watchlist_entry_expiry_is_optional_and_read_as_utc() -> None:
    forever = decode_watchlist_entry(b'{"record_ref": "r:1", "category": "vip"}')
    dated = decode_watchlist_entry(
        b'{"record_ref": "r:1", "category": "colleague", "expires_at": "2027-01-01T01:00:00+01:00"}'
    )

    assert forever.expires_at is None
    assert dated.expires_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert decode_watchlist_entry(encode_watchlist_entry(dated)) == dated
    assert WatchlistEntry(record_ref="r:1", category="vip") == forever


def test_an_unknown_watchlist_category_lists_the_allowed_ones() -> None:
    with pytest.raises(DecodeError) as caught:
        decode_watchlist_entry(b'{"record_ref": "r:1", "category": "celebrity"}')
    assert caught.value.path == "$.category"
    assert caught.value.rule == (
        "'celebrity' is not one of 'colleague', 'restricted', 'self_related', 'vip'"
    )


def test_duplicate_zones_are_refused_when_built_in_python_too() -> None:
    zone = ZoneSpec(zone="custody", level=3, tracks_exit=True)

    with pytest.raises(ValueError, match="duplicate zone name"):
        Site(site_id="S1", name="n", lat=0.0, lon=0.0, zones=(zone, zone))


def test_nan_coordinates_built_in_python_are_refused() -> None:
    with pytest.raises(ValueError, match="`lat`: must be a finite number"):
        Site(site_id="S1", name="n", lat=float("nan"), lon=0.0, zones=())
