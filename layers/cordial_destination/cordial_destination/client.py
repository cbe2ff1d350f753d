"""HTTP client for Cordial's Segment ingest API.

One requests.Session per process, created at cold start and reused by every
invocation, so connections to Cordial stay open between events. Each
outcome is classed as the spec says: 2xx delivered, retryable statuses and
network failures raise CordialUnavailableError, the rest CordialRejectedError.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Protocol

import requests
from requests.adapters import HTTPAdapter

from cordial_destination.api_key import ApiKey
from cordial_destination.exceptions import (
    CordialRejectedError,
    CordialUnavailableError,
    PermanentError,
)
from cordial_destination.js_numbers import to_json

RETRYABLE_STATUSES: Final = frozenset({408, 423, 429})
#: sent with every request so a trace (or the sandbox) can tie it to its Segment message
MESSAGE_ID_HEADER: Final = "X-Segment-Message-Id"
USER_AGENT: Final = "cordial-destination-eventbridge/0.1"
#: a message id goes in its header only as visible ASCII of a sensible length
HEADER_SAFE: Final = re.compile(r"[\x21-\x7e]{1,256}")


class KeySource(Protocol):
    def __call__(self, *, refresh: bool = False) -> ApiKey: ...


@dataclass(frozen=True)
class Delivery:
    status: int
    #: 1 normally; 2 when a 401 made the client re-read the key and try again
    attempts: int = 1


class OversizedBodyError(PermanentError):
    """Raised when a body is larger than the configured bound; it is never sent."""

    reason = "oversized"


class UnencodableBodyError(PermanentError):
    """Raised when a body cannot be written as strict JSON (NaN, Infinity, lone surrogates)."""

    reason = "unencodable"


def encode_body(body: Mapping[str, Any], *, max_bytes: int) -> bytes:
    try:
        data = json.dumps(
            as_javascript_numbers(body), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
        encoded = data.encode("utf-8")
    except ValueError as exc:  # UnicodeEncodeError is a ValueError too
        raise UnencodableBodyError(f"body is not valid JSON: {type(exc).__name__}") from exc
    except RecursionError as exc:
        # An event can be nested deeper than the walk above or the encoder can follow.
        raise UnencodableBodyError("body is nested too deeply to encode") from exc
    if len(encoded) > max_bytes:
        raise OversizedBodyError(f"body is {len(encoded)} bytes, above the {max_bytes} byte bound")
    return encoded


def as_javascript_numbers(value: Any) -> Any:
    """Whole floats as integers, as JavaScript writes them: 229.0 goes out as 229.

    Segment's Python library sends 229.0 where its Node library sends 229; the
    reference destination, in JavaScript, sends 229 for both.
    """
    if isinstance(value, float) and math.isfinite(value):
        return to_json(value)
    if isinstance(value, Mapping):
        return {key: as_javascript_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_javascript_numbers(item) for item in value]
    return value


def retry_after_seconds(
    value: str | None, *, now: Callable[[], datetime] | None = None
) -> float | None:
    """Read a Retry-After header: delta seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or _utcnow)()).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), 12 * 3600.0)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CordialClient:
    def __init__(
        self,
        endpoint: str,
        key_source: KeySource,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        max_body_bytes: int = 256 * 1024,
        pool_size: int = 10,
        session: requests.Session | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.key_source = key_source
        self.timeout = (connect_timeout, read_timeout)
        self.max_body_bytes = max_body_bytes
        self.session = session or requests.Session()
        # A redirect would carry the key to wherever it points; this API has no use for one.
        self.session.max_redirects = 0
        self.session.trust_env = False
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def send(
        self, slug: str, body: Mapping[str, Any], *, message_id: str | None = None
    ) -> Delivery:
        """POST one action's body; return on 2xx, raise a classed error otherwise."""
        data = encode_body(body, max_bytes=self.max_body_bytes)
        url = f"{self.endpoint}/api/segment/{slug}"
        # The header only helps tracing, and Cordial ignores it: an id that is no valid header
        # value (a line break, a lone surrogate, 64 KB of text) is left out, not allowed to
        # fail the request.
        extra: dict[str, str] = {}
        if message_id and HEADER_SAFE.fullmatch(message_id):
            extra[MESSAGE_ID_HEADER] = message_id

        response = self._request("POST", url, data=data, extra_headers=extra)
        if response.status_code != 401:
            return Delivery(self._classify(response, slug))

        # The key may have been rotated since it was cached: read it again, try once more.
        response = self._request("POST", url, data=data, extra_headers=extra, refresh=True)
        return Delivery(self._classify(response, slug), attempts=2)

    def check_auth(self) -> bool:
        """True when Cordial accepts the key, False on 401; other outcomes raise."""
        response = self._request("GET", f"{self.endpoint}/api/checkAuth")
        if response.status_code == 401:
            return False
        self._classify(response, "checkAuth")
        return True

    def _request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        extra_headers: Mapping[str, str] | None = None,
        refresh: bool = False,
    ) -> requests.Response:
        headers = {
            "x-api-key": self.key_source(refresh=refresh).reveal(),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **(extra_headers or {}),
        }
        try:
            return self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise CordialUnavailableError(
                f"Cordial did not answer in time ({type(exc).__name__})"
            ) from exc
        except requests.ConnectionError as exc:
            raise CordialUnavailableError(f"cannot reach Cordial ({type(exc).__name__})") from exc
        except requests.TooManyRedirects as exc:
            # Not followed: requests still works out where a redirect points, and with
            # max_redirects at 0 that raises. The redirect itself is Cordial's answer.
            if exc.response is None:
                raise
            return exc.response

    def _classify(self, response: requests.Response, what: str) -> int:
        status = response.status_code
        if 200 <= status < 300:
            return status
        detail = f"Cordial answered {status} to {what}"
        if status in RETRYABLE_STATUSES or (status >= 500 and status != 501):
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            raise CordialUnavailableError(detail, status=status, retry_after=retry_after)
        raise CordialRejectedError(f"{detail}: {short_reason(response)}", status=status)


def short_reason(response: requests.Response, limit: int = 200) -> str:
    """The first part of Cordial's error text, for the dead letter; never the request.

    An error page may echo the request, headers and all: the key is taken out of it.
    """
    text = (response.text or "").strip().replace("\n", " ")
    key = response.request.headers.get("x-api-key") if response.request is not None else None
    if key:
        text = text.replace(key, "<api key>")
    return text[:limit] or response.reason or "no reason given"
