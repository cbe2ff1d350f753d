"""The Cordial sandbox's HTTP surface: routes, auth, the request log and the counters."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cordial_local.sandbox import CordialSandbox

API_KEY = "sandbox-test-key"
SEGMENT = {"segmentIdKey": "segment_id", "segmentId": "u1"}
MINIMAL_BODIES: dict[str, dict[str, Any]] = {
    "createContactactivity": {"action": "pageView"},
    "upsertContact": {},
    "addContactToList": {"groupId": "g1"},
    "removeContactFromList": {"groupId": "g1"},
    "addProductToCart": {"productID": "p1", "sku": "s1", "qty": 1, "category": "c", "name": "n"},
    "removeProductFromCart": {"productID": "p1", "qty": 1},
    "upsertOrder": {
        "orderID": "o1",
        "purchaseDate": "2024-03-05T10:00:00Z",
        "status": "Order Completed",
        "totalAmount": 10,
        "items": [],
    },
    "mergeContacts": {"previousId": "a0"},
}
UNAUTHORIZED = {"success": False, "error": "missing or wrong x-api-key"}


@pytest.fixture
def sandbox() -> Iterator[CordialSandbox]:
    with CordialSandbox(API_KEY, seed=1) as running:
        yield running


def post(
    sandbox: CordialSandbox, slug: str, body: Any, headers: dict[str, str] | None = None
) -> requests.Response:
    sent = {"x-api-key": API_KEY} if headers is None else headers
    return requests.post(f"{sandbox.url}/api/segment/{slug}", json=body, headers=sent, timeout=5)


def test_check_auth_accepts_the_account_key(sandbox: CordialSandbox) -> None:
    response = requests.get(
        f"{sandbox.url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5
    )

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": ""}])
def test_check_auth_refuses_a_missing_or_wrong_key(
    sandbox: CordialSandbox, headers: dict[str, str]
) -> None:
    response = requests.get(f"{sandbox.url}/api/checkAuth", headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("slug", sorted(MINIMAL_BODIES))
def test_each_action_accepts_its_minimal_body(sandbox: CordialSandbox, slug: str) -> None:
    response = post(sandbox, slug, SEGMENT | MINIMAL_BODIES[slug])

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert sandbox.accepted == {slug: 1}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/segment/upsertcontact"),
        ("POST", "/api/segment/"),
        ("POST", "/api/segment/upsertContact/extra"),
        ("POST", "/api/checkAuth"),
        ("GET", "/api/segment/upsertContact"),
        ("GET", "/"),
    ],
)
def test_unknown_routes_are_not_found(sandbox: CordialSandbox, method: str, path: str) -> None:
    response = requests.request(
        method, f"{sandbox.url}{path}", json={}, headers={"x-api-key": API_KEY}, timeout=5
    )

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": f"no route for {method} {path}"}
    assert sandbox.accepted == {}


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"X-API-KEY": API_KEY + "x"}])
def test_ingest_refuses_a_missing_or_wrong_key(
    sandbox: CordialSandbox, headers: dict[str, str]
) -> None:
    response = post(sandbox, "upsertContact", SEGMENT, headers)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert sandbox.snapshot()["contacts"] == {}


def test_header_names_are_case_insensitive(sandbox: CordialSandbox) -> None:
    response = post(sandbox, "upsertContact", SEGMENT, {"X-Api-Key": API_KEY})

    assert response.status_code == 200


def test_the_request_log_records_every_answer(sandbox: CordialSandbox) -> None:
    before = time.time()
    requests.get(f"{sandbox.url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5)
    post(sandbox, "upsertContact", SEGMENT, {"x-api-key": API_KEY, "X-Segment-Message-Id": "m1"})
    post(sandbox, "upsertOrder", SEGMENT, {"x-api-key": API_KEY, "X-Segment-Message-Id": "m2"})
    post(sandbox, "nope", SEGMENT)

    log = sandbox.requests

    assert all(before <= entry.pop("time") <= time.time() for entry in log)
    assert log == [
        {
            "method": "GET",
            "path": "/api/checkAuth",
            "slug": None,
            "status": 200,
            "messageId": None,
            "fault": None,
            "body": None,
        },
        {
            "method": "POST",
            "path": "/api/segment/upsertContact",
            "slug": "upsertContact",
            "status": 200,
            "messageId": "m1",
            "fault": None,
            "body": SEGMENT,
        },
        {
            "method": "POST",
            "path": "/api/segment/upsertOrder",
            "slug": "upsertOrder",
            "status": 400,
            "messageId": "m2",
            "fault": None,
            "body": SEGMENT,
        },
        {
            "method": "POST",
            "path": "/api/segment/nope",
            "slug": None,
            "status": 404,
            "messageId": None,
            "fault": None,
            "body": None,
        },
    ]


def test_repeats_count_accepted_requests_with_a_seen_message_id_and_slug(
    sandbox: CordialSandbox,
) -> None:
    def send(slug: str, message_id: str | None, body: dict[str, Any]) -> None:
        headers = {"x-api-key": API_KEY} | (
            {"X-Segment-Message-Id": message_id} if message_id else {}
        )
        post(sandbox, slug, body, headers)

    send("upsertContact", "m1", SEGMENT)
    send("upsertContact", "m1", SEGMENT)  # a repeat
    send("createContactactivity", "m1", SEGMENT | {"action": "a"})  # same id, other action
    send("createContactactivity", "m1", SEGMENT)  # refused (400): not accepted, not a repeat
    send("createContactactivity", "m1", SEGMENT | {"action": "a"})  # a repeat
    send("upsertContact", None, SEGMENT)
    send("upsertContact", None, SEGMENT)  # no id: cannot be told apart
    send("upsertContact", "m2", {})  # ignored, but accepted

    assert sandbox.repeats == 2
    assert sandbox.accepted == {"upsertContact": 5, "createContactactivity": 2}
    assert sandbox.ignored == {"upsertContact": 1}


def test_snapshot_is_plain_json_and_a_copy(sandbox: CordialSandbox) -> None:
    post(sandbox, "upsertContact", SEGMENT | {"attributes": {"first_name": "Ada"}})

    snapshot = sandbox.snapshot()
    snapshot["contacts"]["c1"]["attributes"]["first_name"] = "changed"
    again = sandbox.snapshot()

    assert json.loads(json.dumps(again)) == again
    assert again["contacts"]["c1"]["attributes"] == {"first_name": "Ada", "segment_id": "u1"}
    assert set(again) == {
        "contacts",
        "lists",
        "carts",
        "orders",
        "activities",
        "merges",
        "ignoredAttributes",
        "accepted",
        "ignored",
        "repeats",
        "requests",
        "faults",
    }


def test_the_api_key_is_never_echoed(sandbox: CordialSandbox) -> None:
    responses = [
        requests.get(f"{sandbox.url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5),
        post(sandbox, "upsertContact", SEGMENT),
        post(sandbox, "upsertOrder", SEGMENT),
        post(sandbox, "upsertContact", SEGMENT, {"x-api-key": API_KEY + "-wrong"}),
    ]

    for response in responses:
        assert API_KEY not in response.text
        assert API_KEY not in str(response.headers)
    assert API_KEY not in json.dumps(sandbox.snapshot())


def test_the_server_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with CordialSandbox(API_KEY) as sandbox:
        post(sandbox, "upsertContact", SEGMENT)
        post(sandbox, "nope", SEGMENT)

    assert capfd.readouterr() == ("", "")


def test_connections_are_kept_alive(sandbox: CordialSandbox) -> None:
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {"x-api-key": API_KEY, "Content-Type": "application/json"}
    statuses: list[int] = []
    sockets: list[socket.socket | None] = []

    for _ in range(3):
        connection.request("POST", "/api/segment/upsertContact", json.dumps(SEGMENT), headers)
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        sockets.append(connection.sock)
    connection.close()

    assert statuses == [200, 200, 200]
    assert sockets[0] is not None
    assert sockets == [sockets[0]] * 3
    assert sandbox.accepted == {"upsertContact": 3}


def test_the_state_route_serves_the_snapshot_without_a_key(sandbox: CordialSandbox) -> None:
    post(sandbox, "upsertContact", SEGMENT)

    response = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5)

    assert response.status_code == 200
    assert response.json() == sandbox.snapshot()
    assert [entry["path"] for entry in sandbox.requests] == ["/api/segment/upsertContact"]
