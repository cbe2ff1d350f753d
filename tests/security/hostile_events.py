"""Hypothesis strategies for hostile queue records, and a dead-letter queue that checks like SQS.

The events are shaped like Segment's so that the fuzzing reaches every action's mapped
paths, but every value in them may be anything JSON can carry, and some things it cannot:
NaN and Infinity tokens, numbers past a float's range, integers past Python's digit limit,
lone surrogates, control characters, very long strings and very deep nesting.

Long values are built by named functions from small draws, so that Hypothesis never
writes them out when it describes a strategy.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any, Final

from botocore.exceptions import ClientError
from hypothesis import strategies as st

from cordial_destination.dead_letters import DeadLetter

# What SQS accepts: these characters in a body or a string attribute, and 256 KiB for a
# message, its attributes included.
SQS_TEXT: Final = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
SQS_MAX_BYTES: Final = 256 * 1024
SQS_MAX_ATTRIBUTES: Final = 10
#: a record body's bound here: the rest of SQS's 256 KiB is room for a dead letter's attributes
RECORD_MAX_BYTES: Final = 250_000

#: a string that marks where a raw JSON token replaces the quoted string in a body
RAW_MARK: Final = "\x00raw:"
RAW_TOKENS: Final = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "0.1e-400", "1" * 40)
NUMERIC_TEXT: Final = (
    "2",
    " 2 ",
    "12.5",
    "-0",
    "0x1F",
    "0b101",
    "0o17",
    "1e21",
    "1e400",
    "Infinity",
    "-Infinity",
    "NaN",
    "",
    " ",
    "abc",
    "2.5",
)
HOSTILE_TEXT: Final = (
    "\ud800",
    "a\udfffb",
    "\x00",
    "line\r\nX-Injected: 1",
    " leading space",
    "\u202eevil",
    "日本語",
    "😀😀😀",
    "{{a}}",
    "$.properties",
    "@path",
    "<script>",
    "'; DROP TABLE",
)
EMAILS: Final = ("alice.fuzz@example.com", "bob+tag@example.org")
PHONES: Final = ("+1 (415) 555-0100", "020 7946 0958")
KEYS: Final = st.sampled_from(
    ["a", "", "email", "product_id", "sku", "quantity", "price", "name", "$.x", "@path", "é"]
)
TRACK_EVENTS: Final = (
    "Product Added",
    "Product Removed",
    "Order Completed",
    "Order Updated",
    "Order Refunded",
    "Order Cancelled",
    "Removed From Group",
    "Signed Up",
    "",
    "product added",
)
SEGMENT_TYPES: Final = ("track", "page", "identify", "group", "alias", "screen")


def long_text(kind: str) -> str:
    """Strings long enough to trip a parser or a limit, named by what they are."""
    return {
        "hex past a double": "0x" + "f" * 300,
        "digits past a double": "9" * 400,
        "digits past int()": "1" * 5000 + "e5",
        "date of many digits": "Jan 5 " + "7" * 5000,
        "raw integer past int()": RAW_MARK + "1" * 5000,
        "header-long id": "m" * 70_000,
    }[kind]


def huge_text(kind: str) -> str:
    """Past the 64 KiB body bound the fuzzed processors use, in one or two bytes a char."""
    return "x" * 66_000 if kind == "ascii" else "é" * 33_000


def nested(depth: int) -> Any:
    value: Any = {"email": EMAILS[0]}
    for index in range(depth):
        value = {"x": value} if index % 2 else [value]
    return value


def raw(token: str) -> str:
    return RAW_MARK + token


LONG_TEXT_KINDS: Final = (
    "hex past a double",
    "digits past a double",
    "digits past int()",
    "date of many digits",
    "raw integer past int()",
    "header-long id",
)
short_hostile = st.sampled_from(NUMERIC_TEXT + HOSTILE_TEXT + EMAILS + PHONES)
#: a raw token makes the whole body unreadable, so it comes less often than the rest
hostile_scalars = st.one_of(
    short_hostile,
    short_hostile,
    short_hostile,
    st.sampled_from(LONG_TEXT_KINDS).map(long_text),
    st.sampled_from(LONG_TEXT_KINDS).map(long_text),
    st.sampled_from(RAW_TOKENS).map(raw),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    hostile_scalars,
)


def json_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4)


json_values = st.recursive(scalars, json_containers, max_leaves=8)
#: deep enough to pass json.loads but not every recursive walk, or to fail json.loads
deep_values = st.sampled_from([40, 300, 480, 700, 990, 1500, 5000]).map(nested)
huge_strings = st.sampled_from(["ascii", "two-byte"]).map(huge_text)
#: any value, most often one that a coercion or an encoder may trip over
wild_values = st.one_of(
    hostile_scalars,
    hostile_scalars,
    hostile_scalars,
    hostile_scalars,
    json_values,
    json_values,
    st.one_of(deep_values, huge_strings),
)


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


products = st.lists(
    st.one_of(
        st.none(),
        optional(
            product_id=wild_values,
            sku=wild_values,
            name=wild_values,
            price=wild_values,
            quantity=wild_values,
            brand=wild_values,
        ),
        wild_values,
    ),
    max_size=3,
)
properties = optional(
    product_id=wild_values,
    sku=wild_values,
    quantity=wild_values,
    category=wild_values,
    name=wild_values,
    price=wild_values,
    order_id=wild_values,
    total=wild_values,
    discount=wild_values,
    products=st.one_of(products, wild_values),
    email=wild_values,
)
segment_messages = st.fixed_dictionaries(
    {
        "type": st.one_of(st.sampled_from(SEGMENT_TYPES), wild_values),
        "messageId": st.one_of(st.uuids().map(str), wild_values),
    },
    optional={
        "event": st.one_of(st.sampled_from(TRACK_EVENTS), wild_values),
        "userId": wild_values,
        "anonymousId": wild_values,
        "previousId": wild_values,
        "groupId": wild_values,
        "timestamp": wild_values,
        "properties": st.one_of(properties, wild_values),
        "traits": st.one_of(optional(email=wild_values, name=wild_values), wild_values),
        "context": wild_values,
        "integrations": st.one_of(
            optional(Cordial=st.one_of(st.booleans(), wild_values), All=st.booleans()),
            wild_values,
        ),
    },
)
#: the `detail` of an EventBridge event: mostly Segment-shaped, sometimes any JSON at all
details = st.one_of(segment_messages, segment_messages, segment_messages, wild_values)

#: one event per action that the sandbox accepts as it is
GOOD: Final[dict[str, dict[str, Any]]] = {
    "createContactactivity": {"type": "track", "event": "Signed Up"},
    "upsertContact": {"type": "identify", "traits": {"email": "good@example.com"}},
    "addContactToList": {"type": "group", "groupId": "g-1", "traits": {"name": "VIP"}},
    "removeContactFromList": {"type": "track", "event": "Removed From Group", "groupId": "g-1"},
    "addProductToCart": {
        "type": "track",
        "event": "Product Added",
        "properties": {"product_id": "p", "sku": "s", "quantity": 1, "category": "c", "name": "n"},
    },
    "removeProductFromCart": {
        "type": "track",
        "event": "Product Removed",
        "properties": {"product_id": "p", "quantity": 1},
    },
    "upsertOrder": {
        "type": "track",
        "event": "Order Completed",
        "timestamp": "2024-05-01T10:00:00Z",
        "properties": {
            "order_id": "o-1",
            "total": 10,
            "discount": 2,
            "products": [{"product_id": "p", "sku": "s", "name": "n", "price": 5}],
        },
    },
    "mergeContacts": {"type": "alias", "previousId": "old-1"},
}
#: where every event carries values the actions map (the message id three times over)
IDENTITY_PATHS: Final = (
    ("type",),
    ("messageId",),
    ("messageId",),
    ("messageId",),
    ("userId",),
    ("anonymousId",),
    ("traits", "email"),
    ("context", "traits", "email"),
    ("integrations",),
    ("integrations", "Cordial"),
)
PRODUCT_KEYS: Final = ("product_id", "sku", "quantity", "category", "name", "price", "brand")
#: per action, the paths of the event its fields are mapped from
ACTION_PATHS: Final[dict[str, tuple[tuple[Any, ...], ...]]] = {
    "createContactactivity": (
        ("event",),
        ("timestamp",),
        ("properties",),
        ("properties", "email"),
        ("context",),
        ("traits",),
    ),
    "upsertContact": (("traits",), ("traits", "name"), ("context",), ("properties", "email")),
    "addContactToList": (("groupId",), ("traits",), ("traits", "name")),
    "removeContactFromList": (("groupId",), ("event",)),
    "addProductToCart": (
        ("properties",),
        *(("properties", key) for key in (*PRODUCT_KEYS, "url", "image_url", "coupon")),
    ),
    "removeProductFromCart": (
        ("properties",),
        ("properties", "product_id"),
        ("properties", "quantity"),
    ),
    "upsertOrder": (
        ("event",),
        ("timestamp",),
        ("properties",),
        ("properties", "order_id"),
        ("properties", "total"),
        ("properties", "discount"),
        ("properties", "revenue"),
        ("properties", "currency"),
        ("properties", "products"),
        ("properties", "products", 0),
        *(("properties", "products", 0, key) for key in PRODUCT_KEYS),
    ),
    "mergeContacts": (("previousId",),),
}
#: mappings that walk whole event objects, as a deployment's mapping file may
OVERRIDES: Final = {
    "*": {"userIdentities": {"channels.email.address": {"@path": "$.traits.email"}}},
    "upsertContact": {
        "attributes": {
            "traits": {"@json": {"value": {"@path": "$.traits"}, "mode": "encode"}},
            "name": {"@template": "{{traits.name}} ({{context.traits.email}})"},
        }
    },
    "createContactactivity": {
        "properties": {"@flatten": {"value": {"@path": "$.properties"}, "separator": "."}}
    },
}


def mutate(message: dict[str, Any], changes: list[tuple[tuple[Any, ...], Any]]) -> dict[str, Any]:
    """A copy of `message` with each (path, value) set where the path still leads somewhere."""
    result: dict[str, Any] = json.loads(json.dumps(message))
    for path, value in changes:
        parent: Any = result
        for step in path[:-1]:
            if isinstance(parent, dict) and isinstance(step, str):
                parent = parent.setdefault(step, {})
            elif isinstance(parent, list) and isinstance(step, int) and len(parent) > step:
                parent = parent[step]
            else:
                break
        else:
            last = path[-1]
            in_object = isinstance(parent, dict) and isinstance(last, str)
            in_array = isinstance(parent, list) and isinstance(last, int) and len(parent) > last
            if in_object or in_array:
                parent[last] = value
    return result


class Mutations:
    """Turns drawn (path, value) changes into the action's good event, changed."""

    def __init__(self, action: str) -> None:
        self.base = {**GOOD[action], "userId": "user-1", "messageId": "m-1"}

    def __call__(self, changes: list[tuple[tuple[Any, ...], Any]]) -> dict[str, Any]:
        return mutate(self.base, changes)


