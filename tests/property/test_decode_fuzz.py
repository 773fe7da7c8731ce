"""Arbitrary bytes, text and JSON only ever yield a decoded object or a DecodeError."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemas
from schemas import DecodeError
from schemas.codec import UNEXPECTED_FAILURE

DECODERS: Final[list[Callable[[Any], object]]] = [
    schemas.decode_event,
    schemas.decode_officer,
    schemas.decode_site,
    schemas.decode_watchlist_entry,
    schemas.decode_alert,
    schemas.decode_dead_letter,
]
VALID_EVENT: Final = {
    "schema_version": 1,
    "type": "access",
    "event_id": "audit-5512-000981",
    "event_time": "2026-03-09T08:30:17+00:00",
    "officer_id": "P40211",
    "source": "records-audit",
    "system": "person-index",
    "action": "search",
    "record_type": "person",
    "record_ref": "r:9f2c41d0",
    "workstation_id": "WS-S014-031",
}

# JSON as other producers may really write it: big integers, NaN and Infinity (Python's json
# writes those), any text including lone surrogates, deep-ish nesting.
any_text = st.text(st.characters(exclude_categories=()), max_size=20)
json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | any_text
    | st.sampled_from([2**64, -(2**63) - 1, 10**400]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_decode_error(decode: Callable[[Any], object], data: bytes | str) -> None:
    try:
        decode(data)
    except DecodeError as err:
        assert err.path.startswith("$")
        assert not err.rule.startswith(UNEXPECTED_FAILURE), err


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


decoders = pytest.mark.parametrize("decode", DECODERS, ids=lambda d: d.__name__)


@decoders
@FUZZ
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_give_an_object_or_a_decode_error(
    decode: Callable[[Any], object], data: bytes
) -> None:
    _only_decode_error(decode, data)


@decoders
@FUZZ
@given(text=any_text)
def test_arbitrary_text_even_with_lone_surrogates_gives_a_decode_error(
    decode: Callable[[Any], object], text: str
) -> None:
    _only_decode_error(decode, text)


@decoders
@FUZZ
@given(value=json_like)
def test_arbitrary_json_gives_an_object_or_a_decode_error(
    decode: Callable[[Any], object], value: Any
) -> None:
    _only_decode_error(decode, _dumps(value))


@FUZZ
@given(field=st.sampled_from(sorted(VALID_EVENT)), value=json_like, extra=json_like)
def test_a_valid_event_with_one_field_replaced_by_anything_is_read_or_refused_there(
    field: str, value: Any, extra: Any
) -> None:
    event = VALID_EVENT | {field: value, "unknown_extra": extra}

    try:
        schemas.decode_event(_dumps(event))
    except DecodeError as err:
        assert err.path in {f"$.{field}", "$"}, err
        assert not err.rule.startswith(UNEXPECTED_FAILURE), err


@FUZZ
@given(data=st.binary(min_size=1, max_size=40), at=st.integers(0, 400))
def test_a_valid_event_with_bytes_spliced_in_gives_an_object_or_a_decode_error(
    data: bytes, at: int
) -> None:
    line = _dumps(VALID_EVENT).encode()
    at = min(at, len(line))

    _only_decode_error(schemas.decode_event, line[:at] + data + line[at:])
