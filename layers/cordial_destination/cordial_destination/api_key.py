"""The Cordial API key, read from AWS Secrets Manager and cached for a bounded time.

The secret may hold the bare key or JSON such as {"apiKey": "..."}. The key
is wrapped in ApiKey so that a stray repr, log line or traceback shows a
mask instead of the value.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import BotoCoreError, ClientError

from cordial_destination.exceptions import ConfigurationError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager.client import SecretsManagerClient

JSON_KEY: Final = "apiKey"


class ApiKey:
    """An API key that never prints itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def parse_secret(secret: str | bytes | None) -> ApiKey:
    """Return the key from a secret string: the bare key, or JSON with an "apiKey" member."""
    if isinstance(secret, bytes):
        try:
            secret = secret.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise ConfigurationError("the API key secret is binary, not UTF-8 text") from None
    text = (secret or "").strip()
    if text.startswith(("[", '"')):
        raise ConfigurationError(
            f'the API key secret is JSON but not an object with an "{JSON_KEY}" member'
        )
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            # from None: a parser message can quote the secret's text
            raise ConfigurationError(
                "the API key secret looks like JSON but does not parse"
            ) from None
        value = document.get(JSON_KEY) if isinstance(document, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(
                f'the API key secret is JSON without a non-empty string "{JSON_KEY}" member'
            )
        text = value.strip()
    if not text:
        raise ConfigurationError("the API key secret is empty: store the Cordial API key in it")
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ConfigurationError("the API key secret holds whitespace or control characters")
    if not text.isascii():
        # It travels in a header: http.client would fail every request on it.
        raise ConfigurationError("the API key secret holds characters other than ASCII")
    return ApiKey(text)


class SecretsManagerKeySource:
    """Reads the key through Powertools' parameters utility, which caches it for max_age seconds."""

    def __init__(
        self, secret_arn: str, *, max_age: int = 300, client: SecretsManagerClient | None = None
    ) -> None:
        self.secret_arn = secret_arn
        self.max_age = max_age
        # An own provider (not the module-wide default) so its client and cache are this
        # source's alone.
        self.provider = parameters.SecretsProvider(boto3_client=client)

    def __call__(self, *, refresh: bool = False) -> ApiKey:
        try:
            secret = self.provider.get(self.secret_arn, max_age=self.max_age, force_fetch=refresh)
        except (parameters.exceptions.GetParameterError, ClientError, BotoCoreError) as exc:
            # The SDK's message names the secret and the AWS error, never the value.
            raise ConfigurationError(f"cannot read the API key secret: {exc}") from exc
        if isinstance(secret, dict):
            secret = json.dumps(secret)
        return parse_secret(secret)
