"""What each Cordial segment action accepts, as the sandbox checks it before touching state.

Checks are on JSON types and required keys only; date formats and mapping rules are the
product's job, and the sandbox must not hide a product bug by being looser than Cordial.
"""

from __future__ import annotations

from typing import Any, TypeGuard

# A field: (JSON type, required). "identities" is an object of string values, "items" an
# array of order items, "object|null" an object that may be sent as null.
FieldSpec = tuple[str, bool]

TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "object": "an object",
    "object|null": "an object or null",
    "date": "a date string or a unix time number",
}

IDENTITY_FIELDS: dict[str, FieldSpec] = {
    "segmentIdKey": ("string", False),
    "segmentId": ("string", False),
    "anonymousId": ("string", False),
    "userIdentities": ("identities", False),
}

ITEM_FIELDS: dict[str, FieldSpec] = {
    "productID": ("string", True),
    "sku": ("string", True),
    "category": ("string", False),
    "name": ("string", True),
    "manufacturerName": ("string", False),
    "itemPrice": ("number", False),
    "qty": ("integer", False),
    "url": ("string", False),
    "imageUrl": ("string", False),
    "properties": ("object", False),
}

ACTION_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "createContactactivity": {
        "action": ("string", True),
        "time": ("date", False),
        "properties": ("object", False),
        "context": ("object", False),
    },
    "upsertContact": {"attributes": ("object", False)},
    "addContactToList": {"groupId": ("string", True), "listName": ("string", False)},
    "removeContactFromList": {"groupId": ("string", True)},
    "addProductToCart": {
        "productID": ("string", True),
        "sku": ("string", True),
        "qty": ("integer", True),
        "category": ("string", True),
        "name": ("string", True),
        "description": ("string", False),
        "itemPrice": ("number", False),
        "url": ("string", False),
        "imageUrl": ("string", False),
        "properties": ("object", False),
    },
    "removeProductFromCart": {"productID": ("string", True), "qty": ("integer", True)},
    "upsertOrder": {
        "orderID": ("string", True),
        "purchaseDate": ("date", True),
        "status": ("string", True),
        "totalAmount": ("number", True),
        "discountApplication": ("object|null", False),
        "properties": ("object", False),
        "items": ("items", True),
    },
    "mergeContacts": {"previousId": ("string", True)},
}


def body_problems(slug: str, body: dict[str, Any]) -> list[str]:
    """Every reason Cordial would refuse `body` for `slug`; empty when it is acceptable."""
    problems = _object_problems(body, IDENTITY_FIELDS | ACTION_FIELDS[slug], prefix="")
    qty = body.get("qty")
    if slug in ("addProductToCart", "removeProductFromCart") and _is_integer(qty) and qty <= 0:
        problems.append("'qty' must be greater than 0")
    return problems


def _object_problems(obj: dict[str, Any], fields: dict[str, FieldSpec], prefix: str) -> list[str]:
    problems: list[str] = []
    for name, (kind, required) in fields.items():
        where = f"{prefix}{name}"
        if name not in obj:
            if required:
                problems.append(f"missing required field '{where}'")
            continue

        value = obj[name]
        if required and value == "":
            problems.append(f"'{where}' must not be empty")
        problems.extend(_value_problems(value, kind, where))
    return problems


def _value_problems(value: Any, kind: str, where: str) -> list[str]:
    if kind == "identities":
        if not isinstance(value, dict):
            return [f"'{where}' must be an object"]
        return [f"'{where}.{k}' must be a string" for k, v in value.items() if not _is(v, "string")]
    if kind == "items":
        if not isinstance(value, list):
            return [f"'{where}' must be an array"]
        return _items_problems(value, where)
    if not _is(value, kind):
        return [f"'{where}' must be {TYPE_NAMES[kind]}"]
    return []


def _items_problems(items: list[Any], where: str) -> list[str]:
    problems: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"'{where}[{index}]' must be an object")
            continue
        problems.extend(_object_problems(item, ITEM_FIELDS, prefix=f"{where}[{index}]."))
    return problems


def _is(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return _is_integer(value)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "date":
        # Segment's Node library may send a timestamp as epoch milliseconds, unchanged.
        return isinstance(value, str) or _is(value, "number")
    if kind == "object|null":
        return value is None or isinstance(value, dict)
    return isinstance(value, dict)


def _is_integer(value: Any) -> TypeGuard[int]:
    # JSON true arrives as a Python bool, which is an int; Cordial's integers are not booleans.
    return isinstance(value, int) and not isinstance(value, bool)
