"""The handlers on SQS batches, with moto's server as AWS and the sandbox as Cordial.

Each test builds the batch Lambda would hand over, calls the real handler, and
checks where every record ended: Cordial, the dead-letter queue, or the queue.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from cordial_destination.exceptions import MappingError
from cordial_destination.handler import Handler, make_handler
from cordial_destination.settings import Settings
from cordial_local.event_source import FakeLambdaContext
from cordial_local.faults import Fault
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import TABLE_NAME, LocalStack

PRODUCT = {
    "product_id": "p-1",
    "sku": "SKU-1",
    "quantity": 2,
    "category": "Shoes",
    "name": "Trail Runner",
    "price": 89.5,
}


CART_OF_ONE = {
    "c1": {
        "p-1": {
            "productID": "p-1",
            "sku": "SKU-1",
            "qty": 2,
            "category": "Shoes",
            "name": "Trail Runner",
            "itemPrice": 89.5,
            "properties": {},
        }
    }
}


def track(event: str, properties: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "event": event,
        "userId": "user-1",
        "messageId": fields.pop("messageId", str(uuid.uuid4())),
        "timestamp": "2024-05-01T10:00:00.000Z",
        "properties": properties,
        **fields,
    }


def record(body: str | dict[str, Any], *, receive_count: int = 1) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps({"detail-type": "x", "detail": body})
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle-" + str(uuid.uuid4()),
        "body": text,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(int(time.time() * 1000)),
        },
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


@pytest.fixture
def handler_for(stack: LocalStack, sandbox: CordialSandbox) -> Callable[..., Handler]:
    def build(action: str, **changes: Any) -> Handler:
        queues = stack.queues[action]
        settings = Settings(
            endpoint=sandbox.url,
            secret_arn=stack.secret_arn,
            dead_letter_queue_url=queues.dead_letter_url,
            queue_url=queues.url,
            read_timeout=0.5,
        )
        return make_handler(action, replace(settings, **changes))

    return build


def invoke(handler: Handler, records: list[dict[str, Any]]) -> list[str]:
    response = handler({"Records": records}, FakeLambdaContext("test", 30))  # type: ignore[arg-type]
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def dead_letters(stack: LocalStack, action: str) -> list[dict[str, Any]]:
    messages = stack.sqs.receive_message(
        QueueUrl=stack.queues[action].dead_letter_url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    return [
        {
            "body": m["Body"],
            **{k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()},
        }
        for m in messages
    ]


def test_a_mixed_batch_ends_each_record_in_its_place(
    stack: LocalStack, sandbox: CordialSandbox, handler_for: Callable[..., Handler]
) -> None:
    good = track("Product Added", PRODUCT, messageId="good")
    no_sku = track("Product Added", {**PRODUCT, "sku": None}, messageId="no-sku")
    skipped = track("Product Added", PRODUCT, messageId="off", integrations={"Cordial": False})
    records = [record(good), record(no_sku), record("{not json"), record(skipped)]

    failures = invoke(handler_for("addProductToCart", segment_id_key="segment_id"), records)

    assert failures == []
    assert [r["slug"] for r in sandbox.requests] == ["addProductToCart"]
    assert sandbox.snapshot()["carts"] == CART_OF_ONE
    letters = sorted(dead_letters(stack, "addProductToCart"), key=lambda d: d["reason"])
    assert [(d["reason"], d["action"], d["attempts"]) for d in letters] == [
        ("malformed", "addProductToCart", "1"),
        ("validation", "addProductToCart", "1"),
    ]
    assert letters[0]["error"] == "record body is not JSON (JSONDecodeError)"
    assert letters[1]["error"] == "missing required field 'sku'"
    assert letters[1]["messageId"] == "no-sku"
    assert letters[0]["body"] == "{not json"
    assert json.loads(letters[1]["body"])["detail"] == no_sku


def test_the_whole_body_reaches_cordial(
    sandbox: CordialSandbox, handler_for: Callable[..., Handler]
) -> None:
    event = track("Product Added", {**PRODUCT, "brand": "Northwind"}, anonymousId="anon-1")

    invoke(handler_for("addProductToCart", segment_id_key="segment_id"), [record(event)])

    (request,) = sandbox.requests
    assert request["body"] == {
        "segmentIdKey": "segment_id",
        "segmentId": "user-1",
        "anonymousId": "anon-1",
        "productID": "p-1",
        "sku": "SKU-1",
        "qty": 2,
        "category": "Shoes",
        "name": "Trail Runner",
        "itemPrice": 89.5,
        "properties": {"brand": "Northwind"},
    }
    assert request["messageId"] == event["messageId"]


@pytest.mark.parametrize("fault", ["503", "429:1:retry-after=3", "500", "502", "reset"])
def test_retryable_outcomes_stay_on_the_queue(
    stack: LocalStack,
    sandbox: CordialSandbox,
    handler_for: Callable[..., Handler],
    fault: str,
) -> None:
    sandbox.set_faults([Fault.parse(fault)])
    retried = record(track("Product Added", PRODUCT))

    failures = invoke(handler_for("addProductToCart"), [retried])

    assert failures == [retried["messageId"]]
    assert dead_letters(stack, "addProductToCart") == []


def test_permanent_cordial_errors_are_dead_lettered_with_the_status(
    stack: LocalStack, sandbox: CordialSandbox, handler_for: Callable[..., Handler]
) -> None:
    sandbox.set_faults([Fault.parse("422")])

    failures = invoke(handler_for("addProductToCart"), [record(track("Product Added", PRODUCT))])

    (letter,) = dead_letters(stack, "addProductToCart")
    assert failures == []
    assert (letter["reason"], letter["status"]) == ("rejected", "422")
    assert letter["error"].startswith("Cordial answered 422 to addProductToCart")


def test_a_retryable_event_is_dead_lettered_on_its_last_attempt(
    stack: LocalStack, sandbox: CordialSandbox, handler_for: Callable[..., Handler]
) -> None:
    sandbox.set_faults([Fault.parse("503")])
    last = record(track("Product Added", PRODUCT), receive_count=3)

    failures = invoke(handler_for("addProductToCart", max_attempts=3), [last])

    (letter,) = dead_letters(stack, "addProductToCart")
    assert failures == []
    assert (letter["reason"], letter["status"], letter["attempts"]) == ("exhausted", "503", "3")


def test_an_unreadable_secret_keeps_events_queued(
    stack: LocalStack, handler_for: Callable[..., Handler]
) -> None:
    stack.client("secretsmanager").put_secret_value(
        SecretId=stack.secret_arn, SecretString='{"apiKey": ""}'
    )
    queued = record(track("Product Added", PRODUCT))

    failures = invoke(handler_for("addProductToCart"), [queued])

    assert failures == [queued["messageId"]]
    assert dead_letters(stack, "addProductToCart") == []


def test_a_message_delivered_twice_reaches_cordial_once(
    sandbox: CordialSandbox, handler_for: Callable[..., Handler]
) -> None:
    handler = handler_for("addProductToCart", idempotency_table=TABLE_NAME)
    event = track("Product Added", PRODUCT, messageId="twice")

    invoke(handler, [record(event)])
    invoke(handler, [record(event)])

    assert sandbox.accepted == {"addProductToCart": 1}
    assert sandbox.repeats == 0


def test_a_failed_send_is_not_remembered_as_done(
    sandbox: CordialSandbox, handler_for: Callable[..., Handler]
) -> None:
    handler = handler_for("addProductToCart", idempotency_table=TABLE_NAME)
    event = track("Product Added", PRODUCT, messageId="retry-me")
    sandbox.set_faults([Fault.parse("503")])

    first = invoke(handler, [record(event)])
    sandbox.set_faults([])
    second = invoke(handler, [record(event)])

    assert (len(first), second) == (1, [])
    assert sandbox.accepted == {"addProductToCart": 1}


def test_records_without_time_left_are_returned_untouched(
    sandbox: CordialSandbox, handler_for: Callable[..., Handler]
) -> None:
    records = [record(track("Product Added", PRODUCT)) for _ in range(3)]
    handler = handler_for("addProductToCart")

    response = handler({"Records": records}, FakeLambdaContext("test", 5))  # type: ignore[arg-type]

    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [
        r["messageId"] for r in records
    ]
    assert sandbox.requests == []


def test_metrics_count_each_outcome_per_action(
    stack: LocalStack,
    sandbox: CordialSandbox,
    handler_for: Callable[..., Handler],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    sandbox.set_faults([Fault.parse("503:1:action=addProductToCart")])
    records = [
        record(track("Product Added", PRODUCT)),
        record(track("Product Added", {**PRODUCT, "sku": None})),
        record(track("Product Added", PRODUCT, integrations={"All": False})),
        record("[]"),
    ]
    capsys.readouterr()

    invoke(handler_for("addProductToCart"), records)

    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CordialDestination"
    assert emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["action", "service"]]
    assert (emf["action"], emf["service"]) == ("addProductToCart", "cordial-destination")
    assert {name: emf[name] for name in ("Retried", "DeadLettered", "Rejected", "Skipped")} == {
        "Retried": [1.0],
        "DeadLettered": [2.0],
        "Rejected": [2.0],
        "Skipped": [1.0],
    }
    assert "Delivered" not in emf


def test_an_invalid_mapping_file_stops_the_function_at_start(
    stack: LocalStack, handler_for: Callable[..., Handler], tmp_path: Any
) -> None:
    bad = tmp_path / "mappings.json"
    bad.write_text(json.dumps({"upsertOrder": {"orderID": {"@paht": "$.x"}}}), "utf-8")

    with pytest.raises(MappingError, match=r"at \$\.orderID: unknown directive '@paht'"):
        handler_for("upsertOrder", mappings_file=bad)
