"""One action's work on one SQS batch: unwrap, map, validate, send, and class each outcome.

Every record ends in exactly one outcome. Delivered and skipped records are
done; dead-lettered ones are kept, with their reason, in the action's
dead-letter queue; the rest are reported as batch item failures so that SQS
offers them again after a backoff set through their visibility timeout.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from cordial_destination.actions import build_body
from cordial_destination.client import CordialClient
from cordial_destination.dead_letters import DeadLetter, DeadLetterQueue
from cordial_destination.events import SegmentEvent, parse_record_body, skipped_by_integrations
from cordial_destination.exceptions import (
    ConfigurationError,
    MalformedEventError,
    PermanentError,
    RetryableError,
)
from cordial_destination.redaction import mask_personal_data
from cordial_destination.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

SendFunction = Callable[[Mapping[str, Any], str | None], int]
#: first wait before a retry, doubled each attempt up to Settings.max_backoff
BASE_BACKOFF = 5.0


class Outcome(StrEnum):
    DELIVERED = "delivered"
    SKIPPED = "skipped"
    DEAD_LETTERED = "dead_lettered"
    RETRY = "retry"


@dataclass(frozen=True)
class RecordOutcome:
    record_id: str
    outcome: Outcome
    message_id: str | None = None
    reason: str | None = None
    status: int | None = None
    error: str | None = None
    #: seconds until SQS offers a retried record again
    delay: int | None = None


@dataclass(frozen=True)
class Attempt:
    """What SQS tells about a record's delivery so far."""

    number: int
    first_sent: datetime

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Attempt:
        attributes = record.get("attributes") or {}
        try:
            number = int(attributes.get("ApproximateReceiveCount", 1))
            sent_ms = int(attributes.get("SentTimestamp", time.time() * 1000))
        except (TypeError, ValueError):
            number, sent_ms = 1, int(time.time() * 1000)
        return cls(max(number, 1), datetime.fromtimestamp(sent_ms / 1000, UTC))


