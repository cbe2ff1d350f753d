"""The sandbox's model of a Cordial account, driven over real HTTP as a client would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cordial_local.sandbox import CordialSandbox
from tests.unit.sandbox_requests import API_KEY, CART_LINE, EMAIL, anonymous, email, send, user


@pytest.fixture
def sandbox() -> Iterator[CordialSandbox]:
    with CordialSandbox(API_KEY) as running:
        yield running


def contact_of_probe(sandbox: CordialSandbox, body: dict[str, Any]) -> str:
    """The contact an activity sent with `body`'s identifiers lands on."""
    send(sandbox, "createContactactivity", body | {"action": "probe"})
    contact: str = sandbox.snapshot()["activities"][-1]["contact"]
    return contact


def test_a_new_contact_takes_every_identifier(sandbox: CordialSandbox) -> None:
    answer = send(sandbox, "upsertContact", email("ada@x.io") | user("u1") | anonymous("a1"))

    assert answer == {"success": True}
    assert sandbox.snapshot()["contacts"] == {
        "c1": {
            "identities": {EMAIL: "ada@x.io"},
            "anonymousIds": ["a1"],
            "attributes": {"segment_id": "u1"},
        }
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (email("e1@x.io") | user("u2") | anonymous("a3"), "c1"),
        (email("new@x.io") | user("u2") | anonymous("a3"), "c2"),
        (email("new@x.io") | user("u9") | anonymous("a3"), "c3"),
        ({"userIdentities": {"customerId": "k2", EMAIL: "e1@x.io"}}, "c2"),
        ({"userIdentities": {EMAIL: "e1@x.io", "customerId": "k2"}}, "c1"),
        (user("u2") | anonymous("a3"), "c2"),
        (anonymous("a3"), "c3"),
    ],
)
def test_contacts_are_found_by_identities_then_segment_id_then_anonymous_id(
    sandbox: CordialSandbox, body: dict[str, Any], expected: str
) -> None:
    send(sandbox, "upsertContact", email("e1@x.io"))
    send(sandbox, "upsertContact", {"userIdentities": {"customerId": "k2"}} | user("u2"))
    send(sandbox, "upsertContact", anonymous("a3"))

    assert contact_of_probe(sandbox, body) == expected
    assert sorted(sandbox.snapshot()["contacts"]) == ["c1", "c2", "c3"]


def test_a_found_contact_gains_free_identifiers_and_keeps_its_own(sandbox: CordialSandbox) -> None:
    send(sandbox, "upsertContact", email("e1@x.io") | user("u1"))
    send(sandbox, "upsertContact", anonymous("a2"))

    body = {"userIdentities": {EMAIL: "other@x.io", "customerId": "k1"}}
    send(sandbox, "upsertContact", body | user("u1") | anonymous("a2"))

    assert sandbox.snapshot()["contacts"] == {
        "c1": {
            "identities": {EMAIL: "e1@x.io", "customerId": "k1"},
            "anonymousIds": [],
            "attributes": {"segment_id": "u1"},
        },
        "c2": {"identities": {}, "anonymousIds": ["a2"], "attributes": {}},
    }


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"segmentId": "u1"},
        {"segmentIdKey": "segment_id"},
        {"segmentIdKey": "undeclared_key", "segmentId": "u1"},
        {"segmentIdKey": "segment_id", "segmentId": "", "anonymousId": ""},
        {"userIdentities": {EMAIL: ""}},
        {"userIdentities": {}},
    ],
)
def test_a_request_without_a_usable_identifier_is_accepted_and_ignored(
    sandbox: CordialSandbox, body: dict[str, Any]
) -> None:
    answer = send(sandbox, "upsertContact", body | {"attributes": {"first_name": "Ada"}})

    assert answer == {"success": True, "ignored": True}
    assert sandbox.snapshot()["contacts"] == {}
    assert sandbox.accepted == {"upsertContact": 1}
    assert sandbox.ignored == {"upsertContact": 1}


