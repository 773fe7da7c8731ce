"""Properties of every model: round trips, single-field mutations, and JSON Schema agreement.

The strategies build valid objects of each model; mutations are derived from the models' own
type information (msgspec.inspect), so a field added to a model is mutated without anyone
remembering to add it here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, get_args

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

import schemas
from schemas import (
    AccessAction,
    AccessEvent,
    Alert,
    AlertWindow,
    BadgeEvent,
    ChangeType,
    DeadLetter,
    DecodeError,
    Explanation,
    FileOrigin,
    KafkaOrigin,
    Officer,
    Risk,
    RiskContribution,
    RosterEvent,
    Site,
    WatchlistEntry,
    ZoneSpec,
)
from schemas.events import SESSION_ACTIONS
from schemas.jsonschemas import BASE_URI, json_schemas

mi = msgspec.inspect

# --- strategies for valid objects -------------------------------------------------------------

ids = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
event_ids = st.text(st.characters(codec="utf-8"), min_size=1, max_size=128)
# RFC 3339 offsets are whole minutes. Times stay clear of the accepted span's ends, where the
# published pattern checks the written year and the reader the UTC year: two days for two
# offsets of up to a day each, plus room for the periods and windows that start at them.
offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
times = st.datetimes(
    min_value=datetime(2000, 1, 3), max_value=datetime(2100, 12, 20), timezones=offsets
)
MAX_SPAN = timedelta(days=7)
finite = st.floats(allow_nan=False, allow_infinity=False)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | finite
    | st.text(st.characters(codec="utf-8"), max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ids, inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(ids, json_values, max_size=4)


def _common(type_: str) -> dict[str, Any]:
    return {
        "schema_version": st.just(1),
        "event_id": event_ids,
        "event_time": times,
        "officer_id": ids,
        "source": ids,
    }


badges = st.builds(
    BadgeEvent,
    **_common("badge"),
    badge_id=ids,
    site_id=ids,
    reader_id=ids,
    zone=ids,
    zone_level=st.integers(0, 5),
    direction=st.sampled_from(get_args(schemas.Direction)),
    outcome=st.sampled_from(get_args(schemas.Outcome)),
)


@st.composite
def accesses(draw: st.DrawFn) -> AccessEvent:
    action = draw(st.sampled_from(get_args(AccessAction)))
    record_ref = st.none() | ids if action in SESSION_ACTIONS else ids
    return draw(
        st.builds(
            AccessEvent,
            **_common("access"),
            system=ids,
            action=st.just(action),
            record_type=ids,
            record_ref=record_ref,
            case_ref=st.none() | ids,
            workstation_id=ids,
            site_id=st.none() | ids,
            result_count=st.none() | st.integers(0, 2**53 - 1),
        )
    )


@st.composite
def rosters(draw: st.DrawFn) -> RosterEvent:
    start = draw(times)
    return draw(
        st.builds(
            RosterEvent,
            **_common("roster"),
            change_type=st.sampled_from(get_args(ChangeType)),
            actor_id=ids,
            period_start=st.just(start),
            period_end=st.timedeltas(timedelta(0), MAX_SPAN).map(lambda d: start + d),
            hours=st.none() | st.floats(0, 24 * 31),
            approver_id=st.none() | ids,
            counterpart_id=st.none() | ids,
            reason=st.none() | ids,
        )
    )


officers = st.builds(
    Officer,
    officer_id=ids,
    unit_id=ids,
    role=ids,
    rank=ids,
    home_site_id=ids,
    line_manager_id=st.none() | ids,
    active=st.booleans(),
)
zone_specs = st.builds(ZoneSpec, zone=ids, level=st.integers(0, 5), tracks_exit=st.booleans())
sites = st.builds(
    Site,
    site_id=ids,
    name=ids,
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    zones=st.lists(zone_specs, max_size=4, unique_by=lambda z: z.zone).map(tuple),
)
watchlist_entries = st.builds(
    WatchlistEntry,
    record_ref=ids,
    category=st.sampled_from(get_args(schemas.WatchlistCategory)),
    expires_at=st.none() | times,
)


@st.composite
def windows(draw: st.DrawFn) -> AlertWindow:
    start = draw(times)
    return AlertWindow(start=start, end=start + draw(st.timedeltas(timedelta(0), MAX_SPAN)))


@st.composite
def alerts(draw: st.DrawFn) -> Alert:
    alert_id = draw(ids)
    category = draw(st.sampled_from(get_args(schemas.AlertCategory)))
    contributions = draw(
        st.lists(st.builds(RiskContribution, alert_id=ids, points=st.floats(0, 1e6)), max_size=3)
    )
    if category == "welfare":
        contributions = [c for c in contributions if c.alert_id != alert_id]
    return draw(
        st.builds(
            Alert,
            schema_version=st.just(1),
            alert_id=st.just(alert_id),
            officer_id=ids,
            detector=ids,
            detector_version=st.integers(1, 2**53 - 1),
            category=st.just(category),
            severity=st.sampled_from(get_args(schemas.Severity)),
            score=finite,
            event_time=times,
            window=windows(),
            summary=ids,
            evidence=st.lists(ids, max_size=3).map(tuple),
            explanation=st.builds(
                Explanation,
                observed=json_objects,
                own_normal=json_objects,
                peer_normal=json_objects,
                threshold=json_objects,
            ),
            risk=st.builds(
                Risk, score=st.floats(0, 1e6), contributions=st.just(tuple(contributions))
            ),
            config_hash=ids,
        )
    )


origins = st.builds(
    KafkaOrigin, topic=ids, partition=st.integers(0, 2**31 - 1), offset=st.integers(0, 2**63 - 1)
) | st.builds(FileOrigin, path=ids, line=st.integers(1, 2**53 - 1))
dead_letters = st.builds(
    DeadLetter,
    original=st.binary(max_size=64),
    origin=origins,
    reason=ids,
    field_path=st.none() | ids,
    rejected_at=times,
)


class Kind(msgspec.Struct, frozen=True):
    """One model with its strategy, codec and published schema file."""

    model: type[msgspec.Struct]
    objects: st.SearchStrategy[Any]
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]
    schema: str


KINDS: Final = [
    Kind(BadgeEvent, badges, schemas.encode_event, schemas.decode_event, "event.json"),
    Kind(AccessEvent, accesses(), schemas.encode_event, schemas.decode_event, "event.json"),
    Kind(RosterEvent, rosters(), schemas.encode_event, schemas.decode_event, "event.json"),
    Kind(Officer, officers, schemas.encode_officer, schemas.decode_officer, "officer.json"),
    Kind(Site, sites, schemas.encode_site, schemas.decode_site, "site.json"),
    Kind(
        WatchlistEntry,
        watchlist_entries,
        schemas.encode_watchlist_entry,
        schemas.decode_watchlist_entry,
        "watchlist.json",
    ),
    Kind(Alert, alerts(), schemas.encode_alert, schemas.decode_alert, "alert.json"),
    Kind(
        DeadLetter,
        dead_letters,
        schemas.encode_dead_letter,
        schemas.decode_dead_letter,
        "deadletter.json",
    ),
]
BY_NAME: Final = {k.model.__name__: k for k in KINDS}
kind_names = pytest.mark.parametrize("name", list(BY_NAME))

# Hypothesis's default deadline trips on a busy 2-core CI machine; these tests are bounded by
# max_examples instead.
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- round trips ------------------------------------------------------------------------------


@kind_names
@FAST
@given(data=st.data())
def test_every_valid_object_round_trips_and_reencodes_to_the_same_bytes(
    name: str, data: st.DataObject
) -> None:
    kind = BY_NAME[name]
    obj = data.draw(kind.objects)
    encoded = kind.encode(obj)
    decoded = kind.decode(encoded)

    assert decoded == obj
    assert type(decoded) is kind.model
    assert kind.encode(decoded) == encoded


@FAST
@given(event=badges | accesses() | rosters())
def test_decoded_times_are_utc_and_the_same_instant(event: schemas.Event) -> None:
    decoded = schemas.decode_event(schemas.encode_event(event))

    assert decoded.event_time.tzinfo is UTC
    assert decoded.event_time == event.event_time


# --- single-field mutations -------------------------------------------------------------------

DROP: Final = object()
_WRONG_TYPE_VALUES: Final = {
    "str": "text",
    "int": 7,
    "float": 2.5,
    "bool": True,
    "null": None,
    "array": [],
    "object": {},
}
_BAD_TIMES: Final = (
    "2026-03-09T06:51:03",  # no offset
    "2026-03-09",
    "yesterday",
    "2026-02-30T10:00:00+00:00",
    "1999-06-01T00:00:00+00:00",
    "2150-01-01T00:00:00Z",
)


def _kinds_accepted(info: mi.Type) -> set[str]:
    """The JSON kinds a field of this type accepts."""
    if isinstance(info, mi.Metadata):
        return _kinds_accepted(info.type)
    if isinstance(info, mi.UnionType):
        return set().union(*(_kinds_accepted(t) for t in info.types))
    if isinstance(info, mi.LiteralType):
        return {"int" if isinstance(info.values[0], int) else "str"}
    simple: dict[type[mi.Type], set[str]] = {
        mi.StrType: {"str"},
        mi.DateTimeType: {"str"},
        mi.BytesType: {"str"},
        mi.IntType: {"int"},
        mi.FloatType: {"int", "float"},
        mi.BoolType: {"bool"},
        mi.NoneType: {"null"},
        mi.VarTupleType: {"array"},
        mi.ListType: {"array"},
        mi.StructType: {"object"},
        mi.DictType: {"object"},
    }
    return simple[type(info)]


def _leaves(info: mi.Type) -> list[mi.Type]:
    if isinstance(info, mi.Metadata):
        return _leaves(info.type)
    if isinstance(info, mi.UnionType):
        return [leaf for t in info.types for leaf in _leaves(t)]
    return [info]


def _out_of_range(info: mi.Type) -> list[Any]:
    values: list[Any] = []
    for leaf in _leaves(info):
        if isinstance(leaf, mi.IntType | mi.FloatType):
            step = 1 if isinstance(leaf, mi.IntType) else 0.5
            if leaf.ge is not None:
                values.append(leaf.ge - step)
            if leaf.le is not None:
                values.append(leaf.le + step)
        if isinstance(leaf, mi.StrType):
            if leaf.min_length:
                values.append("")
            if leaf.max_length is not None:
                values.append("x" * (leaf.max_length + 1))
    return values


def mutations(model: type[msgspec.Struct]) -> list[tuple[str, Any, bool]]:
    """Every (field, new value or DROP, must fail) single-field mutation of ``model``."""
    info = mi.type_info(model)
    assert isinstance(info, mi.StructType)
    found: list[tuple[str, Any, bool]] = []
    if info.tag_field is not None:
        found += [(info.tag_field, DROP, True), (info.tag_field, 5, True)]
        found.append((info.tag_field, "no-such-type", True))
    for field in info.fields:
        name = field.encode_name
        found.append((name, DROP, field.required))
        accepted = _kinds_accepted(field.type)
        found += [(name, v, True) for k, v in _WRONG_TYPE_VALUES.items() if k not in accepted]
        leaves = _leaves(field.type)
        if any(isinstance(leaf, mi.LiteralType) and "str" in accepted for leaf in leaves):
            found.append((name, "not-an-allowed-value", True))
        if any(isinstance(leaf, mi.DateTimeType) for leaf in leaves):
            found += [(name, bad, True) for bad in _BAD_TIMES]
        found += [(name, v, True) for v in _out_of_range(field.type)]
    return found


def _mutate(wire: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    changed = dict(wire)
    if value is DROP:
        changed.pop(field, None)
    else:
        changed[field] = value
    return changed


def _must_fail(kind: Kind, wire: dict[str, Any], field: str, value: Any, required: bool) -> bool:
    # The one conditionally required field: a look-up must name its record.
    if kind.model is AccessEvent and field == "record_ref" and value is DROP:
        return wire["action"] not in SESSION_ACTIONS
    return required


@kind_names
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_single_field_mutation_is_refused_naming_that_field(
    name: str, data: st.DataObject
) -> None:
    kind = BY_NAME[name]
    wire = json.loads(kind.encode(data.draw(kind.objects)))
    field, value, required = data.draw(st.sampled_from(mutations(kind.model)))
    mutated = _mutate(wire, field, value)

    if _must_fail(kind, wire, field, value, required):
        with pytest.raises(DecodeError) as caught:
            kind.decode(json.dumps(mutated).encode())
        assert caught.value.path == f"$.{field}", caught.value
    else:
        kind.decode(json.dumps(mutated).encode())


def test_mutations_cover_every_field_of_every_model() -> None:
    for kind in KINDS:
        info = mi.type_info(kind.model)
        assert isinstance(info, mi.StructType)
        mutated = {field for field, _, must_fail in mutations(kind.model) if must_fail}
        assert mutated == {f.encode_name for f in info.fields} | (
            {info.tag_field} if info.tag_field else set()
        )


# --- JSON Schema agreement --------------------------------------------------------------------

_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))"
)
FORMATS: Final = FormatChecker()


@FORMATS.checks("date-time")
def _is_rfc3339(instance: object) -> bool:
    """RFC 3339 section 5.6 date-time, strictly (jsonschema needs an extra package for it)."""
    if not isinstance(instance, str):
        return True
    match = _RFC3339.fullmatch(instance)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False  # includes leap seconds, which the reader cannot represent either
    off_h, off_m = match.group(9), match.group(10)
    return off_h is None or (int(off_h) <= 23 and int(off_m) <= 59)


_DOCS: Final = json_schemas()
_REGISTRY: Final[Registry[Any]] = Registry().with_resources(
    (BASE_URI + name, Resource.from_contents(doc)) for name, doc in _DOCS.items()
)
VALIDATORS: Final = {
    name: Draft202012Validator(doc, registry=_REGISTRY, format_checker=FORMATS)
    for name, doc in _DOCS.items()
}


def test_the_format_checker_used_here_is_strict_rfc3339() -> None:
    assert FORMATS.conforms("2026-03-09T06:51:03.5-05:30", "date-time")
    assert FORMATS.conforms("2026-03-09t06:51:03z", "date-time")
    for bad in ("2026-03-09T06:51:03", "2026-03-09 06:51:03Z", "2026-02-30T00:00:00Z"):
        assert not FORMATS.conforms(bad, "date-time")


def _with_local_offsets(wire: dict[str, Any], model: type[msgspec.Struct], tz: timezone) -> None:
    """Rewrite the top-level times of ``wire`` at another offset: the same instants."""
    info = mi.type_info(model)
    assert isinstance(info, mi.StructType)
    for field in info.fields:
        value = wire.get(field.encode_name)
        if isinstance(value, str) and any(
            isinstance(leaf, mi.DateTimeType) for leaf in _leaves(field.type)
        ):
            wire[field.encode_name] = datetime.fromisoformat(value).astimezone(tz).isoformat()


def _agree(kind: Kind, wire: dict[str, Any]) -> None:
    data = json.dumps(wire).encode()
    try:
        kind.decode(data)
        reader_ok, reason = True, "accepted"
    except DecodeError as err:
        reader_ok, reason = False, str(err)
    schema_errors = [e.message for e in VALIDATORS[kind.schema].iter_errors(wire)]

    assert reader_ok == (not schema_errors), (reason, schema_errors, wire)


@kind_names
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_json_schema_accepts_and_rejects_what_the_reader_does(
    name: str, data: st.DataObject
) -> None:
    kind = BY_NAME[name]
    wire = json.loads(kind.encode(data.draw(kind.objects)))
    _with_local_offsets(wire, kind.model, data.draw(offsets))
    wire[data.draw(st.sampled_from(["x_extra", "firmware"]))] = data.draw(json_values)

    _agree(kind, wire)
    field, value, _ = data.draw(st.sampled_from(mutations(kind.model)))
    _agree(kind, _mutate(wire, field, value))
