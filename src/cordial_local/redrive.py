"""Moving dead letters back to their action's queue, in AWS or in the local stack.

A dead letter's body is the EventBridge event as it first arrived, so putting
it back on the action's queue is all a redrive needs. Why it failed is in its
message attributes: the handlers write `reason` (validation, rejected,
exhausted, ...); EventBridge writes ERROR_CODE when it could not deliver to
the queue; a letter moved by the queue's own redrive policy has neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cordial_destination.dead_letters import REASON

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

#: reason of a letter EventBridge wrote (it could not deliver to the queue)
EVENTBRIDGE_REASON = "target_delivery"
#: reason of a letter the queue's redrive policy moved (received too often)
RECEIVE_LIMIT_REASON = "receive_limit"
#: seconds a letter under examination is hidden from another redrive
HOLD_SECONDS = 120


@dataclass(frozen=True)
class QueuePair:
    url: str
    dead_letter_url: str


@dataclass
class RedriveCount:
    moved: dict[str, int] = field(default_factory=dict)
    left: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"moved": dict(self.moved), "left": dict(self.left)}


def letter_reason(message: Mapping[str, Any]) -> str:
    attributes = message.get("MessageAttributes") or {}
    if REASON in attributes:
        return str(attributes[REASON].get("StringValue", "unknown"))
    if "ERROR_CODE" in attributes:
        return EVENTBRIDGE_REASON
    return RECEIVE_LIMIT_REASON


def redrive(
    sqs: SQSClient,
    queues: Mapping[str, QueuePair],
    *,
    action: str | None = None,
    reason: str | None = None,
    dry_run: bool = False,
) -> dict[str, RedriveCount]:
    """Move the dead letters that match back to their queues; count by reason."""
    counts: dict[str, RedriveCount] = {}
    for slug, pair in queues.items():
        if action is not None and slug != action:
            continue
        counts[slug] = redrive_queue(sqs, pair, reason=reason, dry_run=dry_run)
    return counts


def redrive_queue(
    sqs: SQSClient, pair: QueuePair, *, reason: str | None, dry_run: bool
) -> RedriveCount:
    count = RedriveCount()
    held: list[str] = []
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=pair.dead_letter_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=HOLD_SECONDS,
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            held += [m["ReceiptHandle"] for m in messages]
            break
        for message in fresh:
            seen.add(message["MessageId"])
            why = letter_reason(message)
            if dry_run or (reason is not None and why != reason):
                count.left[why] = count.left.get(why, 0) + 1
                held.append(message["ReceiptHandle"])
                continue
            # Send first, delete after: a failure between the two duplicates, never loses.
            sqs.send_message(QueueUrl=pair.url, MessageBody=message["Body"])
            sqs.delete_message(
                QueueUrl=pair.dead_letter_url, ReceiptHandle=message["ReceiptHandle"]
            )
            count.moved[why] = count.moved.get(why, 0) + 1
    for handle in held:
        # Letters left in place become visible again at once, for the next look.
        sqs.change_message_visibility(
            QueueUrl=pair.dead_letter_url, ReceiptHandle=handle, VisibilityTimeout=0
        )
    return count


def stack_queues(outputs: list[Mapping[str, str]]) -> dict[str, QueuePair]:
    """The action queues named by a deployed stack's outputs (<Name>QueueUrl and so on)."""
    values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    pairs = {}
    for slug, name in OUTPUT_NAMES.items():
        url, dead = values.get(f"{name}QueueUrl"), values.get(f"{name}DeadLetterQueueUrl")
        if url and dead:
            pairs[slug] = QueuePair(url=url, dead_letter_url=dead)
    return pairs


#: action slug -> the resource name prefix the template uses for it
OUTPUT_NAMES = {
    "createContactactivity": "CreateContactActivity",
    "upsertContact": "UpsertContact",
    "addContactToList": "AddContactToList",
    "removeContactFromList": "RemoveContactFromList",
    "addProductToCart": "AddProductToCart",
    "removeProductFromCart": "RemoveProductFromCart",
    "upsertOrder": "UpsertOrder",
    "mergeContacts": "MergeContacts",
}