def mutated(action: str) -> st.SearchStrategy[dict[str, Any]]:
    """The action's good event, with up to four of its values made wild.

    The action's own paths come first: Hypothesis draws the first of a list most often.
    """
    paths = st.sampled_from(ACTION_PATHS[action] + IDENTITY_PATHS)
    changes = st.lists(st.tuples(paths, wild_values), min_size=1, max_size=4)
    return changes.map(Mutations(action))


def shortened(value: Any, limit: int = 10_000) -> Any:
    """`value` with every string cut to `limit` characters."""
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, list):
        return [shortened(item, limit) for item in value]
    if isinstance(value, dict):
        return {key: shortened(item, limit) for key, item in value.items()}
    return value


def to_body(detail: Any, *, ascii_only: bool = True) -> str:
    """An SQS body holding an EventBridge event, with the raw tokens put in place.

    It is what SQS could hold: lone surrogates only escaped, and at most RECORD_MAX_BYTES
    (EventBridge events are at most 256 KB); a bigger one has its long strings cut.
    """
    envelope = {"version": "0", "detail-type": "fuzz", "source": "fuzz", "detail": detail}
    try:
        text = json.dumps(envelope, ensure_ascii=ascii_only)
    except RecursionError:
        text = json.dumps({**envelope, "detail": "too deep to write"})
    if not SQS_TEXT.fullmatch(text):
        text = json.dumps(envelope)
    if len(text.encode("utf-8")) > RECORD_MAX_BYTES:
        try:
            text = json.dumps({**envelope, "detail": shortened(detail)})
        except RecursionError:
            text = json.dumps({**envelope, "detail": "too deep and too large to write"})
    return re.sub(r'"\\u0000raw:([^"]*)"', r"\1", text)


