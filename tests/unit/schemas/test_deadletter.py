"""Dead-letter records: rejected input kept (whole, or its start when long) with its origin and
reason."""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
from datetime import UTC, datetime

import pytest
from jsonschema import Draft202012Validator

from schemas import (
    DeadLetter,
    DecodeError,
    FileOrigin,
    KafkaOrigin,
    decode_dead_letter,
    decode_event,
    encode_dead_letter,
)
from schemas.deadletter import ORIGINAL_MAX_BYTES, REASON_MAX_LENGTH
from schemas.publish import PACKAGE_DIR

REJECTED_AT = datetime(2026, 3, 9, 7, 0, 0, 123000, tzinfo=UTC)


def _rejected(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode_event(data)
    return caught.value


def test_a_rejected_kafka_message_is_kept_byte_for_byte_with_its_reason() -> None:
    original = b'{"schema_version": 1, "type": "badge", "event_time": "2026-03-09T06:51:03"}\xff'
    origin = KafkaOrigin(topic="watchfloor.badge.v1", partition=2, offset=881)
    letter = DeadLetter.for_error(original, origin, _rejected(original), rejected_at=REJECTED_AT)
    encoded = encode_dead_letter(letter)
    wire = json.loads(encoded)

    assert decode_dead_letter(encoded) == letter
    assert base64.b64decode(wire["original"]) == original
    assert wire["origin"] == {
        "kind": "kafka",
        "topic": "watchfloor.badge.v1",
        "partition": 2,
        "offset": 881,
    }
    assert (wire["reason"], wire["field_path"]) == (
        "$.event_time: time has no UTC offset",
        "$.event_time",
    )
    assert wire["rejected_at"] == "2026-03-09T07:00:00.123000+00:00"


def test_a_rejected_file_line_records_path_and_line_and_the_field() -> None:
    original = b'{"schema_version": 3, "type": "roster"}'
    letter = DeadLetter.for_error(
        original,
        FileOrigin(path="history/2026-03.jsonl", line=41),
        _rejected(original),
        rejected_at=REJECTED_AT,
    )

    assert letter.field_path == "$.schema_version"
    assert "unsupported schema_version 3" in letter.reason
    assert decode_dead_letter(encode_dead_letter(letter)).origin == letter.origin


def test_an_unknown_origin_kind_or_bad_base64_is_a_decode_error() -> None:
    body = {"original": "e30=", "reason": "r", "rejected_at": "2026-03-09T07:00:00Z"}

    with pytest.raises(DecodeError) as caught:
        decode_dead_letter(json.dumps(body | {"origin": {"kind": "s3", "key": "x"}}))
    assert caught.value.path == "$.origin.kind"

    with pytest.raises(DecodeError) as caught:
        decode_dead_letter(
            json.dumps(
                body
                | {"original": "not base64!", "origin": {"kind": "file", "path": "f", "line": 1}}
            )
        )
    assert caught.value.path == "$.original"


def test_line_numbers_start_at_one() -> None:
    with pytest.raises(DecodeError) as caught:
        decode_dead_letter(
            b'{"original": "", "origin": {"kind": "file", "path": "f", "line": 0},'
            b' "reason": "r", "rejected_at": "2026-03-09T07:00:00Z"}'
        )
    assert caught.value.path == "$.origin.line"


def test_decode_errors_pickle_with_their_path_rule_and_reason() -> None:
    err = DecodeError("$.zones[1].level", "expected int <= 5", "out_of_range")
    copy = pickle.loads(pickle.dumps(err))

    assert (type(copy), copy.path, copy.rule, copy.reason, str(copy)) == (
        DecodeError,
        err.path,
        err.rule,
        err.reason,
        str(err),
    )


# ---------------------------------------------------------------------------- bounded size

KAFKA = KafkaOrigin(topic="watchfloor.badge.v1", partition=0, offset=5)
# Kafka's default limit on a message (a topic's max.message.bytes is 1,048,588; a producer's
# max.request.size 1,048,576): a dead letter must fit it whatever it wraps.
KAFKA_MESSAGE_LIMIT = 1_048_576


def _letter_for(original: bytes, origin: KafkaOrigin | FileOrigin = KAFKA) -> DeadLetter:
    return DeadLetter.for_error(
        original, origin, DecodeError("$", "malformed JSON", "unparseable"), rejected_at=REJECTED_AT
    )


def test_every_new_record_carries_the_length_and_digest_of_its_input() -> None:
    letter = _letter_for(b"{")
    wire = json.loads(encode_dead_letter(letter))

    assert (wire["truncated"], wire["original_length"]) == (False, 1)
    assert wire["original_sha256"] == hashlib.sha256(b"{").hexdigest()
    assert decode_dead_letter(encode_dead_letter(letter)) == letter
    assert letter.matches(b"{") and not letter.matches(b"{ ")


def test_an_input_up_to_the_limit_is_kept_whole_and_a_longer_one_only_in_part() -> None:
    whole = _letter_for(b"a" * ORIGINAL_MAX_BYTES)
    assert (len(whole.original), whole.truncated) == (ORIGINAL_MAX_BYTES, False)

    data = b"a" * ORIGINAL_MAX_BYTES + b"b"
    part = _letter_for(data)
    assert part.original == data[:ORIGINAL_MAX_BYTES]
    assert (part.truncated, part.original_length) == (True, ORIGINAL_MAX_BYTES + 1)
    assert part.original_sha256 == hashlib.sha256(data).hexdigest()
    assert part.matches(data)
    # Same start, same length, another end: the digest tells them apart.
    assert not part.matches(b"a" * ORIGINAL_MAX_BYTES + b"c")
    assert not part.matches(data[:ORIGINAL_MAX_BYTES])
    assert decode_dead_letter(encode_dead_letter(part)) == part


def test_a_dead_letter_fits_a_default_kafka_topic_whatever_it_wraps() -> None:
    # The worst case: input as large as a topic allows, of bytes JSON must escape, an error
    # whose text and path are huge, and the longest topic name Kafka allows.
    huge = bytes(range(256)) * (KAFKA_MESSAGE_LIMIT // 256)
    error = DecodeError("$." + "\u2603" * 100_000, "\x00" * 100_000, "invalid")
    origin = KafkaOrigin(topic="t" * 249, partition=2**31 - 1, offset=2**63 - 1)
    letter = DeadLetter.for_error(huge, origin, error, rejected_at=REJECTED_AT)
    encoded = encode_dead_letter(letter)

    assert len(encoded) < 100_000 < KAFKA_MESSAGE_LIMIT
    assert len(letter.reason) == len(letter.field_path or "") == REASON_MAX_LENGTH
    assert letter.reason.endswith("…")
    assert decode_dead_letter(encoded) == letter
    assert letter.matches(huge)


def test_encoding_bounds_a_record_built_by_hand_with_a_longer_original() -> None:
    data = b"z" * (ORIGINAL_MAX_BYTES * 3)
    letter = DeadLetter(original=data, origin=KAFKA, reason="r", rejected_at=REJECTED_AT)
    read = decode_dead_letter(encode_dead_letter(letter))

    assert len(read.original) == ORIGINAL_MAX_BYTES
    assert (read.truncated, read.original_length) == (True, len(data))
    assert read.matches(data)
    # Cut again by a smaller limit, it still describes the whole input.
    again = read.bounded(10)
    assert (again.original, again.original_length) == (b"z" * 10, len(data))
    assert again.original_sha256 == read.original_sha256


def test_records_written_before_truncation_existed_still_decode() -> None:
    old = (
        b'{"original": "e30=", "origin": {"kind": "file", "path": "f", "line": 1},'
        b' "reason": "r", "field_path": null, "rejected_at": "2026-03-09T07:00:00Z"}'
    )
    letter = decode_dead_letter(old)

    assert (letter.original, letter.truncated, letter.original_length) == (b"{}", False, None)
    assert letter.original_sha256 is None
    assert letter.matches(b"{}")


def _wire(**changes: object) -> bytes:
    body = {
        "original": base64.b64encode(b"abc").decode(),
        "origin": {"kind": "file", "path": "f", "line": 1},
        "reason": "r",
        "rejected_at": "2026-03-09T07:00:00Z",
        "truncated": True,
        "original_length": 10,
        "original_sha256": "0" * 64,
    }
    return json.dumps({k: v for k, v in (body | changes).items() if v is not ...}).encode()


@pytest.mark.parametrize(
    ("changes", "path", "rule"),
    [
        ({"original_length": ...}, "$.original_length", "required when truncated is true"),
        ({"original_sha256": ...}, "$.original_sha256", "required when truncated is true"),
        ({"original_length": 3}, "$.original_length", "must exceed the length of original"),
        ({"truncated": False}, "$.original_length", "must equal the length of original"),
        ({"original_sha256": "ABC"}, "$.original_sha256", "expected str matching regex"),
        ({"original_length": -1}, "$.original_length", "expected int >= 0"),
    ],
)
def test_an_inconsistent_truncation_record_is_a_decode_error(
    changes: dict[str, object], path: str, rule: str
) -> None:
    assert decode_dead_letter(_wire()).truncated

    with pytest.raises(DecodeError) as caught:
        decode_dead_letter(_wire(**changes))
    assert caught.value.path == path
    assert rule in caught.value.rule


def test_the_published_schema_accepts_new_and_old_records_and_wants_the_digest_when_cut() -> None:
    schema = json.loads((PACKAGE_DIR / "jsonschema" / "v1" / "deadletter.json").read_text())
    validator = Draft202012Validator(schema)

    validator.validate(json.loads(encode_dead_letter(_letter_for(b"x" * 100_000))))
    validator.validate(json.loads(encode_dead_letter(_letter_for(b"x"))))
    validator.validate(json.loads(_wire(truncated=..., original_length=..., original_sha256=...)))
    assert not validator.is_valid(json.loads(_wire(original_sha256=...)))
    assert not validator.is_valid(json.loads(_wire(original_length=None)))
