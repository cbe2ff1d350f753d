"""The field schemas: body key order, identity fields, defaults in Segment's language."""

from __future__ import annotations

from typing import Any

import pytest

from cordial_destination.fields import ACTION_FIELDS, EMAIL_IDENTITY, default_mappings, fields_of
from cordial_destination.mapping import validate

# The order of body keys the reference sends (observed on the oracle), plus
# manufacturerName in items (fix) and the userIdentities default (beyond the reference).
BODY_ORDER = {
    "createContactactivity": ["action", "time", "properties", "context"],
    "upsertContact": ["attributes"],
    "addContactToList": ["groupId", "listName"],
    "removeContactFromList": ["groupId"],
    "addProductToCart": [
        "productID", "sku", "qty", "category", "name", "description", "itemPrice", "url",
        "imageUrl", "properties",
    ],
    "removeProductFromCart": ["productID", "qty"],
    "upsertOrder": [
        "orderID", "purchaseDate", "status", "totalAmount", "properties", "items",
        "discountApplication",
    ],
}  # fmt: skip
IDENTITY = ["segmentIdKey", "segmentId", "anonymousId", "userIdentities"]


def keys(action: str) -> list[str]:
    return [field.key for field in fields_of(action)]


def test_actions_are_the_spec_slugs_in_order() -> None:
    assert list(ACTION_FIELDS) == [*BODY_ORDER, "mergeContacts"]


@pytest.mark.parametrize("action", list(BODY_ORDER))
def test_body_starts_with_the_identity_part(action: str) -> None:
    assert keys(action) == IDENTITY + BODY_ORDER[action]


def test_merge_contacts_has_no_user_identities_and_sends_anonymous_id_first() -> None:
    assert keys("mergeContacts") == ["segmentIdKey", "anonymousId", "segmentId", "previousId"]


REQUIRED = {
    "createContactactivity": {"action"},
    "upsertContact": set(),
    "addContactToList": {"groupId"},
    "removeContactFromList": {"groupId"},
    "addProductToCart": {"productID", "sku", "qty", "category", "name"},
    "removeProductFromCart": {"productID", "qty"},
    "upsertOrder": {"orderID", "purchaseDate", "status", "totalAmount", "items"},
    "mergeContacts": {"previousId"},
}


@pytest.mark.parametrize("action", list(REQUIRED))
def test_required_fields_match_the_spec(action: str) -> None:
    assert {f.key for f in fields_of(action) if f.required} == REQUIRED[action]


def test_order_item_and_discount_declare_their_keys() -> None:
    order = {field.key: field for field in fields_of("upsertOrder")}

    items = order["items"].properties
    discount = order["discountApplication"].properties

    assert [f.key for f in items] == [
        "productID", "sku", "category", "name", "manufacturerName", "itemPrice", "qty", "url",
        "imageUrl", "properties",
    ]  # fmt: skip
    assert {f.key for f in items if f.required} == {"productID", "sku", "name"}
    assert [(f.key, f.type, f.choices) for f in discount] == [
        ("type", "string", ("fixed",)),
        ("amount", "number", ()),
    ]


def test_order_defaults_read_segment_ecommerce_paths() -> None:
    defaults = default_mappings("upsertOrder")

    source, item = defaults["items"]["@arrayPath"]

    assert source == "$.properties.products"
    assert item["manufacturerName"] == {"@path": "$.brand"}
    assert defaults["discountApplication"] == {
        "type": "fixed",
        "amount": {"@path": "$.properties.discount"},
    }
    assert list(defaults["properties"]) == [
        "affiliation", "revenue", "shipping", "tax", "discount", "coupon", "currency"
    ]  # fmt: skip


def test_activity_name_falls_back_to_page_view() -> None:
    assert default_mappings("createContactactivity")["action"] == {
        "@if": {"exists": {"@path": "$.event"}, "then": {"@path": "$.event"}, "else": "pageView"}
    }


def test_segment_id_key_comes_from_the_setting_not_a_mapping() -> None:
    for action in ACTION_FIELDS:
        assert "segmentIdKey" not in default_mappings(action)
        assert fields_of(action)[0].setting == "segmentIdKey"


def test_email_identity_tries_traits_then_context_then_properties() -> None:
    chain: Any = EMAIL_IDENTITY
    seen = []
    while chain is not None:
        branches = chain["@if"]
        seen.append(branches["exists"]["@path"])
        assert branches["then"] == {"channels.email.address": branches["exists"]}
        chain = branches.get("else")

    assert seen == ["$.traits.email", "$.context.traits.email", "$.properties.email"]


@pytest.mark.parametrize("action", list(ACTION_FIELDS))
def test_every_default_is_a_valid_mapping(action: str) -> None:
    for mapping in default_mappings(action).values():
        validate(mapping)


@pytest.mark.parametrize("action", list(ACTION_FIELDS))
def test_every_field_has_a_one_line_description(action: str) -> None:
    for field in fields_of(action):
        assert field.description.strip()
        assert "\n" not in field.description
        for inner in field.properties:
            assert inner.description.strip()


def test_unknown_action_is_named() -> None:
    with pytest.raises(KeyError, match="unknown action 'upsertCart'"):
        fields_of("upsertCart")
