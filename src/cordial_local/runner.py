"""`cordial-destination run`: events through the local stack and the real handlers, as in AWS.

Events are put on the local bus; its rules (from template.yaml) deliver them
to each action's queue; a poller plays Lambda's SQS event source mapping:
it receives batches, invokes the action's handler, deletes what succeeded
and leaves batch item failures for redelivery, until every queue is empty.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import ClientError

from cordial_destination.delivery import Outcome, RecordOutcome
from cordial_destination.handler import REJECTION_REASONS, Handler, make_handler
from cordial_destination.settings import DEFAULT_MAPPINGS_FILE, Settings
from cordial_local.event_source import (
    FakeLambdaContext,
    entry,
    lambda_record,
    queue_depth,
    queue_empty,
    routed_logs,
)
from cordial_local.redrive import QueuePair, RedriveCount, redrive
from cordial_local.stack import TABLE_NAME, LocalStack
from cordial_local.template import Template

PUT_EVENTS_BATCH = 10
RECEIVE_BATCH = 10
#: events put on the bus at a time
WAVE = 50


@dataclass
class ActionTally:
    matched: int = 0
    delivered: int = 0
    #: events refused for what they are (validation, Cordial's 4xx), by reason
    rejected: Counter[str] = field(default_factory=Counter)
    #: every dead-lettering (rejections, and retries run out), by reason
    dead_letter_reasons: Counter[str] = field(default_factory=Counter)
    retried: int = 0
    dead_lettered: int = 0
    skipped: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "delivered": self.delivered,
            "rejected": sum(self.rejected.values()),
            "retried": self.retried,
            "dead_lettered": self.dead_lettered,
            "skipped": self.skipped,
            "rejected_by_reason": dict(self.rejected),
            "dead_lettered_by_reason": dict(self.dead_letter_reasons),
        }

    @property
    def unaccounted(self) -> int:
        return max(0, self.matched - self.delivered - self.dead_lettered - self.skipped)


@dataclass
class RunSummary:
    events: int
    actions: dict[str, ActionTally]
    refused_by_bus: int = 0
    seconds: float = 0.0
    sandbox: dict[str, Any] | None = None
    redriven: dict[str, RedriveCount] | None = None
    #: events no rule matched (no action is meant for them)
    unmatched: int = 0
    #: the time limit ran out before the queues were empty
    timed_out: bool = False

    @property
    def unaccounted(self) -> int:
        return sum(tally.unaccounted for tally in self.actions.values())

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "events": self.events,
            "unaccounted": self.unaccounted,
            "refused_by_bus": self.refused_by_bus,
            "unmatched": self.unmatched,
            "timed_out": self.timed_out,
            "seconds": round(self.seconds, 3),
            "actions": {slug: tally.as_json() for slug, tally in self.actions.items()},
        }
        if self.sandbox is not None:
            document["sandbox"] = self.sandbox
        if self.redriven is not None:
            document["redriven"] = {a: c.as_json() for a, c in self.redriven.items()}
        return document


@dataclass
class LocalRun:
    endpoint: str
    api_key: str
    template: Template
    parameters: Mapping[str, str] = field(default_factory=dict)
    mappings_file: Path = DEFAULT_MAPPINGS_FILE
    segment_id_key: str | None = None
    read_timeout: float = 10.0
    max_backoff: int = 2
    max_attempts: int = 8
    function_timeout: float = 30.0
    #: gives up waiting for the queues to drain after this many seconds
    time_limit: float = 600.0
    progress: Callable[[int, int], None] | None = None
    log_stream: TextIO | None = None
    #: when set, called after the queues drain; then every dead letter is redriven and
    #: the queues drain again (the CLI clears the sandbox's faults here)
    redrive_after: Callable[[], None] | None = None
    #: invocations that raised instead of answering (their batch went back to the queue)
    failed_invocations: int = 0
    timed_out: bool = False

    def execute(self, envelopes: Sequence[dict[str, Any]]) -> RunSummary:
        started = time.monotonic()
        triggers = self.template.triggers(self.parameters)
        tallies = {trigger.action: ActionTally() for trigger in triggers}
        unmatched = 0
        for envelope in envelopes:
            actions = [t.action for t in triggers if t.matches(envelope)]
            unmatched += not actions
            for action in actions:
                tallies[action].matched += 1

        with (
            LocalStack(self.template, self.api_key, self.parameters) as stack,
            routed_logs(self.log_stream),
        ):
            handlers = self._handlers(stack, tallies)
            expected = sum(t.matched for t in tallies.values())
            refused = self._drain(stack, handlers, expected, tallies, list(envelopes))
            redriven = None
            if self.redrive_after is not None:
                self.redrive_after()
                # The table then tells the second pass: what the redriven letters became.
                for tally in tallies.values():
                    tally.rejected.clear()
                    tally.dead_letter_reasons.clear()
                pairs = {
                    action: QueuePair(q.url, q.dead_letter_url)
                    for action, q in stack.queues.items()
                }
                redriven = redrive(stack.sqs, pairs)
                self._drain(stack, handlers, expected, tallies)
            for action, queues in stack.queues.items():
                tallies[action].dead_lettered = queue_depth(stack, queues.dead_letter_url)

        return RunSummary(
            events=len(envelopes),
            actions=tallies,
            refused_by_bus=refused,
            seconds=time.monotonic() - started,
            redriven=redriven,
            unmatched=unmatched,
            timed_out=self.timed_out,
        )

    def _handlers(self, stack: LocalStack, tallies: dict[str, ActionTally]) -> dict[str, Handler]:
        def count(action: str, outcomes: list[RecordOutcome]) -> None:
            tally = tallies[action]
            for outcome in outcomes:
                if outcome.outcome is Outcome.DELIVERED:
                    tally.delivered += 1
                elif outcome.outcome is Outcome.SKIPPED:
                    tally.skipped += 1
                elif outcome.outcome is Outcome.RETRY:
                    tally.retried += 1
                else:
                    tally.dead_letter_reasons[outcome.error or outcome.reason or "unknown"] += 1
                    if outcome.reason in REJECTION_REASONS:
                        tally.rejected[outcome.error or outcome.reason or "unknown"] += 1

        handlers = {}
        for action, queues in stack.queues.items():
            settings = Settings(
                endpoint=self.endpoint,
                secret_arn=stack.secret_arn,
                segment_id_key=self.segment_id_key,
                mappings_file=self.mappings_file,
                dead_letter_queue_url=queues.dead_letter_url,
                queue_url=queues.url,
                read_timeout=self.read_timeout,
                max_attempts=self.max_attempts,
                max_backoff=self.max_backoff,
                idempotency_table=TABLE_NAME,
            )
            handlers[action] = make_handler(action, settings, on_outcomes=count)
        return handlers

    def _put_events(self, stack: LocalStack, envelopes: Sequence[dict[str, Any]]) -> int:
        """Put events on the bus; returns how many it refused."""
        events = stack.client("events")
        refused = 0
        for start in range(0, len(envelopes), PUT_EVENTS_BATCH):
            entries = [entry(e) for e in envelopes[start : start + PUT_EVENTS_BATCH]]
            try:
                refused += events.put_events(Entries=entries).get("FailedEntryCount", 0)
            except ClientError:
                # moto answers an error for the whole call (an event too deep for its
                # matcher, say); EventBridge would refuse those entries.
                refused += len(entries)
        return int(refused)

    def _drain(
        self,
        stack: LocalStack,
        handlers: Mapping[str, Handler],
        expected: int,
        tallies: Mapping[str, ActionTally],
        pending: list[dict[str, Any]] | None = None,
    ) -> int:
        """Feed the bus in waves and play the event source mappings until the queues are empty.

        Waves keep the queues short, as a steady stream would (moto's queues also slow
        down as they grow). Returns how many events the bus refused.
        """
        pending = pending or []
        refused = 0
        deadline = time.monotonic() + self.time_limit
        busy = False
        while time.monotonic() < deadline:
            if pending and not busy:
                refused += self._put_events(stack, pending[:WAVE])
                del pending[:WAVE]
            busy = False
            for action, handler in handlers.items():
                busy |= self._invoke_once(stack, action, handler)
            if self.progress is not None:
                self.progress(finished(tallies), expected)
            if not busy and not pending:
                if all(queue_empty(stack, q.url) for q in stack.queues.values()):
                    return refused
                time.sleep(0.2)
        self.timed_out = True
        return refused

    def _invoke_once(self, stack: LocalStack, action: str, handler: Handler) -> bool:
        """One receive and one invocation, as Lambda's poller does; False when nothing came."""
        sqs = stack.sqs
        queues = stack.queues[action]
        messages = sqs.receive_message(
            QueueUrl=queues.url,
            MaxNumberOfMessages=RECEIVE_BATCH,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return False
        records = [lambda_record(message, queues.arn) for message in messages]
        context = FakeLambdaContext(action, self.function_timeout)
        try:
            response = handler({"Records": records}, context)  # type: ignore[arg-type]
        except Exception:  # as in Lambda: a failed invocation leaves the whole batch queued
            self.failed_invocations += 1
            return True
        failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queues.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        return True


def finished(tallies: Mapping[str, ActionTally]) -> int:
    return sum(
        t.delivered + t.skipped + sum(t.dead_letter_reasons.values()) for t in tallies.values()
    )
