"""Hostile values, each put in every field an action maps, and the records fuzzing found.

The sweep puts every hostile value of `hostile_events` in turn at every path an action
maps, so that no value is left to chance; the tests after it pin the records the fuzzing
found mishandled to their exact outcome. Before their fixes, each of those was retried as
an internal error until it ran out of attempts, kept queued as a configuration error, or
could not be dead-lettered at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

import pytest

from cordial_destination.actions import resolve_overrides
from cordial_destination.api_key import ApiKey
from cordial_destination.client import CordialClient
from cordial_destination.dead_letters import DeadLetter
from cordial_destination.delivery import ActionProcessor
from cordial_destination.settings import Settings
from cordial_local.sandbox import CordialSandbox
from tests.security.accounting import build_processors, good_record, process_and_account
from tests.security.hostile_events import (
    ACTION_PATHS,
    EMAILS,
    GOOD,
    HOSTILE_TEXT,
    IDENTITY_PATHS,
    LONG_TEXT_KINDS,
    NUMERIC_TEXT,
    PHONES,
    RAW_TOKENS,
    CheckingDeadLetterQueue,
    huge_text,
    long_text,
    mutate,
    nested,
    raw,
    sqs_record,
    to_body,
)

KEY: Final = "ck_hostile_" + uuid.uuid4().hex
#: every hostile scalar, plus values of the wrong JSON type and the heavy ones
SWEEP_VALUES: Final = (
    *NUMERIC_TEXT,
    *HOSTILE_TEXT,
    *EMAILS,
    *PHONES,
    *map(raw, RAW_TOKENS),
    *map(long_text, LONG_TEXT_KINDS),
    huge_text("two-byte"),
    nested(480),
    nested(990),
    None,
    True,
    0,
    -1,
    2**64,
    1e308,
    -0.0,
    [],
    [None],
    ["x", 2],
    {},
    {"a": {"b": None}},
)
JSON_TRAITS: Final = {
    "upsertContact": {
        "attributes": {"traits": {"@json": {"value": {"@path": "$.traits"}, "mode": "encode"}}}
    }
}


@pytest.fixture(scope="module")
def cordial() -> Iterator[CordialSandbox]:
    with CordialSandbox(KEY) as server:
        yield server


@pytest.fixture(scope="module")
def processors(cordial: CordialSandbox) -> dict[str, ActionProcessor]:
    return build_processors(cordial, KEY)


@pytest.mark.parametrize("action", list(ACTION_PATHS))
def test_every_hostile_value_in_every_field_an_action_maps(
    processors: dict[str, ActionProcessor], cordial: CordialSandbox, action: str
) -> None:
    base = {**GOOD[action], "userId": "user-1", "messageId": "m-1"}
    paths = dict.fromkeys(ACTION_PATHS[action] + IDENTITY_PATHS)
    records = [
        sqs_record(to_body(mutate(base, [(path, value)])))
        for path in paths
        for value in SWEEP_VALUES
    ]
    # The same values as the message id of an event that fails validation, whose dead
    # letter then carries the id as an attribute.
    records += [
        sqs_record(to_body(mutate(base, [(("messageId",), value), (("userId",), {"x": 1})])))
        for value in SWEEP_VALUES
    ]

    for start in range(0, len(records), 10):
        batch = [good_record(action), *records[start : start + 10]]
        outcomes = process_and_account(processors[action], cordial, batch)
        assert outcomes[0].outcome.value == "delivered"


def process(
    cordial: CordialSandbox, action: str, message: Any, overrides: dict[str, Any] | None = None
) -> tuple[tuple[str, str | None, int | None, str | None], CheckingDeadLetterQueue]:
    queue = CheckingDeadLetterQueue()
    processor = ActionProcessor(
        action,
        settings=Settings(endpoint=cordial.url, secret_arn="unused"),
        client=CordialClient(cordial.url, lambda *, refresh=False: ApiKey(KEY)),
        dead_letters=queue,  # type: ignore[arg-type]
        overrides=resolve_overrides(overrides or {})[action],
    )
    body = json.dumps({"detail-type": "x", "source": "s", "detail": message})
    (outcome,) = processor.process([sqs_record(body)])
    return (outcome.outcome.value, outcome.reason, outcome.status, outcome.error), queue


@pytest.mark.parametrize(
    "message_id",
    ["m-1\r\nX-Injected: 1", " m-1", "m\ud800", "日本語", "m-\x00", "x" * 70_000, "é"],
)
def test_a_message_id_that_is_no_header_value_is_not_sent_as_one(
    cordial: CordialSandbox, message_id: str
) -> None:
    before = len(cordial.requests)
    message = {**GOOD["mergeContacts"], "userId": "u", "messageId": message_id}

    outcome, _ = process(cordial, "mergeContacts", message)

    (request,) = cordial.requests[before:]
    assert outcome == ("delivered", None, 200, None)
    assert request["messageId"] is None


def test_a_message_id_that_is_a_header_value_is_sent(cordial: CordialSandbox) -> None:
    before = len(cordial.requests)
    message = {**GOOD["mergeContacts"], "userId": "u", "messageId": "ajs-next-1714557600000-a1"}

    outcome, _ = process(cordial, "mergeContacts", message)

    assert outcome == ("delivered", None, 200, None)
    assert cordial.requests[before]["messageId"] == "ajs-next-1714557600000-a1"


@pytest.mark.parametrize(
    ("action", "change", "expected"),
    [
        (
            "addProductToCart",
            {"quantity": "0x" + "f" * 300},
            ("dead_lettered", "rejected", 400),
        ),
        (
            "upsertOrder",
            {"total": "0x" + "f" * 300},
            ("dead_lettered", "rejected", 400),
        ),
        (
            "removeProductFromCart",
            {"quantity": "0x1f"},
            ("delivered", None, 200),
        ),
    ],
)
def test_a_hexadecimal_string_past_a_doubles_range_reads_as_infinity(
    cordial: CordialSandbox, action: str, change: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    message = {**GOOD[action], "properties": {**GOOD[action]["properties"], **change}}

    outcome, _ = process(cordial, action, message)

    # Infinity is sent as null, as the reference sends it; Cordial then refuses the body.
    assert outcome[:3] == expected


@pytest.mark.parametrize("timestamp", ["1" * 5000 + "e5", "Jan 5 " + "7" * 5000])
def test_a_date_with_thousands_of_digits_is_not_a_date(
    cordial: CordialSandbox, timestamp: str
) -> None:
    message = {**GOOD["createContactactivity"], "timestamp": timestamp}

    outcome, queue = process(cordial, "createContactactivity", message)

    assert outcome == ("dead_lettered", "validation", None, "'time' must be a date-like string")
    assert [letter.reason for letter in queue.letters] == ["validation"]


def test_an_event_too_deep_for_a_mapping_is_dead_lettered_not_kept_queued(
    cordial: CordialSandbox,
) -> None:
    message = {**GOOD["upsertContact"], "traits": {"deep": nested(450)}}

    outcome, queue = process(cordial, "upsertContact", message, JSON_TRAITS)

    assert outcome == (
        "dead_lettered",
        "validation",
        None,
        "the event is nested too deeply to map",
    )
    assert len(queue.letters) == 1


def test_the_same_mapping_maps_a_shallow_event(cordial: CordialSandbox) -> None:
    outcome, _ = process(cordial, "upsertContact", GOOD["upsertContact"], JSON_TRAITS)

    assert outcome == ("delivered", None, 200, None)


def test_dead_letter_attributes_hold_only_what_sqs_accepts(cordial: CordialSandbox) -> None:
    message = {"type": "track", "event": "", "messageId": "a\x00b\ud800c\x1f"}

    outcome, queue = process(cordial, "createContactactivity", message)

    (letter,) = queue.letters
    attributes = {name: value["StringValue"] for name, value in letter.attributes().items()}
    assert outcome[:2] == ("dead_lettered", "validation")
    assert attributes["messageId"] == "a\ufffdb\ufffdc\ufffd"


def test_dead_letter_text_attributes_are_cleaned_of_refused_characters() -> None:
    letter = DeadLetter(
        body="{}",
        action="upsertOrder",
        reason="rejected",
        error="Cordial said \x00\x07\udfff ok\ttab",
        attempts=1,
        first_failure=datetime(2024, 5, 1, tzinfo=UTC),
        status=400,
        message_id="\x00",
    )

    attributes = {name: value["StringValue"] for name, value in letter.attributes().items()}

    assert attributes["error"] == "Cordial said \ufffd\ufffd\ufffd ok\ttab"
    assert attributes["messageId"] == "\ufffd"
    assert attributes["status"] == "400"


def test_a_body_nested_deeper_than_the_encoder_follows_is_dead_lettered(
    cordial: CordialSandbox,
) -> None:
    message = {**GOOD["createContactactivity"], "context": nested(700)}

    outcome, queue = process(cordial, "createContactactivity", message)

    assert outcome == (
        "dead_lettered",
        "unencodable",
        None,
        "body is nested too deeply to encode",
    )
    assert len(queue.letters) == 1