def bodies(detail: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """SQS bodies holding the drawn details, written in ASCII or not."""
    return st.builds(to_body, detail, ascii_only=st.booleans())


def is_not_an_object(text: str) -> bool:
    return not text.lstrip().startswith("{") and SQS_TEXT.fullmatch(text) is not None


def deep_brackets(depth: int) -> str:
    return "[" * depth + "]" * depth


def long_integer_detail(digits: int) -> str:
    return '{"detail": {"type": "track", "x": 1' + "0" * digits + "}}"


#: bodies that are never an EventBridge event carrying a Segment event
malformed_bodies = st.one_of(
    st.text(min_size=1, max_size=40).filter(is_not_an_object),
    st.sampled_from(
        [
            "{",
            '{"detail": ',
            "[]",
            "null",
            '"text"',
            "{}",
            '{"detail": null}',
            '{"detail": []}',
            '{"detail": {}}',
            '{"detail": {"type": 5}}',
            '{"detail": {"type": ""}}',
            '{"detail": {"type": "purchase"}}',
            '{"detail": {"type": "track", "x": NaN}}',
            '{"detail": {"type": "track"}, "detail": {"type": "bogus"}}',
        ]
    ),
    st.just(100_000).map(deep_brackets),
    st.just(5000).map(long_integer_detail),
)


def sqs_record(body: Any, *, receive_count: Any = "1") -> dict[str, Any]:
    """A record as Lambda's SQS event source hands it over; `body` may be anything."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle-" + str(uuid.uuid4()),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": receive_count,
            "SentTimestamp": str(int(time.time() * 1000)),
        },
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


class CheckingDeadLetterQueue:
    """Keeps dead letters in memory, refusing what SQS's SendMessage would refuse."""

    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    def put(self, letter: DeadLetter) -> None:
        attributes = letter.attributes()
        size = len(letter.body.encode("utf-8", "surrogatepass"))
        problems = [] if letter.body and SQS_TEXT.fullmatch(letter.body) else ["bad body"]
        if len(attributes) > SQS_MAX_ATTRIBUTES:
            problems.append("too many attributes")
        for name, value in attributes.items():
            text = value.get("StringValue", "")
            size += len(name.encode()) + len(value["DataType"].encode())
            size += len(text.encode("utf-8", "surrogatepass"))
            if not text or not SQS_TEXT.fullmatch(text):
                problems.append(f"attribute {name!r} is empty or has invalid characters")
            if value["DataType"] == "Number" and not re.fullmatch(r"-?\d+(\.\d+)?", text):
                problems.append(f"attribute {name!r} is not a number")
        if size > SQS_MAX_BYTES:
            problems.append(f"message is {size} bytes")
        if problems:
            error = {"Code": "InvalidParameterValue", "Message": "; ".join(problems)}
            raise ClientError({"Error": error}, "SendMessage")
        self.letters.append(letter)


def message_of(body: Any) -> Mapping[str, Any] | None:
    """The Segment message in a body when it reads as one, for the skip check."""
    try:
        detail = json.loads(body)["detail"]
    except (TypeError, ValueError, KeyError, IndexError, RecursionError):
        return None
    return detail if isinstance(detail, dict) else None
