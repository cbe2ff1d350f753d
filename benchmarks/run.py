"""Benchmarks that print figures: cold start, CPU per event, and batch throughput.

    .venv/bin/python benchmarks/run.py [--runs N] [--only cold|cpu|batch]

Cold start is measured in fresh interpreters (import plus init of one
handler module, as Lambda's init phase does). CPU per event is process time
of building and validating a body from the samples, per action. Batch
throughput runs a handler over the local stack against the sandbox with a
100 ms answer delay.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any

from cordial_destination.actions import ACTIONS, build_body
from cordial_destination.exceptions import PermanentError
from cordial_destination.fields import default_mappings
from cordial_destination.handler import SERVICE, make_handler
from cordial_destination.mapping import transform
from cordial_destination.settings import Settings
from cordial_local.event_source import FakeLambdaContext
from cordial_local.faults import Fault
from cordial_local.inputs import as_eventbridge
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import LocalStack
from cordial_local.template import Template

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*.jsonl"))

COLD_START = """
import os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {folder!r})
import app
print(time.perf_counter() - t0)
"""


def cold_start(runs: int) -> None:
    env = {
        **os.environ,
        "CORDIAL_API_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k",
        "CORDIAL_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/dlq",
        "CORDIAL_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/q",
        "CORDIAL_IDEMPOTENCY_TABLE": "idempotency",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }
    folder = str(ROOT / "functions" / "upsert_order")
    seconds = []
    for _ in range(runs):
        out = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", COLD_START.format(folder=folder)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds.append(float(out.stdout.strip().splitlines()[-1]))
    print(
        f"cold start (import + init of upsert_order's handler), {runs} fresh interpreters: "
        f"median {statistics.median(seconds) * 1000:.0f} ms, "
        f"min {min(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
    )


def cpu_per_event(runs: int) -> None:

    messages = [json.loads(line) for path in SAMPLES for line in path.read_text().splitlines()]
    triggers = Template.load(ROOT / "template.yaml").triggers(
        {"RemoveFromListEventName": "Removed From Group"}
    )
    by_action: dict[str, list[dict[str, Any]]] = {action: [] for action in ACTIONS}
    for message in messages:
        for trigger in triggers:
            if trigger.matches(as_eventbridge(message)):
                by_action[trigger.action].append(message)
    by_action["removeContactFromList"] = [
        {**m, "type": "track", "event": "Removed From Group"} for m in by_action["addContactToList"]
    ]

    print(f"\nCPU per event (process time, median of {runs} runs over the samples' matches):")
    print(f"  {'action':24} {'events':>6} {'transform':>12} {'build+validate':>16}")
    for action, events in by_action.items():
        if not events:
            continue
        mapping = default_mappings(action)
        transform_us, build_us = [], []
        for _ in range(runs):
            start = time.process_time()
            for event in events:
                transform(mapping, event)
            transform_us.append((time.process_time() - start) / len(events) * 1e6)
            start = time.process_time()
            for event in events:
                with suppress(PermanentError):
                    build_body(action, event, segment_id_key="segment_id")
            build_us.append((time.process_time() - start) / len(events) * 1e6)
        print(
            f"  {action:24} {len(events):6d} {statistics.median(transform_us):9.1f} us"
            f" {statistics.median(build_us):13.1f} us"
        )


def batch_throughput(batches: int) -> None:

    key = uuid.uuid4().hex
    delay = Fault.parse("slow:1:delay=0.1")
    with (
        CordialSandbox(key, faults=[delay]) as sandbox,
        LocalStack(Template.load(ROOT / "template.yaml"), key) as stack,
    ):
        queues = stack.queues["createContactactivity"]
        settings = Settings(
            endpoint=sandbox.url,
            secret_arn=stack.secret_arn,
            dead_letter_queue_url=queues.dead_letter_url,
            queue_url=queues.url,
        )
        handler = make_handler("createContactactivity", settings)
        durations = []
        for batch in range(batches):
            records = [
                {
                    "messageId": str(uuid.uuid4()),
                    "receiptHandle": "h",
                    "body": json.dumps(
                        {
                            "detail": {
                                "type": "track",
                                "event": "Signed Up",
                                "userId": f"user-{batch}-{i}",
                                "messageId": str(uuid.uuid4()),
                                "timestamp": "2024-01-01T00:00:00Z",
                            }
                        }
                    ),
                    "attributes": {
                        "ApproximateReceiveCount": "1",
                        "SentTimestamp": str(int(time.time() * 1000)),
                    },
                }
                for i in range(10)
            ]
            start = time.perf_counter()
            result = handler({"Records": records}, FakeLambdaContext("bench", 30))  # type: ignore[arg-type]
            durations.append(time.perf_counter() - start)
            assert result == {"batchItemFailures": []}, result
        median = statistics.median(durations)
        print(
            f"\nbatch of 10 with Cordial answering in 100 ms, {batches} batches: "
            f"median {median * 1000:.0f} ms per batch, "
            f"{10 / median:.0f} events/s per function instance (sequential batches)"
        )


def main() -> None:
    # Figures, not log lines: the handlers' per-event logs and metrics are switched off here.
    logging.getLogger(SERVICE).setLevel(logging.WARNING)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=["cold", "cpu", "batch"])
    args = parser.parse_args()
    if args.only in (None, "cold"):
        cold_start(args.runs)
    if args.only in (None, "cpu"):
        cpu_per_event(args.runs)
    if args.only in (None, "batch"):
        batch_throughput(max(args.runs, 5))


if __name__ == "__main__":
    main()
