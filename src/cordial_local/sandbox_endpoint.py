"""What the Cordial sandbox answers, independent of how requests reach it.

`IngestEndpoint` routes a request, applies faults, checks the key and the body, changes the
account state and keeps the counters that tests and the local runner read. `sandbox.py`
serves it over HTTP.
"""

from __future__ import annotations

import hmac
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from cordial_local.faults import SLUGS, Fault, choose_fault
from cordial_local.sandbox_model import CordialAccount
from cordial_local.sandbox_schema import body_problems

CHECK_AUTH_PATH = "/api/checkAuth"
# Not Cordial's: the sandbox's own state for a person watching a local run. It is left out
# of the request log, which records only what a Cordial client sent.
STATE_PATH = "/_sandbox/state"
SEGMENT_PREFIX = "/api/segment/"
MESSAGE_ID_HEADER = "X-Segment-Message-Id"
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Reply:
    """What to answer; a `status` of None closes the connection without an answer."""

    status: int | None
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class IngestEndpoint:
    """Cordial's checkAuth and segment routes for one account, thread-safe under one lock."""

    def __init__(
        self,
        api_key: str,
        *,
        faults: Sequence[Fault] = (),
        seed: int | None = None,
        known_attributes: Iterable[str] | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("the sandbox needs a non-empty API key")
        self._api_key = api_key
        self._lock = threading.Lock()
        self._faults = tuple(faults)
        self._rng = random.Random(seed)  # noqa: S311  # nosec B311 # fault draws, not secrets
        self._account = CordialAccount(known_attributes)
        self._accepted: dict[str, int] = {}
        self._ignored: dict[str, int] = {}
        self._repeats = 0
        self._seen: set[tuple[str, str]] = set()
        self._requests: list[dict[str, Any]] = []
        # Set when serving stops, so that requests waiting out a fault's delay end at once.
        self._stopping = threading.Event()

    def set_faults(self, faults: Sequence[Fault]) -> None:
        with self._lock:
            self._faults = tuple(faults)

    @property
    def accepted(self) -> dict[str, int]:
        """Requests answered 2xx, per slug (ignored ones included)."""
        with self._lock:
            return dict(self._accepted)

    @property
    def ignored(self) -> dict[str, int]:
        """Requests accepted but not applied for want of a usable identifier, per slug."""
        with self._lock:
            return dict(self._ignored)

    @property
    def repeats(self) -> int:
        """Accepted requests whose (X-Segment-Message-Id, slug) had already been accepted."""
        with self._lock:
            return self._repeats

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request answered or dropped, oldest first."""
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def snapshot(self) -> dict[str, Any]:
        """The whole state as plain JSON-able values, copied so later requests leave it be."""
        with self._lock:
            return {
                **self._account.snapshot(),
                "accepted": dict(self._accepted),
                "ignored": dict(self._ignored),
                "repeats": self._repeats,
                "requests": [dict(entry) for entry in self._requests],
                "faults": [str(fault) for fault in self._faults],
            }

    def handle(
        self,
        method: str,
        path: str,
        headers: Message,
        body: bytes | None,
        client_gone: Callable[[], bool] = lambda: False,
    ) -> Reply:
        """Answer one request; `body` is None when it was too large to read.

        client_gone tells, after a slow fault's delay, whether the client has hung up.
        """
        route = urlsplit(path).path
        if method == "GET" and route == STATE_PATH:
            return Reply(200, self.snapshot())

        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "slug": None,
            "status": None,
            "messageId": headers.get(MESSAGE_ID_HEADER),
            "time": time.time(),
            "fault": None,
            "body": None,
        }
        slug = route.removeprefix(SEGMENT_PREFIX)
        if method == "GET" and route == CHECK_AUTH_PATH:
            reply = self._check_auth(headers)
        elif method == "POST" and route.startswith(SEGMENT_PREFIX) and slug in SLUGS:
            entry["slug"] = slug
            reply = self._ingest(slug, headers, body, entry, client_gone)
        else:
            reply = _error(404, f"no route for {method} {route}")

        entry["status"] = reply.status
        with self._lock:
            self._requests.append(entry)
        return reply

    def _check_auth(self, headers: Message) -> Reply:
        if not self._authorized(headers):
            return _error(401, "missing or wrong x-api-key")
        return Reply(200, {"success": True})

    def _ingest(
        self,
        slug: str,
        headers: Message,
        raw: bytes | None,
        entry: dict[str, Any],
        client_gone: Callable[[], bool],
    ) -> Reply:
        fault = self._draw_fault(slug)
        if fault is not None:
            entry["fault"] = str(fault)
            self._stopping.wait(fault.delay)
            if fault.kind == "slow" and client_gone():
                # A slow gateway in front of Cordial: a request whose client gave up waiting
                # is dropped there, never applied (see the README's limits).
                entry["fault"] = f"{fault} (client gone, not applied)"
                return Reply(None)
            if fault.kind == "reset":
                return Reply(None)
            if fault.status is not None:
                return _fault_reply(fault, fault.status)

        if not self._authorized(headers):
            return _error(401, "missing or wrong x-api-key")
        if raw is None:
            return _error(413, f"body must be at most {MAX_BODY_BYTES} bytes with a Content-Length")
        if headers.get_content_type() != "application/json":
            return _error(400, "Content-Type must be application/json")
        body = _json_object(raw)
        if body is None:
            return _error(400, "body must be a JSON object")
        # Kept whole so tests can assert exactly what reached "Cordial".
        entry["body"] = body
        problems = body_problems(slug, body)
        if problems:
            return _error(400, "; ".join(problems))

        applied = self._commit(slug, body, entry["messageId"])
        return Reply(200, {"success": True} if applied else {"success": True, "ignored": True})

    def _draw_fault(self, slug: str) -> Fault | None:
        with self._lock:
            return choose_fault(self._faults, slug, self._rng)

    def _commit(self, slug: str, body: dict[str, Any], message_id: str | None) -> bool:
        with self._lock:
            applied = self._account.apply(slug, body)
            self._accepted[slug] = self._accepted.get(slug, 0) + 1
            if not applied:
                self._ignored[slug] = self._ignored.get(slug, 0) + 1
            if message_id:
                self._repeats += (message_id, slug) in self._seen
                self._seen.add((message_id, slug))
            return applied

    def _authorized(self, headers: Message) -> bool:
        given = headers.get("x-api-key") or ""
        return hmac.compare_digest(given.encode(), self._api_key.encode())


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"success": False, "error": message})


def _fault_reply(fault: Fault, status: int) -> Reply:
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    return Reply(status, {"success": False, "error": f"sandbox fault {fault}"}, headers)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are Python extensions, not JSON: a client sending them has a bug.
    raise ValueError(f"{name} is not JSON")