def test_attributes_the_account_does_not_declare_are_ignored(sandbox: CordialSandbox) -> None:
    attributes = {"first_name": "Ada", "favorite_color": "red", "cordialPerson.first_name": "A"}

    send(sandbox, "upsertContact", user("u1") | {"attributes": attributes})

    snapshot = sandbox.snapshot()
    assert snapshot["contacts"]["c1"]["attributes"] == {"first_name": "Ada", "segment_id": "u1"}
    assert snapshot["ignoredAttributes"] == ["cordialPerson.first_name", "favorite_color"]


def test_the_declared_attributes_are_a_constructor_argument() -> None:
    with CordialSandbox(API_KEY, known_attributes={"sid", "cordialPerson.first_name"}) as sandbox:
        attributes = {"first_name": "Ada", "cordialPerson.first_name": "Ada"}
        body = {"segmentIdKey": "sid", "segmentId": "u1", "attributes": attributes}
        send(sandbox, "upsertContact", body)
        ignored = send(sandbox, "upsertContact", user("u2"))

        snapshot = sandbox.snapshot()

    assert ignored == {"success": True, "ignored": True}
    assert snapshot["contacts"] == {
        "c1": {
            "identities": {},
            "anonymousIds": [],
            "attributes": {"sid": "u1", "cordialPerson.first_name": "Ada"},
        }
    }
    assert snapshot["ignoredAttributes"] == ["first_name"]


def test_an_upsert_changes_only_the_attributes_it_names(sandbox: CordialSandbox) -> None:
    send(sandbox, "upsertContact", user("u1") | {"attributes": {"first_name": "A", "city": "X"}})
    send(sandbox, "upsertContact", user("u1") | {"attributes": {"first_name": "Ada"}})

    assert sandbox.snapshot()["contacts"]["c1"]["attributes"] == {
        "first_name": "Ada",
        "city": "X",
        "segment_id": "u1",
    }


def test_a_list_is_created_on_first_use(sandbox: CordialSandbox) -> None:
    send(sandbox, "addContactToList", user("u1") | {"groupId": "g1", "listName": "VIP"})
    send(sandbox, "addContactToList", user("u1") | {"groupId": "g1", "listName": "VIP"})
    send(sandbox, "addContactToList", user("u2") | {"groupId": "g1", "listName": "VIP"})
    send(sandbox, "addContactToList", user("u1") | {"groupId": "g2"})

    assert sandbox.snapshot()["lists"] == {
        "VIP": {"groupId": "g1", "members": ["c1", "c2"]},
        "segment_g2": {"groupId": "g2", "members": ["c1"]},
    }


def test_removing_from_a_group_leaves_every_list_of_that_group(sandbox: CordialSandbox) -> None:
    send(sandbox, "addContactToList", user("u1") | {"groupId": "g1", "listName": "VIP"})
    send(sandbox, "addContactToList", user("u1") | {"groupId": "g1"})
    send(sandbox, "addContactToList", user("u2") | {"groupId": "g1", "listName": "VIP"})
    send(sandbox, "addContactToList", user("u1") | {"groupId": "g2"})

    send(sandbox, "removeContactFromList", user("u1") | {"groupId": "g1"})
    send(sandbox, "removeContactFromList", user("u1") | {"groupId": "never-used"})

    assert sandbox.snapshot()["lists"] == {
        "VIP": {"groupId": "g1", "members": ["c2"]},
        "segment_g1": {"groupId": "g1", "members": []},
        "segment_g2": {"groupId": "g2", "members": ["c1"]},
    }


