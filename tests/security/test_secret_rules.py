"""The API key secret: its two accepted forms, and every other content a configuration error.

A configuration error never costs an event: the record stays on its queue (a batch item
failure), nothing is dead-lettered, and the ConfigurationErrors metric behind the
template's alarm counts it. No error message quotes the secret. The key is cached for a
bounded time, then read again.
"""

from __future__ import annotations

import json
import time
import traceback
import uuid
from typing import Any, Final

import pytest

from cordial_destination.api_key import SecretsManagerKeySource, parse_secret
from cordial_destination.exceptions import ConfigurationError
from cordial_destination.handler import make_handler, make_processor
from cordial_destination.settings import Settings
from cordial_local.event_source import FakeLambdaContext
from cordial_local.sandbox import CordialSandbox
from cordial_local.stack import LocalStack

#: a made-up key; each refused secret below holds it, so a message quoting it shows
MARK: Final = "ck_Zq81secretmark"
ALIAS: Final = {"type": "alias", "userId": "u-2", "previousId": "u-1"}


@pytest.mark.parametrize(
    "secret",
    [
        MARK,
        f"  {MARK}\n",
        json.dumps({"apiKey": MARK}),
        json.dumps({"apiKey": f" {MARK} ", "note": "rotated 2024-05-01"}),
        MARK.encode(),
        json.dumps({"apiKey": MARK}).encode(),
    ],
)
def test_the_accepted_forms(secret: str | bytes) -> None:
    assert parse_secret(secret).reveal() == MARK


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "the API key secret is empty: store the Cordial API key in it"),
        ("   ", "the API key secret is empty: store the Cordial API key in it"),
        (
            f'"{MARK}"',
            'the API key secret is JSON but not an object with an "apiKey" member',
        ),
        (
            f'["{MARK}"]',
            'the API key secret is JSON but not an object with an "apiKey" member',
        ),
        (
            json.dumps({"apikey": MARK}),
            'the API key secret is JSON without a non-empty string "apiKey" member',
        ),
        (
            json.dumps({"apiKey": [MARK]}),
            'the API key secret is JSON without a non-empty string "apiKey" member',
        ),
        (
            json.dumps({"apiKey": {"value": MARK}}),
            'the API key secret is JSON without a non-empty string "apiKey" member',
        ),
        ('{"apiKey": "' + MARK, "the API key secret looks like JSON but does not parse"),
        ('{"apiKey": "' + MARK + '"' + "[" * 100_000, "looks like JSON but does not parse"),
        (f"{MARK} {MARK}", "the API key secret holds whitespace or control characters"),
        (f"{MARK}\x00", "the API key secret holds whitespace or control characters"),
        (json.dumps({"apiKey": f"{MARK}\r\nX: 1"}), "holds whitespace or control characters"),
        (f"{MARK}ключ", "the API key secret holds characters other than ASCII"),
        (json.dumps({"apiKey": f"{MARK}é"}), "holds characters other than ASCII"),
        (b"\xff\xfe" + MARK.encode(), "the API key secret is binary, not UTF-8 text"),
    ],
)
def test_anything_else_is_a_configuration_error_that_does_not_quote_it(
    secret: str | bytes, message: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_secret(secret)

    assert message in str(raised.value)
    shown = "".join(traceback.format_exception(raised.value)) + repr(raised.value)
    assert MARK not in shown


def record(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle-" + str(uuid.uuid4()),
        "body": json.dumps({"detail": {**message, "messageId": str(uuid.uuid4())}}),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int(time.time() * 1000)),
        },
    }


def settings_for(stack: LocalStack, sandbox: CordialSandbox) -> Settings:
    queues = stack.queues["mergeContacts"]
    return Settings(
        endpoint=sandbox.url,
        secret_arn=stack.secret_arn,
        dead_letter_queue_url=queues.dead_letter_url,
        queue_url=queues.url,
    )


@pytest.mark.parametrize(
    "secret",
    [
        {"SecretString": '"{key}"'},
        {"SecretString": '{{"apiKey": "{key}", }}'},
        {"SecretString": '{{"key": "{key}"}}'},
        {"SecretString": "{key}ключ"},
        {"SecretBinary": b"\xff\xfe"},
    ],
    ids=["json-string", "bad-json", "wrong-member", "non-ascii", "binary"],
)
def test_a_bad_secret_keeps_every_event_queued_and_raises_the_alarm(
    stack: LocalStack,
    sandbox: CordialSandbox,
    api_key: str,
    capsys: pytest.CaptureFixture[str],
    secret: dict[str, Any],
) -> None:
    value = {k: v.format(key=api_key) if isinstance(v, str) else v for k, v in secret.items()}
    stack.client("secretsmanager").put_secret_value(SecretId=stack.secret_arn, **value)
    handler = make_handler("mergeContacts", settings_for(stack, sandbox))
    records = [record(ALIAS), record(ALIAS)]

    response = handler({"Records": records}, FakeLambdaContext("mergeContacts", 30))  # type: ignore[arg-type]

    out = capsys.readouterr().out
    metrics = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    alarm = [m for m in metrics if "ConfigurationErrors" in m]
    dead = stack.sqs.receive_message(QueueUrl=stack.queues["mergeContacts"].dead_letter_url)
    assert response == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
    assert dead.get("Messages", []) == []
    assert sandbox.requests == []
    assert [m["ConfigurationErrors"] for m in alarm] == [[2.0]]
    assert api_key not in out


def test_the_key_is_read_again_once_its_max_age_has_passed(stack: LocalStack, api_key: str) -> None:
    source = SecretsManagerKeySource(stack.secret_arn, max_age=1)
    secrets = stack.client("secretsmanager")

    first = source().reveal()
    secrets.put_secret_value(SecretId=stack.secret_arn, SecretString=json.dumps({"apiKey": "k2"}))
    cached = source().reveal()
    time.sleep(1.2)
    expired = source().reveal()

    assert (first, cached, expired) == (api_key, api_key, "k2")


def test_the_handlers_key_source_uses_the_configured_max_age(
    stack: LocalStack, sandbox: CordialSandbox
) -> None:
    settings = Settings(**{**settings_for(stack, sandbox).__dict__, "secret_max_age": 42})

    processor, _ = make_processor("mergeContacts", settings)

    source = processor.client.key_source
    assert isinstance(source, SecretsManagerKeySource)
    assert (source.secret_arn, source.max_age) == (stack.secret_arn, 42)


def test_the_default_max_age_is_five_minutes() -> None:
    settings = Settings.from_env({"CORDIAL_API_KEY_SECRET_ARN": "arn:aws:secretsmanager:x"})

    assert settings.secret_max_age == 300