class ActionProcessor:
    def __init__(
        self,
        action: str,
        *,
        settings: Settings,
        client: CordialClient,
        dead_letters: DeadLetterQueue,
        overrides: Mapping[str, Any] | None = None,
        sqs: SQSClient | None = None,
        send: SendFunction | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.action = action
        self.settings = settings
        self.client = client
        self.dead_letters = dead_letters
        self.overrides = dict(overrides or {})
        self.sqs = sqs
        self.send = send or self._send_now
        self.rng = rng or random.Random()  # noqa: S311  # nosec B311 # jitter, not cryptography
        self.executor = ThreadPoolExecutor(max_workers=settings.concurrency)

    def process(
        self,
        records: Sequence[Mapping[str, Any]],
        remaining_ms: Callable[[], int] | None = None,
    ) -> list[RecordOutcome]:
        """Process a batch; records of one contact in order, contacts concurrently.

        remaining_ms is the invocation's clock: a record is not started when too
        little time is left to finish its request, so a timeout cuts nothing off.
        """
        events = [read_record(record) for record in records]
        groups: dict[str, list[int]] = defaultdict(list)
        for index, event in enumerate(events):
            groups[contact_key(event, index)].append(index)

        outcomes: list[RecordOutcome | None] = [None] * len(records)

        def run(indexes: list[int]) -> None:
            for index in indexes:
                if remaining_ms is not None and remaining_ms() < self.reserve_ms:
                    outcomes[index] = self._out_of_time(records[index], events[index])
                else:
                    outcomes[index] = self.process_record(records[index], events[index])

        for future in [self.executor.submit(run, indexes) for indexes in groups.values()]:
            future.result()
        return [outcome for outcome in outcomes if outcome is not None]

    def process_record(
        self, record: Mapping[str, Any], event: SegmentEvent | MalformedEventError | None = None
    ) -> RecordOutcome:
        record_id = str(record.get("messageId", ""))
        if event is None:
            event = read_record(record)
        message_id = event.message_id if isinstance(event, SegmentEvent) else None
        try:
            if isinstance(event, MalformedEventError):
                raise event
            if skipped_by_integrations(event.message):
                return RecordOutcome(record_id, Outcome.SKIPPED, message_id, reason="integrations")
            payload = build_body(
                self.action,
                event.message,
                segment_id_key=self.settings.segment_id_key,
                overrides=self.overrides,
            )
            status = self.send(payload, message_id)
            return RecordOutcome(record_id, Outcome.DELIVERED, message_id, status=status)
        except PermanentError as exc:
            return self._dead_letter(record, record_id, message_id, exc, exc.reason)
        except RetryableError as exc:
            return self._retry(record, record_id, message_id, exc)
        except ConfigurationError as exc:
            # Not the event's fault: keep it queued until the setting is fixed, looking again
            # at the longest backoff so that the queue's receive limit lasts many hours.
            delay = self.settings.max_backoff
            self._postpone(record, delay)
            return RecordOutcome(
                record_id, Outcome.RETRY, message_id, reason=exc.reason, error=str(exc), delay=delay
            )
        except Exception as exc:  # a bug must not fail the whole batch: retry, then dead-letter
            error = RetryableError(f"internal error: {type(exc).__name__}")
            error.reason = "internal"
            return self._retry(record, record_id, message_id, error)

    @property
    def reserve_ms(self) -> int:
        """Time one record may need: a request, and its retry after a 401, plus a margin."""
        request = self.settings.connect_timeout + self.settings.read_timeout
        return int((2 * request + 1) * 1000)

    def _out_of_time(
        self, record: Mapping[str, Any], event: SegmentEvent | MalformedEventError
    ) -> RecordOutcome:
        message_id = event.message_id if isinstance(event, SegmentEvent) else None
        self._postpone(record, 0)
        return RecordOutcome(
            str(record.get("messageId", "")), Outcome.RETRY, message_id, reason="deadline", delay=0
        )

    def _send_now(self, payload: Mapping[str, Any], message_id: str | None) -> int:
        return self.client.send(self.action, payload, message_id=message_id).status

    def _retry(
        self,
        record: Mapping[str, Any],
        record_id: str,
        message_id: str | None,
        exc: RetryableError,
    ) -> RecordOutcome:
        attempt = Attempt.of(record)
        age = (datetime.now(UTC) - attempt.first_sent).total_seconds()
        if attempt.number >= self.settings.max_attempts or age >= self.settings.max_event_age:
            why = "exhausted" if attempt.number >= self.settings.max_attempts else "expired"
            return self._dead_letter(record, record_id, message_id, exc, why)

        delay = self.backoff(attempt.number, exc.retry_after)
        self._postpone(record, delay)
        return RecordOutcome(
            record_id,
            Outcome.RETRY,
            message_id,
            reason=exc.reason,
            status=exc.status,
            error=str(exc),
            delay=delay,
        )

    def backoff(self, attempt: int, retry_after: float | None) -> int:
        """Exponential backoff with jitter, never shorter than Cordial's Retry-After."""
        ceiling = min(self.settings.max_backoff, BASE_BACKOFF * 2 ** (attempt - 1))
        delay = self.rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return max(0, min(int(delay + 0.999), self.settings.max_backoff))

    def _postpone(self, record: Mapping[str, Any], delay: int) -> None:
        handle = record.get("receiptHandle")
        if self.sqs is None or not self.settings.queue_url or not isinstance(handle, str):
            return
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.settings.queue_url, ReceiptHandle=handle, VisibilityTimeout=delay
            )
        except (ClientError, BotoCoreError):
            # The record then returns after the queue's own visibility timeout: later, not lost.
            return

    def _dead_letter(
        self,
        record: Mapping[str, Any],
        record_id: str,
        message_id: str | None,
        exc: Exception,
        reason: str,
    ) -> RecordOutcome:
        status = getattr(exc, "status", None)
        error = mask_personal_data(str(exc))
        attempt = Attempt.of(record)
        letter = DeadLetter(
            body=str(record.get("body", "")),
            action=self.action,
            reason=reason,
            error=error,
            attempts=attempt.number,
            first_failure=attempt.first_sent,
            status=status,
            message_id=message_id,
        )
        try:
            self.dead_letters.put(letter)
        except (ClientError, BotoCoreError) as put_error:
            # Not kept yet, so not done: leave it on the queue and try again later.
            return RecordOutcome(
                record_id,
                Outcome.RETRY,
                message_id,
                reason="dead_letter_unavailable",
                status=status,
                error=f"{error} (dead-letter queue: {type(put_error).__name__})",
            )
        return RecordOutcome(
            record_id, Outcome.DEAD_LETTERED, message_id, reason=reason, status=status, error=error
        )


def read_record(record: Mapping[str, Any]) -> SegmentEvent | MalformedEventError:
    """The Segment event in a record, or the error that says why there is none."""
    body = record.get("body")
    if not isinstance(body, str):
        return MalformedEventError("record has no string body")
    try:
        return parse_record_body(body)
    except MalformedEventError as exc:
        return exc


def contact_key(event: SegmentEvent | MalformedEventError, index: int) -> str:
    """A key that is the same for events of one Segment user; unique for unreadable records."""
    if isinstance(event, SegmentEvent):
        for field in ("userId", "anonymousId", "previousId"):
            value = event.message.get(field)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return f"{field}:{value}"
    return f"#{index}"
