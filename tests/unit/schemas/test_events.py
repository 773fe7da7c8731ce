"""Event models and their decoding: the contract's examples and each rule, by field path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest

from schemas import (
    AccessEvent,
    BadgeEvent,
    DecodeError,
    Event,
    Officer,
    RosterEvent,
    Site,
    WatchlistEntry,
    ZoneSpec,
    decode_event,
    encode_event,
)
from schemas.fields import ID_MAX_LENGTH, TEXT_MAX_LENGTH

DATA = Path(__file__).parent / "data"
LINES = (DATA / "events.jsonl").read_bytes().splitlines()
ROSTER, BADGE, ACCESS, OVERTIME = (orjson.loads(line) for line in LINES)


def _decode(base: dict[str, Any], **changes: Any) -> Event:
    """Decode ``base`` with fields replaced; a value of ``...`` drops the field."""
    obj = {k: v for k, v in {**base, **changes}.items() if v is not ...}
    return decode_event(json.dumps(obj))  # not orjson: it refuses the huge integers tested


def _error(base: dict[str, Any], **changes: Any) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        _decode(base, **changes)
    return caught.value


def test_contract_examples_decode_to_their_types_with_every_field() -> None:
    events = [decode_event(line) for line in LINES]

    assert [e.type for e in events] == ["roster", "badge", "access", "roster"]
    assert isinstance(events[1], BadgeEvent)
    assert events[1].zone_level == 1
    assert events[1].event_time == datetime(2026, 3, 9, 6, 51, 3, tzinfo=UTC)
    assert isinstance(events[2], AccessEvent)
    assert (events[2].record_ref, events[2].result_count) == ("r:9f2c41d0", 3)
    assert isinstance(events[3], RosterEvent)
    assert (events[3].hours, events[3].approver_id, events[3].counterpart_id) == (
        4.0,
        "P40211",
        None,
    )


def test_type_attribute_matches_the_json_tag_on_class_and_instance() -> None:
    assert (BadgeEvent.type, AccessEvent.type, RosterEvent.type) == ("badge", "access", "roster")
    assert decode_event(LINES[1]).type == "badge"


@pytest.mark.parametrize("line", LINES)
def test_encoding_writes_the_contract_form_and_decodes_back_equal(line: bytes) -> None:
    event = decode_event(line)
    encoded = encode_event(event)

    assert decode_event(encoded) == event
    assert orjson.loads(encoded) == orjson.loads(line)  # same fields, values and time form


def test_times_with_any_offset_are_normalised_to_utc() -> None:
    event = _decode(BADGE, event_time="2026-03-09T08:51:03.25+02:00")

    assert event.event_time == datetime(2026, 3, 9, 6, 51, 3, 250000, tzinfo=UTC)
    assert event.event_time.tzinfo is UTC
    assert b'"event_time":"2026-03-09T06:51:03.250000+00:00"' in encode_event(event)


def test_roster_period_times_are_normalised_too() -> None:
    event = _decode(
        ROSTER, period_start="2026-03-09T02:00:00-05:00", period_end="2026-03-09T12:00:00-05:00"
    )

    assert isinstance(event, RosterEvent)
    assert event.period_start == datetime(2026, 3, 9, 7, tzinfo=UTC)
    assert event.period_end.tzinfo is UTC


def test_events_built_in_python_are_normalised_to_utc_as_well() -> None:
    plus_one = timezone(timedelta(hours=1))
    event = RosterEvent(
        schema_version=1,
        event_id="r1",
        event_time=datetime(2026, 3, 9, 8, tzinfo=plus_one),
        officer_id="P1",
        source="planner",
        change_type="shift_planned",
        actor_id="P2",
        period_start=datetime(2026, 3, 9, 9, tzinfo=plus_one),
        period_end=datetime(2026, 3, 9, 19, tzinfo=plus_one),
    )

    assert event.event_time == datetime(2026, 3, 9, 7, tzinfo=UTC)
    assert event.period_start.tzinfo is UTC


def test_a_naive_time_built_in_python_is_refused() -> None:
    with pytest.raises(ValueError, match=r"event_time.*no UTC offset"):
        BadgeEvent(
            schema_version=1,
            event_id="b1",
            event_time=datetime(2026, 3, 9, 8),
            officer_id="P1",
            source="pacs",
            badge_id="B1",
            site_id="S1",
            reader_id="R1",
            zone="main",
            zone_level=0,
            direction="in",
            outcome="granted",
        )


def test_unknown_extra_fields_are_tolerated_and_dropped() -> None:
    event = _decode(BADGE, firmware="4.2", extra={"nested": [1, 2, {"deep": None}]})

    assert event == decode_event(LINES[1])
    assert b"firmware" not in encode_event(event)


def test_optional_fields_default_to_none_and_are_omitted_when_encoded() -> None:
    event = _decode(ACCESS, action="login", record_ref=..., case_ref=..., result_count=...)

    assert isinstance(event, AccessEvent)
    assert (event.record_ref, event.case_ref, event.result_count) == (None, None, None)
    assert b"record_ref" not in encode_event(event)


def test_explicit_null_is_accepted_for_optional_fields() -> None:
    event = _decode(OVERTIME, approver_id=None, reason=None)

    assert isinstance(event, RosterEvent)
    assert event.approver_id is None


def test_a_period_may_be_empty_but_not_negative() -> None:
    start = ROSTER["period_start"]
    assert isinstance(_decode(ROSTER, period_end=start), RosterEvent)

    err = _error(ROSTER, period_end="2026-03-09T06:59:59+00:00")
    assert (err.path, err.rule) == ("$.period_end", "must not be before period_start")


# Each row: the base event, the change, the path the error must name and words of its rule.
RULES = [
    (BADGE, {"schema_version": 2}, "$.schema_version", "unsupported schema_version 2"),
    (BADGE, {"schema_version": "1"}, "$.schema_version", "expected int, got str"),
    (BADGE, {"schema_version": ...}, "$.schema_version", "required field is missing"),
    (BADGE, {"type": "camera"}, "$.type", "'camera' is not one of 'badge', 'access', 'roster'"),
    (BADGE, {"type": ...}, "$.type", "required field is missing"),
    (BADGE, {"event_id": ""}, "$.event_id", "must not be empty"),
    (BADGE, {"event_id": "e" * 129}, "$.event_id", "must be at most 128 characters long"),
    (BADGE, {"officer_id": ""}, "$.officer_id", "must not be empty"),
    (BADGE, {"officer_id": 40211}, "$.officer_id", "expected str, got int"),
    (BADGE, {"badge_id": ...}, "$.badge_id", "required field is missing"),
    (BADGE, {"event_time": "2026-03-09T06:51:03"}, "$.event_time", "no UTC offset"),
    (BADGE, {"event_time": "09/03/2026 06:51"}, "$.event_time", "not an RFC 3339 date-time"),
    (BADGE, {"event_time": "1970-01-01T00:00:00Z"}, "$.event_time", "years 2000 to 2100"),
    (BADGE, {"event_time": "2150-01-01T00:00:00Z"}, "$.event_time", "years 2000 to 2100"),
    (BADGE, {"event_time": "0001-01-01T00:00:00+05:00"}, "$.event_time", "years 2000 to 2100"),
    (BADGE, {"event_time": "9999-12-31T23:59:59-05:00"}, "$.event_time", "years 2000 to 2100"),
    (BADGE, {"event_time": 1773038463}, "$.event_time", "expected datetime, got int"),
    (BADGE, {"zone_level": 6}, "$.zone_level", "expected int <= 5"),
    (BADGE, {"zone_level": -1}, "$.zone_level", "expected int >= 0"),
    (BADGE, {"zone_level": 1.0}, "$.zone_level", "expected int, got float"),
    (BADGE, {"zone_level": True}, "$.zone_level", "expected int, got bool"),
    (BADGE, {"direction": "IN"}, "$.direction", "'IN' is not one of 'in', 'out'"),
    (BADGE, {"outcome": None}, "$.outcome", "expected str, got null"),
    (ACCESS, {"action": "delete"}, "$.action", "'delete' is not one of"),
    (ACCESS, {"record_ref": ...}, "$.record_ref", "required when action is 'search'"),
    (ACCESS, {"record_ref": None}, "$.record_ref", "required when action is 'search'"),
    (ACCESS, {"record_ref": ""}, "$.record_ref", "must not be empty"),
    (ACCESS, {"result_count": -1}, "$.result_count", "expected int >= 0"),
    (ACCESS, {"result_count": 2**64}, "$.result_count", "<= 9007199254740991"),
    (ACCESS, {"workstation_id": ...}, "$.workstation_id", "required field is missing"),
    (ROSTER, {"hours": -0.5}, "$.hours", ">= 0.0"),
    (ROSTER, {"hours": 745}, "$.hours", "<= 744.0"),
    (ROSTER, {"hours": "10"}, "$.hours", "expected float | null, got str"),
    (ROSTER, {"change_type": "promoted"}, "$.change_type", "'promoted' is not one of"),
    (ROSTER, {"period_start": "2026-03-09T07:00:00"}, "$.period_start", "no UTC offset"),
    (ROSTER, {"period_end": ...}, "$.period_end", "required field is missing"),
    (ROSTER, {"actor_id": ""}, "$.actor_id", "must not be empty"),
]


@pytest.mark.parametrize(("base", "changes", "path", "rule"), RULES)
def test_each_broken_rule_is_reported_at_its_field_path(
    base: dict[str, Any], changes: dict[str, Any], path: str, rule: str
) -> None:
    err = _error(base, **changes)

    assert err.path == path
    assert rule in err.rule
    assert str(err) == f"{path}: {err.rule}"


def test_login_and_logout_need_no_record_ref() -> None:
    for action in ("login", "logout"):
        event = _decode(ACCESS, action=action, record_ref=...)
        assert isinstance(event, AccessEvent)
        assert event.action == action


def test_a_second_type_key_cannot_change_the_event_type() -> None:
    data = LINES[1][:-1] + b', "type": "access"}'

    with pytest.raises(DecodeError) as caught:
        decode_event(data)
    assert caught.value.path == "$.type"


def test_str_input_is_decoded_like_bytes() -> None:
    assert decode_event(LINES[2].decode()) == decode_event(LINES[2])


def test_events_are_frozen_and_hashable() -> None:
    event = decode_event(LINES[1])
    assert isinstance(event, BadgeEvent)

    with pytest.raises(AttributeError):
        event.zone = "custody"  # type: ignore[misc]  # proving the runtime refuses it
    assert len({event, decode_event(LINES[1])}) == 1


def test_nan_hours_built_in_python_are_refused_rather_than_written_as_null() -> None:
    event = decode_event(LINES[0])
    assert isinstance(event, RosterEvent)

    with pytest.raises(ValueError, match="`hours`: must be a finite number"):
        msgspec.structs.replace(event, hours=float("nan"))


def test_a_huge_offending_value_is_quoted_only_in_part() -> None:
    err = _error(BADGE, direction="x" * 60_000)

    assert err.path == "$.direction"
    assert len(err.rule) < 120
    assert err.rule.endswith("is not one of 'in', 'out'")


# ---------------------------------------------------------------------------- string lengths

_INPUT_MODELS: list[type[msgspec.Struct]] = [
    BadgeEvent,
    AccessEvent,
    RosterEvent,
    Officer,
    Site,
    ZoneSpec,
    WatchlistEntry,
]


def _string_limits(model: type[msgspec.Struct]) -> dict[str, int | None]:
    """Each string field of ``model`` (enumerations left out) and its maximum length."""
    info = msgspec.inspect.type_info(model)
    assert isinstance(info, msgspec.inspect.StructType)
    limits: dict[str, int | None] = {}
    for field in info.fields:
        pending = [field.type]
        while pending:
            leaf = pending.pop()
            if isinstance(leaf, msgspec.inspect.Metadata):
                pending.append(leaf.type)
            elif isinstance(leaf, msgspec.inspect.UnionType):
                pending.extend(leaf.types)
            elif isinstance(leaf, msgspec.inspect.StrType):
                limits[field.encode_name] = leaf.max_length
    return limits


@pytest.mark.parametrize("model", _INPUT_MODELS, ids=lambda m: m.__name__)
def test_every_string_an_input_message_carries_is_bounded(model: type[msgspec.Struct]) -> None:
    # A new field without a bound would let one message through that is too large to pass on.
    limits = _string_limits(model)

    assert limits, "every input model has string fields"
    assert {name for name, limit in limits.items() if limit is None} == set()
    assert set(limits.values()) <= {ID_MAX_LENGTH, TEXT_MAX_LENGTH}


def test_identifiers_get_128_characters_and_names_and_codes_1024() -> None:
    assert (ID_MAX_LENGTH, TEXT_MAX_LENGTH) == (128, 1024)
    texts = {
        name
        for model in _INPUT_MODELS
        for name, limit in _string_limits(model).items()
        if limit == TEXT_MAX_LENGTH
    }
    assert texts == {"source", "zone", "system", "record_type", "reason", "role", "rank", "name"}


# Each row: the base event and one string field of it; every one is tested at its limit and
# one character past it.
STRING_FIELDS = [
    (BADGE, "event_id", ID_MAX_LENGTH),
    (BADGE, "officer_id", ID_MAX_LENGTH),
    (BADGE, "source", TEXT_MAX_LENGTH),
    (BADGE, "badge_id", ID_MAX_LENGTH),
    (BADGE, "site_id", ID_MAX_LENGTH),
    (BADGE, "reader_id", ID_MAX_LENGTH),
    (BADGE, "zone", TEXT_MAX_LENGTH),
    (ACCESS, "system", TEXT_MAX_LENGTH),
    (ACCESS, "record_type", TEXT_MAX_LENGTH),
    (ACCESS, "record_ref", ID_MAX_LENGTH),
    (ACCESS, "case_ref", ID_MAX_LENGTH),
    (ACCESS, "workstation_id", ID_MAX_LENGTH),
    (ACCESS, "site_id", ID_MAX_LENGTH),
    (OVERTIME, "actor_id", ID_MAX_LENGTH),
    (OVERTIME, "approver_id", ID_MAX_LENGTH),
    (OVERTIME, "counterpart_id", ID_MAX_LENGTH),
    (OVERTIME, "reason", TEXT_MAX_LENGTH),
]


@pytest.mark.parametrize(
    ("base", "field", "limit"), STRING_FIELDS, ids=[f"{b['type']}.{f}" for b, f, _ in STRING_FIELDS]
)
def test_a_string_field_is_accepted_at_its_limit_and_rejected_one_past_it(
    base: dict[str, Any], field: str, limit: int
) -> None:
    # Characters, not bytes: a snowman is three bytes of UTF-8 and counts once.
    assert getattr(_decode(base, **{field: "\u2603" * limit}), field) == "\u2603" * limit

    err = _error(base, **{field: "x" * (limit + 1)})
    assert (err.path, err.rule) == (f"$.{field}", f"must be at most {limit} characters long")


def test_an_over_long_value_is_not_quoted_and_counts_as_out_of_range() -> None:
    err = _error(BADGE, officer_id="P" + "x" * 50_000)

    assert str(err) == "$.officer_id: must be at most 128 characters long"
    assert err.reason == "out_of_range"

    # Longer still, the message as a whole is over the event size limit.
    err = _error(BADGE, officer_id="P" + "x" * 900_000)
    assert (err.path, err.reason) == ("$", "out_of_range")
    assert err.rule.startswith("message must be at most 65536 characters long, got ")


# The reason code labels the dead-letter metric. It is set where each error is raised, never
# read from the rule's text, which quotes the offending value: "overtime" holds "time", "json"
# names a format, "missing" and "versionx" name other reasons.
REASONS = [
    (BADGE, {"direction": "overtime"}, "$.direction", "out_of_range"),
    (BADGE, {"direction": "json"}, "$.direction", "out_of_range"),
    (BADGE, {"outcome": "missing"}, "$.outcome", "out_of_range"),
    (BADGE, {"type": "versionx"}, "$.type", "out_of_range"),
    (BADGE, {"zone_level": 9}, "$.zone_level", "out_of_range"),
    (BADGE, {"zone_level": -1}, "$.zone_level", "out_of_range"),
    (BADGE, {"zone_level": "1"}, "$.zone_level", "wrong_type"),
    (BADGE, {"officer_id": ""}, "$.officer_id", "out_of_range"),
    (BADGE, {"officer_id": 7}, "$.officer_id", "wrong_type"),
    (BADGE, {"officer_id": ...}, "$.officer_id", "missing_field"),
    (BADGE, {"schema_version": 2}, "$.schema_version", "unknown_version"),
    (BADGE, {"event_time": "2026-03-09T07:51:03"}, "$.event_time", "bad_time"),
    (BADGE, {"event_time": "yesterday"}, "$.event_time", "bad_time"),
    (BADGE, {"event_time": "1970-01-01T00:00:00Z"}, "$.event_time", "bad_time"),
    (ACCESS, {"record_ref": ...}, "$.record_ref", "missing_field"),
    (ACCESS, {"result_count": 2**60}, "$.result_count", "out_of_range"),
    (ROSTER, {"period_end": "2000-01-01T00:00:00Z"}, "$.period_end", "bad_time"),
    (OVERTIME, {"hours": "x"}, "$.hours", "wrong_type"),
]


@pytest.mark.parametrize(
    ("base", "changes", "path", "reason"),
    REASONS,
    ids=[f"{b['type']}-{next(iter(c))}={next(iter(c.values()))!r}" for b, c, _, _ in REASONS],
)
def test_the_reason_code_follows_the_fault_not_the_words_of_the_bad_value(
    base: dict[str, Any], changes: dict[str, Any], path: str, reason: str
) -> None:
    err = _error(base, **changes)

    assert (err.path, err.reason) == (path, reason)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json at all", "unparseable"),
        (b"\xff\xfe", "unparseable"),
        (b"[1, 2]", "wrong_type"),
        (b'"a string"', "wrong_type"),
        (b"{}", "missing_field"),
        (b"[" * 70_000, "out_of_range"),
    ],
)
def test_input_that_is_no_event_object_has_its_reason_code(raw: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_event(raw)

    assert caught.value.reason == reason
