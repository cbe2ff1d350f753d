"""Hostile records through every action: each one ends delivered, skipped or dead-lettered.

The fuzzing drives each action's ActionProcessor with the real CordialClient against the
sandbox over loopback, and once the real handler with moto's server as AWS. The sandbox
answers every request normally, so no record has a reason to be retried: a retried record
here is an unhandled error, a configuration error an event caused, or a dead letter SQS
would refuse. Every test uses a fixed seed (derandomize) so a failure repeats.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cordial_destination.actions import ACTIONS
from cordial_destination.delivery import ActionProcessor, Outcome, RecordOutcome
from cordial_destination.handler import Handler, make_handler
from cordial_destination.settings import Settings
from cordial_local.event_source import FakeLambdaContext
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import LocalStack
from tests.security.accounting import (
    BODY_BOUND,
    assert_accounted,
    build_processors,
    good_record,
    process_and_account,
)
from tests.security.hostile_events import (
    GOOD,
    bodies,
    details,
    malformed_bodies,
    mutated,
    sqs_record,
    to_body,
)

FUZZ_KEY: Final = "ck_fuzz_" + uuid.uuid4().hex
MALFORMED_ERRORS: Final = re.compile(
    r"record has no string body"
    r"|record body is not JSON \((JSONDecodeError|ValueError|RecursionError)\)"
    r"|record body is not a JSON object"
    r"|EventBridge event has no 'detail'"
    r"|EventBridge 'detail' is not an object"
    r"|Segment event has no 'type'"
    r"|Segment event type .* is not one Segment defines",
    re.DOTALL,
)
FUZZ_SETTINGS: Final = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def fuzz_sandbox() -> Iterator[CordialSandbox]:
    with CordialSandbox(FUZZ_KEY, seed=11) as server:
        yield server


@pytest.fixture(scope="module")
def processors(fuzz_sandbox: CordialSandbox) -> dict[str, ActionProcessor]:
    return build_processors(fuzz_sandbox, FUZZ_KEY)


def run_processor(
    processor: ActionProcessor, sandbox: CordialSandbox, records: list[dict[str, Any]]
) -> list[RecordOutcome]:
    outcomes = process_and_account(processor, sandbox, records)
    for outcome in outcomes:
        event(f"{outcome.outcome.value}: {outcome.reason}")
    return outcomes


@pytest.mark.parametrize("action", ACTIONS)
@FUZZ_SETTINGS
@given(data=st.data())
def test_hostile_values_in_an_actions_fields_never_fail_the_batch(
    processors: dict[str, ActionProcessor],
    fuzz_sandbox: CordialSandbox,
    action: str,
    data: st.DataObject,
) -> None:
    wild = st.builds(sqs_record, bodies(mutated(action)))
    records = [good_record(action), *data.draw(st.lists(wild, min_size=1, max_size=4))]

    outcomes = run_processor(processors[action], fuzz_sandbox, records)

    assert outcomes[0].outcome is Outcome.DELIVERED


@settings(FUZZ_SETTINGS, max_examples=200)
@given(
    action=st.sampled_from(ACTIONS),
    batch=st.lists(st.builds(sqs_record, bodies(details)), min_size=1, max_size=4),
)
def test_any_detail_never_fails_the_batch(
    processors: dict[str, ActionProcessor],
    fuzz_sandbox: CordialSandbox,
    action: str,
    batch: list[dict[str, Any]],
) -> None:
    records = [good_record(action), *batch]

    outcomes = run_processor(processors[action], fuzz_sandbox, records)

    assert outcomes[0].outcome is Outcome.DELIVERED


@FUZZ_SETTINGS
@given(
    action=st.sampled_from(ACTIONS),
    batch=st.lists(
        st.one_of(
            st.builds(sqs_record, malformed_bodies),
            st.builds(sqs_record, st.sampled_from([None, 5, {"detail": {}}, ["x"]])),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_malformed_records_are_dead_lettered_as_malformed(
    processors: dict[str, ActionProcessor],
    fuzz_sandbox: CordialSandbox,
    action: str,
    batch: list[dict[str, Any]],
) -> None:
    outcomes = run_processor(processors[action], fuzz_sandbox, batch)

    assert [(o.outcome, o.reason) for o in outcomes] == [
        (Outcome.DEAD_LETTERED, "malformed")
    ] * len(batch)
    assert all(MALFORMED_ERRORS.fullmatch(str(o.error)) for o in outcomes), outcomes


@FUZZ_SETTINGS
@given(
    receive_count=st.one_of(st.none(), st.integers(), st.text(max_size=5), st.just("1e9")),
    detail=st.sampled_from(list(GOOD.items())),
)
def test_hostile_sqs_attributes_do_not_change_the_outcome(
    processors: dict[str, ActionProcessor],
    fuzz_sandbox: CordialSandbox,
    receive_count: Any,
    detail: tuple[str, dict[str, Any]],
) -> None:
    action, message = detail
    record = sqs_record(to_body({**message, "messageId": str(uuid.uuid4())}))
    record["attributes"]["ApproximateReceiveCount"] = receive_count

    (outcome,) = run_processor(processors[action], fuzz_sandbox, [record])

    assert outcome.outcome is Outcome.DELIVERED


# --- the real handler, with moto's server as AWS ---


class Handlers:
    """The real handler of each action, built on first use, and the outcomes they report."""

    def __init__(self, stack: LocalStack, sandbox: CordialSandbox) -> None:
        self.stack = stack
        self.sandbox = sandbox
        self.built: dict[str, Handler] = {}
        self.batches: list[list[RecordOutcome]] = []

    def invoke(self, action: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        if action not in self.built:
            queues = self.stack.queues[action]
            options = Settings(
                endpoint=self.sandbox.url,
                secret_arn=self.stack.secret_arn,
                segment_id_key="segment_id",
                dead_letter_queue_url=queues.dead_letter_url,
                queue_url=queues.url,
                read_timeout=5,
                max_body_bytes=BODY_BOUND,
            )
            self.built[action] = make_handler(action, options, on_outcomes=self._seen)
        context = FakeLambdaContext(action, 30)
        return self.built[action]({"Records": records}, context)  # type: ignore[arg-type]

    def _seen(self, action: str, outcomes: list[RecordOutcome]) -> None:
        self.batches.append(outcomes)


@pytest.fixture
def handlers(stack: LocalStack, sandbox: CordialSandbox) -> Handlers:
    return Handlers(stack, sandbox)


def drain_dead_letters(stack: LocalStack, action: str) -> list[tuple[str, str, str]]:
    url = stack.queues[action].dead_letter_url
    letters: list[tuple[str, str, str]] = []
    while True:
        messages = stack.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return letters
        for message in messages:
            attributes = message.get("MessageAttributes", {})
            letters.append(
                (
                    message["Body"],
                    attributes["reason"]["StringValue"],
                    attributes["error"]["StringValue"],
                )
            )
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    action=st.sampled_from(ACTIONS),
    data=st.data(),
)
def test_the_real_handler_accounts_for_every_hostile_record(
    stack: LocalStack,
    sandbox: CordialSandbox,
    handlers: Handlers,
    action: str,
    data: st.DataObject,
) -> None:
    wild = st.one_of(bodies(mutated(action)), bodies(details), malformed_bodies)
    batch = data.draw(st.lists(st.builds(sqs_record, wild), min_size=1, max_size=4))
    records = [good_record(action), *batch]
    accepted_before = sum(sandbox.accepted.values())
    # An example that failed half-way may have left letters; each example starts clean.
    drain_dead_letters(stack, action)

    response = handlers.invoke(action, records)

    outcomes = handlers.batches[-1]
    assert response == {"batchItemFailures": []}
    assert_accounted(records, outcomes, drain_dead_letters(stack, action))
    assert outcomes[0].outcome is Outcome.DELIVERED
    delivered = sum(o.outcome is Outcome.DELIVERED for o in outcomes)
    assert sum(sandbox.accepted.values()) - accepted_before == delivered


def test_a_body_past_the_bound_is_dead_lettered_as_oversized(
    stack: LocalStack, sandbox: CordialSandbox, handlers: Handlers
) -> None:
    properties = {"text": "x" * 100_000}
    record = sqs_record(to_body({**GOOD["createContactactivity"], "properties": properties}))
    body = {"segmentIdKey": "segment_id", "action": "Signed Up", "properties": properties}
    size = len(json.dumps(body, separators=(",", ":")))

    response = handlers.invoke("createContactactivity", [record])

    assert response == {"batchItemFailures": []}
    assert drain_dead_letters(stack, "createContactactivity") == [
        (record["body"], "oversized", f"body is {size} bytes, above the {BODY_BOUND} byte bound")
    ]
    assert sandbox.requests == []
