"""Delivery that loses nothing: transient faults, permanent faults and redrive, duplicates,
and a handler cut off mid-batch, over the local stack and the sandbox."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from cordial_destination import delivery
from cordial_destination.handler import make_handler
from cordial_destination.settings import Settings
from cordial_local.event_source import FakeLambdaContext, lambda_record
from cordial_local.faults import Fault
from cordial_local.inputs import as_eventbridge
from cordial_local.runner import LocalRun, RunSummary
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import TABLE_NAME, LocalStack
from cordial_local.template import Template

PARAMETERS = {"RemoveFromListEventName": "Removed From Group"}


def product(rng: random.Random) -> dict[str, Any]:
    n = rng.randrange(1, 40)
    return {
        "product_id": f"p-{n}",
        "sku": f"SKU-{n}",
        "quantity": rng.randrange(1, 4),
        "category": "Outdoor",
        "name": f"Product {n}",
        "price": round(rng.uniform(5, 200), 2),
    }


def synthetic_events(count: int, seed: int) -> list[dict[str, Any]]:
    """Valid Segment events of every kind, so each matched action must end delivered."""
    rng = random.Random(seed)
    events = []
    for index in range(count):
        user = f"user-{rng.randrange(200)}"
        base = {
            "userId": user,
            "anonymousId": f"anon-{user}",
            "messageId": f"msg-{seed}-{index}",
            "timestamp": "2026-12-04T10:00:00.000Z",
            "context": {"traits": {"email": f"{user}@example.com"}},
        }
        kind = rng.choice(["added", "removed", "order", "page", "identify", "group", "alias"])
        if kind == "added":
            events.append(
                {**base, "type": "track", "event": "Product Added", "properties": product(rng)}
            )
        elif kind == "removed":
            item = product(rng)
            events.append(
                {
                    **base,
                    "type": "track",
                    "event": "Product Removed",
                    "properties": {"product_id": item["product_id"], "quantity": 1},
                }
            )
        elif kind == "order":
            items = [product(rng) for _ in range(rng.randrange(1, 4))]
            events.append(
                {
                    **base,
                    "type": "track",
                    "event": "Order Completed",
                    "properties": {
                        "order_id": f"o-{index}",
                        "total": sum(i["price"] for i in items),
                        "products": items,
                    },
                }
            )
        elif kind == "page":
            events.append({**base, "type": "page", "name": "Home", "properties": {"path": "/"}})
        elif kind == "identify":
            events.append({**base, "type": "identify", "traits": {"email": f"{user}@example.com"}})
        elif kind == "group":
            events.append(
                {
                    **base,
                    "type": "group",
                    "groupId": f"g-{rng.randrange(5)}",
                    "traits": {"name": "VIP"},
                }
            )
        else:
            events.append({**base, "type": "alias", "previousId": f"anon-{user}"})
    return events


@pytest.fixture
def sandbox(api_key: str) -> Iterator[CordialSandbox]:
    with CordialSandbox(api_key, seed=11) as server:
        yield server


def local_run(
    sandbox: CordialSandbox, api_key: str, template: Template, **options: Any
) -> LocalRun:
    return LocalRun(
        endpoint=sandbox.url,
        api_key=api_key,
        template=template,
        parameters=PARAMETERS,
        segment_id_key="segment_id",
        **options,
    )


def expected_deliveries(
    template: Template, events: list[dict[str, Any]]
) -> Counter[tuple[str, str]]:
    triggers = template.triggers(PARAMETERS)
    return Counter(
        (event["messageId"], trigger.action)
        for event in events
        for trigger in triggers
        if trigger.matches(as_eventbridge(event))
    )


def accepted(sandbox: CordialSandbox) -> Counter[tuple[str, str]]:
    return Counter(
        (entry["messageId"], entry["slug"]) for entry in sandbox.requests if entry["status"] == 200
    )


def assert_all_delivered(summary: RunSummary) -> None:
    assert summary.unaccounted == 0
    for action, tally in summary.actions.items():
        assert (tally.delivered, tally.dead_lettered) == (tally.matched, 0), action


@pytest.mark.slow
def test_transient_faults_end_all_delivered_exactly_once(
    sandbox: CordialSandbox, api_key: str, template: Template
) -> None:
    events = synthetic_events(2000, seed=1)
    sandbox.set_faults(
        [
            Fault.parse("429:0.05:retry-after=1"),
            Fault.parse("500:0.03"),
            Fault.parse("502:0.03"),
            Fault.parse("503:0.03"),
            Fault.parse("reset:0.03"),
            Fault.parse("slow:0.02:delay=1.5"),
        ]
    )

    summary = local_run(sandbox, api_key, template, read_timeout=1.0).execute(
        [as_eventbridge(e) for e in events]
    )

    expected = expected_deliveries(template, events)
    faulted = Counter(entry["fault"].split(":")[0] for entry in sandbox.requests if entry["fault"])
    assert len(expected) > 2500
    assert accepted(sandbox) == expected  # every (messageId, action) once, none twice
    assert sandbox.repeats == 0
    assert set(faulted) == {"429", "500", "502", "503", "reset", "slow"}
    assert sum(t.retried for t in summary.actions.values()) == sum(faulted.values())
    assert_all_delivered(summary)


@pytest.mark.slow
def test_permanent_faults_are_dead_lettered_then_redriven(
    sandbox: CordialSandbox, api_key: str, template: Template
) -> None:
    events = synthetic_events(300, seed=2)
    sandbox.set_faults([Fault.parse("422:0.2"), Fault.parse("400:0.1")])
    rejected_before: Counter[str] = Counter()

    def after_first_pass() -> None:
        rejected_before.update(e["slug"] for e in sandbox.requests if e["status"] in (400, 422))
        sandbox.set_faults([])

    summary = local_run(sandbox, api_key, template, redrive_after=after_first_pass).execute(
        [as_eventbridge(e) for e in events]
    )

    assert summary.redriven is not None
    moved = {action: count.moved for action, count in summary.redriven.items() if count.moved}
    assert moved == {action: {"rejected": n} for action, n in rejected_before.items()}
    # the table tells the second pass: nothing was rejected once the faults were gone
    assert all(tally.rejected == Counter() for tally in summary.actions.values())
    assert accepted(sandbox) == expected_deliveries(template, events)
    assert_all_delivered(summary)


def test_duplicated_input_is_sent_once(
    sandbox: CordialSandbox, api_key: str, template: Template
) -> None:
    events = synthetic_events(40, seed=3)
    twice = [as_eventbridge(e) for e in events] * 2

    summary = local_run(sandbox, api_key, template).execute(twice)

    assert accepted(sandbox) == expected_deliveries(template, events)
    assert sandbox.repeats == 0
    assert summary.unaccounted == 0


def test_different_events_sharing_a_messageid_are_both_sent(
    sandbox: CordialSandbox, api_key: str, template: Template
) -> None:
    first = {
        "type": "identify",
        "userId": "user-a",
        "messageId": "42",
        "traits": {"email": "a@example.com"},
    }
    second = {**first, "userId": "user-b", "traits": {"email": "b@example.com"}}

    summary = local_run(sandbox, api_key, template).execute(
        [as_eventbridge(first), as_eventbridge(second), as_eventbridge(first)]
    )

    bodies = [entry["body"] for entry in sandbox.requests if entry["status"] == 200]
    assert sorted(b["segmentId"] for b in bodies) == ["user-a", "user-b"]
    assert summary.actions["upsertContact"].delivered == 3  # the repeat counts, unsent


class CutOff(BaseException):
    """What Lambda's timeout does to a function: it stops, whatever it was doing."""


