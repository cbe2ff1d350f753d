"""Nothing secret in what the product writes: no API key, no email address, no phone number.

Every test turns every log on as far as a deployment could: the handlers' logger at DEBUG
(POWERTOOLS_LOG_LEVEL=DEBUG), the root logger at DEBUG with a handler (Lambda's
ApplicationLogLevel=DEBUG, which also lets botocore, urllib3 and requests speak), the
Powertools package logger at DEBUG (POWERTOOLS_DEBUG), and POWERTOOLS_LOGGER_LOG_EVENT=true.
Then it gathers all that was written (each log record with its arguments, exception and
extra fields, the handlers' JSON lines, stdout and stderr, the run's log file and summary,
the metrics and the dead letters' attributes) and looks for the key and every email
address and phone number of the input.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Final

import pytest

import cordial_local.cli
from cordial_destination import handler as handler_module
from cordial_destination.handler import Handler, make_handler
from cordial_destination.redaction import EMAIL
from cordial_destination.settings import Settings
from cordial_local.cli import main
from cordial_local.event_source import FakeLambdaContext
from cordial_local.faults import Fault
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import LocalStack
from tests.conftest import SAMPLES, read_jsonl
from tests.security.reflecting_cordial import ReflectingCordial
from tests.unit.test_template import spec_actions

SAMPLE_FILES: Final = sorted(SAMPLES.glob("*.jsonl"))
#: the attributes every LogRecord has; anything else on a record came in through `extra`
RECORD_ATTRIBUTES: Final = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
PHONE_KEYS: Final = ("phone", "phoneNumber", "phone_number")
OUTCOME_MESSAGES: Final = {
    "event delivered",
    "event skipped",
    "event dead-lettered",
    "event will be retried",
}
EMAIL_ADDRESS: Final = "jane.doe+vip@example.com"
PHONE_NUMBER: Final = "+1 (415) 555-0142"


class EverythingLogged(logging.Handler):
    """Keeps all of each record: its formatted message, exception, stack and extra fields."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.name, record.getMessage()]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
        extra = {k: v for k, v in record.__dict__.items() if k not in RECORD_ATTRIBUTES}
        parts.append(repr(extra))
        self.records.append(record)
        self.texts.append("\n".join(parts))


class JsonLines(logging.Handler):
    """The handlers' log lines as Powertools formats them for CloudWatch.

    Not a StreamHandler, so that `run` (which points those at its log file) leaves it be.
    """

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Written:
    """All that the product wrote in one test."""

    def __init__(self, records: EverythingLogged, lines: JsonLines) -> None:
        self.records = records
        self.lines = lines
        self.extra: list[str] = []

    def outcome_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines.lines]

    def text(self, capfd: pytest.CaptureFixture[str]) -> str:
        out, err = capfd.readouterr()
        self.extra += [out, err]
        return "\n".join([*self.records.texts, *self.lines.lines, *self.extra])


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> Iterator[Written]:
    """Every log switched on as far as configuration can, and gathered."""
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("POWERTOOLS_DEBUG", "true")
    records = EverythingLogged()
    lines = JsonLines(handler_module.logger.registered_formatter)
    root = logging.getLogger()
    service = handler_module.logger
    package = logging.getLogger("aws_lambda_powertools")
    saved = (root.level, service.log_level, package.level, package.propagate)

    root.setLevel(logging.DEBUG)
    root.addHandler(records)
    service.setLevel(logging.DEBUG)
    service.addHandler(lines)
    package.setLevel(logging.DEBUG)
    package.propagate = True
    try:
        yield Written(records, lines)
    finally:
        root.removeHandler(records)
        root.setLevel(saved[0])
        service.removeHandler(lines)
        service.setLevel(saved[1])
        package.setLevel(saved[2])
        package.propagate = saved[3]


