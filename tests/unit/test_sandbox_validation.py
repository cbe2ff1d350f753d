"""What the sandbox refuses as Cordial would: bodies that are not JSON objects or lack fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cordial_local.sandbox import CordialSandbox

API_KEY = "sandbox-test-key"
SEGMENT = {"segmentIdKey": "segment_id", "segmentId": "u1"}
ORDER = {
    "orderID": "o1",
    "purchaseDate": "2024-03-05T10:00:00Z",
    "status": "Order Completed",
    "totalAmount": 10,
    "items": [],
}
CART = {"productID": "p1", "sku": "s1", "qty": 1, "category": "c", "name": "n"}


@pytest.fixture
def sandbox() -> Iterator[CordialSandbox]:
    with CordialSandbox(API_KEY, seed=1) as running:
        yield running


def post(
    sandbox: CordialSandbox, slug: str, body: Any, headers: dict[str, str] | None = None
) -> requests.Response:
    sent = {"x-api-key": API_KEY} if headers is None else headers
    return requests.post(f"{sandbox.url}/api/segment/{slug}", json=body, headers=sent, timeout=5)


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
        (
            "createContactactivity",
            {"action": "a", "time": True},
            "'time' must be a date string or a unix time number",
        ),
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