def test_a_handler_cut_off_mid_batch_loses_nothing(
    stack: LocalStack,
    sandbox: CordialSandbox,
    api_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queues = stack.queues["createContactactivity"]
    events = [
        {
            "type": "track",
            "event": "Signed Up",
            "userId": "same-user",
            "messageId": f"cut-{i}",
            "timestamp": "2026-12-04T10:00:00Z",
        }
        for i in range(10)
    ]
    for event in events:
        stack.sqs.send_message(QueueUrl=queues.url, MessageBody=json.dumps(as_eventbridge(event)))
    settings = Settings(
        endpoint=sandbox.url,
        secret_arn=stack.secret_arn,
        segment_id_key="segment_id",
        dead_letter_queue_url=queues.dead_letter_url,
        queue_url=queues.url,
        idempotency_table=TABLE_NAME,
        connect_timeout=0.5,
        read_timeout=0.5,
    )
    handler = make_handler("createContactactivity", settings)

    def receive() -> list[dict[str, Any]]:
        messages = stack.sqs.receive_message(
            QueueUrl=queues.url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            VisibilityTimeout=0,
        )["Messages"]
        return [lambda_record(m, queues.arn) for m in messages]

    # The sixth event is cut off while marked "in progress", before its request goes out.
    real_send = delivery.CordialClient.send
    sends = iter(range(100))

    def stop_at_the_sixth(self: Any, *args: Any, **kwargs: Any) -> Any:
        if next(sends) == 5:
            raise CutOff
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(delivery.CordialClient, "send", stop_at_the_sixth)
    with pytest.raises(CutOff):
        handler({"Records": receive()}, FakeLambdaContext("cut", 4))  # type: ignore[arg-type]
    monkeypatch.setattr(delivery.CordialClient, "send", real_send)
    cut_accepted = accepted(sandbox)
    time.sleep(4.2)  # the in-progress mark expires with the cut invocation's time limit

    # Lambda never heard back: the whole batch is offered again.
    retry = receive()
    response = handler({"Records": retry}, FakeLambdaContext("retry", 30))  # type: ignore[arg-type]

    assert len(cut_accepted) == 5
    assert len(retry) == 10
    assert response == {"batchItemFailures": []}
    assert accepted(sandbox) == Counter(
        {(f"cut-{i}", "createContactactivity"): 1 for i in range(10)}
    )