def secrets_in(messages: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """Every email address and phone number anywhere in the messages."""
    text = json.dumps(messages, ensure_ascii=False)
    phones: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in PHONE_KEYS and isinstance(inner, str):
                    phones.add(inner)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(messages)
    return set(EMAIL.findall(text)), phones


def assert_nothing_secret(text: str, key: str, emails: set[str], phones: set[str]) -> None:
    assert key not in text
    assert sorted(email for email in emails if email in text) == []
    assert sorted(phone for phone in phones if phone in text) == []


# --- the shipped samples through `cordial-destination run` ---


class KeyRecordingSandbox(CordialSandbox):
    """The embedded sandbox, remembering the key `run` made up for it."""

    keys: ClassVar[list[str]] = []

    def __init__(self, api_key: str, **options: Any) -> None:
        KeyRecordingSandbox.keys.append(api_key)
        super().__init__(api_key, **options)


@pytest.mark.slow
def test_a_run_over_the_samples_with_401s_leaks_nothing(
    tmp_path: Path,
    written: Written,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cordial_local.cli, "CordialSandbox", KeyRecordingSandbox)
    KeyRecordingSandbox.keys.clear()
    log_file, summary_file = tmp_path / "logs.jsonl", tmp_path / "summary.json"
    messages = [m for path in SAMPLE_FILES for m in read_jsonl(path)]
    emails, phones = secrets_in(messages)

    code = main(
        [
            "run",
            *map(str, SAMPLE_FILES),
            "--fault",
            "401:0.3",
            "--seed",
            "3",
            "--log-file",
            str(log_file),
            "--summary-json",
            str(summary_file),
        ]
    )

    (key,) = KeyRecordingSandbox.keys
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    log_lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    written.extra += [log_file.read_text(encoding="utf-8"), summary_file.read_text("utf-8")]
    assert code == 0
    assert (len(emails), len(phones)) == (30, 22)
    assert_nothing_secret(written.text(capfd), key, emails, phones)
    # Logs were written and gathered: one line per outcome, each tied to its message,
    # and none of them a whole event.
    actions = summary["actions"].values()
    outcomes = sum(a["delivered"] + a["skipped"] + a["retried"] + a["rejected"] for a in actions)
    assert len(log_lines) == outcomes
    assert {line["message"] for line in log_lines} <= OUTCOME_MESSAGES
    assert all(line["correlation_id"] == line["messageId"] for line in log_lines)
    assert {line["messageId"] for line in log_lines} == {
        m["messageId"] for m in messages if spec_actions(m)
    }
    rejected_401 = [line for line in log_lines if line.get("status") == 401]
    assert rejected_401 != []
    assert {line["reason"] for line in rejected_401} == {"rejected"}


# --- failures, one handler at a time, with moto's server as AWS ---


def identified(kind: str, **fields: Any) -> dict[str, Any]:
    """A Segment message carrying an email address and a phone number."""
    return {
        "type": kind,
        "userId": "user-7",
        "messageId": str(uuid.uuid4()),
        "timestamp": "2024-05-01T10:00:00Z",
        "traits": {"email": EMAIL_ADDRESS, "phone": PHONE_NUMBER},
        "context": {"traits": {"email": EMAIL_ADDRESS, "phone": PHONE_NUMBER}},
        **fields,
    }


def cart_event(**properties: Any) -> dict[str, Any]:
    product = {"product_id": "p-1", "sku": "SKU-1", "quantity": 1, "category": "c", "name": "n"}
    return identified(
        "track",
        event="Product Added",
        properties={**product, "email": EMAIL_ADDRESS, "phone": PHONE_NUMBER, **properties},
    )


def record(message: dict[str, Any], *, receive_count: int = 1) -> dict[str, Any]:
    sent = str(int(time.time() * 1000))
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle-" + str(uuid.uuid4()),
        "body": json.dumps({"detail-type": "x", "source": "s", "detail": message}),
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": sent},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def build(stack: LocalStack, endpoint: str, action: str) -> Handler:
    queues = stack.queues[action]
    settings = Settings(
        endpoint=endpoint,
        secret_arn=stack.secret_arn,
        dead_letter_queue_url=queues.dead_letter_url,
        queue_url=queues.url,
        read_timeout=0.5,
        max_attempts=3,
    )
    return make_handler(action, settings)


def dead_letter_attributes(stack: LocalStack, action: str) -> list[dict[str, str]]:
    messages = stack.sqs.receive_message(
        QueueUrl=stack.queues[action].dead_letter_url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    return [
        {name: value["StringValue"] for name, value in m.get("MessageAttributes", {}).items()}
        for m in messages
    ]


def invoke(handler: Handler, records: list[dict[str, Any]]) -> dict[str, Any]:
    return handler({"Records": records}, FakeLambdaContext("test", 30))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fault", "first", "last"),
    [
        ("401", ("dead_lettered", "rejected", 401), ("dead_lettered", "rejected", 401)),
        ("500", ("retry", "unavailable", 500), ("dead_lettered", "exhausted", 500)),
        ("429:1:retry-after=1", ("retry", "unavailable", 429), ("dead_lettered", "exhausted", 429)),
        ("reset", ("retry", "unavailable", None), ("dead_lettered", "exhausted", None)),
        ("slow:1:delay=1", ("retry", "unavailable", None), ("dead_lettered", "exhausted", None)),
    ],
)
def test_failures_leak_nothing(
    stack: LocalStack,
    sandbox: CordialSandbox,
    api_key: str,
    written: Written,
    capfd: pytest.CaptureFixture[str],
    fault: str,
    first: tuple[str, str, int | None],
    last: tuple[str, str, int | None],
) -> None:
    sandbox.set_faults([Fault.parse(fault)])
    handler = build(stack, sandbox.url, "addProductToCart")
    invalid = cart_event(sku=None, quantity=EMAIL_ADDRESS)
    records = [
        record(cart_event()),
        record(cart_event(), receive_count=3),
        record(invalid),
    ]

    response = invoke(handler, records)

    lines = written.outcome_lines()
    letters = dead_letter_attributes(stack, "addProductToCart")
    written.extra += [json.dumps(response), json.dumps(letters)]
    assert_nothing_secret(written.text(capfd), api_key, {EMAIL_ADDRESS}, {PHONE_NUMBER})
    assert [(x["outcome"], x["reason"], x.get("status")) for x in lines] == [
        first,
        last,
        ("dead_lettered", "validation", None),
    ]
    assert [x["messageId"] for x in lines] == [
        json.loads(r["body"])["detail"]["messageId"] for r in records
    ]
    assert lines[2]["error"] == "missing required field 'sku'; 'qty' must be an integer"
    assert len(letters) == [x["outcome"] for x in lines].count("dead_lettered")


def test_an_email_address_as_message_id_is_masked(
    stack: LocalStack,
    sandbox: CordialSandbox,
    api_key: str,
    written: Written,
    capfd: pytest.CaptureFixture[str],
) -> None:
    handler = build(stack, sandbox.url, "addProductToCart")
    refused = {**cart_event(sku=None), "messageId": EMAIL_ADDRESS}
    delivered = {**cart_event(), "messageId": f"{PHONE_NUMBER} / {EMAIL_ADDRESS}"}

    invoke(handler, [record(refused), record(delivered)])

    lines = written.outcome_lines()
    (letter,) = dead_letter_attributes(stack, "addProductToCart")
    written.extra.append(json.dumps(letter))
    # A phone-like run of digits stays: message ids are full of them (timestamps).
    assert_nothing_secret(written.text(capfd), api_key, {EMAIL_ADDRESS}, set())
    assert [(x["outcome"], x["messageId"], x["correlation_id"]) for x in lines] == [
        ("dead_lettered", "<email>", "<email>"),
        ("delivered", f"{PHONE_NUMBER} / <email>", f"{PHONE_NUMBER} / <email>"),
    ]
    assert letter["messageId"] == "<email>"


@pytest.mark.parametrize("status", [400, 401, 422, 501])
def test_a_cordial_that_echoes_the_request_leaks_nothing(
    stack: LocalStack,
    api_key: str,
    written: Written,
    capfd: pytest.CaptureFixture[str],
    status: int,
) -> None:
    with ReflectingCordial(status) as cordial:
        handler = build(stack, cordial.url, "upsertContact")
        response = invoke(handler, [record(identified("identify"))])

    (line,) = written.outcome_lines()
    (letter,) = dead_letter_attributes(stack, "upsertContact")
    written.extra += [json.dumps(response), json.dumps(letter)]
    assert_nothing_secret(written.text(capfd), api_key, {EMAIL_ADDRESS}, {PHONE_NUMBER})
    # The echo did reach Cordial's answer, and the dead letter quotes it, redacted.
    assert cordial.requests[0]["headers"]["x-api-key"] == api_key
    assert EMAIL_ADDRESS in cordial.requests[0]["body"]
    assert (line["outcome"], line["reason"], line["status"]) == (
        "dead_lettered",
        "rejected",
        status,
    )
    assert letter["error"].startswith(
        f"Cordial answered {status} to upsertContact: " + '{"error": "refused key <api key> for '
    )
    assert "<email>" in letter["error"]


def test_whole_events_are_never_logged(
    stack: LocalStack,
    sandbox: CordialSandbox,
    written: Written,
    capfd: pytest.CaptureFixture[str],
) -> None:
    handler = build(stack, sandbox.url, "upsertContact")
    message = identified("identify")

    invoke(handler, [record(message)])

    text = written.text(capfd)
    assert [line["message"] for line in written.outcome_lines()] == ["event delivered"]
    assert message["messageId"] in text
    assert "user-7" not in text
    assert "Records" not in text


def test_sdk_debug_logs_carry_neither_the_secret_nor_the_event(
    stack: LocalStack,
    sandbox: CordialSandbox,
    api_key: str,
    written: Written,
    capfd: pytest.CaptureFixture[str],
) -> None:
    handler = build(stack, sandbox.url, "addProductToCart")

    invoke(handler, [record(cart_event(sku=None)), record(cart_event())])

    text = written.text(capfd)
    assert_nothing_secret(text, api_key, {EMAIL_ADDRESS}, {PHONE_NUMBER})
    names = {r.name for r in written.records.records if r.levelno == logging.DEBUG}
    # urllib3 did log at DEBUG (so DEBUG lines were gathered); botocore is held at INFO.
    assert "urllib3.connectionpool" in names
    assert not any(name.startswith(("botocore", "boto3")) for name in names)
    assert re.search(r'"POST /api/segment/addProductToCart HTTP/1.1" 200', text)
    # http.client prints headers only when code raises this level; nothing here does.
    assert http.client.HTTPConnection.debuglevel == 0


def test_check_auth_output_has_no_key(
    sandbox: CordialSandbox,
    api_key: str,
    written: Written,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOD_KEY", api_key)
    monkeypatch.setenv("BAD_KEY", api_key[::-1])

    codes = [
        main(["check-auth", "--endpoint", sandbox.url, "--api-key-env", name])
        for name in ("GOOD_KEY", "BAD_KEY")
    ]

    text = written.text(capfd)
    assert codes == [0, 1]
    assert api_key not in text
    assert api_key[::-1] not in text
    assert f"Cordial refused the API key in $BAD_KEY (401) at {sandbox.url}" in text
