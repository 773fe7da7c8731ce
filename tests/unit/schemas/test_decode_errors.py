"""Whatever the input, decoding yields a model or a DecodeError, never any other exception."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
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
from schemas.codec import EVENT_MAX_BYTES, UNEXPECTED_FAILURE

DECODERS: list[Callable[[Any], object]] = [
    decode_event,
    decode_officer,
    decode_site,
    decode_watchlist_entry,
    decode_alert,
    decode_dead_letter,
]
BADGE = (Path(__file__).parent / "data" / "events.jsonl").read_bytes().splitlines()[1]

# Far past any sane depth (Python's recursion limit is 1,000), yet under the event size limit,
# so decode_event reaches the nesting itself rather than rejecting the message by its size.
DEEP = 10_000

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
    ("deep arrays", b"[" * DEEP + b"]" * DEEP, "expected a JSON object"),
    ("deep objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "nests too deeply"),
    ("unclosed deep", b'{"a":' + b"[" * DEEP, "nests too deeply"),
    ("huge integer", b'{"x": ' + b"9" * 50_000 + b"}", ""),
    ("very deep arrays", b"[" * 200_000 + b"]" * 200_000, "message must be at most"),
    ("very deep objects", b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "message must be at most"),
    ("very huge integer", b'{"x": ' + b"9" * 100_000 + b"}", "message must be at most"),
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
    data = BADGE[:-1] + b', "junk": ' + b"[" * DEEP + b"]" * DEEP + b"}"

    with pytest.raises(DecodeError) as caught:
        decode_event(data)
    assert caught.value.rule == "JSON nests too deeply"


def test_an_event_over_the_size_limit_is_rejected_unread_even_if_otherwise_valid() -> None:
    # Unknown fields are skipped, so only the size limit keeps a valid event from being as
    # large as its topic allows, too large to pass on with a key and headers added.
    padding = b"x" * (EVENT_MAX_BYTES - len(BADGE) - len(b', "note": ""'))
    at_limit = BADGE[:-1] + b', "note": "' + padding + b'"}'
    assert len(at_limit) == EVENT_MAX_BYTES
    assert decode_event(at_limit) == decode_event(BADGE)

    for over in (at_limit[:-1] + b" }", at_limit.decode()[:-1] + " }"):
        with pytest.raises(DecodeError) as caught:
            decode_event(over)
        assert caught.value.path == "$"
        unit = "characters" if isinstance(over, str) else "bytes"
        assert caught.value.rule == (
            f"message must be at most {EVENT_MAX_BYTES} {unit} long, got {EVENT_MAX_BYTES + 1}"
        )


def test_only_events_have_a_size_limit() -> None:
    # Reference data and alerts are not passed on by the worker; a site may list many zones.
    site = (
        b'{"site_id": "S1", "name": "HQ", "lat": 51.5, "lon": -0.1, "zones": ['
        + b", ".join(b'{"zone": "z%d", "level": 1, "tracks_exit": false}' % i for i in range(2_000))
        + b"]}"
    )
    assert len(site) > EVENT_MAX_BYTES
    assert len(decode_site(site).zones) == 2_000


def test_bytearray_and_memoryview_input_are_read_like_bytes() -> None:
    assert decode_event(bytearray(BADGE)) == decode_event(memoryview(BADGE)) == decode_event(BADGE)


def _at_stack_depth(depth: int, call: Callable[[], object]) -> object:
    """``call()`` from ``depth`` frames further down the stack, its error returned."""
    if depth:
        return _at_stack_depth(depth - 1, call)
    try:
        return call()
    except DecodeError as err:
        return err.path, err.rule


@pytest.mark.parametrize("nesting", [500, 900, 2_000])
def test_how_deep_the_caller_is_never_changes_what_an_input_decodes_to(nesting: int) -> None:
    # msgspec nests only as deep as the recursion limit leaves room for, which depends on the
    # caller's own stack: replay and the worker must still agree on every input.
    valid = BADGE[:-1] + b', "junk": ' + b"[" * nesting + b"]" * nesting + b"}"
    invalid = b'{"junk": ' + b"[" * nesting + b"]" * nesting + b', "type": 1}'
    for data in (valid, invalid):
        outcomes = [_at_stack_depth(depth, partial(decode_event, data)) for depth in (0, 400, 800)]
        assert outcomes[0] == outcomes[1] == outcomes[2]
    assert _at_stack_depth(800, partial(decode_event, valid)) == (
        decode_event(BADGE) if nesting <= 900 else ("$", "JSON nests too deeply")
    )
