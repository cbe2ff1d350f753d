"""The action's dead-letter queue: events that will not be retried, kept with their reason.

A dead letter's body is the record's original body (the EventBridge event),
so `cordial-destination redrive` can put it back on the action's queue as it
was. Why it failed travels in message attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cordial_destination.redaction import mask_email_addresses

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef

#: message attribute names on a dead letter
ACTION: Final = "action"
REASON: Final = "reason"
STATUS: Final = "status"
ERROR: Final = "error"
FIRST_FAILURE: Final = "firstFailureAt"
ATTEMPTS: Final = "attempts"
MESSAGE_ID: Final = "messageId"

ERROR_LIMIT: Final = 1000
#: characters SQS refuses in a string attribute (those XML 1.0 excludes); an event's JSON
#: can carry them escaped, and a dead letter SQS refuses could never be kept
NOT_SQS_TEXT: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class DeadLetter:
    body: str
    action: str
    reason: str
    error: str
    attempts: int
    first_failure: datetime
    status: int | None = None
    message_id: str | None = None

    def attributes(self) -> dict[str, MessageAttributeValueTypeDef]:
        values: dict[str, str] = {
            ACTION: self.action,
            REASON: self.reason,
            ERROR: self.error[:ERROR_LIMIT] or self.reason,
            FIRST_FAILURE: self.first_failure.astimezone(UTC).isoformat(timespec="seconds"),
            ATTEMPTS: str(self.attempts),
        }
        if self.status is not None:
            values[STATUS] = str(self.status)
        if self.message_id:
            values[MESSAGE_ID] = mask_email_addresses(self.message_id)[:256]
        return {
            name: {
                "DataType": "Number" if name in (ATTEMPTS, STATUS) else "String",
                "StringValue": NOT_SQS_TEXT.sub("\ufffd", value),
            }
            for name, value in values.items()
        }


class DeadLetterQueue:
    def __init__(self, queue_url: str, sqs: SQSClient) -> None:
        self.queue_url = queue_url
        self.sqs = sqs

    def put(self, letter: DeadLetter) -> None:
        self.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=letter.body,
            MessageAttributes=letter.attributes(),
        )


def read_attributes(attributes: Mapping[str, Any]) -> dict[str, str]:
    """Flatten SQS message attributes ({name: {"StringValue": ...}}) to {name: value}."""
    flat: dict[str, str] = {}
    for name, value in attributes.items():
        if isinstance(value, Mapping):
            text = value.get("StringValue", value.get("stringValue"))
            if isinstance(text, str):
                flat[name] = text
    return flat
