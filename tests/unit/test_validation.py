"""validate_payload: the reference's coercions and rejections, and the spec's fixes.

Each expected result was first observed on the reference (the oracle), except the rows
marked "fix", where the spec makes the product differ.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from cordial_destination.date_like import is_date_like
from cordial_destination.exceptions import PayloadValidationError
from cordial_destination.js_numbers import to_number, to_string
from cordial_destination.validation import validate_payload

DATA = Path(__file__).parent.parent / "data"
CART = {"productID": "P1", "sku": "S1", "qty": 2, "category": "C", "name": "N"}
ITEM = {"productID": "P1", "sku": "S1", "name": "N"}
ORDER = {
    "orderID": "O1",
    "purchaseDate": "2024-03-05T10:00:00Z",
    "status": "Order Completed",
    "totalAmount": 10,
}


def cart(**changes: Any) -> dict[str, Any]:
    return {**CART, **changes}


def order(**changes: Any) -> dict[str, Any]:
    return {**ORDER, "items": [dict(ITEM)], **changes}


ACCEPTED = [
    ("qty numeric string", cart(qty="2"), cart(qty=2)),
    ("qty whole float string", cart(qty="2.0"), cart(qty=2)),
    ("qty padded", cart(qty=" 2 "), cart(qty=2)),
    ("qty hex", cart(qty="0x10"), cart(qty=16)),
    ("qty exponent", cart(qty="1e3"), cart(qty=1000)),
    ("qty true", cart(qty=True), cart(qty=1)),
    ("qty false", cart(qty=False), cart(qty=0)),
    ("qty one-element array", cart(qty=["4"]), cart(qty=4)),
    ("qty Infinity is sent as null", cart(qty="Infinity"), cart(qty=None)),
    ("price numeric string", cart(itemPrice="12.5"), cart(itemPrice=12.5)),
    ("price blank string is 0", cart(itemPrice=" "), cart(itemPrice=0)),
    ("price whole float", cart(itemPrice=229.0), cart(itemPrice=229)),
    ("productID number", cart(productID=123), cart(productID="123")),
    ("productID float", cart(productID=1.5e-7), cart(productID="1.5e-7")),
    ("productID big float", cart(productID=1e21), cart(productID="1e+21")),
    ("productID boolean", cart(productID=False), cart(productID="false")),
    ("productID [null] is empty", cart(productID=[None]), cart(productID="")),
    ("null and empty left out", cart(url=None, imageUrl="", itemPrice=None), cart()),
    ("undeclared top-level key dropped", cart(bogus=1), cart()),
    (
        "properties kept as given",
        cart(properties={"a": None, "b": ""}),
        cart(properties={"a": None, "b": ""}),
    ),
]


@pytest.mark.parametrize(("name", "payload", "body"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_cart_values_are_coerced_like_the_reference(
    name: str, payload: dict[str, Any], body: dict[str, Any]
) -> None:
    result = validate_payload("addProductToCart", payload)

    assert json.dumps(result) == json.dumps(body)


def test_body_keys_follow_the_action_order_not_the_payload_order() -> None:
    payload = {"name": "N", "qty": "1", "sku": "S1", "segmentId": "u1", "productID": "P1"}
    payload |= {"category": "C", "segmentIdKey": "segment_id", "anonymousId": "a1"}

    result = validate_payload("addProductToCart", payload)

    assert list(result) == [
        "segmentIdKey", "segmentId", "anonymousId", "productID", "sku", "qty", "category", "name"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "value", ["2024-03-05", "03/05/2024", "Tue, 05 Mar 2024 10:00:00 GMT", "1709632800", 1709632800]
)
def test_a_date_like_value_is_sent_unchanged(value: Any) -> None:
    result = validate_payload("createContactactivity", {"action": "a", "time": value})

    assert result == {"action": "a", "time": value}


ITEMS = [
    ("null inside an item is left out (fix)", [{**ITEM, "itemPrice": None, "qty": None}], [ITEM]),
    ("null element skipped (fix)", [None, dict(ITEM), None], [ITEM]),
    ("empty string kept", [{**ITEM, "category": ""}], [{**ITEM, "category": ""}]),
    ("undeclared item key dropped", [{**ITEM, "description": "d", "x": 1}], [ITEM]),
    (
        "coerced inside items",
        [{**ITEM, "itemPrice": "149.00", "qty": True, "sku": 7}],
        [{**ITEM, "itemPrice": 149, "qty": 1, "sku": "7"}],
    ),
    (
        "item keys keep the mapping's order",
        [{"properties": {"variant": None}, "name": "N", "sku": "S1", "productID": "P1"}],
        [{"properties": {"variant": None}, "name": "N", "sku": "S1", "productID": "P1"}],
    ),
    ("empty items", [], []),
    ("one object stands for a one-item array", dict(ITEM), [ITEM]),
]


@pytest.mark.parametrize(("name", "items", "sent"), ITEMS, ids=[c[0] for c in ITEMS])
def test_order_items(name: str, items: Any, sent: list[dict[str, Any]]) -> None:
    result = validate_payload("upsertOrder", order(items=items))

    assert json.dumps(result) == json.dumps({**ORDER, "items": sent})


def test_typed_discount_keeps_declared_non_empty_keys() -> None:
    discount = {"amount": "", "type": "fixed", "code": "X"}

    result = validate_payload("upsertOrder", order(discountApplication=discount))

    assert result["discountApplication"] == {"type": "fixed"}


REJECTED = [
    ("addProductToCart", cart(qty=2.5), ["'qty' must be an integer"]),
    ("addProductToCart", cart(qty="2.5"), ["'qty' must be an integer"]),
    ("addProductToCart", cart(qty="true"), ["'qty' must be an integer"]),
    ("addProductToCart", cart(itemPrice="abc"), ["'itemPrice' must be a number"]),
    ("addProductToCart", cart(itemPrice="NaN"), ["'itemPrice' must be a number"]),
    ("addProductToCart", cart(productID={"a": 1}), ["'productID' must be a string"]),
    ("addProductToCart", cart(productID=[1, 2]), ["'productID' must be a string"]),
    ("addProductToCart", cart(properties="x"), ["'properties' must be an object"]),
    (
        "addProductToCart",
        {"itemPrice": "abc", "url": 5},
        [
            "missing required field 'productID'",
            "missing required field 'sku'",
            "missing required field 'qty'",
            "missing required field 'category'",
            "missing required field 'name'",
            "'itemPrice' must be a number",
        ],
    ),
    ("createContactactivity", {"action": ""}, ["missing required field 'action'"]),
    (
        "createContactactivity",
        {"action": "a", "time": "abc"},
        ["'time' must be a date-like string"],
    ),
    ("createContactactivity", {"action": "a", "time": True}, ["'time' must be a date-like string"]),
    (
        "createContactactivity",
        {"action": "a", "time": ["2024-03-05"]},
        ["'time' must be a date-like string"],
    ),
    ("upsertOrder", {**ORDER}, ["missing required field 'items'"]),
    (
        "upsertOrder",
        order(items=[{"productID": "P1"}]),
        ["missing required field 'items[0].sku'", "missing required field 'items[0].name'"],
    ),
    (
        "upsertOrder",
        order(items=[{**ITEM, "sku": None}]),
        ["missing required field 'items[0].sku'"],
    ),
    ("upsertOrder", order(items=["x"]), ["'items[0]' must be an object"]),
    (
        "upsertOrder",
        order(items=[{**ITEM, "itemPrice": ""}]),
        ["'items[0].itemPrice' must be a number"],
    ),
    ("upsertOrder", order(items=[{**ITEM, "qty": 2.5}]), ["'items[0].qty' must be an integer"]),
    (
        "upsertOrder",
        order(discountApplication={"type": "percent", "amount": 5}),
        ["'discountApplication.type' must be one of: fixed"],
    ),
    (
        "upsertOrder",
        order(discountApplication="fixed"),
        ["'discountApplication' must be an object"],
    ),
    ("mergeContacts", {"segmentId": "u1"}, ["missing required field 'previousId'"]),
    ("upsertContact", {"segmentId": {"a": 1}}, ["'segmentId' must be a string"]),
]


@pytest.mark.parametrize(("action", "payload", "problems"), REJECTED)
def test_rejections_name_every_problem(
    action: str, payload: dict[str, Any], problems: list[str]
) -> None:
    with pytest.raises(PayloadValidationError) as raised:
        validate_payload(action, payload)

    assert raised.value.problems == problems
    assert raised.value.action == action
    assert not raised.value.retryable


def test_unknown_action_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown action 'nope'"):
        validate_payload("nope", {})


def _date_cases() -> list[dict[str, Any]]:
    lines = (DATA / "action_cases_dates.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


DATES = _date_cases()


@pytest.mark.parametrize("case", DATES, ids=[repr(c["value"]) for c in DATES])
def test_date_like_strings_as_the_reference_reads_them(case: dict[str, Any]) -> None:
    expected = case.get("product", case["accepted"])

    assert is_date_like(case["value"]) is expected


NUMBERS = [
    ("2", 2.0), (" 12.5\n", 12.5), ("", 0.0), ("0x1F", 31.0), ("0b101", 5.0), ("0o17", 8 + 7),
    ("-0x10", None), ("1_000", None), ("inf", None), ("-Infinity", float("-inf")), (".5", 0.5),
    ("5.", 5.0), ("1e-7", 1e-7), ("\u00a03\ufeff", 3.0), ("١٢", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "number"), NUMBERS)
def test_strings_read_as_javascript_numbers(text: str, number: float | None) -> None:
    result = to_number(text)

    assert math.isnan(result) if number is None else result == number


STRINGS = [
    (0.0, "0"),
    (-0.0, "0"),
    (2.0, "2"),
    (2.5, "2.5"),
    (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1e-7, "1e-7"),
    (1.5e-6, "0.0000015"),
    (0.1 + 0.2, "0.30000000000000004"),
    (-3.25, "-3.25"),
    (123456789012, "123456789012"),
    (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
]


@pytest.mark.parametrize(("number", "text"), STRINGS)
def test_numbers_written_as_javascript_writes_them(number: float, text: str) -> None:
    assert to_string(number) == text
