"""The Cordial sandbox's HTTP surface: routes, auth, body checks, logging and lifecycle."""

from __future__ import annotations

import http.client
import json
import socket
import threading
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


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"3", b"not json", b"", b'{"a": NaN}'])
def test_body_must_be_a_json_object(sandbox: CordialSandbox, raw: bytes) -> None:
    response = requests.post(
        f"{sandbox.url}/api/segment/upsertContact",
        data=raw,
        headers={"x-api-key": API_KEY, "Content-Type": "application/json"},
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "body must be a JSON object"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_content_type_must_be_json(sandbox: CordialSandbox, content_type: str | None) -> None:
    headers = {"x-api-key": API_KEY} | ({"Content-Type": content_type} if content_type else {})

    response = requests.post(
        f"{sandbox.url}/api/segment/upsertContact",
        data=json.dumps(SEGMENT),
        headers=headers,
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "Content-Type must be application/json"}


def test_content_type_parameters_are_allowed(sandbox: CordialSandbox) -> None:
    response = requests.post(
        f"{sandbox.url}/api/segment/upsertContact",
        data=json.dumps(SEGMENT),
        headers={"x-api-key": API_KEY, "Content-Type": "application/json; charset=utf-8"},
        timeout=5,
    )

    assert response.status_code == 200


ORDER = MINIMAL_BODIES["upsertOrder"]
CART = MINIMAL_BODIES["addProductToCart"]
ITEM = {"productID": "p1", "sku": "s1", "name": "n"}


@pytest.mark.parametrize(
    ("slug", "body", "error"),
    [
        (
            "upsertOrder",
            {},
            "missing required field 'orderID'; missing required field 'purchaseDate'; "
            "missing required field 'status'; missing required field 'totalAmount'; "
            "missing required field 'items'",
        ),
        ("upsertOrder", ORDER | {"totalAmount": "10"}, "'totalAmount' must be a number"),
        ("upsertOrder", ORDER | {"totalAmount": True}, "'totalAmount' must be a number"),
        ("upsertOrder", ORDER | {"orderID": ""}, "'orderID' must not be empty"),
        ("upsertOrder", ORDER | {"items": {}}, "'items' must be an array"),
        ("upsertOrder", ORDER | {"items": [None]}, "'items[0]' must be an object"),
        (
            "upsertOrder",
            ORDER | {"items": [ITEM, {"productID": "p2", "name": "n"}]},
            "missing required field 'items[1].sku'",
        ),
        (
            "upsertOrder",
            ORDER | {"items": [ITEM | {"qty": 1.5, "itemPrice": "1"}]},
            "'items[0].itemPrice' must be a number; 'items[0].qty' must be an integer",
        ),
        (
            "upsertOrder",
            ORDER | {"discountApplication": "fixed"},
            "'discountApplication' must be an object or null",
        ),
        ("upsertOrder", ORDER | {"properties": None}, "'properties' must be an object"),
        (
            "addProductToCart",
            {"productID": "p1", "qty": 1},
            "missing required field 'sku'; missing required field 'category'; "
            "missing required field 'name'",
        ),
        ("addProductToCart", CART | {"qty": "2"}, "'qty' must be an integer"),
        ("addProductToCart", CART | {"qty": True}, "'qty' must be an integer"),
        ("addProductToCart", CART | {"qty": 0}, "'qty' must be greater than 0"),
        ("addProductToCart", CART | {"itemPrice": "9.99"}, "'itemPrice' must be a number"),
        ("removeProductFromCart", {"productID": "p1"}, "missing required field 'qty'"),
        ("removeProductFromCart", {"productID": "p1", "qty": -1}, "'qty' must be greater than 0"),
        ("addContactToList", {}, "missing required field 'groupId'"),
        ("addContactToList", {"groupId": 5}, "'groupId' must be a string"),
        ("addContactToList", {"groupId": "g1", "listName": 1}, "'listName' must be a string"),
        ("removeContactFromList", {}, "missing required field 'groupId'"),
        ("mergeContacts", {}, "missing required field 'previousId'"),
        ("mergeContacts", {"previousId": None}, "'previousId' must be a string"),
        ("createContactactivity", {}, "missing required field 'action'"),
        ("createContactactivity", {"action": ""}, "'action' must not be empty"),
        ("createContactactivity", {"action": "a", "time": 1}, "'time' must be a string"),
        ("createContactactivity", {"action": "a", "context": []}, "'context' must be an object"),
        ("upsertContact", {"attributes": []}, "'attributes' must be an object"),
        ("upsertContact", {"segmentId": 5}, "'segmentId' must be a string"),
        ("upsertContact", {"anonymousId": None}, "'anonymousId' must be a string"),
        ("upsertContact", {"userIdentities": "a@x.io"}, "'userIdentities' must be an object"),
        (
            "upsertContact",
            {"userIdentities": {"channels.email.address": 5}},
            "'userIdentities.channels.email.address' must be a string",
        ),
    ],
)
def test_a_body_lacking_what_the_action_needs_is_refused(
    sandbox: CordialSandbox, slug: str, body: dict[str, Any], error: str
) -> None:
    response = post(sandbox, slug, SEGMENT | body)

    assert response.status_code == 400
    assert response.json() == {"success": False, "error": error}
    assert sandbox.accepted == {}
    assert sandbox.snapshot()["contacts"] == {}


def test_an_oversized_body_is_refused(sandbox: CordialSandbox) -> None:
    body = SEGMENT | {"attributes": {"first_name": "x" * (1024 * 1024)}}

    response = post(sandbox, "upsertContact", body)

    assert response.status_code == 413
    assert response.json() == {
        "success": False,
        "error": "body must be at most 1048576 bytes with a Content-Length",
    }


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
        },
        {
            "method": "POST",
            "path": "/api/segment/upsertContact",
            "slug": "upsertContact",
            "status": 200,
            "messageId": "m1",
            "fault": None,
        },
        {
            "method": "POST",
            "path": "/api/segment/upsertOrder",
            "slug": "upsertOrder",
            "status": 400,
            "messageId": "m2",
            "fault": None,
        },
        {
            "method": "POST",
            "path": "/api/segment/nope",
            "slug": None,
            "status": 404,
            "messageId": None,
            "fault": None,
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


NOT_LOOPBACK = ["0.0.0.0", "192.168.1.10", "::", "example.com", ""]  # noqa: S104 - refused


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_only_loopback_addresses_are_bound(host: str) -> None:
    with pytest.raises(ValueError, match="binds only loopback addresses"):
        CordialSandbox(API_KEY, host=host)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"api_key": ""}, "non-empty API key"),
        ({"api_key": API_KEY, "port": 70000}, "port must be 0-65535"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CordialSandbox(**arguments)


def test_localhost_binds_ipv4_loopback() -> None:
    with CordialSandbox(API_KEY, host="localhost") as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")


def test_ipv6_loopback_is_served_when_available() -> None:
    sandbox = CordialSandbox(API_KEY, host="::1")
    try:
        sandbox.start()
    except OSError:
        pytest.skip("this host has no IPv6 loopback")
    try:
        url = sandbox.url
        response = requests.get(f"{url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5)
    finally:
        sandbox.stop()

    assert url.startswith("http://[::1]:")
    assert response.status_code == 200


def test_url_needs_a_bound_socket() -> None:
    sandbox = CordialSandbox(API_KEY)

    with pytest.raises(RuntimeError, match="no address"):
        _ = sandbox.url


def test_serve_forever_runs_until_stopped_from_another_thread() -> None:
    sandbox = CordialSandbox(API_KEY).bind()
    url = sandbox.url
    server = threading.Thread(target=sandbox.serve_forever)
    server.start()

    response = requests.get(f"{url}/api/checkAuth", headers={"x-api-key": API_KEY}, timeout=5)
    sandbox.stop()
    server.join(timeout=5)

    assert response.status_code == 200
    assert not server.is_alive()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/checkAuth", timeout=5)


def test_stop_is_safe_twice_and_before_start() -> None:
    CordialSandbox(API_KEY).stop()
    sandbox = CordialSandbox(API_KEY).start()

    sandbox.stop()
    sandbox.stop()

    with pytest.raises(RuntimeError, match="no address"):
        _ = sandbox.url


def test_the_port_is_released_on_stop() -> None:
    with CordialSandbox(API_KEY) as sandbox:
        port = int(sandbox.url.rsplit(":", 1)[1])

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_the_state_route_serves_the_snapshot_without_a_key(sandbox: CordialSandbox) -> None:
    post(sandbox, "upsertContact", SEGMENT)

    response = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5)

    assert response.status_code == 200
    assert response.json() == sandbox.snapshot()
    assert [entry["path"] for entry in sandbox.requests] == ["/api/segment/upsertContact"]
