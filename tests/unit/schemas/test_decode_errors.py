"""Whatever the input, decoding yields a model or a DecodeError, never any other exception."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemas import (
    DecodeError,
    decode_alert,
    decode_dead_letter,
    decode_event,
    decode_officer,
    decode_site,
    decode_watchlist_entry,
)
from schemas.codec import UNEXPECTED_FAILURE

DECODERS: list[Callable[[Any], object]] = [
    decode_event,
    decode_officer,
    decode_site,
    decode_watchlist_entry,
    decode_alert,
    decode_dead_letter,
]
BADGE = (Path(__file__).parent / "data" / "events.jsonl").read_bytes().splitlines()[1]

# The expected rule words are what decode_event reports; the other readers may stop at a
# different problem first (for them "event_id" is an unknown field, skipped unread).
HOSTILE: list[tuple[str, object, str]] = [
    ("empty", b"", "malformed JSON"),
    ("whitespace", b" \n\t", "malformed JSON"),
    ("invalid utf-8", b'{"type": "badge", "event_id": "\xff\xfe"}', "malformed JSON"),
    ("lone surrogate in str", '{"type": "badge", "event_id": "\ud800"}', "not valid Unicode"),
    ("escaped lone surrogate", b'{"event_id": "\\ud800"}', "malformed JSON"),
    ("array", b"[1, 2, 3]", "expected a JSON object, got array"),
    ("string", b'"badge"', "expected a JSON object, got str"),
    ("null", b"null", "expected a JSON object, got null"),
    ("NaN literal", b"NaN", "malformed JSON"),
    ("huge exponent", b"1e999999", "number out of range"),
    ("deep arrays", b"[" * 200_000 + b"]" * 200_000, "expected a JSON object"),
    ("deep objects", b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "nests too deeply"),
    ("unclosed deep", b'{"a":' + b"[" * 200_000, "nests too deeply"),
    ("huge integer", b'{"x": ' + b"9" * 100_000 + b"}", ""),
    ("trailing garbage", BADGE + b" trailing", "malformed JSON: trailing characters"),
    ("byte-order mark", b"\xef\xbb\xbf" + BADGE, "malformed JSON"),
    ("two objects", BADGE + BADGE, "malformed JSON"),
    ("not bytes", None, "expected bytes or str, got NoneType"),
    ("a number", 42, "expected bytes or str, got int"),
]


@pytest.mark.parametrize("decode", DECODERS, ids=lambda d: d.__name__)
@pytest.mark.parametrize(("label", "data", "rule"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_gives_only_a_decode_error_with_a_known_rule(
    decode: Callable[[Any], object], label: str, data: object, rule: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(data)

    assert not caught.value.rule.startswith(UNEXPECTED_FAILURE), label
    assert caught.value.path.startswith("$")
    if decode is decode_event:
        assert rule in caught.value.rule


def test_a_deep_unknown_field_cannot_crash_the_reader_of_a_valid_event() -> None:
    data = BADGE[:-1] + b', "junk": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    with pytest.raises(DecodeError) as caught:
        decode_event(data)
    assert caught.value.rule == "JSON nests too deeply"


def test_bytearray_and_memoryview_input_are_read_like_bytes() -> None:
    assert decode_event(bytearray(BADGE)) == decode_event(memoryview(BADGE)) == decode_event(BADGE)
