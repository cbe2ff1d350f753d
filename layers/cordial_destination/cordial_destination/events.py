"""Reading queue records: the EventBridge event in an SQS body, and the Segment event inside it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cordial_destination.exceptions import MalformedEventError

SEGMENT_TYPES: Final = frozenset({"track", "page", "screen", "identify", "group", "alias"})
#: the name Segment's `integrations` object uses for this destination
INTEGRATION_NAME: Final = "Cordial"


@dataclass(frozen=True)
class SegmentEvent:
    """A Segment message (EventBridge's `detail`) and the envelope it came in."""

    message: dict[str, Any]
    envelope: dict[str, Any]

    @property
    def message_id(self) -> str | None:
        value = self.message.get("messageId")
        return value if isinstance(value, str) and value else None

    @property
    def type(self) -> str:
        return str(self.message["type"])


def parse_record_body(body: str) -> SegmentEvent:
    """Unwrap an SQS body holding an EventBridge event; MalformedEventError says what is wrong."""
    try:
        envelope = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedEventError(f"record body is not JSON ({type(exc).__name__})") from exc
    if not isinstance(envelope, dict):
        raise MalformedEventError("record body is not a JSON object")
    return from_eventbridge(envelope)


def from_eventbridge(envelope: dict[str, Any]) -> SegmentEvent:
    if "detail" not in envelope:
        raise MalformedEventError("EventBridge event has no 'detail'")
    message = envelope["detail"]
    if not isinstance(message, dict):
        raise MalformedEventError("EventBridge 'detail' is not an object")
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        raise MalformedEventError("Segment event has no 'type'")
    if kind not in SEGMENT_TYPES:
        raise MalformedEventError(f"Segment event type {kind[:40]!r} is not one Segment defines")
    return SegmentEvent(message=message, envelope=envelope)


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; a body carrying them would be refused downstream anyway.
    raise ValueError(f"non-standard JSON token {name}")


def skipped_by_integrations(message: Mapping[str, Any]) -> bool:
    """True when Segment's `integrations` object turns this destination off.

    Cordial false skips; All false skips unless Cordial is named with another
    value: true, or an options object, which Segment also reads as "on".
    """
    integrations = message.get("integrations")
    if not isinstance(integrations, Mapping):
        return False
    own = integrations.get(INTEGRATION_NAME)
    if own is False:
        return True
    return integrations.get("All") is False and own is None
