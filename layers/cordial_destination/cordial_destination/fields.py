"""The field schema of every action: body key, type, whether required, and default mapping.

Defaults are written in Segment's mapping language so that a team moving from Segment's
Cordial destination can read and override them as it always has. Each action's fields are
listed in the order their keys appear in the request body, which is the reference's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, Final

from cordial_destination.commerce_fields import (
    ADD_PRODUCT_TO_CART,
    REMOVE_PRODUCT_FROM_CART,
    UPSERT_ORDER,
)
from cordial_destination.field_schema import Field, FieldType, path, string

__all__ = [
    "ACTION_FIELDS",
    "EMAIL_IDENTITY",
    "IDENTITY",
    "Field",
    "FieldType",
    "default_mappings",
    "fields_of",
]


def _email_identity(*json_paths: str) -> Any:
    # A chain of @if/exists: the first path that holds an email wins; none gives no value,
    # so that an event without an email sends no userIdentities, as the reference does.
    result: Any = None
    for json_path in reversed(json_paths):
        branches: dict[str, Any] = {
            "exists": path(json_path),
            "then": {"channels.email.address": path(json_path)},
        }
        if result is not None:
            branches["else"] = result
        result = {"@if": branches}
    return result


#: Beyond the reference: find the contact by the email the event carries, when it has one.
EMAIL_IDENTITY: Final = _email_identity(
    "$.traits.email", "$.context.traits.email", "$.properties.email"
)

SEGMENT_ID_KEY: Final = Field(
    "segmentIdKey",
    "string",
    "Name of the unique Cordial contact attribute that stores the Segment user id.",
    setting="segmentIdKey",
)
SEGMENT_ID: Final = string("segmentId", "The Segment user id of the contact.", path("$.userId"))
ANONYMOUS_ID: Final = string(
    "anonymousId", "The Segment anonymous id of the contact.", path("$.anonymousId")
)
USER_IDENTITIES: Final = Field(
    "userIdentities",
    "object",
    "Cordial identifiers of the contact (e.g. channels.email.address), key to value.",
    default=EMAIL_IDENTITY,
)
IDENTITY: Final = (SEGMENT_ID_KEY, SEGMENT_ID, ANONYMOUS_ID, USER_IDENTITIES)
# A group call's traits describe the group (a company's billing email, say), not the user:
# list actions look for the user's email in context.traits and properties only.
GROUP_IDENTITY: Final = (
    SEGMENT_ID_KEY,
    SEGMENT_ID,
    ANONYMOUS_ID,
    replace(
        USER_IDENTITIES, default=_email_identity("$.context.traits.email", "$.properties.email")
    ),
)

CREATE_CONTACT_ACTIVITY: Final = (
    string(
        "action",
        "Name of the activity: the Segment event name, or pageView when there is none.",
        {"@if": {"exists": path("$.event"), "then": path("$.event"), "else": "pageView"}},
        required=True,
    ),
    Field("time", "datetime", "When the activity happened.", default=path("$.timestamp")),
    Field("properties", "object", "Properties of the activity.", default=path("$.properties")),
    Field("context", "object", "Segment context of the event.", default=path("$.context")),
)

UPSERT_CONTACT: Final = (
    Field(
        "attributes",
        "object",
        "Contact attributes to set, Cordial attribute key to value (dot keys stay flat).",
    ),
)

GROUP_ID: Final = string(
    "groupId", "Segment group id that names the list.", path("$.groupId"), required=True
)
ADD_CONTACT_TO_LIST: Final = (
    GROUP_ID,
    string(
        "listName",
        "Name of the Cordial list; Cordial uses segment_<groupId> when absent.",
        path("$.traits.name"),
    ),
)

# mergeContacts carries no userIdentities, and the reference sends anonymousId first.
MERGE_CONTACTS: Final = (
    SEGMENT_ID_KEY,
    ANONYMOUS_ID,
    SEGMENT_ID,
    string(
        "previousId",
        "The id the contact was known by before.",
        path("$.previousId"),
        required=True,
    ),
)

#: Every action's fields in body order, keyed by slug, in the spec's order of actions.
ACTION_FIELDS: Final[Mapping[str, tuple[Field, ...]]] = MappingProxyType(
    {
        "createContactactivity": IDENTITY + CREATE_CONTACT_ACTIVITY,
        "upsertContact": IDENTITY + UPSERT_CONTACT,
        "addContactToList": GROUP_IDENTITY + ADD_CONTACT_TO_LIST,
        "removeContactFromList": (*IDENTITY, GROUP_ID),
        "addProductToCart": IDENTITY + ADD_PRODUCT_TO_CART,
        "removeProductFromCart": IDENTITY + REMOVE_PRODUCT_FROM_CART,
        "upsertOrder": IDENTITY + UPSERT_ORDER,
        "mergeContacts": MERGE_CONTACTS,
    }
)


def fields_of(action: str) -> tuple[Field, ...]:
    """The fields of ``action`` in body order; KeyError names an unknown slug."""
    try:
        return ACTION_FIELDS[action]
    except KeyError:
        raise KeyError(f"unknown action '{action}'") from None


def default_mappings(action: str) -> dict[str, Any]:
    """The default mapping of every mapped field of ``action`` that has one."""
    return {
        field.key: field.default
        for field in fields_of(action)
        if field.mappable and field.default is not None
    }
