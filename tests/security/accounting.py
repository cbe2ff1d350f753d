"""Where every hostile record must end, checked the same way by the fuzzing and the sweep.

The processors here are each action's real ActionProcessor and CordialClient, sending to a
sandbox on loopback, with mapping overrides that walk whole event objects and a
dead-letter queue that refuses what SQS would refuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from cordial_destination.actions import ACTIONS, resolve_overrides
from cordial_destination.api_key import ApiKey
from cordial_destination.client import CordialClient
from cordial_destination.delivery import ActionProcessor, Outcome, RecordOutcome
from cordial_destination.events import skipped_by_integrations
from cordial_destination.settings import Settings
from cordial_local.sandbox import CordialSandbox
from tests.security.hostile_events import (
    GOOD,
    OVERRIDES,
    CheckingDeadLetterQueue,
    message_of,
    sqs_record,
    to_body,
)

#: small enough that the hostile huge strings exceed it, so "oversized" is reached
BODY_BOUND: Final = 64 * 1024
#: the reasons a record may be dead-lettered for when Cordial answers normally
EVENT_REASONS: Final = {"malformed", "validation", "rejected", "oversized", "unencodable"}


def good_record(action: str) -> dict[str, Any]:
    """A record of the action that the sandbox accepts, for the start of every batch."""
    message = {**GOOD[action], "userId": "good-user", "messageId": str(uuid.uuid4())}
    return sqs_record(to_body(message))


def build_processors(sandbox: CordialSandbox, key: str) -> dict[str, ActionProcessor]:
    client = CordialClient(
        sandbox.url,
        lambda *, refresh=False: ApiKey(key),
        read_timeout=5,
        max_body_bytes=BODY_BOUND,
    )
    settings = Settings(
        endpoint=sandbox.url, secret_arn="unused", segment_id_key="segment_id", concurrency=4
    )
    overrides = resolve_overrides(OVERRIDES)
    return {
        action: ActionProcessor(
            action,
            settings=settings,
            client=client,
            dead_letters=CheckingDeadLetterQueue(),  # type: ignore[arg-type]
            overrides=overrides[action],
        )
        for action in ACTIONS
    }


def assert_accounted(
    records: Sequence[dict[str, Any]],
    outcomes: Sequence[RecordOutcome],
    letters: Sequence[tuple[str, str, str]],
) -> None:
    """Each record has one outcome, none retried; each dead letter is its record, with reason.

    `letters` holds (body, reason, error) of the dead letters the batch wrote.
    """
    assert [o.record_id for o in outcomes] == [r["messageId"] for r in records]
    retried = [(o.reason, o.error) for o in outcomes if o.outcome is Outcome.RETRY]
    assert retried == []
    for record, outcome in zip(records, outcomes, strict=True):
        message = message_of(record["body"])
        skipped = message is not None and skipped_by_integrations(message)
        if outcome.outcome is Outcome.SKIPPED:
            assert (skipped, outcome.reason) == (True, "integrations")
        elif skipped:
            # Only an event the handler cannot read is not skipped when Segment says to.
            assert outcome.reason == "malformed"
    expected = sorted(
        (str(record["body"]), str(outcome.reason), str(outcome.error))
        for record, outcome in zip(records, outcomes, strict=True)
        if outcome.outcome is Outcome.DEAD_LETTERED
    )
    assert sorted(letters) == expected
    assert {reason for _, reason, _ in letters} <= EVENT_REASONS
    assert all(error for _, _, error in letters)


def process_and_account(
    processor: ActionProcessor, sandbox: CordialSandbox, records: list[dict[str, Any]]
) -> list[RecordOutcome]:
    """Process one batch and check where each record ended, Cordial's count included."""
    queue = processor.dead_letters
    assert isinstance(queue, CheckingDeadLetterQueue)
    queue.letters.clear()
    accepted_before = sum(sandbox.accepted.values())

    outcomes = processor.process(records)

    letters = [(letter.body, letter.reason, letter.error) for letter in queue.letters]
    assert_accounted(records, outcomes, letters)
    delivered = sum(o.outcome is Outcome.DELIVERED for o in outcomes)
    assert sum(sandbox.accepted.values()) - accepted_before == delivered
    return outcomes
