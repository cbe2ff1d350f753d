"""mergeContacts in the sandbox: folding the contact known by previousId into the new one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cordial_local.sandbox import CordialSandbox
from tests.unit.sandbox_requests import API_KEY, CART_LINE, EMAIL, anonymous, email, send, user


@pytest.fixture
def sandbox() -> Iterator[CordialSandbox]:
    with CordialSandbox(API_KEY) as running:
        yield running


def test_a_merge_folds_the_previous_contact_into_the_one_known_by_the_new_ids(
    sandbox: CordialSandbox,
) -> None:
    # GIVEN an anonymous visitor a1 and a known user u1 who are the same person
    previous = anonymous("a1")
    send(sandbox, "upsertContact", previous | email("ada@x.io"))
    send(sandbox, "upsertContact", previous | {"attributes": {"first_name": "A", "city": "X"}})
    send(sandbox, "addProductToCart", previous | CART_LINE | {"productID": "p1", "qty": 1})
    send(sandbox, "addContactToList", previous | {"groupId": "g1"})
    send(sandbox, "createContactactivity", previous | {"action": "viewed"})
    order = {"orderID": "o1", "purchaseDate": "d", "status": "s", "totalAmount": 1, "items": []}
    send(sandbox, "upsertOrder", previous | order)
    send(sandbox, "upsertContact", user("u1") | {"attributes": {"first_name": "Ada"}})
    send(sandbox, "addProductToCart", user("u1") | CART_LINE | {"productID": "p1", "qty": 2})
    send(sandbox, "addContactToList", user("u1") | {"groupId": "g1"})

    # WHEN Segment aliases a1 to u1
    send(sandbox, "mergeContacts", user("u1") | {"previousId": "a1"})

    # THEN only u1's contact is left, holding both
    snapshot = sandbox.snapshot()
    assert snapshot["contacts"] == {
        "c2": {
            "identities": {EMAIL: "ada@x.io"},
            "anonymousIds": ["a1"],
            "attributes": {"first_name": "Ada", "city": "X", "segment_id": "u1"},
        }
    }
    assert snapshot["carts"] == {"c2": {"p1": CART_LINE | {"productID": "p1", "qty": 3}}}
    assert snapshot["lists"] == {"segment_g1": {"groupId": "g1", "members": ["c2"]}}
    assert [a["contact"] for a in snapshot["activities"]] == ["c2"]
    assert snapshot["orders"] == {"o1": {"contact": "c2"} | order}
    assert snapshot["merges"] == [{"previousId": "a1", "from": "c1", "into": "c2"}]


def test_a_merge_into_new_ids_moves_the_previous_contact_over(sandbox: CordialSandbox) -> None:
    send(sandbox, "upsertContact", user("u0") | {"attributes": {"first_name": "Ada"}})

    send(sandbox, "mergeContacts", user("u1") | {"previousId": "u0"})

    snapshot = sandbox.snapshot()
    assert snapshot["contacts"] == {
        "c2": {
            "identities": {},
            "anonymousIds": [],
            "attributes": {"first_name": "Ada", "segment_id": "u1"},
        }
    }
    assert snapshot["merges"] == [{"previousId": "u0", "from": "c1", "into": "c2"}]


def test_a_merge_that_already_shares_the_anonymous_id_folds_nothing(
    sandbox: CordialSandbox,
) -> None:
    send(sandbox, "upsertContact", anonymous("a1"))

    send(sandbox, "mergeContacts", user("u1") | anonymous("a1") | {"previousId": "a1"})

    snapshot = sandbox.snapshot()
    assert snapshot["contacts"] == {
        "c1": {"identities": {}, "anonymousIds": ["a1"], "attributes": {"segment_id": "u1"}}
    }
    assert snapshot["merges"] == [{"previousId": "a1", "from": "c1", "into": "c1"}]


def test_a_merge_from_an_unknown_previous_id_records_nothing_folded(
    sandbox: CordialSandbox,
) -> None:
    send(sandbox, "mergeContacts", user("u1") | {"previousId": "ghost"})

    snapshot = sandbox.snapshot()
    assert snapshot["contacts"] == {
        "c1": {"identities": {}, "anonymousIds": [], "attributes": {"segment_id": "u1"}}
    }
    assert snapshot["merges"] == [{"previousId": "ghost", "from": None, "into": "c1"}]


def test_a_merge_without_new_ids_is_ignored(sandbox: CordialSandbox) -> None:
    send(sandbox, "upsertContact", anonymous("a1"))

    answer = send(sandbox, "mergeContacts", {"previousId": "a1"})

    assert answer == {"success": True, "ignored": True}
    assert sandbox.snapshot()["merges"] == []
