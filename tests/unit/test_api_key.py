"""The key secret: bare or JSON, read from Secrets Manager (moto's server), never printed."""

from __future__ import annotations

import json

import pytest

from cordial_destination.api_key import ApiKey, SecretsManagerKeySource, parse_secret
from cordial_destination.exceptions import ConfigurationError
from cordial_local.stack import LocalStack


@pytest.mark.parametrize(
    ("secret", "key"),
    [
        ("abc123", "abc123"),
        ("  abc123\n", "abc123"),
        ('{"apiKey": "abc123"}', "abc123"),
        (b'{"apiKey": " abc123 "}', "abc123"),
        (b"abc123", "abc123"),
    ],
)
def test_secret_forms(secret: str | bytes, key: str) -> None:
    assert parse_secret(secret).reveal() == key


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("", "is empty"),
        (None, "is empty"),
        ('{"apiKey": ""}', 'without a non-empty string "apiKey"'),
        ('{"key": "abc"}', 'without a non-empty string "apiKey"'),
        ('{"apiKey": 5}', 'without a non-empty string "apiKey"'),
        ('{"apiKey": "abc', "does not parse"),
        ("two words", "whitespace or control"),
    ],
)
def test_bad_secrets_are_configuration_errors(secret: str | None, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as raised:
        parse_secret(secret)

    assert "abc" not in str(raised.value)


def test_the_key_never_prints_itself() -> None:
    key = ApiKey("s3cr3t-value")

    assert "s3cr3t" not in repr(key)
    assert "s3cr3t" not in str(key)
    assert "s3cr3t" not in f"{key} {[key]} { ({'k': key}) }"


def test_reads_the_key_from_secrets_manager_and_caches_it(stack: LocalStack, api_key: str) -> None:
    source = SecretsManagerKeySource(stack.secret_arn, max_age=300)
    secrets = stack.client("secretsmanager")

    first = source()
    secrets.put_secret_value(SecretId=stack.secret_arn, SecretString=json.dumps({"apiKey": "new"}))
    cached = source()
    refreshed = source(refresh=True)

    assert first.reveal() == api_key
    assert cached.reveal() == api_key
    assert refreshed.reveal() == "new"


def test_an_unreadable_secret_is_a_configuration_error(stack: LocalStack) -> None:
    missing = stack.secret_arn.replace("api-key", "no-such-secret")
    source = SecretsManagerKeySource(missing)

    with pytest.raises(ConfigurationError, match="cannot read the API key secret"):
        source()
