"""The Cordial client over real HTTP to the sandbox: headers, outcome classes, 401 re-read."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from cordial_destination.api_key import ApiKey
from cordial_destination.client import (
    CordialClient,
    Delivery,
    OversizedBodyError,
    UnencodableBodyError,
    encode_body,
    retry_after_seconds,
)
from cordial_destination.exceptions import CordialRejectedError, CordialUnavailableError
from cordial_local.faults import Fault
from cordial_local.sandbox import CordialSandbox

ACTIVITY = {"segmentId": "u1", "action": "Signed Up", "time": "2024-01-02T03:04:05Z"}


class Keys:
    """A key source that serves keys in turn, as a rotated secret would, and counts reads."""

    def __init__(self, *keys: str) -> None:
        self.keys = list(keys)
        self.reads: list[bool] = []

    def __call__(self, *, refresh: bool = False) -> ApiKey:
        self.reads.append(refresh)
        if refresh and len(self.keys) > 1:
            self.keys.pop(0)
        return ApiKey(self.keys[0])


def client_for(sandbox: CordialSandbox, keys: Keys, **options: Any) -> CordialClient:
    return CordialClient(sandbox.url + "/", keys, **options)


def test_send_posts_the_body_with_the_spec_headers(sandbox: CordialSandbox, api_key: str) -> None:
    captured: dict[str, Any] = {}
    session = requests.Session()
    session.hooks["response"].append(lambda r, *a, **k: captured.update(request=r.request))

    delivery = CordialClient(sandbox.url, Keys(api_key), session=session).send(
        "createContactactivity", ACTIVITY, message_id="m-1"
    )

    request = captured["request"]
    assert delivery == Delivery(status=200, attempts=1)
    assert request.url == f"{sandbox.url}/api/segment/createContactactivity"
    assert request.headers["x-api-key"] == api_key
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Segment-Message-Id"] == "m-1"
    assert json.loads(request.body) == ACTIVITY
    assert sandbox.accepted == {"createContactactivity": 1}


def test_trailing_slash_on_the_endpoint_gives_no_double_slash(
    sandbox: CordialSandbox, api_key: str
) -> None:
    client = client_for(sandbox, Keys(api_key))

    client.send("createContactactivity", ACTIVITY)

    assert [r["path"] for r in sandbox.requests] == ["/api/segment/createContactactivity"]


def test_401_rereads_the_key_once_and_succeeds_after_rotation(
    sandbox: CordialSandbox, api_key: str
) -> None:
    keys = Keys("stale-key", api_key)

    delivery = client_for(sandbox, keys).send("createContactactivity", ACTIVITY)

    assert delivery == Delivery(status=200, attempts=2)
    assert keys.reads == [False, True]


def test_401_twice_is_permanent(sandbox: CordialSandbox) -> None:
    keys = Keys("wrong-key")

    with pytest.raises(CordialRejectedError) as raised:
        client_for(sandbox, keys).send("createContactactivity", ACTIVITY)

    assert raised.value.status == 401
    assert keys.reads == [False, True]
    assert "wrong-key" not in str(raised.value)


@pytest.mark.parametrize(
    ("spec", "error", "status", "retry_after"),
    [
        ("429:1:retry-after=7", CordialUnavailableError, 429, 7.0),
        ("408", CordialUnavailableError, 408, None),
        ("423", CordialUnavailableError, 423, None),
        ("500", CordialUnavailableError, 500, None),
        ("502", CordialUnavailableError, 502, None),
        ("503:1:retry-after=2", CordialUnavailableError, 503, 2.0),
        ("504", CordialUnavailableError, 504, None),
        ("501", CordialRejectedError, 501, None),
        ("400", CordialRejectedError, 400, None),
        ("403", CordialRejectedError, 403, None),
        ("404", CordialRejectedError, 404, None),
        ("413", CordialRejectedError, 413, None),
        ("422", CordialRejectedError, 422, None),
    ],
)
def test_statuses_are_classed_as_the_spec_says(
    sandbox: CordialSandbox,
    api_key: str,
    spec: str,
    error: type[Exception],
    status: int,
    retry_after: float | None,
) -> None:
    sandbox.set_faults([Fault.parse(spec)])

    with pytest.raises(error) as raised:
        client_for(sandbox, Keys(api_key)).send("createContactactivity", ACTIVITY)

    assert type(raised.value) is error
    assert raised.value.status == status  # type: ignore[attr-defined]
    assert getattr(raised.value, "retry_after", None) == retry_after


def test_dropped_connection_is_retryable(sandbox: CordialSandbox, api_key: str) -> None:
    sandbox.set_faults([Fault.parse("reset")])

    with pytest.raises(CordialUnavailableError, match="cannot reach Cordial"):
        client_for(sandbox, Keys(api_key)).send("createContactactivity", ACTIVITY)


def test_slow_answer_past_the_read_timeout_is_retryable(
    sandbox: CordialSandbox, api_key: str
) -> None:
    sandbox.set_faults([Fault.parse("slow:1:delay=1")])
    client = client_for(sandbox, Keys(api_key), read_timeout=0.2)

    with pytest.raises(CordialUnavailableError, match="did not answer in time"):
        client.send("createContactactivity", ACTIVITY)


def test_sandbox_400_for_an_incomplete_body_is_permanent(
    sandbox: CordialSandbox, api_key: str
) -> None:
    with pytest.raises(CordialRejectedError) as raised:
        client_for(sandbox, Keys(api_key)).send("upsertOrder", {"segmentId": "u1"})

    assert raised.value.status == 400


def test_unreachable_endpoint_is_retryable() -> None:
    client = CordialClient("http://127.0.0.1:9", Keys("k"), connect_timeout=0.5)

    with pytest.raises(CordialUnavailableError):
        client.send("createContactactivity", ACTIVITY)


def test_oversized_body_is_refused_before_sending(sandbox: CordialSandbox, api_key: str) -> None:
    client = client_for(sandbox, Keys(api_key), max_body_bytes=2048)

    with pytest.raises(OversizedBodyError, match="above the 2048 byte bound"):
        client.send("createContactactivity", {**ACTIVITY, "properties": {"x": "a" * 5000}})

    assert sandbox.requests == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "\ud800"])
def test_unencodable_body_is_permanent(
    sandbox: CordialSandbox, api_key: str, value: object
) -> None:
    with pytest.raises(UnencodableBodyError):
        client_for(sandbox, Keys(api_key)).send("createContactactivity", {"x": value})


def test_check_auth(sandbox: CordialSandbox, api_key: str) -> None:
    assert client_for(sandbox, Keys(api_key)).check_auth() is True
    assert client_for(sandbox, Keys("nope")).check_auth() is False


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("nonsense", None),
        ("NaN", None),
        ("99999999", 43200.0),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_whole_floats_go_out_as_javascript_writes_them() -> None:
    body = {"total": 229.0, "n": [0.0, 1.5, -3.0], "deep": {"big": 1e300, "x": 2**60 * 1.0}}

    assert encode_body(body, max_bytes=10_000) == (
        b'{"total":229,"n":[0,1.5,-3],"deep":{"big":1e+300,"x":1.152921504606847e+18}}'
    )
