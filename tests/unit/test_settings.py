"""Settings fail fast with a message naming the variable; the endpoint must be safe for the key."""

from __future__ import annotations

import pytest

from cordial_destination.exceptions import ConfigurationError
from cordial_destination.settings import DEFAULT_ENDPOINT, Settings, normalize_endpoint

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cordial-AbCdEf"


def test_defaults_with_only_the_secret() -> None:
    settings = Settings.from_env({"CORDIAL_API_KEY_SECRET_ARN": ARN})

    assert settings.endpoint == DEFAULT_ENDPOINT
    assert settings.secret_arn == ARN
    assert settings.segment_id_key is None
    assert (settings.connect_timeout, settings.read_timeout) == (3.05, 10.0)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env(
            {
                "CORDIAL_ENDPOINT": "http://cordial.example.com",
                "CORDIAL_READ_TIMEOUT": "soon",
                "CORDIAL_MAX_ATTEMPTS": "0",
            }
        )

    message = str(raised.value)
    assert "CORDIAL_API_KEY_SECRET_ARN is not set" in message
    assert "must use https" in message
    assert "CORDIAL_READ_TIMEOUT must be a number, got 'soon'" in message
    assert "CORDIAL_MAX_ATTEMPTS must be between 1 and 100, got 0" in message


def test_empty_segment_id_key_means_none() -> None:
    settings = Settings.from_env(
        {"CORDIAL_API_KEY_SECRET_ARN": ARN, "CORDIAL_SEGMENT_ID_KEY": "  "}
    )

    assert settings.segment_id_key is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://integrations-ingest-svc.usw1.cordial.com/", DEFAULT_ENDPOINT),
        ("https://x.example.com/base//", "https://x.example.com/base"),
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("http://localhost:8787/", "http://localhost:8787"),
        ("http://[::1]:8787", "http://[::1]:8787"),
    ],
)
def test_accepted_endpoints(given: str, expected: str) -> None:
    assert normalize_endpoint(given) == expected


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://cordial.example.com",
        "http://10.0.0.5:8080",
        "ftp://cordial.example.com",
        "cordial.example.com",
        "https://user:pw@cordial.example.com",
        "https://cordial.example.com/?key=1",
        "https://",
        "",
    ],
)
def test_refused_endpoints(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="CORDIAL_ENDPOINT must"):
        normalize_endpoint(endpoint)
