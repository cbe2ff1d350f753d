"""Settings of a deployment, read once from the function's environment.

Every setting has its environment variable name as a constant here, a
default where one is safe, and a check that fails fast with a message
naming the variable. The API key is not a setting: only the ARN of the
secret that holds it is.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cordial_destination.exceptions import ConfigurationError

ENDPOINT_ENV = "CORDIAL_ENDPOINT"
SECRET_ARN_ENV = "CORDIAL_API_KEY_SECRET_ARN"  # noqa: S105  # nosec B105 # a variable name
SEGMENT_ID_KEY_ENV = "CORDIAL_SEGMENT_ID_KEY"
MAPPINGS_FILE_ENV = "CORDIAL_MAPPINGS_FILE"
DEAD_LETTER_QUEUE_URL_ENV = "CORDIAL_DEAD_LETTER_QUEUE_URL"
CONNECT_TIMEOUT_ENV = "CORDIAL_CONNECT_TIMEOUT"
READ_TIMEOUT_ENV = "CORDIAL_READ_TIMEOUT"
MAX_ATTEMPTS_ENV = "CORDIAL_MAX_ATTEMPTS"
MAX_BODY_BYTES_ENV = "CORDIAL_MAX_BODY_BYTES"
SECRET_MAX_AGE_ENV = "CORDIAL_SECRET_MAX_AGE"  # noqa: S105  # nosec B105 # a variable name
CONCURRENCY_ENV = "CORDIAL_CONCURRENCY"
QUEUE_URL_ENV = "CORDIAL_QUEUE_URL"
IDEMPOTENCY_TABLE_ENV = "CORDIAL_IDEMPOTENCY_TABLE"
IDEMPOTENCY_TTL_ENV = "CORDIAL_IDEMPOTENCY_TTL"
MAX_EVENT_AGE_ENV = "CORDIAL_MAX_EVENT_AGE"
MAX_BACKOFF_ENV = "CORDIAL_MAX_BACKOFF"

DEFAULT_ENDPOINT = "https://integrations-ingest-svc.usw1.cordial.com"
DEFAULT_MAPPINGS_FILE = Path(__file__).with_name("mappings.json")


@dataclass(frozen=True)
class Settings:
    endpoint: str
    secret_arn: str
    segment_id_key: str | None = None
    mappings_file: Path = DEFAULT_MAPPINGS_FILE
    dead_letter_queue_url: str | None = None
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    #: attempts of a retryable event before it is dead-lettered; with the backoff (5 s
    #: doubling to 15 min) 20 attempts ride out about three hours of Cordial outage
    max_attempts: int = 20
    #: bodies above this size are refused before sending (permanent failure)
    max_body_bytes: int = 256 * 1024
    #: seconds a fetched API key is reused before Secrets Manager is asked again
    secret_max_age: int = 300
    #: records of one batch sent to Cordial at the same time
    concurrency: int = 10
    #: the action's own queue, whose visibility timeout spaces out retries
    queue_url: str | None = None
    #: DynamoDB table of Powertools' idempotency utility; None turns de-duplication off
    idempotency_table: str | None = None
    #: seconds a delivered (action, messageId) is remembered
    idempotency_ttl: int = 24 * 3600
    #: seconds after which a still-failing event is dead-lettered instead of retried
    max_event_age: int = 24 * 3600
    #: longest wait between two attempts, in seconds
    max_backoff: int = 900

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def number(name: str, default: float, *, low: float, high: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                problems.append(f"{name} must be a number, got {raw!r}")
                return default
            if not low <= value <= high:
                problems.append(f"{name} must be between {low:g} and {high:g}, got {raw}")
            return value

        secret_arn = env.get(SECRET_ARN_ENV, "").strip()
        if not secret_arn:
            problems.append(f"{SECRET_ARN_ENV} is not set: name the secret holding the API key")
        endpoint = env.get(ENDPOINT_ENV, "").strip() or DEFAULT_ENDPOINT
        try:
            endpoint = normalize_endpoint(endpoint)
        except ConfigurationError as exc:
            problems.append(str(exc))
        settings = cls(
            endpoint=endpoint,
            secret_arn=secret_arn,
            segment_id_key=env.get(SEGMENT_ID_KEY_ENV, "").strip() or None,
            mappings_file=Path(env.get(MAPPINGS_FILE_ENV, "").strip() or DEFAULT_MAPPINGS_FILE),
            dead_letter_queue_url=env.get(DEAD_LETTER_QUEUE_URL_ENV, "").strip() or None,
            connect_timeout=number(CONNECT_TIMEOUT_ENV, 3.05, low=0.1, high=60),
            read_timeout=number(READ_TIMEOUT_ENV, 10.0, low=0.1, high=600),
            max_attempts=int(number(MAX_ATTEMPTS_ENV, 20, low=1, high=100)),
            max_body_bytes=int(number(MAX_BODY_BYTES_ENV, 256 * 1024, low=1024, high=1 << 20)),
            secret_max_age=int(number(SECRET_MAX_AGE_ENV, 300, low=0, high=86400)),
            concurrency=int(number(CONCURRENCY_ENV, 10, low=1, high=64)),
            queue_url=env.get(QUEUE_URL_ENV, "").strip() or None,
            idempotency_table=env.get(IDEMPOTENCY_TABLE_ENV, "").strip() or None,
            idempotency_ttl=int(number(IDEMPOTENCY_TTL_ENV, 86400, low=60, high=30 * 86400)),
            max_event_age=int(number(MAX_EVENT_AGE_ENV, 86400, low=60, high=14 * 86400)),
            max_backoff=int(number(MAX_BACKOFF_ENV, 900, low=1, high=43200)),
        )
        if problems:
            raise ConfigurationError("invalid settings: " + "; ".join(problems))
        return settings


def normalize_endpoint(endpoint: str) -> str:
    """Return the endpoint without a trailing '/', or raise if it is not safe to send the key to.

    The key travels in a header, so only https is accepted, except plain http
    to a loopback address, where the local sandbox listens.
    """
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 (reading it checks it: a bad port raises ValueError)
    except ValueError:
        raise ConfigurationError(f"{ENDPOINT_ENV} is not a valid URL: bad host or port") from None
    if any(ch.isspace() for ch in endpoint) or not endpoint.isprintable():
        raise ConfigurationError(f"{ENDPOINT_ENV} must not contain spaces or control characters")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{ENDPOINT_ENV} must be an absolute https URL such as {DEFAULT_ENDPOINT}"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(
            f"{ENDPOINT_ENV} must not carry credentials, a query or a fragment"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{ENDPOINT_ENV} must use https; plain http is only allowed to a loopback address"
        )
    return endpoint.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