def test_cart_quantities_add_up_and_run_down(sandbox: CordialSandbox) -> None:
    send(sandbox, "addProductToCart", user("u1") | CART_LINE | {"productID": "p1", "qty": 2})
    send(
        sandbox,
        "addProductToCart",
        user("u1") | CART_LINE | {"productID": "p1", "qty": 3, "itemPrice": 4.5},
    )
    send(sandbox, "addProductToCart", user("u1") | CART_LINE | {"productID": "p2", "qty": 1})
    send(sandbox, "addProductToCart", user("u2") | CART_LINE | {"productID": "p1", "qty": 7})

    send(sandbox, "removeProductFromCart", user("u1") | {"productID": "p1", "qty": 1})
    send(sandbox, "removeProductFromCart", user("u1") | {"productID": "p2", "qty": 5})
    send(sandbox, "removeProductFromCart", user("u1") | {"productID": "p3", "qty": 1})

    assert sandbox.snapshot()["carts"] == {
        "c1": {"p1": CART_LINE | {"productID": "p1", "qty": 4, "itemPrice": 4.5}},
        "c2": {"p1": CART_LINE | {"productID": "p1", "qty": 7}},
    }


def test_a_second_upsert_of_an_order_replaces_it(sandbox: CordialSandbox) -> None:
    first = {
        "orderID": "o1",
        "purchaseDate": "2024-03-05T10:00:00Z",
        "status": "Order Completed",
        "totalAmount": 25,
        "discountApplication": {"type": "fixed", "amount": 5},
        "properties": {"currency": "USD"},
        "items": [{"productID": "p1", "sku": "s1", "name": "Notes", "qty": 5}],
    }
    second = {
        "orderID": "o1",
        "purchaseDate": "2024-03-06T10:00:00Z",
        "status": "Order Refunded",
        "totalAmount": 0,
        "discountApplication": None,
        "items": [],
    }
    other = first | {"orderID": "o2"}

    send(sandbox, "upsertOrder", user("u1") | first)
    send(sandbox, "upsertOrder", user("u1") | other)
    send(sandbox, "upsertOrder", user("u2") | second)

    assert sandbox.snapshot()["orders"] == {
        "o1": {"contact": "c2"} | second,
        "o2": {"contact": "c1"} | other,
    }


def test_activities_are_recorded_in_order(sandbox: CordialSandbox) -> None:
    viewed = {
        "action": "Product Viewed",
        "time": "2024-03-05T10:00:00Z",
        "properties": {"sku": "s1"},
        "context": {"ip": "127.0.0.1"},
    }

    send(sandbox, "createContactactivity", user("u1") | viewed)
    send(sandbox, "createContactactivity", anonymous("a1") | {"action": "pageView"})

    assert sandbox.snapshot()["activities"] == [
        {
            "contact": "c1",
            "action": "Product Viewed",
            "time": "2024-03-05T10:00:00Z",
            "properties": {"sku": "s1"},
        },
        {"contact": "c2", "action": "pageView", "time": None, "properties": None},
    ]


def test_a_repeated_delivery_is_applied_again_and_counted(sandbox: CordialSandbox) -> None:
    line = user("u1") | CART_LINE | {"productID": "p1", "qty": 1}

    send(sandbox, "addProductToCart", line, message_id="m1")
    send(sandbox, "addProductToCart", line, message_id="m1")

    assert sandbox.snapshot()["carts"]["c1"]["p1"]["qty"] == 2
    assert sandbox.repeats == 1
    assert sandbox.accepted == {"addProductToCart": 2}


def test_concurrent_deliveries_all_count(sandbox: CordialSandbox) -> None:
    line = user("u1") | CART_LINE | {"productID": "p1", "qty": 1}

    def deliver_many() -> None:
        with requests.Session() as session:
            for _ in range(25):
                session.post(
                    f"{sandbox.url}/api/segment/addProductToCart",
                    json=line,
                    headers={"x-api-key": API_KEY},
                    timeout=5,
                ).raise_for_status()

    clients = [threading.Thread(target=deliver_many) for _ in range(8)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=30)

    assert sandbox.snapshot()["carts"]["c1"]["p1"]["qty"] == 200
    assert sandbox.accepted == {"addProductToCart": 200}
    assert len(sandbox.requests) == 200
