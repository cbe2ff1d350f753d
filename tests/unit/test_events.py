"""Unwrapping queue records and honouring Segment's integrations object."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cordial_destination.events import parse_record_body, skipped_by_integrations
from cordial_destination.exceptions import MalformedEventError


def test_unwraps_the_segment_event() -> None:
    envelope = {"detail-type": "track", "detail": {"type": "track", "messageId": "m1"}}

    event = parse_record_body(json.dumps(envelope))

    assert event.message == {"type": "track", "messageId": "m1"}
    assert event.message_id == "m1"
    assert event.envelope == envelope


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "record body is not JSON"),
        ("[1, 2]", "record body is not a JSON object"),
        ('{"source": "x"}', "EventBridge event has no 'detail'"),
        ('{"detail": "text"}', "EventBridge 'detail' is not an object"),
        ('{"detail": null}', "EventBridge 'detail' is not an object"),
        ('{"detail": {}}', "Segment event has no 'type'"),
        ('{"detail": {"type": 5}}', "Segment event has no 'type'"),
        ('{"detail": {"type": "purchase"}}', "is not one Segment defines"),
        ('{"detail": {"type": "track", "x": NaN}}', "record body is not JSON"),
        ("[" * 100000 + "]" * 100000, "record body is not JSON"),
    ],
)
def test_malformed_records_say_why(body: str, problem: str) -> None:
    with pytest.raises(MalformedEventError, match=problem):
        parse_record_body(body)


@pytest.mark.parametrize(
    ("integrations", "skipped"),
    [
        (None, False),
        ({}, False),
        ({"Cordial": False}, True),
        ({"Cordial": True}, False),
        ({"All": False}, True),
        ({"All": False, "Cordial": True}, False),
        ({"All": False, "Cordial": {"option": 1}}, False),
        ({"All": True, "Cordial": False}, True),
        ({"Amplitude": {"session_id": 1}, "Cordial": True}, False),
        ({"Cordial": "false"}, False),
        (["Cordial"], False),
    ],
)
def test_integrations(integrations: Any, skipped: bool) -> None:
    message = {"type": "track"} if integrations is None else {"integrations": integrations}

    assert skipped_by_integrations(message) is skipped
