"""The pseudonym key guard's decision, without a broker (the broker side: tests/integration)."""

from __future__ import annotations

import orjson
import pytest

from streams.pseudonym import Pseudonymiser
from streams.service.key_guard import (
    NO_KEY,
    PseudonymKeyMismatchError,
    check_key,
    first_recorded,
    key_fingerprint,
)

KEY_A = b"a" * 32
KEY_B = b"b" * 32


def _record(fingerprint: str) -> tuple[bytes, bytes]:
    return fingerprint.encode(), orjson.dumps({"fingerprint": fingerprint})


@pytest.mark.parametrize(
    ("recorded", "current"),
    [
        (KEY_A, KEY_B),  # the key changed
        (KEY_A, None),  # the key was removed
        (None, KEY_A),  # a key was added
    ],
    ids=["changed", "removed", "added"],
)
def test_a_worker_whose_key_differs_from_the_recorded_one_is_refused(
    recorded: bytes | None, current: bytes | None
) -> None:
    was = key_fingerprint(None if recorded is None else Pseudonymiser(recorded))
    now = key_fingerprint(None if current is None else Pseudonymiser(current))
    with pytest.raises(PseudonymKeyMismatchError, match="would split") as refused:
        check_key(first_recorded([_record(was)]), now, app_id="wf")
    # Both sides are named: by fingerprint, or as having no key.
    for side in (was, now):
        assert (side if side != NO_KEY else "no pseudonym key") in str(refused.value)


@pytest.mark.parametrize("key", [KEY_A, None], ids=["key", "no key"])
def test_the_same_key_or_a_first_start_is_accepted(key: bytes | None) -> None:
    fingerprint = key_fingerprint(None if key is None else Pseudonymiser(key))
    check_key(first_recorded([_record(fingerprint)]), fingerprint, app_id="wf")
    check_key(first_recorded([]), fingerprint, app_id="wf")


def test_the_first_readable_record_decides_when_two_workers_raced() -> None:
    a, b = (key_fingerprint(Pseudonymiser(k)) for k in (KEY_A, KEY_B))
    records = [(b"junk", b"not json"), (b"gone", None), _record(a), _record(b)]
    assert first_recorded(records) == a
    with pytest.raises(PseudonymKeyMismatchError):
        check_key(first_recorded(records), b, app_id="wf")


def test_the_fingerprint_is_neither_the_key_nor_a_pseudonym_of_it() -> None:
    names = Pseudonymiser(KEY_A)
    assert key_fingerprint(names) not in (KEY_A.decode(), NO_KEY)
    assert key_fingerprint(names) != key_fingerprint(Pseudonymiser(KEY_B))
