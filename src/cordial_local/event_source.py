"""Lambda's side of the local run: its context object, its SQS event source, its logs.

The poller in runner.py receives from the local queues and hands records to the
handlers in the shape Lambda's SQS event source mapping gives them.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from cordial_destination.handler import SERVICE
from cordial_local.stack import BUS_NAME, REGION, LocalStack


class FakeLambdaContext:
    """The parts of Lambda's context object the handlers read."""

    def __init__(self, action: str, timeout_s: float) -> None:
        self.function_name = f"cordial-destination-{action}"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 128
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:000000000000:function:{action}"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@contextmanager
def routed_logs(stream: TextIO | None) -> Iterator[None]:
    """Send the handlers' JSON logs to stream for the run, then put them back."""
    saved_metrics = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    handlers = [
        h for h in logging.getLogger(SERVICE).handlers if isinstance(h, logging.StreamHandler)
    ]
    saved_streams = [h.stream for h in handlers]
    if stream is not None:
        for handler in handlers:
            handler.setStream(stream)
    try:
        yield
    finally:
        for handler, saved in zip(handlers, saved_streams, strict=True):
            handler.setStream(saved)
        if saved_metrics is None:
            os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
        else:
            os.environ["POWERTOOLS_METRICS_DISABLED"] = saved_metrics


def entry(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """A PutEvents entry that EventBridge turns back into this envelope."""

    item: dict[str, Any] = {
        "EventBusName": BUS_NAME,
        "Source": str(envelope.get("source") or "segment.local"),
        "DetailType": str(envelope.get("detail-type") or "segment"),
        "Detail": json.dumps(envelope.get("detail"), ensure_ascii=False),
    }
    resources = envelope.get("resources")
    if isinstance(resources, list) and all(isinstance(r, str) for r in resources):
        item["Resources"] = resources
    return item


def lambda_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's event source mapping hands it to a function."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attributes.get("SenderId", "local"),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
        },
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value.get("DataType")}
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def queue_counts(stack: LocalStack, url: str) -> tuple[int, int]:
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes.get("ApproximateNumberOfMessages", 0)),
        int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    )


def queue_empty(stack: LocalStack, url: str) -> bool:
    return sum(queue_counts(stack, url)) == 0


def queue_depth(stack: LocalStack, url: str) -> int:
    return sum(queue_counts(stack, url))
